"""Database faults: an unreachable store answers 503 and leaves nothing half-done.

The faults are the driver's own errors (ServerSelectionTimeoutError, NetworkTimeout, AutoReconnect) raised
from the embedded store's collection methods, the way pymongo raises them when the server does not answer.
A fault can also strike after the server applied a write (the acknowledgement is lost on the way back).
Once the fault is removed the same app must serve again, and the history of every resource must still hold:
every stored version has exactly its revision, and no revision exists for a version that was never stored.
"""
import datetime as dt
import json
from dataclasses import dataclass, field

import mongoengine
import pytest
from mongomock.collection import Collection
from mongomock.database import Database
from pymongo import ReadPreference, WriteConcern
from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError

from tests.conftest import etag, organisation_body

pytestmark = pytest.mark.usefixtures("cheap_hashing")

ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"
TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "a long enough passphrase"
DRIVER_ERRORS = [ServerSelectionTimeoutError, NetworkTimeout, AutoReconnect]
STORE_METHODS = ("find", "find_one", "count_documents", "estimated_document_count", "distinct", "aggregate",
                 "insert_one", "insert_many", "replace_one", "update_one", "update_many", "find_one_and_update",
                 "find_one_and_replace", "find_one_and_delete", "delete_one", "delete_many", "bulk_write")


class StoreFaults:
    """Makes the embedded store fail the way an unreachable MongoDB fails the driver."""

    def __init__(self):
        self._patches = pytest.MonkeyPatch()

    def down(self, error=ServerSelectionTimeoutError):
        """Every operation fails, the readiness ping too."""
        for method in STORE_METHODS:
            self.fail(method, error=error)

        def ping(*args, **kwargs):
            raise error("injected: the database does not answer")
        self._patches.setattr(Database, "command", ping)

    def fail(self, method, collection=None, *, error=AutoReconnect, applied=False):
        """Make one method fail (on one collection, or all); applied: the write lands, the answer is lost."""
        original = getattr(Collection, method)

        def faulty(self_, *args, **kwargs):
            if collection is not None and self_.name != collection:
                return original(self_, *args, **kwargs)
            if applied:
                original(self_, *args, **kwargs)
            raise error(f"injected: {method} on {self_.name}")
        self._patches.setattr(Collection, method, faulty)

    def up(self):
        """Remove every fault: the database answers again."""
        self._patches.undo()


@pytest.fixture
def faults():
    store = StoreFaults()
    yield store
    store.up()


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == 503
    assert int(response.headers["Retry-After"]) >= 1


def item_url(representation):
    return f"{ORGS}/{representation['id']}"


def total(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.headers["X-Pagination"])["total"]


def assert_history_consistent(client, admin, url):
    """Every stored version 1..current has exactly one revision showing it; no revision beyond it.

    Returns the current version. Read through the API as admin (deleted resources keep their history).
    """
    listed = client.get(f"{url}/revisions", query_string={"page_size": 100}, headers=admin)
    assert listed.status_code == 200, listed.get_json()
    revisions = listed.get_json()
    current = revisions[0]["version"]
    assert [r["version"] for r in revisions] == list(range(current, 0, -1))
    assert total(listed) == current
    item = client.get(url, headers=admin)
    if revisions[0]["action"] == "deleted":
        assert item.status_code == 404
    else:
        assert item.status_code == 200
        assert item.get_json()["version"] == current
        assert client.get(f"{url}/revisions/{current}", headers=admin).get_json() == item.get_json()
    for revision in revisions:
        snapshot = client.get(f"{url}/revisions/{revision['version']}", headers=admin)
        assert snapshot.status_code == 200
        assert snapshot.get_json()["version"] == revision["version"]
    return current


# Every kind of request answers 503 while the database is down --------------------------------------


@pytest.fixture
def world(client, admin, create_organisation):
    """An organisation and a people account, created while the database still answers."""
    account = client.post("/api/v1/users", json={"email": "secretariat@example.org", "password": PASSWORD,
                                                  "roles": ["editor"]}, headers=admin)
    assert account.status_code == 201
    return {"organisation": create_organisation()}


REQUESTS = {
    "anonymous list": lambda client, world, admin: client.get(SESSIONS),
    "anonymous item": lambda client, world, admin: client.get(item_url(world["organisation"])),
    "authenticated list": lambda client, world, admin: client.get(ORGS, headers=admin),
    "authenticated item": lambda client, world, admin: client.get(item_url(world["organisation"]), headers=admin),
    "revisions": lambda client, world, admin: client.get(f"{item_url(world['organisation'])}/revisions", headers=admin),
    "create": lambda client, world, admin: client.post(ORGS, json=organisation_body(), headers=admin),
    "create with Idempotency-Key": lambda client, world, admin: client.post(
        ORGS, json=organisation_body(), headers={**admin, "Idempotency-Key": "outage-1"}),
    "patch": lambda client, world, admin: client.patch(
        item_url(world["organisation"]), json={"city": "Pesaro"}, headers={**admin, "If-Match": '"1"'}),
    "put": lambda client, world, admin: client.put(
        item_url(world["organisation"]), json=organisation_body(city="Pesaro"), headers={**admin, "If-Match": '"1"'}),
    "delete": lambda client, world, admin: client.delete(item_url(world["organisation"]),
                                                         headers={**admin, "If-Match": '"1"'}),
    "token (password grant)": lambda client, world, admin: client.post(TOKEN_URL, data={
        "grant_type": "password", "username": "secretariat@example.org", "password": PASSWORD}),
}


@pytest.mark.parametrize("error", DRIVER_ERRORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("request_name", REQUESTS)
def test_requests_answer_503_with_retry_after_while_the_database_is_down(client, admin, world, faults, request_name,
                                                                         error):
    faults.down(error)

    response = REQUESTS[request_name](client, world, admin)

    assert_unavailable(response)


@pytest.mark.parametrize("request_name", REQUESTS)
def test_the_same_app_serves_again_once_the_database_answers(client, admin, world, faults, request_name):
    faults.down()
    assert_unavailable(REQUESTS[request_name](client, world, admin))
    faults.up()

    response = REQUESTS[request_name](client, world, admin)

    assert response.status_code < 300, response.get_data(as_text=True)


def test_writes_refused_during_the_outage_changed_nothing(client, admin, world, faults):
    before = client.get(item_url(world["organisation"]), headers=admin).get_json()
    faults.down()
    for name in ("create", "create with Idempotency-Key", "patch", "put", "delete"):
        assert_unavailable(REQUESTS[name](client, world, admin))
    faults.up()

    assert client.get(item_url(world["organisation"]), headers=admin).get_json() == before
    assert total(client.get(ORGS, headers=admin)) == 1
    assert assert_history_consistent(client, admin, item_url(before)) == 1


@pytest.mark.parametrize("error", DRIVER_ERRORS, ids=lambda e: e.__name__)
def test_readyz_answers_503_with_retry_after_while_the_database_is_down(client, faults, error):
    faults.down(error)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1


def test_healthz_answers_200_while_the_database_is_down(client, faults):
    faults.down()

    assert client.get("/healthz").status_code == 200


def test_readyz_answers_200_again_once_the_database_answers(client, faults):
    faults.down()
    assert client.get("/readyz").status_code == 503
    faults.up()

    assert client.get("/readyz").status_code == 200


def test_rate_limited_app_answers_503_when_the_counter_cannot_be_kept(make_app, faults):
    client = make_app(RATE_LIMIT="100/minute").test_client()
    faults.fail("find_one_and_update", "rate_counters", error=NetworkTimeout)

    assert_unavailable(client.get(SESSIONS))


# A fault at each step of a write leaves a consistent history ----------------------------------------


@dataclass
class Step:
    """A write, the fault injected into one of its steps, and what must be true afterwards."""

    write: str  # key of WRITE_REQUESTS
    method: str  # the collection method that fails
    collection: str
    status: int  # the answer to the write
    version: int  # the organisation's version once the fault is gone
    applied: bool = False  # the server applied the operation before the fault (lost acknowledgement)
    history: list = field(default_factory=list)  # expected actions, newest first
    before: str = None  # key of WRITE_REQUESTS to run before the fault (a restore of the current state is no write)


def _patch(client, org, headers):
    return client.patch(item_url(org), json={"city": "Pesaro"}, headers={**headers, "If-Match": etag(org)})


def _put(client, org, headers):
    return client.put(item_url(org), json=organisation_body(city="Pesaro"), headers={**headers, "If-Match": etag(org)})


def _delete(client, org, headers):
    return client.delete(item_url(org), headers={**headers, "If-Match": etag(org)})


def _restore(client, org, headers):
    return client.post(f"{item_url(org)}/revisions/1/restore", headers={**headers, "If-Match": etag(org)})


WRITE_REQUESTS = {"patch": _patch, "put": _put, "delete": _delete, "restore": _restore}

STEPS = {
    "token revocation check": Step("patch", "find_one", "revoked_access_tokens", 503, 1),
    "rate-limit counter": Step("patch", "find_one_and_update", "rate_counters", 503, 1),
    "item read": Step("patch", "find_one", "organisations", 503, 1),
    "compare-and-set replace": Step("patch", "replace_one", "organisations", 503, 1),
    "compare-and-set replace, acknowledgement lost": Step("patch", "replace_one", "organisations", 503, 2, applied=True),
    "revision copy after the replace": Step("patch", "insert_one", "revisions", 200, 2),
    "revision copy, acknowledgement lost": Step("patch", "insert_one", "revisions", 200, 2, applied=True),
    "put: compare-and-set replace": Step("put", "replace_one", "organisations", 503, 1),
    "put: revision copy after the replace": Step("put", "insert_one", "revisions", 200, 2),
    "delete: compare-and-set replace": Step("delete", "replace_one", "organisations", 503, 1),
    "delete: replace, acknowledgement lost": Step("delete", "replace_one", "organisations", 503, 2, applied=True,
                                                  history=["deleted", "created"]),
    "delete: revision copy after the replace": Step("delete", "insert_one", "revisions", 204, 2,
                                                    history=["deleted", "created"]),
    "restore: reading the old revision": Step("restore", "find_one", "revisions", 503, 2, before="patch"),
    "restore: compare-and-set replace": Step("restore", "replace_one", "organisations", 503, 2, before="patch"),
    "restore: replace, acknowledgement lost": Step("restore", "replace_one", "organisations", 503, 3, applied=True,
                                                   history=["restored", "updated", "created"], before="patch"),
    "restore: revision copy after the replace": Step("restore", "insert_one", "revisions", 200, 3,
                                                     history=["restored", "updated", "created"], before="patch"),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_fault_at_each_step_of_a_write_leaves_every_version_with_exactly_its_revision(make_app, auth, faults, step):
    case = STEPS[step]
    app = make_app(RATE_LIMIT="1000/minute")
    client = app.test_client()
    admin = auth("admin")
    org = client.post(ORGS, json=organisation_body(), headers=admin).get_json()
    if case.before:
        org = WRITE_REQUESTS[case.before](client, org, admin).get_json()
    faults.fail(case.method, case.collection, applied=case.applied)

    response = WRITE_REQUESTS[case.write](client, org, admin)

    assert response.status_code == case.status, response.get_data(as_text=True)
    if case.status == 503:
        assert_unavailable(response)
    faults.up()
    assert assert_history_consistent(client, admin, item_url(org)) == case.version
    if case.history:
        history = client.get(f"{item_url(org)}/revisions", headers=admin).get_json()
        assert [r["action"] for r in history] == case.history


def test_a_write_after_a_lost_revision_copy_fails_rather_than_overwrite_the_pending_revision(client, admin,
                                                                                             create_organisation,
                                                                                             faults):
    org = create_organisation()
    faults.fail("insert_one", "revisions")
    second = _patch(client, org, admin)
    assert second.status_code == 200  # stored; its revision waits in the document

    third = client.patch(item_url(org), json={"city": "Jesi"}, headers={**admin, "If-Match": '"2"'})

    assert_unavailable(third)
    faults.up()
    assert assert_history_consistent(client, admin, item_url(org)) == 2
    assert client.get(item_url(org)).get_json()["city"] == "Pesaro"


# Creates: the resource, its revision and its Idempotency-Key record ----------------------------------


def create_with_key(client, headers, key="create-once"):
    return client.post(ORGS, json=organisation_body(), headers={**headers, "Idempotency-Key": key})


def listed_ids(client, headers):
    return [o["id"] for o in client.get(ORGS, query_string={"page_size": 100}, headers=headers).get_json()]


@pytest.mark.parametrize("method, collection", [
    ("insert_one", "idempotency_records"),
    ("insert_one", "organisations"),
])
def test_a_create_that_failed_is_created_once_by_a_retry_with_the_same_key(client, admin, faults, method, collection):
    faults.fail(method, collection)
    assert_unavailable(create_with_key(client, admin))
    faults.up()
    assert listed_ids(client, admin) == []

    retry = create_with_key(client, admin)

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert listed_ids(client, admin) == [retry.get_json()["id"]]
    assert assert_history_consistent(client, admin, item_url(retry.get_json())) == 1


def test_a_create_whose_revision_copy_failed_is_answered_and_its_revision_appears(client, admin, faults):
    faults.fail("insert_one", "revisions")

    response = create_with_key(client, admin)

    assert response.status_code == 201
    faults.up()
    assert assert_history_consistent(client, admin, item_url(response.get_json())) == 1


def test_a_create_whose_idempotency_record_could_not_be_completed_still_answers_201(client, admin, faults):
    faults.fail("update_one", "idempotency_records")

    response = create_with_key(client, admin)

    assert response.status_code == 201, response.get_data(as_text=True)
    faults.up()
    assert listed_ids(client, admin) == [response.get_json()["id"]]
    assert assert_history_consistent(client, admin, item_url(response.get_json())) == 1


def test_a_key_whose_create_died_with_the_database_is_refused_with_409_for_a_while(client, admin, faults):
    # The database goes away at the resource insert and is still away when the key's record is released.
    faults.fail("insert_one", "organisations")
    faults.fail("update_one", "idempotency_records")
    assert_unavailable(create_with_key(client, admin))
    faults.up()

    retry = create_with_key(client, admin)

    assert retry.status_code == 409
    assert int(retry.headers["Retry-After"]) >= 1
    assert listed_ids(client, admin) == []


def test_a_key_whose_create_died_with_the_database_can_be_retried_once_its_lease_ends(client, admin, faults,
                                                                                      monkeypatch):
    from api.core import idempotency
    faults.fail("insert_one", "organisations")
    faults.fail("update_one", "idempotency_records")
    assert_unavailable(create_with_key(client, admin))
    faults.up()
    later = idempotency.utcnow() + dt.timedelta(seconds=idempotency.IN_PROGRESS_LEASE_SECONDS + 1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)

    retry = create_with_key(client, admin)

    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert "Idempotent-Replayed" not in retry.headers
    assert create_with_key(client, admin).headers["Idempotent-Replayed"] == "true"
    assert listed_ids(client, admin) == [retry.get_json()["id"]]


def test_a_retry_after_a_create_whose_acknowledgement_was_lost_answers_with_the_resource_created(client, admin,
                                                                                                 faults):
    faults.fail("insert_one", "organisations", applied=True)
    assert_unavailable(create_with_key(client, admin))
    faults.up()
    stored = listed_ids(client, admin)
    assert len(stored) == 1

    retry = create_with_key(client, admin)

    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert retry.get_json()["id"] == stored[0]
    assert retry.headers["Location"].endswith(f"{ORGS}/{stored[0]}")
    assert listed_ids(client, admin) == stored
    assert assert_history_consistent(client, admin, item_url(retry.get_json())) == 1


def test_the_answer_to_such_a_retry_is_replayed_to_later_retries(client, admin, faults):
    faults.fail("insert_one", "organisations", applied=True)
    create_with_key(client, admin)
    faults.up()
    retry = create_with_key(client, admin)

    replay = create_with_key(client, admin)

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == retry.get_json()


def test_a_retry_after_the_lease_of_a_create_that_died_with_the_database_finds_the_resource_created(
        client, admin, faults, monkeypatch):
    from api.core import idempotency
    # The resource is stored, the answer is lost, and the database is gone before the key can be released.
    faults.fail("insert_one", "organisations", applied=True)
    faults.fail("update_one", "idempotency_records")
    assert_unavailable(create_with_key(client, admin))
    faults.up()
    assert create_with_key(client, admin).status_code == 409
    later = idempotency.utcnow() + dt.timedelta(seconds=idempotency.IN_PROGRESS_LEASE_SECONDS + 1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)

    retry = create_with_key(client, admin)

    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert listed_ids(client, admin) == [retry.get_json()["id"]]


def test_the_key_of_a_create_whose_outcome_is_unknown_stays_bound_to_its_body(client, admin, faults):
    faults.fail("insert_one", "organisations", applied=True)
    create_with_key(client, admin)
    faults.up()

    other = client.post(ORGS, json=organisation_body(name="Another body"),
                        headers={**admin, "Idempotency-Key": "create-once"})

    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert len(listed_ids(client, admin)) == 1


def test_a_retry_of_a_nested_create_whose_acknowledgement_was_lost_creates_nothing_more(client, admin, faults,
                                                                                       create_session):
    url = f"{SESSIONS}/{create_session()['id']}/tables"
    body = {"kind": "sector", "title": {"it": "Logistica"}}
    headers = {**admin, "Idempotency-Key": "table-once"}
    faults.fail("insert_one", "tables", applied=True)
    assert_unavailable(client.post(url, json=body, headers=headers))
    faults.up()

    retry = client.post(url, json=body, headers=headers)

    assert retry.status_code == 201
    assert [t["id"] for t in client.get(url, headers=admin).get_json()] == [retry.get_json()["id"]]


# The token endpoint's refresh grant ------------------------------------------------------------------


@pytest.fixture
def refresh_token(client, world):
    response = client.post(TOKEN_URL, data={"grant_type": "password", "username": "secretariat@example.org",
                                            "password": PASSWORD})
    assert response.status_code == 200
    return response.get_json()["refresh_token"]


@pytest.mark.parametrize("method, collection", [
    ("find_one", "refresh_tokens"),
    ("find_one_and_update", "refresh_tokens"),
    ("find_one", "users"),
    ("insert_one", "refresh_tokens"),
])
def test_a_refresh_grant_that_got_503_can_be_retried_with_the_same_refresh_token(client, refresh_token, faults,
                                                                                 method, collection):
    faults.fail(method, collection)
    assert_unavailable(client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token}))
    faults.up()

    retry = client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert retry.status_code == 200, retry.get_json()
    rotated = retry.get_json()["refresh_token"]
    assert client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": rotated}).status_code == 200


def test_a_spent_refresh_token_is_still_refused(client, refresh_token):
    assert client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token}).status_code == 200

    replay = client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"


# Timeouts and replica-set settings -------------------------------------------------------------------


@pytest.fixture
def real_driver_connection():
    """connect_database() against an address where no server listens; the embedded store afterwards."""
    from api.config import load_config
    from api.extensions import DATABASE_ALIAS, connect_database

    def connect(**overrides):
        config = load_config({"MONGODB_URI": "mongodb://127.0.0.1:9/taskforce", **overrides})
        assert connect_database(config) == "mongodb"
        return mongoengine.get_connection(DATABASE_ALIAS)
    yield connect
    mongoengine.disconnect(DATABASE_ALIAS)


def test_the_configured_timeout_bounds_server_selection_and_connecting(real_driver_connection):
    client = real_driver_connection(MONGODB_TIMEOUT_MS="150")

    assert client.options.server_selection_timeout == 0.15
    assert client.options.pool_options.connect_timeout == 0.15
    assert client.options.pool_options.socket_timeout == 0.75


def test_the_default_timeout_is_two_seconds(real_driver_connection, monkeypatch):
    monkeypatch.delenv("MONGODB_TIMEOUT_MS", raising=False)

    client = real_driver_connection()

    assert client.options.server_selection_timeout == 2.0


def test_writes_wait_for_a_journaled_majority_and_reads_go_to_the_primary(real_driver_connection):
    client = real_driver_connection()

    assert client.write_concern == WriteConcern(w="majority", j=True)
    assert client.read_preference == ReadPreference.PRIMARY
    assert client.options.retry_writes and client.options.retry_reads


def test_options_in_the_connection_string_win(real_driver_connection):
    client = real_driver_connection(MONGODB_URI="mongodb://127.0.0.1:9/taskforce?w=1&readPreference=primaryPreferred")

    assert client.write_concern.document["w"] == 1
    assert client.read_preference == ReadPreference.PRIMARY_PREFERRED
