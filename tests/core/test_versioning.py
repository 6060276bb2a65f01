"""Versioned resources over HTTP: ETags, conditional writes, revisions, restore, idempotent creates."""
import json
import threading

import pytest

from tests.conftest import etag, organisation_body

ORGS = "/api/v1/organisations"
ALICE, BOB = "user:64b7f0c2a1e4b3d2c1a0a11c", "user:64b7f0c2a1e4b3d2c1a0b0b0"


def item_url(representation):
    return f"{ORGS}/{representation['id']}"


def list_total(client, headers, url=ORGS):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return json.loads(response.headers["X-Pagination"])["total"]


def revisions_of(client, representation, headers):
    response = client.get(f"{item_url(representation)}/revisions", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def patch(client, representation, body, headers, if_match=None):
    return client.patch(item_url(representation), json=body,
                        headers={**headers, "If-Match": if_match or etag(representation)})


# Create and read --------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_version_1(client, admin):
    response = client.post(ORGS, json=organisation_body(), headers=admin)

    assert response.status_code == 201
    body = response.get_json()
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"{ORGS}/{body['id']}")
    assert client.get(response.headers["Location"]).get_json()["id"] == body["id"]


def test_get_carries_the_etag_of_the_current_version(client, admin, create_organisation):
    org = create_organisation()
    patch(client, org, {"city": "Pesaro"}, admin)

    response = client.get(item_url(org), headers=admin)

    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["version"] == 2


def test_if_none_match_with_the_current_etag_answers_304_with_empty_body(client, admin, create_organisation):
    org = create_organisation()

    response = client.get(item_url(org), headers={**admin, "If-None-Match": etag(org)})

    assert response.status_code == 304
    assert response.get_data() == b""


def test_if_none_match_with_a_stale_etag_answers_200(client, admin, create_organisation):
    org = create_organisation()
    patch(client, org, {"city": "Pesaro"}, admin)

    response = client.get(item_url(org), headers={"If-None-Match": etag(org)})

    assert response.status_code == 200
    assert response.get_json()["city"] == "Pesaro"


# Conditional writes -----------------------------------------------------------------------------


WRITES = {
    "put": lambda client, url, headers: client.put(url, json=organisation_body(city="Pesaro"), headers=headers),
    "patch": lambda client, url, headers: client.patch(url, json={"city": "Pesaro"}, headers=headers),
    "delete": lambda client, url, headers: client.delete(url, headers=headers),
}


@pytest.mark.parametrize("method", WRITES)
def test_write_without_if_match_answers_428_and_changes_nothing(client, admin, create_organisation, method):
    org = create_organisation()

    response = WRITES[method](client, item_url(org), admin)

    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 428
    assert client.get(item_url(org), headers=admin).get_json() == org


@pytest.mark.parametrize("method", WRITES)
def test_write_with_stale_if_match_answers_412_and_changes_nothing(client, admin, create_organisation, method):
    org = create_organisation()
    current = patch(client, org, {"city": "Jesi"}, admin).get_json()
    history = revisions_of(client, org, admin)

    response = WRITES[method](client, item_url(org), {**admin, "If-Match": etag(org)})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert client.get(item_url(org), headers=admin).get_json() == current
    assert revisions_of(client, org, admin) == history


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "application/json"])
def test_patch_accepts_merge_patch_and_plain_json(client, admin, create_organisation, content_type):
    org = create_organisation()

    response = client.patch(item_url(org), data=json.dumps({"city": "Pesaro"}), content_type=content_type,
                            headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 200
    assert response.get_json()["city"] == "Pesaro"
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] == '"2"'


def test_patch_leaves_fields_it_does_not_name_unchanged(client, admin, create_organisation):
    org = create_organisation()

    updated = patch(client, org, {"city": "Pesaro"}, admin).get_json()

    assert {k: v for k, v in updated.items() if k not in ("city", "version", "updated_at")} == \
           {k: v for k, v in org.items() if k not in ("city", "version", "updated_at")}


def test_merge_patch_null_removes_an_optional_field(client, admin, create_organisation):
    org = create_organisation()

    response = patch(client, org, {"website": None}, admin)

    assert response.status_code == 200
    assert "website" not in response.get_json()
    assert "website" not in client.get(item_url(org)).get_json()


def test_merge_patch_null_inside_an_object_removes_only_that_key(client, admin, create_organisation):
    org = create_organisation(name_i18n={"it": "Agenzia", "ru": "Агентство"})

    response = patch(client, org, {"name_i18n": {"ru": None}}, admin)

    assert response.get_json()["name_i18n"] == {"it": "Agenzia"}


def test_merge_patch_null_on_a_required_field_answers_422(client, admin, create_organisation):
    org = create_organisation()

    response = patch(client, org, {"name": None}, admin)

    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]


def test_patch_with_unknown_field_answers_422_and_changes_nothing(client, admin, create_organisation):
    org = create_organisation()

    response = patch(client, org, {"colour": "blue"}, admin)

    assert response.status_code == 422
    assert "colour" in response.get_json()["errors"]
    assert client.get(item_url(org)).get_json()["version"] == 1


def test_put_replaces_the_whole_state(client, admin, create_organisation):
    org = create_organisation()
    body = organisation_body()
    for optional in ("city", "website", "description"):
        del body[optional]

    response = client.put(item_url(org), json=body, headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 200
    stored = client.get(item_url(org), headers=admin).get_json()
    assert stored["version"] == 2
    assert not {"city", "website", "description"} & set(stored)


def test_put_accepts_server_fields_sent_back_and_ignores_them(client, admin, create_organisation):
    org = create_organisation()
    body = {**org, "city": "Pesaro", "version": 99, "id": "0" * 24}

    response = client.put(item_url(org), json=body, headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 200
    assert response.get_json()["id"] == org["id"]
    assert response.get_json()["version"] == 2


def test_if_match_star_matches_any_version(client, admin, create_organisation):
    org = create_organisation()

    response = patch(client, org, {"city": "Pesaro"}, admin, if_match="*")

    assert response.status_code == 200


def test_weak_if_match_never_matches(client, admin, create_organisation):
    org = create_organisation()

    response = patch(client, org, {"city": "Pesaro"}, admin, if_match=f"W/{etag(org)}")

    assert response.status_code == 412


# Delete -----------------------------------------------------------------------------------------


def delete(client, representation, headers):
    response = client.delete(item_url(representation), headers={**headers, "If-Match": etag(representation)})
    assert response.status_code == 204, response.get_json()
    return response


def test_delete_answers_204_with_no_body(client, admin, create_organisation):
    org = create_organisation()

    response = delete(client, org, admin)

    assert response.get_data() == b""


def test_deleted_resource_answers_404(client, admin, create_organisation):
    org = create_organisation()
    delete(client, org, admin)

    assert client.get(item_url(org), headers=admin).status_code == 404


def test_deleted_resource_is_absent_from_the_list(client, admin, create_organisation):
    org, other = create_organisation(), create_organisation()
    delete(client, org, admin)

    listed = client.get(ORGS, headers=admin)

    assert [o["id"] for o in listed.get_json()] == [other["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1


def test_admin_can_still_read_the_history_of_a_deleted_resource(client, admin, create_organisation):
    org = create_organisation()
    delete(client, org, admin)

    history = revisions_of(client, org, admin)

    assert [(r["version"], r["action"]) for r in history] == [(2, "deleted"), (1, "created")]
    assert client.get(f"{item_url(org)}/revisions/1", headers=admin).status_code == 200


def test_editor_cannot_see_the_history_of_a_deleted_resource(client, admin, editor, create_organisation):
    org = create_organisation()
    assert client.get(f"{item_url(org)}/revisions", headers=editor).status_code == 200
    delete(client, org, admin)

    assert client.get(f"{item_url(org)}/revisions", headers=editor).status_code == 404
    assert client.get(f"{item_url(org)}/revisions/1", headers=editor).status_code == 404


def test_writes_to_a_deleted_resource_answer_404(client, admin, create_organisation):
    org = create_organisation()
    delete(client, org, admin)

    response = patch(client, org, {"city": "Pesaro"}, admin, if_match='"2"')

    assert response.status_code == 404


# Revisions --------------------------------------------------------------------------------------


def test_revisions_are_listed_newest_first(client, admin, create_organisation):
    org = create_organisation()
    second = patch(client, org, {"city": "Pesaro"}, admin).get_json()
    patch(client, second, {"city": "Jesi"}, admin)

    history = revisions_of(client, org, admin)

    assert [r["version"] for r in history] == [3, 2, 1]
    assert [r["action"] for r in history] == ["updated", "updated", "created"]


def test_a_revision_has_version_changed_at_changed_by_and_change(client, admin, create_organisation):
    org = create_organisation()
    updated = patch(client, org, {"city": "Pesaro"}, admin).get_json()

    latest = revisions_of(client, org, admin)[0]

    assert {"version", "changed_at", "changed_by", "change"} <= set(latest)
    assert latest["version"] == 2
    assert latest["changed_at"] == updated["updated_at"]


def test_a_revision_change_maps_each_changed_field_to_old_and_new(client, admin, create_organisation):
    org = create_organisation(city="Ancona")
    patch(client, org, {"city": "Pesaro", "sectors": ["furniture"], "website": None}, admin)

    change = revisions_of(client, org, admin)[0]["change"]

    assert change == {
        "city": {"old": "Ancona", "new": "Pesaro"},
        "sectors": {"old": org["sectors"], "new": ["furniture"]},
        "website": {"old": org["website"], "new": None},
    }


def test_the_create_revision_records_every_given_field_as_new(client, admin, create_organisation):
    org = create_organisation()

    change = revisions_of(client, org, admin)[-1]["change"]

    given = {k: v for k, v in org.items() if k not in ("id", "version", "created_at", "updated_at")}
    assert change == {k: {"old": None, "new": v} for k, v in given.items()}


def test_changed_by_is_the_subject_of_the_callers_token(client, auth, create_organisation):
    org = create_organisation(headers=auth("admin", sub=ALICE))
    patch(client, org, {"city": "Pesaro"}, auth("editor", sub=BOB))

    history = revisions_of(client, org, auth("admin"))

    assert [r["changed_by"] for r in history] == [BOB, ALICE]


def test_revision_snapshot_is_the_full_old_representation(client, admin, create_organisation):
    org = create_organisation()
    patch(client, org, {"city": "Pesaro"}, admin)

    response = client.get(f"{item_url(org)}/revisions/1", headers=admin)

    assert response.status_code == 200
    assert response.get_json() == org


def test_unknown_revision_answers_404(client, admin, create_organisation):
    org = create_organisation()

    assert client.get(f"{item_url(org)}/revisions/7", headers=admin).status_code == 404


def test_anonymous_cannot_read_revisions(client, create_organisation):
    org = create_organisation()

    response = client.get(f"{item_url(org)}/revisions")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# Restore ----------------------------------------------------------------------------------------


def restore(client, representation, version, headers, if_match):
    url = f"{item_url(representation)}/revisions/{version}/restore"
    return client.post(url, headers={**headers, "If-Match": if_match} if if_match else headers)


def test_restore_makes_an_old_state_current_as_a_new_version(client, admin, create_organisation):
    org = create_organisation(city="Ancona")
    patch(client, org, {"city": "Pesaro"}, admin)

    response = restore(client, org, 1, admin, '"2"')

    assert response.status_code == 200
    restored = response.get_json()
    assert restored["version"] == 3
    assert response.headers["ETag"] == '"3"'
    assert restored["city"] == "Ancona"
    assert client.get(item_url(org), headers=admin).get_json() == restored


def test_restore_is_recorded_as_a_restored_revision(client, admin, create_organisation):
    org = create_organisation(city="Ancona")
    patch(client, org, {"city": "Pesaro"}, admin)
    restore(client, org, 1, admin, '"2"')

    latest = revisions_of(client, org, admin)[0]

    assert latest["version"] == 3
    assert latest["action"] == "restored"
    assert latest["change"] == {"city": {"old": "Pesaro", "new": "Ancona"}}


def test_restore_without_if_match_answers_428(client, admin, create_organisation):
    org = create_organisation()
    patch(client, org, {"city": "Pesaro"}, admin)

    response = restore(client, org, 1, admin, None)

    assert response.status_code == 428
    assert client.get(item_url(org)).get_json()["city"] == "Pesaro"


def test_restore_with_stale_if_match_answers_412(client, admin, create_organisation):
    org = create_organisation()
    patch(client, org, {"city": "Pesaro"}, admin)

    response = restore(client, org, 1, admin, '"1"')

    assert response.status_code == 412
    assert client.get(item_url(org)).get_json()["version"] == 2


def test_restore_of_an_unknown_version_answers_404(client, admin, create_organisation):
    org = create_organisation()

    response = restore(client, org, 9, admin, etag(org))

    assert response.status_code == 404
    assert client.get(item_url(org)).get_json()["version"] == 1


def test_admin_restore_of_a_deleted_resource_undeletes_it(client, admin, create_organisation):
    org = create_organisation()
    delete(client, org, admin)

    response = restore(client, org, 1, admin, '"2"')

    assert response.status_code == 200
    assert response.get_json()["version"] == 3
    assert client.get(item_url(org)).status_code == 200
    assert org["id"] in [o["id"] for o in client.get(ORGS).get_json()]


def test_editor_cannot_restore_a_deleted_resource(client, admin, editor, create_organisation):
    org = create_organisation()
    delete(client, org, admin)

    response = restore(client, org, 1, editor, '"2"')

    assert response.status_code == 404
    assert client.get(item_url(org)).status_code == 404


# Concurrent writers -----------------------------------------------------------------------------


def race_two_patches(app, url, headers, version):
    """Send two PATCHes holding the same If-Match at the same moment; return their statuses."""
    start = threading.Barrier(2)
    statuses = []

    def writer(city):
        client = app.test_client()
        start.wait(timeout=10)
        response = client.patch(url, json={"city": city}, headers={**headers, "If-Match": f'"{version}"'})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(city,)) for city in ("Pesaro", "Jesi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


def assert_one_update_after_create(client, org, headers):
    history = revisions_of(client, org, headers)
    assert [(r["version"], r["action"]) for r in history] == [(2, "updated"), (1, "created")]
    assert client.get(item_url(org)).get_json()["city"] == history[0]["change"]["city"]["new"]


def test_of_two_concurrent_writers_with_the_same_if_match_exactly_one_wins(app, client, admin, create_organisation):
    for _ in range(20):
        org = create_organisation()

        statuses = race_two_patches(app, item_url(org), admin, org["version"])

        assert statuses == [200, 412]
        assert_one_update_after_create(client, org, admin)


def test_two_writers_that_both_passed_the_if_match_check_still_get_one_winner(
        app, client, admin, create_organisation, writers_meet_after_check):
    for _ in range(20):
        org = create_organisation()
        writers_meet_after_check.reset()

        statuses = race_two_patches(app, item_url(org), admin, org["version"])

        assert statuses == [200, 412]
        assert_one_update_after_create(client, org, admin)


# Idempotency-Key --------------------------------------------------------------------------------


def post_with_key(client, key, headers, **overrides):
    return client.post(ORGS, json=organisation_body(**overrides), headers={**headers, "Idempotency-Key": key})


def test_same_idempotency_key_and_body_replays_the_first_response(client, admin):
    first = post_with_key(client, "create-agency-1", admin)

    second = post_with_key(client, "create-agency-1", admin)

    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_a_replayed_create_creates_nothing(client, admin):
    post_with_key(client, "create-agency-1", admin)
    post_with_key(client, "create-agency-1", admin)

    assert list_total(client, admin) == 1


def test_same_idempotency_key_with_another_body_answers_422(client, admin):
    post_with_key(client, "create-agency-1", admin, name="Agenzia A")

    response = post_with_key(client, "create-agency-1", admin, name="Agenzia B")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert list_total(client, admin) == 1


def test_idempotency_key_longer_than_255_answers_422(client, admin):
    response = post_with_key(client, "k" * 256, admin)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert list_total(client, admin) == 0


def test_idempotency_key_of_255_characters_is_accepted(client, admin):
    assert post_with_key(client, "k" * 255, admin).status_code == 201


def test_idempotency_keys_of_different_callers_do_not_collide(client, auth):
    alice, bob = auth("admin", sub=ALICE), auth("admin", sub=BOB)
    first = post_with_key(client, "same-key", alice)

    second = post_with_key(client, "same-key", bob)

    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert second.get_json()["id"] != first.get_json()["id"]
    assert list_total(client, alice) == 2


def test_a_rejected_create_does_not_use_up_its_idempotency_key(client, admin):
    rejected = post_with_key(client, "retry-me", admin, kind="spaceship")
    assert rejected.status_code == 422

    response = post_with_key(client, "retry-me", admin)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
