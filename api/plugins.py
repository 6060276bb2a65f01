"""The plugin manager: discovery through the `taskforce` entry points, isolation of broken plugins,
the table-kind registry, plugin blueprints and table events."""
import logging
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy
from flask import Flask, current_app
from werkzeug.exceptions import HTTPException

from api import hookspecs
from api.metrics import count_plugin_error
from api.tables.kinds import InvalidKind, TableKind

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "taskforce"
BUILT_IN_DISTRIBUTION = "taskforce-api"


@dataclass
class PluginReport:
    name: str
    distribution: str | None
    status: str  # "loaded", "failed" or "disabled"
    error: str | None = None
    kinds: list = field(default_factory=list)


class PluginBroken(Exception):
    """A plugin cannot be used; the message says why."""


class PluginRegistry:
    """The plugins loaded into one app, the table kinds they provide and their hooks."""

    def __init__(self, reserved_blueprint_names=(), core_routes=None):
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.kinds = {}
        self.reports = []
        # Flask refuses a second blueprint with a taken name by failing start-up: refuse the plugin instead.
        self.blueprint_names = set(reserved_blueprint_names)
        # Werkzeug would let a plugin's route answer in place of a core one at the same address: refuse it.
        self.core_routes = core_routes

    @property
    def hook(self):
        return self.manager.hook

    def kind(self, name):
        return self.kinds.get(name)

    def add(self, name, plugin, distribution=None):
        """Validate a plugin in isolation, then register it; raise PluginBroken when it is unusable."""
        trial = pluggy.PluginManager(hookspecs.PROJECT)
        trial.add_hookspecs(hookspecs)
        try:
            trial.register(plugin, name=name)
            trial.check_pending()
            declared = [kind for kinds in trial.hook.register_table_kinds() for kind in (kinds or [])]
            blueprints = [bp for bps in trial.hook.register_blueprints() for bp in (bps or [])]
        except pluggy.PluginValidationError as error:
            raise PluginBroken(f"invalid hook implementation: {error}") from None
        except Exception as error:  # a plugin's own code failing while declaring itself
            raise PluginBroken(f"{type(error).__name__} while declaring: {error}") from None
        names = []
        for kind in declared:
            if not isinstance(kind, TableKind):
                raise PluginBroken(f"register_table_kinds returned {type(kind).__name__}, not TableKind")
            try:
                kind.validate_declaration()
            except InvalidKind as error:
                raise PluginBroken(f"invalid table kind: {error}") from None
            if kind.name in self.kinds or kind.name in names:
                owner = next((r.name for r in self.reports if kind.name in r.kinds), name)
                raise PluginBroken(f"duplicate table kind name {kind.name!r} (already provided by plugin {owner!r})")
            names.append(kind.name)
        for blueprint in blueprints:
            prefix = getattr(blueprint, "url_prefix", None) or ""
            if not prefix.startswith("/api/v1/"):
                raise PluginBroken(f"blueprint {getattr(blueprint, 'name', blueprint)!r} must have a url_prefix under /api/v1/")
        blueprint_names = [blueprint.name for blueprint in blueprints]
        taken = sorted(n for n in set(blueprint_names) if n in self.blueprint_names or blueprint_names.count(n) > 1)
        if taken:
            raise PluginBroken(f"blueprint name(s) {', '.join(map(repr, taken))} already taken")
        if self.core_routes is not None:
            shadowed = sorted({route for blueprint in blueprints for route in self.core_routes.shadowed_by(blueprint)})
            if shadowed:
                raise PluginBroken(f"route(s) {', '.join(shadowed)} already served by the core API")
        self.manager.register(plugin, name=name)
        self.blueprint_names.update(blueprint_names)
        for kind in declared:
            self.kinds[kind.name] = kind
        self.reports.append(PluginReport(name, distribution, "loaded", kinds=names))
        return blueprints

    def fire(self, hook_name, **kwargs):
        """Call an event hook on every plugin; a failing plugin is logged, never propagated."""
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
                count_plugin_error(impl.plugin_name, hook_name)


class CoreRoutes:
    """The addresses the core API serves, to tell whether a plugin's route would take one over."""

    _VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")

    def __init__(self, app, core_blueprint_names):
        self.adapter = app.url_map.bind("localhost")
        self.blueprint_names = set(core_blueprint_names) | {"static"}

    def shadowed_by(self, blueprint):
        """Return "METHOD /path" for each route of blueprint that a core route already answers."""
        scratch = Flask("plugin-routes")
        try:
            scratch.register_blueprint(blueprint)
        except Exception as error:  # a blueprint Flask cannot mount at all
            raise PluginBroken(f"blueprint {blueprint.name!r} cannot be mounted: {error}") from None
        shadowed = []
        for rule in scratch.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            sample = self._VARIABLE.sub(lambda m: "1" if m.group(1) in ("int", "float") else "x", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                try:
                    endpoint, _ = self.adapter.match(sample, method=method)
                except HTTPException:  # not found, another method, or a redirect: no core route answers it
                    continue
                if endpoint.split(".")[0] in self.blueprint_names:
                    shadowed.append(f"{method} {rule.rule}")
        return shadowed


def load_plugins(app, core_blueprints=()):
    """Discover and register the plugins of the `taskforce` entry-point group; return their blueprints.

    The core blueprints must already be registered on app, so that a plugin route taking over one of
    their addresses is refused.
    """
    core_names = {blueprint.name for blueprint in core_blueprints}
    registry = PluginRegistry(core_names | set(app.blueprints), CoreRoutes(app, core_names) if core_names else None)
    selection = app.config.get("PLUGINS")
    blueprints = []
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_load_order):
        distribution = entry_point.dist.name if entry_point.dist else None
        if selection is not None and entry_point.name not in selection:
            registry.reports.append(PluginReport(entry_point.name, distribution, "disabled"))
            continue
        if entry_point.name in registry.manager.list_name_plugin() and registry.manager.get_plugin(entry_point.name):
            _broken(registry, entry_point.name, distribution, "another plugin already has this name")
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:
            _broken(registry, entry_point.name, distribution, f"cannot import {entry_point.value}: {type(error).__name__}: {error}")
            continue
        try:
            blueprints.extend(registry.add(entry_point.name, plugin, distribution))
        except PluginBroken as error:
            _broken(registry, entry_point.name, distribution, str(error))
    loaded = [r.name for r in registry.reports if r.status == "loaded"]
    log.info("plugins loaded: %s; table kinds: %s", ", ".join(loaded) or "none", ", ".join(sorted(registry.kinds)) or "none")
    app.extensions["taskforce_plugins"] = registry
    return blueprints


def _load_order(entry_point):
    """Built-in plugins first, so that an outside plugin reusing a built-in kind's name is the one refused."""
    distribution = entry_point.dist.name if entry_point.dist else None
    return distribution != BUILT_IN_DISTRIBUTION, entry_point.name


def _broken(registry, name, distribution, message):
    log.error("plugin %s skipped: %s", name, message)
    registry.reports.append(PluginReport(name, distribution, "failed", message))


def registry():
    return current_app.extensions["taskforce_plugins"]
