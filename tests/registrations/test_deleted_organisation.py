"""A deleted organisation's registrations: cancelled by the system while their session is under way."""
import pytest

from tests.conftest import current_etag, etag
from tests.registrations.helpers import delete_organisation, registration_url


def read(client, admin, registration):
    return client.get(registration_url(registration), headers=admin).get_json()


def conclude(client, admin, session):
    response = client.patch(f"/api/v1/sessions/{session['id']}", json={"status": "concluded"},
                            headers={**admin, "If-Match": etag(session)})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("status", ["pending", "confirmed", "waitlisted"])
def test_deleting_an_organisation_cancels_its_registration(client, admin, partner, registered, status):
    registration = registered(partner.managed["id"], status=status)

    response = delete_organisation(client, partner.managed, partner.headers)

    assert response.status_code == 204, response.get_json()
    assert read(client, admin, registration)["status"] == "cancelled"


def test_the_cancellation_is_a_revision_made_by_the_system(client, admin, partner, registered):
    registration = registered(partner.managed["id"], headers=partner.headers)

    delete_organisation(client, partner.managed, partner.headers)

    history = client.get(f"{registration_url(registration)}/revisions", headers=admin).get_json()
    assert [(r["version"], r["changed_by"], r["change"]) for r in history[:1]] == [
        (2, "system:registrations", {"status": {"old": "pending", "new": "cancelled"}})]


def test_deleting_an_organisation_cancels_its_registrations_in_every_session_under_way(
        client, admin, create_session, partner, registered):
    in_one = registered(partner.managed["id"])
    in_another = registered(partner.managed["id"], session=create_session(status="registration_open"))

    delete_organisation(client, partner.managed, admin)

    assert [read(client, admin, r)["status"] for r in (in_one, in_another)] == ["cancelled", "cancelled"]


def test_a_registration_of_a_concluded_session_stays_as_the_record_of_who_took_part(client, admin, open_session,
                                                                                      partner, registered):
    registration = registered(partner.managed["id"], status="confirmed")
    conclude(client, admin, open_session)

    delete_organisation(client, partner.managed, admin)

    assert read(client, admin, registration)["status"] == "confirmed"


def test_staff_still_change_a_registration_of_a_deleted_organisation(client, admin, open_session, partner,
                                                                      registered):
    registration = registered(partner.managed["id"], status="confirmed")
    conclude(client, admin, open_session)
    delete_organisation(client, partner.managed, admin)

    response = client.patch(registration_url(registration), json={"networking": False},
                            headers={**admin, "If-Match": current_etag(client, registration_url(registration), admin)})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["networking"] is False


def test_a_deleted_organisation_cannot_be_registered(client, admin, create_organisation, register):
    deleted = create_organisation(name="Consorzio Sciolto")
    delete_organisation(client, deleted, admin)

    response = register(deleted["id"])

    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]) == {"organisation_id"}


def test_a_refused_deletion_cancels_nothing(client, admin, partner, other_partner, registered):
    registration = registered(partner.managed["id"])

    response = delete_organisation(client, partner.managed, other_partner.headers)

    assert response.status_code == 403, response.get_json()
    assert read(client, admin, registration)["status"] == "pending"
