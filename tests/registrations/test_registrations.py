"""Registrations over HTTP: creation, one per organisation and session, fields, who sees and changes what."""
import json

import pytest

from tests.conftest import creators_meet_after_check, current_etag, etag, send_together
from tests.registrations.helpers import delegate, registration_body, registration_url, registrations_url

MISSING_ID = "64b7f0c2a1e4b3d2c1a09f8e"


def error_paths(response):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    return set(response.get_json()["errors"])


def total(client, session, headers, **filters):
    response = client.get(registrations_url(session), query_string=filters, headers=headers)
    assert response.status_code == 200, response.get_json()
    return json.loads(response.headers["X-Pagination"])["total"]


def patch(client, registration, headers, **changes):
    return client.patch(registration_url(registration), json=changes,
                        headers={**headers, "If-Match": current_etag(client, registration_url(registration), headers)})


# Creating --------------------------------------------------------------------------------------------------


def test_staff_registers_an_organisation_while_the_session_is_open(client, admin, open_session, partner, register):
    response = register(partner.organisation["id"])

    assert response.status_code == 201, response.get_json()
    registration = response.get_json()
    assert (registration["status"], registration["version"], registration["session_number"]) == (
        "pending", 1, open_session["number"])
    assert response.headers["ETag"].startswith('"1-')  # its seminar places are live: a digest follows
    assert client.get(response.headers["Location"], headers=admin).get_json() == registration


def test_a_partner_registers_its_own_organisation(partner, register):
    response = register(partner.organisation["id"], headers=partner.headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "pending"


def test_a_partner_registers_an_organisation_it_manages(partner, register):
    response = register(partner.managed["id"], headers=partner.headers)

    assert response.status_code == 201, response.get_json()


def test_a_partner_cannot_register_another_partners_organisation(client, admin, open_session, partner, other_partner,
                                                                register):
    response = register(other_partner.organisation["id"], headers=partner.headers)

    assert response.status_code == 403, response.get_json()
    assert total(client, open_session, admin) == 0


def problem_without_instance(response):
    return {k: v for k, v in response.get_json().items() if k != "instance"}


@pytest.mark.parametrize("their_status", ["pending", "confirmed", "cancelled"])
def test_a_partner_refused_another_organisation_cannot_tell_whether_it_is_registered(
        client, admin, create_organisation, partner, other_partner, register, registered, their_status):
    never_registered = create_organisation(name="Camera di Commercio delle Marche")
    theirs = registered(other_partner.organisation["id"])
    if their_status != "pending":
        assert patch(client, theirs, admin, status=their_status).status_code == 200

    about_registered = register(other_partner.organisation["id"], headers=partner.headers)
    about_unregistered = register(never_registered["id"], headers=partner.headers)

    assert about_registered.status_code == about_unregistered.status_code == 403, about_registered.get_json()
    assert problem_without_instance(about_registered) == problem_without_instance(about_unregistered)


def test_a_partner_cannot_register_as_confirmed(client, admin, open_session, partner, register):
    response = register(partner.organisation["id"], headers=partner.headers, status="confirmed")

    assert response.status_code == 403, response.get_json()
    assert total(client, open_session, admin) == 0


def test_anonymous_callers_cannot_register(client, partner, register):
    response = register(partner.organisation["id"], headers={})

    assert response.status_code == 401


def test_a_second_registration_of_the_same_organisation_is_a_conflict(client, admin, open_session, partner, register):
    register(partner.organisation["id"])

    response = register(partner.organisation["id"], headers=partner.headers)

    assert response.status_code == 409, response.get_json()
    assert total(client, open_session, admin) == 1


def test_the_same_organisation_may_register_for_another_session(create_session, partner, register):
    register(partner.organisation["id"])

    response = register(partner.organisation["id"], session=create_session(status="registration_open"))

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("status", ["draft", "published", "registration_closed", "concluded"])
def test_registering_outside_registration_open_is_a_conflict_and_stores_nothing(client, admin, create_session,
                                                                                 partner, register, status):
    session = create_session(status=status)

    response = register(partner.organisation["id"], session=session)

    assert response.status_code == 409, response.get_json()
    assert total(client, session, admin) == 0


def test_a_table_of_another_session_is_refused_at_its_position(client, admin, create_session, open_session, partner,
                                                                register):
    other = create_session(status="registration_open")
    from tests.tables.helpers import table_body, tables_url
    mine = client.post(tables_url(open_session), json=table_body(), headers=admin).get_json()
    theirs = client.post(tables_url(other), json=table_body(), headers=admin).get_json()

    response = register(partner.organisation["id"], tables=[mine["id"], theirs["id"]])

    assert error_paths(response) == {"tables.1"}


def test_an_unknown_seminar_is_refused_at_its_position(partner, register):
    response = register(partner.organisation["id"], seminars=[MISSING_ID])

    assert error_paths(response) == {"seminars.0"}


def test_an_unknown_organisation_is_refused(register):
    assert error_paths(register(MISSING_ID)) == {"organisation_id"}


@pytest.mark.parametrize("delegates, path", [
    ([], "delegates"),
    ([delegate()] * 51, "delegates"),
    ([delegate(email="not an address")], "delegates.0.email"),
    ([delegate(), delegate(name="")], "delegates.1.name"),
    ([delegate(phone="call me")], "delegates.0.phone"),
    ([delegate(languages=["xx"])], "delegates.0.languages.0"),
    ([{"name": "Anna Petrova", "email": "a.petrova@example.org"}], "delegates.0.role"),
])
def test_invalid_delegates_are_refused_by_path(partner, register, delegates, path):
    assert error_paths(register(partner.organisation["id"], delegates=delegates)) == {path}


def test_fifty_delegates_are_accepted(partner, register):
    response = register(partner.organisation["id"], delegates=[delegate(email=f"d{i}@example.org") for i in range(50)])

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("availability, path", [
    ([{"start": "16:00", "end": "14:00"}], "networking_profile.availability.0.end"),
    ([{"start": "14:00", "end": "14:00"}], "networking_profile.availability.0.end"),
    ([{"start": "14:00", "end": "24:00"}], "networking_profile.availability.0.end"),
    ([{"start": "2pm", "end": "16:00"}], "networking_profile.availability.0.start"),
])
def test_availability_must_be_times_with_start_before_end(partner, register, availability, path):
    profile = {"offers": {"it": "Componenti"}, "availability": availability}

    assert error_paths(register(partner.organisation["id"], networking_profile=profile)) == {path}


def test_an_unknown_field_is_refused_and_nothing_stored(client, admin, open_session, partner, register):
    response = register(partner.organisation["id"], badge_colour="red")

    assert error_paths(response) == {"badge_colour"}
    assert total(client, open_session, admin) == 0


# Reading ---------------------------------------------------------------------------------------------------


def test_anonymous_callers_cannot_list_registrations(client, open_session, partner, registered):
    registered(partner.organisation["id"])

    response = client.get(registrations_url(open_session))

    assert response.status_code == 401


def test_anonymous_callers_cannot_read_a_registration(client, partner, registered):
    registration = registered(partner.organisation["id"])

    assert client.get(registration_url(registration)).status_code == 401


def test_a_partner_lists_only_the_registrations_it_acts_for(client, open_session, partner, other_partner, registered):
    own = registered(partner.organisation["id"])
    managed = registered(partner.managed["id"])
    registered(other_partner.organisation["id"])

    response = client.get(registrations_url(open_session), headers=partner.headers)

    assert sorted(r["id"] for r in response.get_json()) == sorted([own["id"], managed["id"]])


def test_a_partner_cannot_read_another_partners_registration_or_its_delegates(client, partner, other_partner,
                                                                              registered):
    theirs = registered(other_partner.organisation["id"])

    response = client.get(registration_url(theirs), headers=partner.headers)

    assert response.status_code == 404
    assert "delegates" not in response.get_json()


def test_a_partner_reads_its_delegates_contact_details(client, partner, registered):
    registration = registered(partner.organisation["id"])

    delegates = client.get(registration_url(registration), headers=partner.headers).get_json()["delegates"]

    assert (delegates[0]["email"], delegates[0]["phone"]) == ("m.santarelli@example.org", "+39 071 806 1234")


def test_an_editor_lists_every_registration(client, editor, open_session, partner, other_partner, registered):
    registered(partner.organisation["id"])
    registered(other_partner.organisation["id"])

    assert total(client, open_session, editor) == 2


def test_the_list_filters_by_status(client, admin, open_session, partner, other_partner, registered):
    registered(partner.organisation["id"], status="confirmed")
    registered(other_partner.organisation["id"])

    response = client.get(registrations_url(open_session), query_string={"status": "confirmed"}, headers=admin)

    assert [r["organisation_id"] for r in response.get_json()] == [partner.organisation["id"]]


def test_the_list_filters_by_organisation(client, admin, open_session, partner, other_partner, registered):
    registered(partner.organisation["id"])
    registered(other_partner.organisation["id"])

    response = client.get(registrations_url(open_session),
                          query_string={"organisation_id": other_partner.organisation["id"]}, headers=admin)

    assert [r["organisation_id"] for r in response.get_json()] == [other_partner.organisation["id"]]


@pytest.mark.parametrize("query, path", [({"status": "approved"}, "status"),
                                         ({"organisation_id": "abc"}, "organisation_id")])
def test_invalid_filters_are_refused(client, admin, open_session, query, path):
    response = client.get(registrations_url(open_session), query_string=query, headers=admin)

    assert error_paths(response) == {path}


# Changing and status steps -----------------------------------------------------------------------------------


def test_staff_confirm_a_pending_registration(client, editor, partner, registered):
    registration = registered(partner.organisation["id"])

    response = patch(client, registration, editor, status="confirmed")

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["version"]) == ("confirmed", 2)


def test_a_partner_cannot_confirm_its_own_registration(client, admin, partner, registered):
    registration = registered(partner.organisation["id"])

    response = patch(client, registration, partner.headers, status="confirmed")

    assert response.status_code == 403, response.get_json()
    assert client.get(registration_url(registration), headers=admin).get_json()["status"] == "pending"


def test_a_partner_cancels_a_registration_it_manages(client, partner, registered):
    registration = registered(partner.managed["id"], status="confirmed")

    response = patch(client, registration, partner.headers, status="cancelled")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"


def test_a_partner_cannot_change_another_partners_registration(client, admin, partner, other_partner, registered):
    theirs = registered(other_partner.organisation["id"])
    their_tag = current_etag(client, registration_url(theirs), admin)

    response = client.patch(registration_url(theirs), json={"status": "cancelled"},
                            headers={**partner.headers, "If-Match": their_tag})

    assert response.status_code == 404
    assert client.get(registration_url(theirs), headers=admin).get_json()["status"] == "pending"


def test_a_partner_cannot_move_its_registration_to_another_organisation(client, partner, other_partner, registered):
    registration = registered(partner.organisation["id"])

    response = patch(client, registration, partner.headers, organisation_id=partner.managed["id"])

    assert error_paths(response) == {"organisation_id"}


def test_a_cancelled_registration_stays_cancelled(client, admin, partner, registered):
    registration = registered(partner.organisation["id"])
    cancelled = patch(client, registration, admin, status="cancelled").get_json()

    response = patch(client, cancelled, admin, status="pending")

    assert error_paths(response) == {"status"}


def test_staff_cannot_create_a_registration_already_cancelled(partner, register):
    assert error_paths(register(partner.organisation["id"], status="cancelled")) == {"status"}


def test_a_partner_changes_its_delegates_while_registration_is_open(client, partner, registered):
    registration = registered(partner.organisation["id"], headers=partner.headers)

    response = patch(client, registration, partner.headers, delegates=[delegate(name="Chiara Marinelli")])

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["delegates"][0]["name"] == "Chiara Marinelli"


def close_registration(client, admin, session, status="registration_closed"):
    response = client.patch(f"/api/v1/sessions/{session['id']}", json={"status": status},
                            headers={**admin, "If-Match": etag(session)})
    assert response.status_code == 200, response.get_json()


def test_once_registration_closed_a_partner_cannot_change_its_delegates(client, admin, open_session, partner,
                                                                        registered):
    registration = registered(partner.organisation["id"], headers=partner.headers)
    close_registration(client, admin, open_session)

    response = patch(client, registration, partner.headers, delegates=[delegate(name="Chiara Marinelli")])

    assert response.status_code == 409, response.get_json()


def test_once_registration_closed_a_partner_may_still_cancel(client, admin, open_session, partner, registered):
    registration = registered(partner.organisation["id"], headers=partner.headers)
    close_registration(client, admin, open_session)

    response = patch(client, registration, partner.headers, status="cancelled")

    assert response.status_code == 200, response.get_json()


def test_once_registration_closed_pending_ones_stay_pending_for_staff_to_decide(client, admin, open_session, partner,
                                                                               registered):
    registration = registered(partner.organisation["id"])
    close_registration(client, admin, open_session)

    response = patch(client, registration, admin, status="confirmed")

    assert response.status_code == 200, response.get_json()


def test_when_the_session_concludes_pending_registrations_are_cancelled(client, admin, open_session, partner,
                                                                        other_partner, registered):
    pending = registered(partner.organisation["id"])
    confirmed = registered(other_partner.organisation["id"], status="confirmed")
    close_registration(client, admin, open_session, status="concluded")

    assert client.get(registration_url(pending), headers=admin).get_json()["status"] == "cancelled"
    assert client.get(registration_url(confirmed), headers=admin).get_json()["status"] == "confirmed"
    history = client.get(f"{registration_url(pending)}/revisions", headers=admin).get_json()
    assert (history[0]["changed_by"], history[0]["change"]) == (
        "system:registrations", {"status": {"old": "pending", "new": "cancelled"}})


def test_a_partner_cannot_delete_a_registration(client, partner, registered):
    registration = registered(partner.organisation["id"], headers=partner.headers)

    response = client.delete(registration_url(registration),
                             headers={**partner.headers, "If-Match": current_etag(client, registration_url(registration), partner.headers)})

    assert response.status_code == 403


def test_staff_delete_a_registration_and_the_organisation_may_register_again(client, admin, partner, registered,
                                                                             register):
    registration = registered(partner.organisation["id"])

    response = client.delete(registration_url(registration), headers={**admin, "If-Match": current_etag(client, registration_url(registration), admin)})

    assert response.status_code == 204
    assert register(partner.organisation["id"]).status_code == 201


def test_a_partner_reads_the_history_of_its_registration(client, partner, registered):
    registration = registered(partner.organisation["id"], headers=partner.headers)
    patch(client, registration, partner.headers, status="cancelled")

    history = client.get(f"{registration_url(registration)}/revisions", headers=partner.headers).get_json()

    assert [(r["version"], r["action"]) for r in history] == [(2, "updated"), (1, "created")]


def test_search_finds_a_registration_by_a_delegate_written_in_cyrillic(client, admin, open_session, partner,
                                                                       other_partner, registered):
    registered(partner.organisation["id"])
    theirs = registered(other_partner.organisation["id"], delegates=[delegate(name="Ольга Смирнова")])

    response = client.get(registrations_url(open_session), query_string={"q": "smirnova"}, headers=admin)

    assert [r["id"] for r in response.get_json()] == [theirs["id"]]


def test_a_retried_registration_with_its_idempotency_key_is_replayed_not_stored_twice(client, admin, open_session,
                                                                                      partner, register):
    headers = {**partner.headers, "Idempotency-Key": "crm-registration-1"}
    first = register(partner.organisation["id"], headers=headers)

    again = register(partner.organisation["id"], headers=headers)

    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.get_json() == first.get_json()
    assert total(client, open_session, admin) == 1


def test_a_read_only_credential_cannot_register(client, admin, open_session, partner, auth, register):
    read_only = auth("partner", organisation_id=partner.organisation["id"], scopes=("read",))

    response = register(partner.organisation["id"], headers=read_only)

    assert response.status_code == 403
    assert total(client, open_session, admin) == 0


def test_of_two_simultaneous_registrations_of_one_organisation_one_is_a_conflict(app, client, admin, open_session,
                                                                                  partner, monkeypatch):
    from api.registrations.resource import registrations
    # Both find no registration of the organisation: only the unique index can tell them apart.
    creators_meet_after_check(monkeypatch, registrations)
    url = registrations_url(open_session)

    responses = send_together(app, [lambda c: c.post(url, json=registration_body(partner.organisation["id"]),
                                                     headers=admin)] * 2)

    assert sorted(r.status_code for r in responses) == [201, 409]
    monkeypatch.undo()
    assert total(client, open_session, admin) == 1


def test_reindex_search_recomputes_the_words_of_registrations(app, runner, client, admin, open_session, partner,
                                                               registered):
    from api.registrations.models import Registration
    registered(partner.organisation["id"], delegates=[delegate(name="Ольга Смирнова")])
    with app.app_context():
        Registration._get_collection().update_many({}, {"$set": {"search_terms": []}})

    result = runner.invoke(args=["reindex-search"])

    assert '"registrations": 1' in result.output, result.output
    found = client.get(registrations_url(open_session), query_string={"q": "smirnova"}, headers=admin).get_json()
    assert len(found) == 1
