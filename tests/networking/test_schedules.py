"""Schedules: runs numbered and kept, JSON and CSV, the grid, publication, re-runs that keep published slots."""
import csv
import io

import pytest

from tests.networking.helpers import request_url, settings_url


def schedules_url(session):
    return f"{settings_url(session)}/schedules"


@pytest.fixture
def accepted(client, admin, asked):
    """Create a request and accept it (as admin); return its representation."""
    def make(from_id, to_id, **kwargs):
        meeting_request = asked(from_id, to_id, **kwargs)
        response = client.patch(request_url(meeting_request), json={"status": "accepted"},
                                headers={**admin, "If-Match": f'"{meeting_request["version"]}"'})
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return make


@pytest.fixture
def run(client, admin, open_session):
    def post(headers=None):
        return client.post(schedules_url(open_session), headers=admin if headers is None else headers)
    return post


def test_a_run_schedules_the_accepted_requests(run, accepted, configured, world):
    configured()
    meeting_request = accepted(world.own, world.russian)
    response = run()
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"] == 1
    assert [m["request_id"] for m in body["meetings"]] == [meeting_request["id"]]
    assert body["stats"]["scheduled"] == 1


def test_a_run_answers_with_the_location_of_the_schedule(run, configured, open_session):
    configured()
    assert run().headers["Location"] == f"{schedules_url(open_session)}/1"


def test_meeting_times_are_in_the_session_time_zone(run, accepted, configured, world):
    configured(breaks=[])
    accepted(world.own, world.russian)
    meeting = run().get_json()["meetings"][0]
    assert meeting["starts_at"].endswith("+02:00")
    assert meeting["starts_at"][11:16] >= "14:00"


def test_pending_requests_are_not_scheduled(run, asked, configured, world):
    configured()
    asked(world.own, world.russian)
    body = run().get_json()
    assert body["meetings"] == []
    assert body["stats"]["requested"] == 1


def test_availability_limits_the_slots(run, accepted, configured, participant, create_organisation, world):
    configured(breaks=[])
    late = participant(create_organisation(name="Tardiva")["id"],
                       networking_profile={"availability": [{"start": "15:30", "end": "16:00"}]})
    accepted(late, world.russian)
    meeting = run().get_json()["meetings"][0]
    assert meeting["starts_at"][11:16] == "15:30"


def test_a_meeting_without_a_common_slot_is_unscheduled_with_its_reason(run, accepted, configured, participant,
                                                                        create_organisation, world):
    configured(breaks=[])
    early = participant(create_organisation(name="Mattiniera")["id"],
                        networking_profile={"availability": [{"start": "14:00", "end": "14:30"}]})
    late = participant(create_organisation(name="Tardiva", country="RU", region="RU-MOW")["id"],
                       networking_profile={"availability": [{"start": "15:30", "end": "16:00"}]})
    meeting_request = accepted(early, late)
    assert run().get_json()["unscheduled"] == [{"request_id": meeting_request["id"], "reason": "no_common_slot"}]


def test_runs_are_numbered_and_kept(client, admin, run, configured, open_session):
    configured()
    run()
    run()
    listed = client.get(schedules_url(open_session), headers=admin).get_json()
    assert [s["number"] for s in listed] == [2, 1]


def test_a_run_without_settings_is_409(run):
    assert run().status_code == 409


def test_partners_may_not_run_the_scheduler(run, configured, partner):
    configured()
    assert run(partner.headers).status_code == 403


def test_anonymous_callers_may_not_run_the_scheduler(run, configured):
    configured()
    assert run({}).status_code == 401


def test_a_read_only_credential_may_not_run_the_scheduler(run, auth, configured):
    configured()
    assert run(auth("admin", scopes=("read",))).status_code == 403


def test_partners_may_not_read_schedules(client, run, configured, open_session, partner):
    configured()
    run()
    assert client.get(f"{schedules_url(open_session)}/1", headers=partner.headers).status_code == 403


def test_an_unknown_schedule_is_404(client, admin, configured, open_session):
    configured()
    assert client.get(f"{schedules_url(open_session)}/4", headers=admin).status_code == 404


def test_a_schedule_as_csv_has_a_row_per_meeting(client, admin, run, accepted, configured, open_session, world):
    configured()
    accepted(world.own, world.russian)
    accepted(world.managed, world.stranger)
    run()
    response = client.get(f"{schedules_url(open_session)}/1", headers={**admin, "Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["organisation_1_id"] for row in rows) == sorted([world.own, world.managed])


def test_an_unknown_accept_is_406(client, admin, run, configured, open_session):
    configured()
    run()
    response = client.get(f"{schedules_url(open_session)}/1", headers={**admin, "Accept": "image/png"})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"


def test_the_grid_has_a_cell_per_slot_and_table(client, admin, run, accepted, configured, open_session, world):
    configured()  # 14:00-16:00 in 30-minute slots with a break at 15:00-15:30: 3 slots
    meeting_request = accepted(world.own, world.russian)
    run()
    grid = client.get(f"{schedules_url(open_session)}/1/grid", headers=admin).get_json()
    assert [len(slot["tables"]) for slot in grid["slots"]] == [5, 5, 5]
    taken = [cell["request_id"] for slot in grid["slots"] for cell in slot["tables"] if cell["request_id"]]
    assert taken == [meeting_request["id"]]


def test_the_grid_as_csv_names_the_organisations(client, admin, run, accepted, configured, open_session, world,
                                                 partner, other_partner):
    configured()
    accepted(world.own, world.russian)
    run()
    response = client.get(f"{schedules_url(open_session)}/1/grid", headers={**admin, "Accept": "text/csv"})
    text = response.get_data(as_text=True)
    assert partner.organisation["name"] in text and other_partner.organisation["name"] in text


def test_publishing_marks_the_newest_published_schedule(client, admin, run, configured, open_session):
    configured()
    run()
    run()
    client.post(f"{schedules_url(open_session)}/1/publish", headers=admin)
    client.post(f"{schedules_url(open_session)}/2/publish", headers=admin)
    listed = client.get(schedules_url(open_session), headers=admin).get_json()
    assert [s["published"] for s in listed] == [True, False]


def test_partners_may_not_publish(client, run, configured, open_session, partner):
    configured()
    run()
    assert client.post(f"{schedules_url(open_session)}/1/publish", headers=partner.headers).status_code == 403


def test_a_rerun_after_publishing_keeps_the_published_slots(client, admin, run, accepted, configured, open_session,
                                                            world):
    configured()
    accepted(world.own, world.russian)
    accepted(world.managed, world.stranger)
    first = run().get_json()
    client.post(f"{schedules_url(open_session)}/1/publish", headers=admin)
    accepted(world.own, world.stranger)
    second = run().get_json()
    slots = {m["request_id"]: m["starts_at"] for m in second["meetings"]}
    assert all(slots[m["request_id"]] == m["starts_at"] for m in first["meetings"])
    assert second["stats"]["moved"] == 0
    assert second["stats"]["previous_number"] == 1
