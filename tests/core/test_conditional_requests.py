"""Preconditions in RFC 9110 §13.2.2 order on every item view, and one strong ETag per representation."""
import pytest

from tests.conftest import etag, organisation_body

ORGS = "/api/v1/organisations"


def item_url(representation):
    return f"{ORGS}/{representation['id']}"


def current(client, representation, headers):
    response = client.get(item_url(representation), headers=headers)
    assert response.status_code == 200
    return response.get_json()


WRITES = {
    "put": lambda client, org, headers: client.put(item_url(org), json=organisation_body(city="Pesaro"),
                                                   headers=headers),
    "patch": lambda client, org, headers: client.patch(item_url(org), json={"city": "Pesaro"}, headers=headers),
    "delete": lambda client, org, headers: client.delete(item_url(org), headers=headers),
    "restore": lambda client, org, headers: client.post(f"{item_url(org)}/revisions/1/restore", headers=headers),
}


@pytest.fixture
def changed_org(client, admin, create_organisation):
    """An organisation at version 2 (so restoring version 1 is a change)."""
    org = create_organisation()
    response = client.patch(item_url(org), json={"city": "Jesi"}, headers={**admin, "If-Match": etag(org)})
    assert response.status_code == 200
    return response.get_json()


# §13.2.2 order: If-Match first, then If-None-Match --------------------------------------------------


@pytest.mark.parametrize("write", WRITES)
def test_a_write_whose_if_none_match_names_the_current_etag_answers_412_and_changes_nothing(client, admin, changed_org,
                                                                                           write):
    response = WRITES[write](client, changed_org, {**admin, "If-Match": etag(changed_org),
                                                   "If-None-Match": etag(changed_org)})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert response.headers["ETag"] == etag(changed_org)
    assert current(client, changed_org, admin) == changed_org


@pytest.mark.parametrize("write", WRITES)
def test_a_write_whose_if_none_match_names_any_etag_answers_412(client, admin, changed_org, write):
    response = WRITES[write](client, changed_org, {**admin, "If-Match": etag(changed_org), "If-None-Match": "*"})

    assert response.status_code == 412


@pytest.mark.parametrize("write", WRITES)
def test_a_write_whose_if_none_match_names_an_old_etag_goes_ahead(client, admin, changed_org, write):
    response = WRITES[write](client, changed_org, {**admin, "If-Match": etag(changed_org), "If-None-Match": '"1"'})

    assert response.status_code in (200, 204), response.get_data(as_text=True)


@pytest.mark.parametrize("write", WRITES)
def test_a_write_with_if_none_match_but_no_if_match_still_answers_428(client, admin, changed_org, write):
    response = WRITES[write](client, changed_org, {**admin, "If-None-Match": '"1"'})

    assert response.status_code == 428
    assert current(client, changed_org, admin) == changed_org


def test_get_with_a_stale_if_match_and_a_current_if_none_match_answers_412(client, admin, changed_org):
    response = client.get(item_url(changed_org), headers={**admin, "If-Match": '"1"',
                                                          "If-None-Match": etag(changed_org)})

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert response.headers["ETag"] == etag(changed_org)


def test_get_with_a_stale_if_match_answers_412(client, admin, changed_org):
    response = client.get(item_url(changed_org), headers={**admin, "If-Match": '"1"'})

    assert response.status_code == 412


def test_get_with_the_current_if_match_answers_200(client, admin, changed_org):
    response = client.get(item_url(changed_org), headers={**admin, "If-Match": etag(changed_org)})

    assert response.status_code == 200
    assert response.get_json() == changed_org


def test_get_with_the_current_if_match_and_if_none_match_answers_304(client, admin, changed_org):
    response = client.get(item_url(changed_org), headers={**admin, "If-Match": etag(changed_org),
                                                          "If-None-Match": etag(changed_org)})

    assert response.status_code == 304


def test_get_with_if_none_match_star_answers_304(client, admin, changed_org):
    response = client.get(item_url(changed_org), headers={**admin, "If-None-Match": "*"})

    assert response.status_code == 304


def test_head_with_a_stale_if_match_answers_412(client, admin, changed_org):
    response = client.head(item_url(changed_org), headers={**admin, "If-Match": '"1"'})

    assert response.status_code == 412


def test_head_with_the_current_if_none_match_answers_304(client, admin, changed_org):
    response = client.head(item_url(changed_org), headers={**admin, "If-None-Match": etag(changed_org)})

    assert response.status_code == 304


def test_a_stale_if_match_on_a_nested_resource_read_answers_412(client, admin, create_session):
    session = create_session()
    url = f"/api/v1/sessions/{session['id']}/tables"
    table = client.post(url, json={"kind": "sector", "title": {"it": "Logistica"}}, headers=admin).get_json()

    response = client.get(f"{url}/{table['id']}", headers={"If-Match": '"2"', "If-None-Match": etag(table)})

    assert response.status_code == 412


# One strong ETag per representation ------------------------------------------------------------------


def test_the_anonymous_and_the_authenticated_representations_carry_different_etags(client, admin, create_organisation):
    org = create_organisation()

    anonymous = client.get(item_url(org))
    signed_in = client.get(item_url(org), headers=admin)

    assert "contacts" not in anonymous.get_json()
    assert signed_in.get_json()["contacts"]
    assert signed_in.headers["ETag"] == etag(org)
    assert anonymous.headers["ETag"] != signed_in.headers["ETag"]
    assert anonymous.headers["ETag"].startswith(f'"{org["version"]}-')


def test_revalidating_an_anonymous_copy_after_signing_in_answers_200_with_contacts(client, admin, create_organisation):
    org = create_organisation()
    anonymous_etag = client.get(item_url(org)).headers["ETag"]

    response = client.get(item_url(org), headers={**admin, "If-None-Match": anonymous_etag})

    assert response.status_code == 200
    assert response.get_json()["contacts"] == org["contacts"]
    assert response.headers["ETag"] == etag(org)


def test_revalidating_an_anonymous_copy_anonymously_answers_304_with_its_etag(client, create_organisation):
    org = create_organisation()
    anonymous_etag = client.get(item_url(org)).headers["ETag"]

    response = client.get(item_url(org), headers={"If-None-Match": anonymous_etag})

    assert response.status_code == 304
    assert response.headers["ETag"] == anonymous_etag


def test_revalidating_an_authenticated_copy_anonymously_answers_200_without_contacts(client, create_organisation):
    org = create_organisation()

    response = client.get(item_url(org), headers={"If-None-Match": etag(org)})

    assert response.status_code == 200
    assert "contacts" not in response.get_json()


def test_the_anonymous_etag_changes_with_the_version(client, admin, create_organisation):
    org = create_organisation()
    before = client.get(item_url(org)).headers["ETag"]
    client.patch(item_url(org), json={"city": "Jesi"}, headers={**admin, "If-Match": etag(org)})

    response = client.get(item_url(org), headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response.headers["ETag"] not in (before, '"2"')


def test_a_representation_nothing_is_hidden_from_carries_the_plain_version_tag(client, create_session):
    session = create_session()

    response = client.get(f"/api/v1/sessions/{session['id']}")

    assert response.headers["ETag"] == etag(session)


def test_a_partner_writes_with_the_etag_it_reads(client, auth, create_organisation):
    org = create_organisation()
    partner = auth("partner", organisation_id=org["id"])
    read = client.get(item_url(org), headers=partner)

    response = client.patch(item_url(org), json={"city": "Jesi"}, headers={**partner, "If-Match": read.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2


def test_a_write_with_the_anonymous_representations_etag_answers_412(client, admin, create_organisation):
    org = create_organisation()
    anonymous_etag = client.get(item_url(org)).headers["ETag"]

    response = client.patch(item_url(org), json={"city": "Jesi"}, headers={**admin, "If-Match": anonymous_etag})

    assert response.status_code == 412
    assert response.headers["ETag"] == etag(org)
    assert current(client, org, admin)["city"] == org["city"]


def test_the_if_match_parameter_documents_the_variant_tags(client):
    document = client.get("/api/v1/openapi.json").get_json()

    update = document["paths"]["/api/v1/organisations/{organisation_id}"]["patch"]
    if_match = next(p for p in update["parameters"] if p["name"] == "If-Match")

    assert '<version>-<digest>' in if_match["description"]
