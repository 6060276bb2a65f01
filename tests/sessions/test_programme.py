"""GET /api/v1/sessions/{sid}/programme.ics: scheduled tables and seminars as iCalendar in the session's zone."""
import icalendar

from tests.auth.helpers import problem
from tests.conftest import current_etag
from tests.tables.helpers import table_body

CALENDAR = {"Accept": "text/calendar"}


def programme(client, session, headers=None):
    response = client.get(f"/api/v1/sessions/{session['id']}/programme.ics", headers={**CALENDAR, **(headers or {})})
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.get_data())


def events(calendar):
    return calendar.walk("VEVENT")


def test_each_scheduled_table_and_seminar_is_one_event(client, create_session, admin):
    session = create_session()
    url = f"/api/v1/sessions/{session['id']}"
    client.post(f"{url}/tables", json=table_body(), headers=admin)
    client.post(f"{url}/tables", json=table_body(schedule=None, title={"it": "Senza orario"}), headers=admin)
    client.post(f"{url}/seminars", headers=admin, json={
        "title": {"it": "Turismo", "ru": "Туризм"}, "starts_at": "2012-10-25T15:00:00+02:00",
        "ends_at": "2012-10-25T18:00:00+02:00", "room": "Auditorium"})

    summaries = sorted(str(event["SUMMARY"]) for event in events(programme(client, session)))

    assert summaries == ["Logistica / Логистика", "Turismo / Туризм"]


def test_times_are_in_the_sessions_time_zone_with_its_vtimezone(client, create_session, admin):
    session = create_session(timezone="Europe/Moscow", host_country="RU", host_region="RU-MOW", city="Москва")
    client.post(f"/api/v1/sessions/{session['id']}/tables", json=table_body(), headers=admin)

    calendar = programme(client, session)

    start = events(calendar)[0]["DTSTART"]
    assert start.params["TZID"] == "Europe/Moscow"
    assert start.dt.isoformat() == "2012-10-25T11:30:00+04:00"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]


def test_an_event_keeps_its_uid_when_its_table_changes(client, create_session, admin):
    session = create_session()
    table = client.post(f"/api/v1/sessions/{session['id']}/tables", json=table_body(), headers=admin).get_json()
    before = events(programme(client, session))[0]
    url = f"/api/v1/sessions/{session['id']}/tables/{table['id']}"
    changed = client.patch(url, json={"title": {"en": "Logistics and ports"}},
                           headers={**admin, "If-Match": current_etag(client, url, admin)})
    assert changed.status_code == 200, changed.get_json()

    after = events(programme(client, session))[0]

    assert after["UID"] == before["UID"] and after["SEQUENCE"] == before["SEQUENCE"] + 1


def test_the_location_names_room_venue_and_city(client, create_session, admin):
    session = create_session()
    client.post(f"/api/v1/sessions/{session['id']}/tables", json=table_body(), headers=admin)

    assert str(events(programme(client, session))[0]["LOCATION"]) == "Sala del Lazzaretto, Mole Vanvitelliana, Ancona"


def test_the_programme_of_a_draft_session_is_hidden_from_anonymous_callers(client, create_session):
    session = create_session(status="draft")

    response = client.get(f"/api/v1/sessions/{session['id']}/programme.ics")

    assert response.status_code == 404 and problem(response)


def test_a_programme_asked_for_as_json_is_refused_with_406(client, create_session):
    session = create_session()

    response = client.get(f"/api/v1/sessions/{session['id']}/programme.ics", headers={"Accept": "application/json"})

    assert response.status_code == 406 and problem(response)
