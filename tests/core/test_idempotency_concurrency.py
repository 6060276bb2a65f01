"""Idempotency-Key under concurrent retries: one resource, one 201, and honest answers to the others."""
import datetime as dt
import json
import threading

import pytest

from tests.conftest import etag, organisation_body, send_together

ORGS = "/api/v1/organisations"
THREADS = 8


def post_with_key(client, headers, key):
    return client.post(ORGS, json=organisation_body(), headers={**headers, "Idempotency-Key": key})


def list_total(client, headers):
    response = client.get(ORGS, headers=headers)
    assert response.status_code == 200
    return json.loads(response.headers["X-Pagination"])["total"]


@pytest.fixture
def contended_key(monkeypatch):
    """Hold each request just before it claims its key until all of them are there, so they claim it together."""
    from mongomock.collection import Collection
    claim = threading.Barrier(THREADS)
    insert_one = Collection.insert_one

    def insert_together(self, document, *args, **kwargs):
        if self.name == "idempotency_records":
            try:
                claim.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
        return insert_one(self, document, *args, **kwargs)

    monkeypatch.setattr(Collection, "insert_one", insert_together)
    return claim


def assert_one_creation(responses, client, admin):
    """One response created the resource; every other 201 replays it; one resource is stored."""
    created = [r for r in responses if r.status_code == 201]
    first = [r for r in created if "Idempotent-Replayed" not in r.headers]
    assert len(first) == 1
    assert {r.headers["Location"] for r in created} == {first[0].headers["Location"]}
    assert {r.get_json()["id"] for r in created} == {first[0].get_json()["id"]}
    assert list_total(client, admin) == 1


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_retries_with_one_key_create_exactly_one_resource(app, client, admin, attempt):
    responses = send_together(app, [lambda c: post_with_key(c, admin, f"race-{attempt}")] * THREADS)

    assert_one_creation(responses, client, admin)


def test_retries_that_claim_the_key_at_the_same_moment_create_exactly_one_resource(app, client, admin,
                                                                                   contended_key):
    responses = send_together(app, [lambda c: post_with_key(c, admin, "claimed-together")] * THREADS)

    assert_one_creation(responses, client, admin)


def test_concurrent_retries_are_each_answered_201_or_409_never_an_error(app, admin):
    responses = send_together(app, [lambda c: post_with_key(c, admin, "race")] * THREADS)

    assert {r.status_code for r in responses} <= {201, 409}
    for response in responses:
        if response.status_code == 409:
            assert response.mimetype == "application/problem+json"
            assert int(response.headers["Retry-After"]) >= 1


def test_concurrent_creates_with_different_keys_each_create_one(app, client, admin):
    responses = send_together(app, [lambda c: post_with_key(c, admin, f"key-{threading.get_ident()}")] * THREADS)

    assert [r.status_code for r in responses] == [201] * THREADS
    assert len({r.get_json()["id"] for r in responses}) == THREADS
    assert list_total(client, admin) == THREADS


@pytest.fixture
def held_create(app, admin, monkeypatch):
    """Start a create with key "held" that waits inside the create service until released."""
    from api.core import resource as services
    entered, release = threading.Event(), threading.Event()
    create = services.create

    def create_and_wait(*args, **kwargs):
        entered.set()
        assert release.wait(timeout=10), "never released"
        return create(*args, **kwargs)

    monkeypatch.setattr(services, "create", create_and_wait)
    result = {}
    thread = threading.Thread(target=lambda: result.update(response=post_with_key(app.test_client(), admin, "held")))
    thread.start()
    assert entered.wait(timeout=10), "the first request never reached the create service"

    def finish():
        release.set()
        thread.join(timeout=30)
        monkeypatch.setattr(services, "create", create)
        return result["response"]

    yield finish
    release.set()
    thread.join(timeout=30)


def test_a_retry_while_the_first_request_runs_answers_409_with_retry_after(client, admin, held_create):
    retry = post_with_key(client, admin, "held")

    assert retry.status_code == 409
    assert retry.mimetype == "application/problem+json"
    assert int(retry.headers["Retry-After"]) >= 1
    assert list_total(client, admin) == 0
    assert held_create().status_code == 201


def test_a_retry_after_the_first_request_finished_replays_its_201(client, admin, held_create):
    assert post_with_key(client, admin, "held").status_code == 409
    first = held_create()

    retry = post_with_key(client, admin, "held")

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert list_total(client, admin) == 1


def test_a_retry_with_another_body_while_the_first_runs_answers_422(client, admin, held_create):
    retry = client.post(ORGS, json=organisation_body(name="Another body"),
                        headers={**admin, "Idempotency-Key": "held"})

    assert retry.status_code == 422
    assert "Idempotency-Key" in retry.get_json()["errors"]
    held_create()
    assert list_total(client, admin) == 1


@pytest.fixture
def outlived_lease(app, admin, monkeypatch):
    """Start a create with key "slow" that waits before storing anything until released, then move the clock
    past its lease, so a retry may take the key over while it still runs. Return a function that releases it
    and returns its response."""
    from api.core import idempotency
    from api.core import resource as services
    entered, release = threading.Event(), threading.Event()
    create = services.create
    held = []

    def create_slowly_the_first_time(*args, **kwargs):
        if not held:
            held.append(True)
            entered.set()
            assert release.wait(timeout=10), "never released"
        return create(*args, **kwargs)

    monkeypatch.setattr(services, "create", create_slowly_the_first_time)
    result = {}
    thread = threading.Thread(target=lambda: result.update(response=post_with_key(app.test_client(), admin, "slow")))
    thread.start()
    assert entered.wait(timeout=10), "the first request never reached the create service"
    later = idempotency.utcnow() + dt.timedelta(seconds=idempotency.IN_PROGRESS_LEASE_SECONDS + 1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)

    def finish():
        release.set()
        thread.join(timeout=30)
        return result["response"]

    yield finish
    release.set()
    thread.join(timeout=30)


def test_a_request_that_outlived_its_lease_and_the_retry_that_took_over_create_one_resource(client, admin,
                                                                                           outlived_lease):
    retry = post_with_key(client, admin, "slow")
    first = outlived_lease()

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert first.status_code == 201
    assert first.get_json()["id"] == retry.get_json()["id"]
    assert list_total(client, admin) == 1


def test_a_request_that_outlived_its_lease_does_not_overwrite_the_response_kept_by_the_one_that_took_over(
        client, admin, outlived_lease):
    taken_over = post_with_key(client, admin, "slow").get_json()
    changed = client.patch(f"{ORGS}/{taken_over['id']}", json={"city": "Jesi"},
                           headers={**admin, "If-Match": etag(taken_over)})
    assert changed.status_code == 200
    outlived_lease()

    replay = post_with_key(client, admin, "slow")

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == taken_over
