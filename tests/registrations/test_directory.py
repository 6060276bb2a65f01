"""The public participant directory (organisations?session_id=) and an organisation's participations."""
from tests.conftest import current_etag, etag
from tests.registrations.helpers import registration_url

ORGS = "/api/v1/organisations"
MISSING_ID = "64b7f0c2a1e4b3d2c1a09f8e"


def participations_url(organisation):
    return f"{ORGS}/{organisation['id']}/participations"


# The participant directory ---------------------------------------------------------------------------------


def test_the_directory_of_a_session_lists_the_organisations_with_a_confirmed_registration(
        client, open_session, partner, other_partner, registered):
    registered(partner.organisation["id"], status="confirmed")
    registered(other_partner.organisation["id"])

    response = client.get(ORGS, query_string={"session_id": open_session["id"]})

    assert response.status_code == 200
    assert [o["id"] for o in response.get_json()] == [partner.organisation["id"]]


def test_the_directory_of_a_session_shows_no_contacts_to_anonymous_callers(client, open_session, partner, registered):
    registered(partner.organisation["id"], status="confirmed")

    listed = client.get(ORGS, query_string={"session_id": open_session["id"]}).get_json()

    assert "contacts" not in listed[0]


def test_a_cancelled_registration_leaves_the_directory(client, admin, open_session, partner, registered):
    registration = registered(partner.organisation["id"], status="confirmed")
    client.patch(registration_url(registration), json={"status": "cancelled"},
                 headers={**admin, "If-Match": current_etag(client, registration_url(registration), admin)})

    assert client.get(ORGS, query_string={"session_id": open_session["id"]}).get_json() == []


def test_the_directory_of_a_deleted_session_is_empty(client, admin, open_session, partner, registered):
    registered(partner.organisation["id"], status="confirmed")
    client.delete(f"/api/v1/sessions/{open_session['id']}", headers={**admin, "If-Match": etag(open_session)})

    assert client.get(ORGS, query_string={"session_id": open_session["id"]}).get_json() == []


def test_the_directory_of_an_unknown_session_is_empty(client):
    response = client.get(ORGS, query_string={"session_id": MISSING_ID})

    assert (response.status_code, response.get_json()) == (200, [])


def test_a_malformed_session_id_is_refused(client):
    response = client.get(ORGS, query_string={"session_id": "xxi"})

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"session_id"}


# Participations ----------------------------------------------------------------------------------------------


def test_participations_list_every_session_newest_first(client, create_session, partner, registered, seminar_in):
    earlier = create_session(number=21, status="registration_open")
    later = create_session(number=22, status="registration_open")
    seminar = seminar_in(earlier)
    registered(partner.organisation["id"], session=earlier, status="confirmed", seminars=[seminar["id"]])
    registered(partner.organisation["id"], session=later)

    response = client.get(participations_url(partner.organisation), headers=partner.headers)

    assert response.status_code == 200, response.get_json()
    assert [(p["session_number"], p["status"], p["seminars"]) for p in response.get_json()] == [
        (22, "pending", []), (21, "confirmed", [seminar["id"]])]


def test_a_partner_reads_the_participations_of_an_organisation_it_manages(client, partner, registered):
    registered(partner.managed["id"])

    response = client.get(participations_url(partner.managed), headers=partner.headers)

    assert [p["status"] for p in response.get_json()] == ["pending"]


def test_another_partner_cannot_read_the_participations(client, partner, other_partner, registered):
    registered(partner.organisation["id"])

    response = client.get(participations_url(partner.organisation), headers=other_partner.headers)

    assert response.status_code == 403


def test_anonymous_callers_cannot_read_participations(client, partner, registered):
    registered(partner.organisation["id"])

    assert client.get(participations_url(partner.organisation)).status_code == 401


def test_participations_of_an_unknown_organisation_are_not_found(client, admin):
    assert client.get(f"{ORGS}/{MISSING_ID}/participations", headers=admin).status_code == 404
