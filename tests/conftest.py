"""Fixtures: an app on a fresh embedded store per test, a client, tokens by role, resource factories."""
import itertools
import os
import threading

import pytest
from argon2 import PasswordHasher
from bson import ObjectId

from werkzeug.serving import make_server

from api import create_app
from api.core.permissions import Identity

# The fuzzing figures at the end of the run: a plugin here, not in tests/fuzz/conftest.py, because under
# pytest-xdist only the controller prints, and it never loads the conftest files of sub-folders.
pytest_plugins = ["tests.fuzz.summary"]

TEST_CONFIG = {
    "EMBEDDED_DB": ":memory:",
    "LOAD_DEMO_DATA": False,
    "LOG_LEVEL": "WARNING",
    "TOKEN_RATE_LIMIT": "1000/minute",
    "RATE_LIMIT": "",
    "CORS_ORIGINS": "https://frontend.example.org",
    "WEBHOOK_WORKER_THREAD": False,
}

_numbers = itertools.count(100)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TEST_MONGODB_URI"):
        return
    skip = pytest.mark.skip(reason="needs a real MongoDB: set TEST_MONGODB_URI")
    for item in items:
        if "realmongo" in item.keywords:
            item.add_marker(skip)


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Argon2 at minimal cost (about 0.2 s a hash otherwise), for tests of behaviour, not hashing strength."""
    from api.auth import passwords
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", CHEAP_HASHER.hash("no account has this password"))


def send_together(app, senders):
    """Send each request from its own thread and test client, released at once; return the responses in order."""
    start = threading.Barrier(len(senders))
    responses = [None] * len(senders)

    def worker(position, send):
        client = app.test_client()
        start.wait(timeout=10)
        responses[position] = send(client)

    threads = [threading.Thread(target=worker, args=(i, send)) for i, send in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(response is not None for response in responses), "a request did not finish"
    return responses


def creators_meet_after_check(monkeypatch, resource):
    """Hold each of two creators of `resource` after its rules are checked until the other is checked too: both
    then pass a read-then-insert check, and only the database can refuse the second."""
    both_checked = threading.Barrier(2)
    check = resource.check

    def check_then_wait(state, *, old, parent):
        check(state, old=old, parent=parent)
        both_checked.wait(timeout=10)

    monkeypatch.setattr(resource, "check", check_then_wait)


@pytest.fixture
def writers_meet_after_check(monkeypatch):
    """Hold each organisation writer after it has read the resource and checked If-Match until another has
    too, so that both reach the database write expecting the same version: only the write itself can then
    tell them apart. Return the barrier (reset it before each race)."""
    from api.organisations.resource import organisations
    both_checked = threading.Barrier(2)
    check = organisations.check

    def check_then_wait(state, *, old, parent):
        check(state, old=old, parent=parent)
        if old is None:  # a create, not one of the racing writers
            return
        try:
            both_checked.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(organisations, "check", check_then_wait)
    return both_checked


@pytest.fixture
def make_app():
    """Return a factory building an app with test settings plus overrides."""
    def make(**overrides):
        return create_app({**TEST_CONFIG, **overrides})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


LIVE_ADMIN_EMAIL = "admin@example.org"
LIVE_ADMIN_PASSWORD = "change me please, now"


@pytest.fixture
def live_server(app, demo, cheap_hashing):
    """The app with the demo data served on 127.0.0.1 (a free port) from a thread, with an admin whose password
    is LIVE_ADMIN_PASSWORD; yield its base URL."""
    from api.auth.bootstrap import create_admin
    with app.app_context():
        create_admin(LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """Load the demo data set into the app's store; return the counts."""
    from api.demo import load_demo
    with app.app_context():
        return load_demo()


def store_account(app, *roles, organisation_id=None, sub=None):
    """Store an active people account with these roles unless `sub` ("user:<ObjectId>") names one; return its sub.

    Tokens only act while their account does (it exists, is active, keeps its stamp and, for a partner, its
    organisation), so every token a test uses has one.
    """
    from api.auth.models import User
    from api.core.documents import utcnow

    sub = sub or f"user:{ObjectId()}"
    kind, _, key = sub.partition(":")
    assert kind == "user" and ObjectId.is_valid(key), f"a test account's subject is user:<ObjectId>, not {sub!r}"
    with app.app_context():
        now = utcnow()
        account = {"email": f"{key}@accounts.example.org", "password_hash": "not a hash: signs in by token only",
                   "display_name": "Test caller", "roles": sorted(roles), "active": True,
                   "version": 1, "created_at": now, "updated_at": now, "deleted_at": None, "search_terms": []}
        if organisation_id is not None:
            account["organisation_id"] = organisation_id
        User._get_collection().update_one({"_id": ObjectId(key)}, {"$setOnInsert": account}, upsert=True)
    return sub


def account_token(app, *roles, organisation_id=None, scopes=("read", "write"), sub=None):
    """Return an access token of a test account (stored first when new) with these roles."""
    from api.auth.tokens import issue_access_token, security_stamp

    sub = store_account(app, *roles, organisation_id=organisation_id, sub=sub)
    identity = Identity(sub=sub, roles=frozenset(roles), organisation_id=organisation_id, scopes=frozenset(scopes))
    with app.app_context():
        return issue_access_token(identity, security_stamp(sub))


@pytest.fixture
def token(app):
    """Return a factory of signed access tokens of stored accounts: token("partner", organisation_id=...)."""
    def make(*roles, organisation_id=None, scopes=("read", "write"), sub=None):
        return account_token(app, *roles, organisation_id=organisation_id, scopes=scopes, sub=sub)
    return make


@pytest.fixture
def auth(token):
    """Return a factory of Authorization headers: auth("admin"), auth("partner", organisation_id=...)."""
    def make(*roles, **kwargs):
        return {"Authorization": f"Bearer {token(*roles, **kwargs)}"}
    return make


@pytest.fixture
def admin(auth):
    return auth("admin")


@pytest.fixture
def editor(auth):
    return auth("editor")


def organisation_body(**overrides):
    body = {
        "name": "Agenzia Marche Export", "name_i18n": {"it": "Agenzia Marche Export", "ru": "Агентство «Марке Экспорт»"},
        "kind": "promotion_agency", "country": "IT", "region": "IT-57", "city": "Ancona",
        "website": "https://www.example.org", "sectors": ["mechatronics"],
        "description": {"it": "Promozione delle imprese", "ru": "Продвижение предприятий"},
        "contacts": [{"name": "Giulia Bianchi", "email": "g.bianchi@example.org", "phone": "+39 071 1234567"}],
    }
    body.update(overrides)
    return body


def session_body(**overrides):
    body = {
        "number": next(_numbers), "title": {"it": "Sessione di prova", "ru": "Пробная сессия"},
        "host_country": "IT", "host_region": "IT-57", "city": "Ancona", "venue": "Mole Vanvitelliana",
        "starts_on": "2012-10-23", "ends_on": "2012-10-26", "timezone": "Europe/Rome", "status": "published",
        "languages": ["it", "ru"],
    }
    body.update(overrides)
    return body


@pytest.fixture
def create_organisation(client, admin):
    """Create an organisation through the API as admin; return its representation."""
    def create(headers=None, **overrides):
        response = client.post("/api/v1/organisations", json=organisation_body(**overrides), headers=headers or admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


@pytest.fixture
def create_session(client, admin):
    """Create a session through the API as admin; return its representation."""
    def create(**overrides):
        response = client.post("/api/v1/sessions", json=session_body(**overrides), headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


def etag(representation):
    return f'"{representation["version"]}"'


def current_etag(client, url, headers=None):
    """The ETag this caller sees now: a representation with live fields (a seminar's seats) has a digest in it."""
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]
