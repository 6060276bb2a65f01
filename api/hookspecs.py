"""The plugin contract: the hooks a Taskforce plugin may implement.

A plugin is a module (or package) exposed under the entry-point group ``taskforce`` of an installed
distribution, e.g. in its ``pyproject.toml``::

    [project.entry-points.taskforce]
    tourism_showcase = "taskforce_tourism"

and implementing some of the hooks below with the ``hookimpl`` marker, imported (like everything a plugin
uses) from ``api.plugin_api``, the one module plugins may import::

    from api.plugin_api import TableKind, hookimpl

    @hookimpl
    def register_table_kinds():
        return [TableKind(name="tourism_showcase", version=1, label={"en": "Tourism showcase"},
                          description={"en": "…"}, schema=ShowcaseAttributes)]

The built-in kinds in ``plugins/`` are registered exactly this way. Every hook is optional. A plugin
that fails to import, declares an invalid kind, implements an unknown hook or reuses a kind name is
reported at start and skipped; the API runs without it. See docs/plugins.md.
"""
import pluggy

from api.tables.kinds import TableKind

PROJECT = "taskforce"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["hookimpl", "hookspec", "TableKind"]


@hookspec
def register_table_kinds():
    """Return a list of :class:`TableKind` objects this plugin provides.

    Each kind's ``name`` must be unique across installed plugins; its ``version`` grows whenever its
    attribute schema changes, with an upgrade function for every older version.
    """


@hookspec
def register_blueprints():
    """Return a list of flask-smorest ``Blueprint`` objects to mount.

    Their ``url_prefix`` must start with ``/api/v1/`` and must not collide with core routes. They
    appear in the OpenAPI document like core routes.
    """


@hookspec
def table_created(table, session):
    """Called after a table was created.

    ``table`` and ``session`` are the new table's and its session's full representations (dicts).
    Exceptions are logged and never undo the change.
    """


@hookspec
def table_updated(table, previous, session):
    """Called after a table was changed (PUT, PATCH or restore): ``previous`` is the state before."""


@hookspec
def table_deleted(table, session):
    """Called after a table was deleted: ``table`` is its last state."""
