"""Agendas: a participant's meetings in the published schedule, as JSON and as iCalendar."""
import icalendar
import pytest

from tests.networking.helpers import request_url, settings_url


@pytest.fixture
def published(client, admin, asked, configured, open_session, world):
    """Two accepted meetings of the partner's own organisation, scheduled and published."""
    configured()
    for counterpart in (world.russian, world.stranger):
        meeting_request = asked(world.own, counterpart)
        client.patch(request_url(meeting_request), json={"status": "accepted"},
                     headers={**admin, "If-Match": f'"{meeting_request["version"]}"'})
    schedules = f"{settings_url(open_session)}/schedules"
    assert client.post(schedules, headers=admin).status_code == 201
    assert client.post(f"{schedules}/1/publish", headers=admin).status_code == 200


def agenda_url(session, organisation_id):
    return f"{settings_url(session)}/agenda/{organisation_id}"


def test_the_agenda_lists_the_participant_meetings(client, partner, open_session, world, other_partner, published):
    body = client.get(agenda_url(open_session, world.own), headers=partner.headers).get_json()
    assert {m["counterpart"]["organisation_id"] for m in body["meetings"]} == {world.russian, world.stranger}
    assert other_partner.organisation["name"] in {m["counterpart"]["name"] for m in body["meetings"]}


def test_agenda_times_carry_the_session_offset(client, admin, open_session, world, published):
    body = client.get(agenda_url(open_session, world.russian), headers=admin).get_json()
    assert body["meetings"][0]["starts_at"].endswith("+02:00")


def test_the_agenda_as_icalendar_has_one_event_per_meeting(client, partner, open_session, world, published):
    response = client.get(agenda_url(open_session, world.own), headers={**partner.headers, "Accept": "text/calendar"})
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert {event.decoded("dtstart").tzinfo.key for event in events} == {"Europe/Rome"}
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert {str(event["location"]) for event in events} <= {"Sala Vanvitelli, table 1", "Sala Vanvitelli, table 2"}


def test_event_uids_are_stable_across_runs(client, admin, open_session, world, published):
    schedules = f"{settings_url(open_session)}/schedules"
    url = agenda_url(open_session, world.own)
    before = icalendar.Calendar.from_ical(client.get(url, headers={**admin, "Accept": "text/calendar"}).get_data())
    client.post(schedules, headers=admin)
    client.post(f"{schedules}/2/publish", headers=admin)
    after = icalendar.Calendar.from_ical(client.get(url, headers={**admin, "Accept": "text/calendar"}).get_data())
    assert {str(e["uid"]) for e in before.walk("VEVENT")} == {str(e["uid"]) for e in after.walk("VEVENT")}


def test_an_unknown_accept_is_406(client, admin, open_session, world, published):
    response = client.get(agenda_url(open_session, world.own), headers={**admin, "Accept": "application/pdf"})
    assert response.status_code == 406


def test_without_a_published_schedule_the_agenda_is_404(client, admin, configured, open_session, world):
    configured()
    response = client.get(agenda_url(open_session, world.own), headers=admin)
    assert response.status_code == 404
    assert "published" in response.get_json()["detail"]


def test_a_partner_gets_404_for_an_organisation_it_does_not_act_for(client, partner, open_session, world, published):
    assert client.get(agenda_url(open_session, world.russian), headers=partner.headers).status_code == 404


def test_anonymous_callers_get_401(client, open_session, world, published):
    assert client.get(agenda_url(open_session, world.own)).status_code == 401


def test_a_participant_without_meetings_has_an_empty_agenda(client, admin, open_session, world, published):
    body = client.get(agenda_url(open_session, world.managed), headers=admin).get_json()
    assert body["meetings"] == []


def test_an_organisation_outside_networking_has_no_agenda(client, admin, open_session, create_organisation, published):
    outsider = create_organisation(name="Assente")["id"]
    assert client.get(agenda_url(open_session, outsider), headers=admin).status_code == 404


def test_the_accept_is_checked_after_the_caller(client, open_session, world, published):
    assert client.get(agenda_url(open_session, world.own), headers={"Accept": "image/png"}).status_code == 401
