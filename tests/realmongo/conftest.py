"""A real MongoDB for the tests marked realmongo: set TEST_MONGODB_URI (any database name in it is replaced).

Each test module gets an app on a fresh database (named taskforce_test_<random>) loaded with the demo data,
dropped when the module ends. Every command the driver sends to that database can be recorded, so a test
can ask the server how it plans exactly the queries the app sent (explain).
"""
import os
import urllib.parse
import uuid

import mongoengine
import pytest
from bson import SON
from pymongo import monitoring

from tests.conftest import TEST_CONFIG

READ_COMMANDS = ("find", "aggregate", "count", "distinct")
_NOT_EXPLAINABLE = ("lsid", "txnNumber", "readConcern", "writeConcern", "signature", "apiVersion", "apiStrict")


class CommandLog(monitoring.CommandListener):
    """The read commands sent to one database while recording."""

    def __init__(self):
        self.database = None
        self.recording = False
        self.commands = []

    def started(self, event):
        if self.recording and event.database_name == self.database and event.command_name in READ_COMMANDS:
            self.commands.append(SON((k, v) for k, v in event.command.items()
                                     if not k.startswith("$") and k not in _NOT_EXPLAINABLE))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


_COMMAND_LOG = None


def command_log():
    """The process-wide listener (pymongo listeners cannot be unregistered: register one, once)."""
    global _COMMAND_LOG
    if _COMMAND_LOG is None:
        _COMMAND_LOG = CommandLog()
        monitoring.register(_COMMAND_LOG)
    return _COMMAND_LOG


def with_database(uri, name):
    """The connection string with its database replaced by name (options kept).

    The database in a connection string is also where credentials are checked unless authSource says
    otherwise: keep checking them where the original string did.
    """
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if "@" in parts.netloc and not any(k.lower() == "authsource" for k, _ in query):
        query.append(("authSource", parts.path.strip("/") or "admin"))
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}", query=urllib.parse.urlencode(query)))


@pytest.fixture(scope="module")
def real_app():
    from api import create_app
    from api.extensions import DATABASE_ALIAS, database

    name = f"taskforce_test_{uuid.uuid4().hex[:12]}"
    log = command_log()  # before the app's client exists: new clients pick up the registered listeners
    log.database = name
    app = create_app({**TEST_CONFIG, "MONGODB_URI": with_database(os.environ["TEST_MONGODB_URI"], name),
                      "LOAD_DEMO_DATA": True})
    yield app
    with app.app_context():
        database().client.drop_database(name)
    mongoengine.disconnect(DATABASE_ALIAS)


@pytest.fixture
def real_client(real_app):
    return real_app.test_client()


@pytest.fixture(scope="module")
def real_admin(real_app):
    from tests.conftest import account_token
    return {"Authorization": f"Bearer {account_token(real_app, 'admin')}"}


@pytest.fixture
def recorded(real_app):
    """Record the read commands sent while the block runs: `with recorded() as commands: ...`."""
    import contextlib

    log = command_log()

    @contextlib.contextmanager
    def record():
        log.commands = []
        log.recording = True
        try:
            yield log.commands
        finally:
            log.recording = False
    return record
