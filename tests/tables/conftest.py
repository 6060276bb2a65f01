"""Fixtures for tables: plugin distributions installed from tests/plugin_dists, sessions and table factories.

Tests marked ``@pytest.mark.plugin_dists("tourism_v1", ...)`` get an ``app`` (and so ``client``,
``admin``, ``create_session``, ...) built after those distributions were installed; tests marked
``@pytest.mark.app_settings(PLUGINS=[...])`` get one built with those settings.
"""
import importlib
import shutil
import sys
from pathlib import Path

import pytest

from tests.tables.helpers import table_body, tables_url

DISTS = Path(__file__).resolve().parent.parent / "plugin_dists"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "plugin_dists(*names): install these distributions of tests/plugin_dists before building the app")
    config.addinivalue_line("markers", "app_settings(**settings): build the app with these settings")


class PluginInstaller:
    """Installs the tiny distributions of tests/plugin_dists the way pip would: a folder on sys.path
    holding the package and its .dist-info, so importlib.metadata finds their entry points."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.packages = set()
        self.installed = {}

    def install(self, name):
        """Copy tests/plugin_dists/<name> to a fresh folder on sys.path; return the folder."""
        target = self.tmp_path / "site" / name
        shutil.copytree(DISTS / name, target, ignore=shutil.ignore_patterns("__pycache__"))
        packages = {path.name for path in target.iterdir() if (path / "__init__.py").exists()}
        self.packages |= packages
        # Another version of the package may have been imported earlier: make the next import read these files.
        self.purge(packages)
        self.monkeypatch.syspath_prepend(str(target))
        self.installed[name] = target
        return target

    def uninstall(self, name):
        """Take an installed distribution off sys.path and forget its imported modules."""
        target = self.installed.pop(name)
        sys.path.remove(str(target))
        self.purge({path.name for path in target.iterdir() if (path / "__init__.py").exists()})
        importlib.invalidate_caches()

    def purge(self, packages=None):
        """Forget the imported modules of these packages (default: every package installed so far)."""
        packages = self.packages if packages is None else packages
        for module in [m for m in sys.modules if m.split(".")[0] in packages]:
            del sys.modules[module]


@pytest.fixture
def plugin_installer(tmp_path, monkeypatch):
    installer = PluginInstaller(tmp_path, monkeypatch)
    yield installer
    # monkeypatch restores sys.path; modules imported during the test must not leak into the next one.
    installer.purge()


@pytest.fixture
def app(request, make_app, plugin_installer):
    dists = request.node.get_closest_marker("plugin_dists")
    for name in dists.args if dists else ():
        plugin_installer.install(name)
    settings = request.node.get_closest_marker("app_settings")
    return make_app(**(settings.kwargs if settings else {}))


@pytest.fixture
def session(create_session):
    """A published session, 2012-10-23 to 2012-10-26 in Europe/Rome."""
    return create_session()


@pytest.fixture
def create_table(client, admin, session):
    """Create a table through the API (in `session` unless another is given); return its representation."""
    def create(in_session=None, headers=None, **overrides):
        response = client.post(tables_url(in_session or session), json=table_body(**overrides), headers=headers or admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create
