"""The directory over HTTP: field rules, managed_by references, contacts visibility, partner rights."""
import json

import pytest

from tests.conftest import etag, organisation_body

ORGS = "/api/v1/organisations"


def url(org):
    return f"{ORGS}/{org['id']}"


def post(client, headers, without=(), **overrides):
    body = {k: v for k, v in organisation_body(**overrides).items() if k not in without}
    return client.post(ORGS, json=body, headers=headers)


def patch(client, org, body, headers):
    return client.patch(url(org), json=body, headers={**headers, "If-Match": etag(org)})


def assert_invalid(response, field):
    """Assert a 422 whose errors are all at the field or inside it (`contacts.0.email`)."""
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    paths = set(response.get_json()["errors"])
    assert paths, response.get_json()
    assert all(path == field or path.startswith(field + ".") for path in paths), paths


def total(client, headers):
    return json.loads(client.get(ORGS, headers=headers).headers["X-Pagination"])["total"]


# Field rules ------------------------------------------------------------------------------------


def test_a_valid_organisation_is_created_as_sent(client, admin):
    body = organisation_body()

    response = client.post(ORGS, json=body, headers=admin)

    assert response.status_code == 201
    assert {k: response.get_json()[k] for k in body} == body


@pytest.mark.parametrize("kind", ["spaceship", "Bank", "", 3])
def test_kind_must_be_one_of_the_listed_kinds(client, admin, kind):
    assert_invalid(post(client, admin, kind=kind), "kind")


@pytest.mark.parametrize("country", ["XX", "it", "Italia"])
def test_country_must_be_an_iso_3166_alpha_2_code(client, admin, country):
    assert_invalid(post(client, admin, country=country, without=["region"]), "country")


@pytest.mark.parametrize("region", ["IT-99", "Marche", "57"])
def test_region_must_be_an_iso_3166_2_code(client, admin, region):
    assert_invalid(post(client, admin, region=region), "region")


def test_region_must_lie_in_the_country(client, admin):
    assert_invalid(post(client, admin, country="RU", region="IT-57"), "region")


@pytest.mark.parametrize("website", ["www.example.org", "ftp://example.org", "javascript:alert(1)", "https://", "x" * 10])
def test_website_must_be_an_http_or_https_url(client, admin, website):
    assert_invalid(post(client, admin, website=website), "website")


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.org", "a b@example.org"])
def test_contact_email_must_be_an_email_address(client, admin, email):
    response = post(client, admin, contacts=[{"name": "Giulia", "email": email}])

    assert_invalid(response, "contacts")
    assert set(response.get_json()["errors"]) == {"contacts.0.email"}


def test_contact_needs_a_name(client, admin):
    response = post(client, admin, contacts=[{"name": "Giulia"}, {"email": "x@example.org"}])

    assert set(response.get_json()["errors"]) == {"contacts.1.name"}


def test_contact_with_an_unknown_field_is_invalid(client, admin):
    response = post(client, admin, contacts=[{"name": "Giulia", "fax": "071 1234"}])

    assert set(response.get_json()["errors"]) == {"contacts.0.fax"}


@pytest.mark.parametrize("phone", ["call me", "+39 071 1234567\n"])
def test_contact_phone_must_look_like_a_phone_number(client, admin, phone):
    assert_invalid(post(client, admin, contacts=[{"name": "Giulia", "phone": phone}]), "contacts")


@pytest.mark.parametrize("sectors", [["Logistics"], ["home automation"], ["1st"], ["logistics", "logistics"], "logistics",
                                     ["x" * 41]])
def test_sectors_must_be_distinct_slugs(client, admin, sectors):
    assert_invalid(post(client, admin, sectors=sectors), "sectors")


@pytest.mark.parametrize("sectors", [[], ["logistics"], ["home_automation", "ict2"]])
def test_valid_sectors(client, admin, sectors):
    assert post(client, admin, sectors=sectors).status_code == 201


def test_name_is_required_and_not_empty(client, admin):
    assert_invalid(post(client, admin, without=["name"]), "name")
    assert_invalid(post(client, admin, name=""), "name")


def test_name_i18n_follows_the_localised_text_rules(client, admin):
    assert_invalid(post(client, admin, name_i18n={"english": "Agency"}), "name_i18n")


def test_unknown_field_is_invalid(client, admin):
    assert_invalid(post(client, admin, colour="blue"), "colour")


def test_an_invalid_organisation_is_not_created(client, admin):
    post(client, admin, kind="spaceship")

    assert total(client, admin) == 0


# managed_by -------------------------------------------------------------------------------------


def test_managed_by_an_existing_organisation(client, admin, create_organisation):
    manager = create_organisation(name="Manager")

    response = post(client, admin, managed_by=manager["id"])

    assert response.status_code == 201
    assert response.get_json()["managed_by"] == manager["id"]


def test_managed_by_an_unknown_id_is_invalid(client, admin):
    assert_invalid(post(client, admin, managed_by="0123456789abcdef01234567"), "managed_by")


def test_managed_by_a_malformed_id_is_invalid(client, admin):
    assert_invalid(post(client, admin, managed_by="abc"), "managed_by")


def test_managed_by_a_deleted_organisation_is_invalid(client, admin, create_organisation):
    manager = create_organisation(name="Manager")
    client.delete(url(manager), headers={**admin, "If-Match": etag(manager)})

    assert_invalid(post(client, admin, managed_by=manager["id"]), "managed_by")


def test_an_organisation_cannot_manage_itself(client, admin, create_organisation):
    org = create_organisation()

    assert_invalid(patch(client, org, {"managed_by": org["id"]}, admin), "managed_by")


# Contacts visibility ----------------------------------------------------------------------------


def test_anonymous_callers_do_not_see_contacts(client, create_organisation):
    org = create_organisation()

    assert "contacts" not in client.get(url(org)).get_json()
    assert all("contacts" not in item for item in client.get(ORGS).get_json())


@pytest.mark.parametrize("roles", [("partner",), ("editor",), ("admin",)])
def test_authenticated_callers_see_contacts(client, auth, create_organisation, roles):
    org = create_organisation()
    other = create_organisation(name="Other")
    headers = auth(*roles, organisation_id=other["id"])

    assert client.get(url(org), headers=headers).get_json()["contacts"] == org["contacts"]
    assert all("contacts" in item for item in client.get(ORGS, headers=headers).get_json())


# Partner rights ---------------------------------------------------------------------------------


@pytest.fixture
def partner_org(create_organisation):
    return create_organisation(name="Partner Agency")


@pytest.fixture
def partner(auth, partner_org):
    return auth("partner", organisation_id=partner_org["id"])


def test_partner_changes_its_own_organisation(client, partner, partner_org):
    response = patch(client, partner_org, {"city": "Pesaro"}, partner)

    assert response.status_code == 200
    assert response.get_json()["city"] == "Pesaro"


def test_partner_changes_an_organisation_it_manages(client, partner, partner_org, create_organisation):
    managed = create_organisation(name="Managed", managed_by=partner_org["id"])

    response = patch(client, managed, {"city": "Pesaro"}, partner)

    assert response.status_code == 200


def test_partner_creates_an_organisation_it_manages(client, partner, partner_org):
    response = post(client, partner, managed_by=partner_org["id"])

    assert response.status_code == 201
    assert response.get_json()["managed_by"] == partner_org["id"]


def test_partner_cannot_create_an_organisation_managed_by_another(client, admin, partner, create_organisation):
    other = create_organisation(name="Other")
    before = total(client, admin)

    response = post(client, partner, managed_by=other["id"])

    assert response.status_code == 403
    assert total(client, admin) == before


def test_partner_cannot_create_an_unmanaged_organisation(client, partner):
    assert post(client, partner, without=["managed_by"]).status_code == 403


def test_partner_cannot_change_an_organisation_managed_by_another(client, admin, partner, create_organisation):
    other = create_organisation(name="Other")
    foreign = create_organisation(name="Foreign", managed_by=other["id"])

    response = patch(client, foreign, {"city": "Pesaro"}, partner)

    assert response.status_code == 403
    assert client.get(url(foreign), headers=admin).get_json() == foreign


def test_partner_cannot_delete_an_organisation_managed_by_another(client, admin, partner, create_organisation):
    foreign = create_organisation(name="Foreign")

    response = client.delete(url(foreign), headers={**partner, "If-Match": etag(foreign)})

    assert response.status_code == 403
    assert client.get(url(foreign), headers=admin).status_code == 200


def test_partner_cannot_hand_a_managed_organisation_to_another(client, admin, partner, partner_org, create_organisation):
    other = create_organisation(name="Other")
    managed = create_organisation(name="Managed", managed_by=partner_org["id"])

    response = patch(client, managed, {"managed_by": other["id"]}, partner)

    assert response.status_code == 403
    assert client.get(url(managed), headers=admin).get_json()["managed_by"] == partner_org["id"]


def test_partner_cannot_change_who_manages_its_own_organisation(client, admin, partner, partner_org, create_organisation):
    other = create_organisation(name="Other")

    response = patch(client, partner_org, {"managed_by": other["id"]}, partner)

    assert response.status_code == 403
    assert "managed_by" not in client.get(url(partner_org), headers=admin).get_json()


def test_partner_reads_the_history_of_an_organisation_it_manages(client, partner, partner_org, create_organisation):
    managed = create_organisation(name="Managed", managed_by=partner_org["id"])

    assert client.get(f"{url(managed)}/revisions", headers=partner).status_code == 200


def test_partner_cannot_read_the_history_of_another_organisation(client, partner, create_organisation):
    foreign = create_organisation(name="Foreign")

    assert client.get(f"{url(foreign)}/revisions", headers=partner).status_code == 403


def test_partner_without_an_organisation_cannot_create(client, auth):
    # Its token does not act at all: a partner's token needs its organisation.
    assert post(client, auth("partner")).status_code == 401


def test_editor_edits_any_organisation(client, editor, create_organisation):
    org = create_organisation()

    assert patch(client, org, {"city": "Pesaro"}, editor).status_code == 200
