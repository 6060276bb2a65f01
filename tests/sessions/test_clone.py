"""POST /api/v1/sessions/{id}/clone: the next edition as a draft, with a copy of the programme and nothing else."""
import datetime as dt

import pytest

from api.core.documents import Revision
from tests.conftest import current_etag, etag
from tests.core.test_faults import StoreFaults
from tests.registrations.helpers import registration_body, registrations_url
from tests.seminars.conftest import seminar_body, seminars_url
from tests.tables.helpers import sector_attributes, table_body, tables_url

SESSIONS = "/api/v1/sessions"
MISSING_ID = "64b7f0c2a1e4b3d2c1a09f8e"
ROMA = {"host_country": "IT", "host_region": "IT-62", "city": "Roma", "timezone": "Europe/Rome"}
KALUGA = {"host_country": "RU", "host_region": "RU-KLU", "city": "Калуга", "timezone": "Europe/Moscow"}


def clone_url(session):
    return f"{SESSIONS}/{session['id']}/clone"


@pytest.fixture
def clone(client, admin):
    """Clone a session (as admin unless told); return the new session's representation."""
    def make(session, headers=None):
        response = client.post(clone_url(session), headers=headers or admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


@pytest.fixture
def xxi(create_session):
    """The XXI session: Ancona, Tuesday 23 to Friday 26 October 2012."""
    return create_session(number=21, title={"it": "XXI Sessione della Task Force", "ru": "XXI сессия Рабочей группы"},
                          description={"it": "La XXI Sessione si terrà nelle Marche."})


def listed(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# The new session -----------------------------------------------------------------------------------------


def test_the_clone_is_a_draft_numbered_after_the_highest_session(client, admin, xxi, clone):
    response = client.post(clone_url(xxi), headers=admin)

    created = response.get_json()
    assert response.status_code == 201
    assert (created["number"], created["status"], created["version"]) == (22, "draft", 1)
    assert response.headers["Location"] == f"{SESSIONS}/{created['id']}"
    assert response.headers["ETag"] == etag(created)
    assert client.get(f"{SESSIONS}/{created['id']}").status_code == 404  # a draft: staff only


def test_cloning_an_older_session_still_takes_the_number_after_the_highest(create_session, xxi, clone):
    create_session(number=22, starts_on="2013-04-16", ends_on="2013-04-18", **KALUGA)

    assert clone(xxi)["number"] == 23


def test_a_deleted_session_keeps_its_number(client, admin, create_session, xxi, clone):
    deleted = create_session(number=22, starts_on="2013-04-16", ends_on="2013-04-18", **KALUGA)
    client.delete(f"{SESSIONS}/{deleted['id']}", headers={**admin, "If-Match": etag(deleted)})

    assert clone(xxi)["number"] == 23


def test_italy_and_russia_alternate_as_hosts(xxi, clone):
    xxii = clone(xxi)
    xxiii = clone(xxii)

    assert (xxi["host_country"], xxii["host_country"], xxiii["host_country"]) == ("IT", "RU", "IT")


def test_the_next_edition_follows_the_latest_one_whichever_is_cloned(create_session, xxi, clone):
    create_session(number=22, starts_on="2013-04-16", ends_on="2013-04-18", **KALUGA)

    xxiii = clone(xxi)

    assert xxiii["host_country"] == "IT"
    assert (xxiii["starts_on"], xxiii["ends_on"]) == ("2013-10-15", "2013-10-17")


def test_another_host_alternates_with_the_latest_country_before_it(create_session, clone):
    create_session(number=40, host_country="FR", host_region="FR-IDF", city="Paris", timezone="Europe/Paris")
    berlin = create_session(number=41, host_country="DE", host_region="DE-BE", city="Berlin", timezone="Europe/Berlin")

    assert clone(berlin)["host_country"] == "FR"


def test_the_dates_are_the_same_weekdays_26_weeks_later(xxi, clone):
    xxii = clone(xxi)

    starts_on, ends_on = dt.date.fromisoformat(xxii["starts_on"]), dt.date.fromisoformat(xxii["ends_on"])
    assert (starts_on, ends_on) == (dt.date(2013, 4, 23), dt.date(2013, 4, 26))
    assert (starts_on.weekday(), ends_on.weekday()) == (dt.date(2012, 10, 23).weekday(), dt.date(2012, 10, 26).weekday())


def test_the_place_is_that_of_the_latest_edition_in_the_host_country(create_session, clone):
    create_session(number=20, starts_on="2012-04-17", ends_on="2012-04-19", venue="Технопарк", **KALUGA)
    xxi = create_session(number=21)

    xxii = clone(xxi)

    assert {k: xxii.get(k) for k in KALUGA} == KALUGA
    assert "venue" not in xxii  # the editor's to fill


def test_the_title_and_description_are_carried_over_renumbered(xxi, clone):
    xxii = clone(xxi)

    assert xxii["title"] == {"it": "XXII Sessione della Task Force", "ru": "XXII сессия Рабочей группы"}
    assert xxii["description"] == {"it": "La XXII Sessione si terrà nelle Marche."}
    assert xxii["languages"] == xxi["languages"]


# The programme ---------------------------------------------------------------------------------------------


def test_tables_and_seminars_are_copied_as_new_resources(client, admin, xxi, clone):
    table = client.post(tables_url(xxi), json=table_body(), headers=admin).get_json()
    seminar = client.post(seminars_url(xxi), json=seminar_body(), headers=admin).get_json()

    xxii = clone(xxi)

    [table_copy] = listed(client, tables_url(xxii), admin)
    [seminar_copy] = listed(client, seminars_url(xxii), admin)
    assert table_copy["id"] != table["id"] and seminar_copy["id"] != seminar["id"]
    assert (table_copy["version"], seminar_copy["version"]) == (1, 1)
    assert (table_copy["title"], table_copy["sectors"]) == (table["title"], table["sectors"])
    assert (seminar_copy["title"], seminar_copy["speakers"], seminar_copy["capacity"]) == (
        seminar["title"], seminar["speakers"], seminar["capacity"])


def test_the_copies_revisions_say_where_they_come_from(app, client, admin, xxi, clone):
    table = client.post(tables_url(xxi), json=table_body(), headers=admin).get_json()
    xxii = clone(xxi)
    table_copy = listed(client, tables_url(xxii), admin)[0]

    revisions = listed(client, f"{tables_url(xxii)}/{table_copy['id']}/revisions", admin)

    assert [(r["version"], r["action"], r["reason"]) for r in revisions] == [(1, "created", "cloned from session 21")]
    with app.app_context():
        session_revision = Revision._get_collection().find_one({"resource_type": "sessions", "resource_id": xxii["id"]})
    assert session_revision["reason"] == "cloned from session 21"
    assert table["id"] != table_copy["id"]


def test_the_programme_keeps_its_local_times_on_the_new_days(client, admin, create_session, xxi, clone):
    create_session(number=20, starts_on="2012-04-17", ends_on="2012-04-19", **KALUGA)
    client.post(seminars_url(xxi), json=seminar_body(starts_at="2012-10-25T15:00:00+02:00",
                                                     ends_at="2012-10-25T18:00:00+02:00"), headers=admin)
    client.post(tables_url(xxi), json=table_body(schedule={
        "starts_at": "2012-10-24T09:30:00+02:00", "ends_at": "2012-10-24T13:00:00+02:00", "room": "Sala B"}),
        headers=admin)

    xxii = clone(xxi)  # in Kaluga, Europe/Moscow (UTC+4 in 2013), 2013-04-23 to 2013-04-26

    [seminar] = listed(client, seminars_url(xxii), admin)
    [table] = listed(client, tables_url(xxii), admin)
    assert (seminar["starts_at"], seminar["ends_at"]) == ("2013-04-25T11:00:00+00:00", "2013-04-25T14:00:00+00:00")
    assert table["schedule"] == {"starts_at": "2013-04-24T05:30:00+00:00", "ends_at": "2013-04-24T09:00:00+00:00",
                                 "room": "Sala B"}


def test_a_table_s_outcomes_stay_with_its_session(client, admin, xxi, clone):
    attributes = sector_attributes(outcomes=[{"it": "Accordo firmato"}])
    client.post(tables_url(xxi), json=table_body(attributes=attributes), headers=admin)

    [table] = listed(client, tables_url(clone(xxi)), admin)

    assert table["attributes"] == {**attributes, "outcomes": []}


def test_registrations_and_networking_are_not_copied(client, admin, demo, clone):
    xxi = listed(client, f"{SESSIONS}?q=XXI", admin)[0]
    assert listed(client, registrations_url(xxi), admin)

    xxii = clone(xxi)

    networking = f"{SESSIONS}/{xxii['id']}/networking"
    assert listed(client, registrations_url(xxii), admin) == []
    assert client.get(networking, headers=admin).status_code == 404
    assert listed(client, f"{networking}/requests", admin) == []
    assert listed(client, f"{networking}/schedules", admin) == []
    assert len(listed(client, tables_url(xxii), admin)) == len(listed(client, tables_url(xxi), admin))


def test_the_directory_shows_an_organisation_s_participation_across_editions(
        client, admin, auth, create_organisation, create_session, clone):
    organisation = create_organisation()
    xxi = create_session(number=21, status="registration_open")
    client.post(registrations_url(xxi), json=registration_body(organisation["id"]), headers=admin)
    xxii = clone(xxi)
    client.patch(f"{SESSIONS}/{xxii['id']}", json={"status": "registration_open"},
                 headers={**admin, "If-Match": etag(xxii)})
    client.post(registrations_url(xxii), json=registration_body(organisation["id"]), headers=admin)
    partner = auth("partner", organisation_id=organisation["id"])

    participations = listed(client, f"/api/v1/organisations/{organisation['id']}/participations", partner)

    assert [(p["session_id"], p["session_number"]) for p in participations] == [(xxii["id"], 22), (xxi["id"], 21)]


def test_a_table_of_a_kind_no_longer_installed_stops_the_clone_before_anything_is_stored(app, client, admin, xxi):
    from api.core.documents import utcnow
    from api.tables.models import Table
    with app.app_context():
        now = utcnow()
        Table._get_collection().insert_one({
            "session_id": xxi["id"], "kind": "tourism_showcase", "kind_version": 1, "title": {"it": "Vetrina"},
            "attributes": {"stands": 3}, "version": 1, "created_at": now, "updated_at": now, "deleted_at": None,
            "search_terms": []})

    response = client.post(clone_url(xxi), headers=admin)

    assert response.status_code == 409
    assert list(response.get_json()["errors"]) == ["tables.0.kind"]
    assert [s["number"] for s in listed(client, SESSIONS, admin)] == [21]


# Retries, callers, unknown sessions ------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_replays_the_clone(client, admin, xxi):
    client.post(tables_url(xxi), json=table_body(), headers=admin)
    headers = {**admin, "Idempotency-Key": "next-edition-1"}
    first = client.post(clone_url(xxi), headers=headers)

    again = client.post(clone_url(xxi), headers=headers)

    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert [s["number"] for s in listed(client, SESSIONS, admin)] == [21, 22]
    assert len(listed(client, tables_url(first.get_json()), admin)) == 1


def test_a_retry_after_a_lost_answer_completes_the_clone_without_a_second_copy(client, admin, xxi):
    client.post(tables_url(xxi), json=table_body(), headers=admin)
    client.post(seminars_url(xxi), json=seminar_body(), headers=admin)
    headers = {**admin, "Idempotency-Key": "next-edition-2"}
    faults = StoreFaults()
    faults.fail("insert_one", "seminars", applied=True)  # the seminar's copy is stored, its answer lost
    try:
        assert client.post(clone_url(xxi), headers=headers).status_code == 503
    finally:
        faults.up()

    retried = client.post(clone_url(xxi), headers=headers)

    assert retried.status_code == 201, retried.get_json()
    assert [s["number"] for s in listed(client, SESSIONS, admin)] == [21, 22]
    assert len(listed(client, tables_url(retried.get_json()), admin)) == 1
    assert len(listed(client, seminars_url(retried.get_json()), admin)) == 1


def test_an_editor_clones(client, editor, xxi):
    assert client.post(clone_url(xxi), headers=editor).status_code == 201


def test_an_anonymous_caller_cannot_clone(client, admin, xxi):
    response = client.post(clone_url(xxi))

    assert response.status_code == 401
    assert [s["number"] for s in listed(client, SESSIONS, admin)] == [21]


def test_a_partner_cannot_clone(client, admin, auth, create_organisation, xxi):
    partner = auth("partner", organisation_id=create_organisation()["id"])

    response = client.post(clone_url(xxi), headers=partner)

    assert response.status_code == 403
    assert [s["number"] for s in listed(client, SESSIONS, admin)] == [21]


def test_a_partner_does_not_learn_of_a_draft_it_would_clone(client, auth, create_organisation, create_session):
    draft = create_session(status="draft")
    partner = auth("partner", organisation_id=create_organisation()["id"])

    assert client.post(clone_url(draft), headers=partner).status_code == 404


@pytest.mark.parametrize("session_id", [MISSING_ID, "not-an-id"])
def test_an_unknown_session_is_404(client, admin, session_id):
    response = client.post(f"{SESSIONS}/{session_id}/clone", headers=admin)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_deleted_session_cannot_be_cloned(client, admin, xxi):
    client.delete(f"{SESSIONS}/{xxi['id']}", headers={**admin, "If-Match": current_etag(client, f"{SESSIONS}/{xxi['id']}", admin)})

    assert client.post(clone_url(xxi), headers=admin).status_code == 404
