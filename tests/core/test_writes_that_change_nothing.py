"""A write that changes nothing stores nothing: same version, same ETag, same updated_at, no revision."""
import pytest

from tests.conftest import etag, organisation_body
from tests.tables.helpers import table_body, table_url, tables_url

ORGS = "/api/v1/organisations"


def item_url(representation):
    return f"{ORGS}/{representation['id']}"


def revision_versions(client, url, headers):
    response = client.get(f"{url}/revisions", headers=headers)
    assert response.status_code == 200
    return [revision["version"] for revision in response.get_json()]


def assert_unchanged(client, admin, url, before, response):
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == before
    assert response.headers["ETag"] == etag(before)
    assert client.get(url, headers=admin).get_json() == before
    assert revision_versions(client, url, admin) == list(range(before["version"], 0, -1))


@pytest.fixture
def org(client, admin, create_organisation):
    """An organisation at version 2, read back as admin sees it."""
    created = create_organisation()
    client.patch(item_url(created), json={"city": "Jesi"}, headers={**admin, "If-Match": etag(created)})
    return client.get(item_url(created), headers=admin).get_json()


def test_an_empty_merge_patch_changes_nothing(client, admin, org):
    response = client.patch(item_url(org), json={}, headers={**admin, "If-Match": etag(org)})

    assert_unchanged(client, admin, item_url(org), org, response)


def test_a_merge_patch_setting_the_current_values_changes_nothing(client, admin, org):
    body = {"city": org["city"], "sectors": org["sectors"], "contacts": org["contacts"]}

    response = client.patch(item_url(org), json=body, headers={**admin, "If-Match": etag(org)})

    assert_unchanged(client, admin, item_url(org), org, response)


def test_a_put_of_the_current_state_changes_nothing(client, admin, org):
    response = client.put(item_url(org), json=organisation_body(city="Jesi"), headers={**admin, "If-Match": etag(org)})

    assert_unchanged(client, admin, item_url(org), org, response)


def test_restoring_the_current_state_changes_nothing(client, admin, org):
    response = client.post(f"{item_url(org)}/revisions/2/restore", headers={**admin, "If-Match": etag(org)})

    assert_unchanged(client, admin, item_url(org), org, response)


def test_another_holder_of_the_etag_can_still_write_after_a_write_that_changed_nothing(client, admin, org):
    client.patch(item_url(org), json={}, headers={**admin, "If-Match": etag(org)})

    response = client.patch(item_url(org), json={"city": "Fano"}, headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 200
    assert response.get_json()["version"] == org["version"] + 1


def test_a_write_that_changes_nothing_still_needs_the_current_if_match(client, admin, org):
    assert client.patch(item_url(org), json={}, headers=admin).status_code == 428
    assert client.patch(item_url(org), json={}, headers={**admin, "If-Match": '"1"'}).status_code == 412


def test_a_write_that_changes_nothing_is_still_refused_to_a_caller_who_may_not_write(client, auth, org,
                                                                                     create_organisation):
    partner = auth("partner", organisation_id=create_organisation(name="Another agency")["id"])

    response = client.patch(item_url(org), json={}, headers={**partner, "If-Match": etag(org)})

    assert response.status_code == 403


def test_a_merge_patch_with_an_invalid_value_is_refused_even_if_the_rest_changes_nothing(client, admin, org):
    response = client.patch(item_url(org), json={"city": org["city"], "country": "XX"},
                            headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["country"]


def test_a_put_that_changes_one_field_is_still_a_new_version(client, admin, org):
    response = client.put(item_url(org), json=organisation_body(city="Fano"), headers={**admin, "If-Match": etag(org)})

    assert response.status_code == 200
    assert response.get_json()["version"] == org["version"] + 1


def test_an_empty_merge_patch_of_a_table_changes_nothing(client, admin, create_session):
    session = create_session()
    table = client.post(tables_url(session), json=table_body(), headers=admin).get_json()

    response = client.patch(table_url(table), json={}, headers={**admin, "If-Match": etag(table)})

    assert_unchanged(client, admin, table_url(table), table, response)


def test_an_empty_merge_patch_of_a_user_changes_nothing(client, admin, cheap_hashing):
    user = client.post("/api/v1/users", json={"email": "desk@example.org", "password": "a long enough passphrase",
                                               "roles": ["editor"]}, headers=admin).get_json()
    url = f"/api/v1/users/{user['id']}"

    response = client.patch(url, json={}, headers={**admin, "If-Match": etag(user)})

    assert_unchanged(client, admin, url, user, response)
