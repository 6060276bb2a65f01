"""On a real MongoDB, the server alone decides races: compare-and-set writes and Idempotency-Keys."""
import json

import pytest

from tests.conftest import organisation_body, send_together

pytestmark = pytest.mark.realmongo

ORGS = "/api/v1/organisations"


def patch_city(url, headers, version, city):
    return lambda client: client.patch(url, json={"city": city}, headers={**headers, "If-Match": f'"{version}"'})


def history(client, url, headers):
    return [(r["version"], r["action"]) for r in client.get(f"{url}/revisions", headers=headers).get_json()]


def test_of_two_writers_with_the_same_if_match_exactly_one_wins(real_app, real_client, real_admin):
    for _ in range(20):
        org = real_client.post(ORGS, json=organisation_body(), headers=real_admin).get_json()
        url = f"{ORGS}/{org['id']}"

        responses = send_together(real_app, [patch_city(url, real_admin, 1, "Pesaro"),
                                             patch_city(url, real_admin, 1, "Jesi")])

        assert sorted(r.status_code for r in responses) == [200, 412]
        winner = next(r for r in responses if r.status_code == 200).get_json()
        assert real_client.get(url).get_json()["city"] == winner["city"]
        assert history(real_client, url, real_admin) == [(2, "updated"), (1, "created")]


def test_two_writers_that_both_passed_the_if_match_check_still_get_one_winner(real_app, real_client, real_admin,
                                                                              writers_meet_after_check):
    # Both writers are held after reading the resource and checking If-Match, so only the database's
    # compare-and-set can tell them apart.
    for _ in range(5):
        org = real_client.post(ORGS, json=organisation_body(), headers=real_admin).get_json()
        url = f"{ORGS}/{org['id']}"
        writers_meet_after_check.reset()

        responses = send_together(real_app, [patch_city(url, real_admin, 1, "Pesaro"),
                                             patch_city(url, real_admin, 1, "Jesi")])

        assert sorted(r.status_code for r in responses) == [200, 412]
        assert history(real_client, url, real_admin) == [(2, "updated"), (1, "created")]


def test_concurrent_retries_with_one_idempotency_key_create_exactly_one_resource(real_app, real_client, real_admin):
    before = json.loads(real_client.get(ORGS, headers=real_admin).headers["X-Pagination"])["total"]
    send = lambda client: client.post(ORGS, json=organisation_body(name="Idempotent"),  # noqa: E731
                                      headers={**real_admin, "Idempotency-Key": "real-race"})

    responses = send_together(real_app, [send] * 8)

    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len([r for r in created if "Idempotent-Replayed" not in r.headers]) == 1
    assert len({r.get_json()["id"] for r in created}) == 1
    after = json.loads(real_client.get(ORGS, headers=real_admin).headers["X-Pagination"])["total"]
    assert after == before + 1
