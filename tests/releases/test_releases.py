"""Programme releases over HTTP: what a release freezes, its diff against the previous one, who may do what."""
import json

import pytest

from api.core.documents import Revision
from tests.conftest import current_etag, etag
from tests.releases.conftest import release_url, releases_url
from tests.seminars.conftest import seminar_url
from tests.tables.helpers import table_body, table_url, tables_url


def diff_of(client, session, name, headers=None):
    response = client.get(f"{release_url(session, name)}/diff", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def change(client, admin, method, url, body=None):
    """Change a resource with the ETag staff see now (a seminar's has a digest: its seats are live)."""
    headers = {**admin, "If-Match": current_etag(client, url, admin)}
    response = getattr(client, method)(url, json=body, headers=headers) if body else client.delete(url, headers=headers)
    assert response.status_code in (200, 204), response.get_json()


def entries(diff, kind):
    return sorted((entry["type"], entry["id"]) for entry in diff[kind])


# What a release holds ------------------------------------------------------------------------------


def test_a_release_holds_the_programme_as_it_was(client, admin, programme, release):
    finance = programme["finance"]
    made = release(programme["session"], "v1")
    change(client, admin, "patch", seminar_url(finance), {"room": "Auditorium"})

    frozen = client.get(release_url(programme["session"], "v1"), headers=admin).get_json()

    assert frozen == made
    assert frozen["session"]["id"] == programme["session"]["id"]
    assert [t["id"] for t in frozen["tables"]] == [programme["table"]["id"]]
    assert [(s["id"], s["room"]) for s in frozen["seminars"]] == [(finance["id"], "Sala Vanvitelli"),
                                                                   (programme["tourism"]["id"], "Sala Vanvitelli")]


def test_a_release_leaves_out_the_seats_taken_which_are_no_part_of_the_programme(programme, release):
    frozen = release(programme["session"], "v1")

    assert not {"seats_taken", "waiting_list"} & set(frozen["seminars"][0])


def test_a_release_is_answered_with_its_location_and_etag(client, admin, programme):
    response = client.post(releases_url(programme["session"]), json={"name": "v1.0-rc_1"}, headers=admin)

    assert response.status_code == 201
    assert response.headers["Location"] == release_url(programme["session"], "v1.0-rc_1")
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["number"] == 1


def test_an_editor_makes_releases(client, editor, programme):
    response = client.post(releases_url(programme["session"]), json={"name": "v1"}, headers=editor)

    assert response.status_code == 201


def test_the_published_meetings_are_frozen_and_shown_to_staff_only(client, admin, auth, create_organisation, demo):
    session = client.get("/api/v1/sessions?q=XXI").get_json()[0]
    made = client.post(releases_url(session), json={"name": "v1"}, headers=admin).get_json()
    schedule = client.get(f"/api/v1/sessions/{session['id']}/networking/schedules/1", headers=admin).get_json()

    public = client.get(release_url(session, "v1")).get_json()
    partner = client.get(release_url(session, "v1"), headers=auth("partner", organisation_id=create_organisation()["id"])).get_json()

    assert made["networking_schedule"]["number"] == 1
    assert made["meetings"] == schedule["meetings"] and made["meetings"]
    assert "meetings" not in public and "meetings" not in partner
    assert public["networking_schedule"] == made["networking_schedule"]


def test_a_session_without_a_published_schedule_releases_no_meetings(programme, release):
    frozen = release(programme["session"], "v1")

    assert frozen["networking_schedule"] is None and frozen["meetings"] == []


def test_releases_are_listed_newest_first_without_their_programme(client, programme, release):
    for name in ("v1", "v2", "v3"):
        release(programme["session"], name)

    response = client.get(releases_url(programme["session"]), query_string={"page_size": 2})

    assert [(r["name"], r["number"]) for r in response.get_json()] == [("v3", 3), ("v2", 2)]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert not {"session", "tables", "seminars", "meetings"} & set(response.get_json()[0])


def test_making_a_release_stores_its_created_revision_for_the_change_feed(app, programme, release):
    made = release(programme["session"], "v1", notes={"it": "Programma provvisorio"})

    with app.app_context():
        revision = Revision._get_collection().find_one({"resource_type": "releases", "resource_id": made["id"]})

    assert revision["action"] == "created" and revision["version"] == 1
    assert revision["session_id"] == programme["session"]["id"]
    assert revision["change"]["name"] == {"old": None, "new": "v1"}


# Diffs ------------------------------------------------------------------------------------------------


def test_the_first_release_s_diff_lists_everything_as_new(client, programme, release):
    release(programme["session"], "v1")

    diff = diff_of(client, programme["session"], "v1")

    assert diff["previous"] is None and diff["changed"] == [] and diff["cancelled"] == []
    assert entries(diff, "new") == sorted([("tables", programme["table"]["id"]), ("seminars", programme["finance"]["id"]),
                                           ("seminars", programme["tourism"]["id"])])


def test_the_diff_lists_a_table_added_a_seminar_moved_and_one_cancelled(client, admin, programme, release):
    session, finance, tourism = programme["session"], programme["finance"], programme["tourism"]
    release(session, "v1")
    added = client.post(tables_url(session), headers=admin, json=table_body(
        title={"it": "Energia", "ru": "Энергетика"}, sectors=["energy"])).get_json()
    change(client, admin, "patch", seminar_url(finance),
           {"starts_at": "2012-10-24T15:00:00+02:00", "ends_at": "2012-10-24T18:00:00+02:00"})
    change(client, admin, "delete", seminar_url(tourism))
    release(session, "v2")

    diff = diff_of(client, session, "v2")

    assert diff["release"] == "v2" and diff["previous"] == "v1"
    assert [(e["type"], e["id"], e["item"]["title"]) for e in diff["new"]] == [("tables", added["id"], added["title"])]
    assert diff["changed"] == [{"type": "seminars", "id": finance["id"], "moved": True, "changes": {
        "starts_at": {"old": "2012-10-25T13:00:00+00:00", "new": "2012-10-24T13:00:00+00:00"},
        "ends_at": {"old": "2012-10-25T16:00:00+00:00", "new": "2012-10-24T16:00:00+00:00"}}}]
    assert [(e["type"], e["id"], e["item"]["title"]) for e in diff["cancelled"]] == [
        ("seminars", tourism["id"], tourism["title"])]


def test_a_change_that_moves_nothing_is_not_a_move(client, admin, programme, release):
    table = programme["table"]
    release(programme["session"], "v1")
    change(client, admin, "patch", table_url(table), {"sectors": ["logistics", "transport"]})
    release(programme["session"], "v2")

    changed = diff_of(client, programme["session"], "v2")["changed"]

    assert changed == [{"type": "tables", "id": table["id"], "moved": False,
                        "changes": {"sectors": {"old": ["logistics"], "new": ["logistics", "transport"]}}}]


def test_a_change_of_the_session_itself_is_listed(client, admin, programme, release):
    session = programme["session"]
    release(session, "v1")
    change(client, admin, "patch", f"/api/v1/sessions/{session['id']}", {"venue": "Palazzo del Popolo"})
    release(session, "v2")

    changed = diff_of(client, session, "v2")["changed"]

    assert changed == [{"type": "session", "id": session["id"], "moved": False,
                        "changes": {"venue": {"old": "Mole Vanvitelliana", "new": "Palazzo del Popolo"}}}]


def test_a_diff_compares_with_the_release_made_just_before(client, admin, programme, release):
    table = programme["table"]
    release(programme["session"], "v1")
    change(client, admin, "delete", table_url(table))
    release(programme["session"], "v2")
    release(programme["session"], "v3")

    assert entries(diff_of(client, programme["session"], "v2"), "cancelled") == [("tables", table["id"])]
    assert diff_of(client, programme["session"], "v3") == {"release": "v3", "previous": "v2", "new": [],
                                                           "changed": [], "cancelled": []}


def _withdraw_a_scheduled_meeting_and_publish_again(client, admin, session):
    schedule = client.get(f"/api/v1/sessions/{session['id']}/networking/schedules/1", headers=admin).get_json()
    request_id = schedule["meetings"][0]["request_id"]
    url = f"/api/v1/sessions/{session['id']}/networking/requests/{request_id}"
    meeting_request = client.get(url, headers=admin)
    response = client.patch(url, json={"status": "withdrawn"},
                            headers={**admin, "If-Match": meeting_request.headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    number = client.post(f"/api/v1/sessions/{session['id']}/networking/schedules", headers=admin).get_json()["number"]
    client.post(f"/api/v1/sessions/{session['id']}/networking/schedules/{number}/publish", headers=admin)
    return request_id


def test_a_meeting_the_newly_published_schedule_drops_is_cancelled_for_staff(client, admin, demo):
    session = client.get("/api/v1/sessions?q=XXI").get_json()[0]
    client.post(releases_url(session), json={"name": "v1"}, headers=admin)
    request_id = _withdraw_a_scheduled_meeting_and_publish_again(client, admin, session)
    client.post(releases_url(session), json={"name": "v2"}, headers=admin)

    assert ("meetings", request_id) in entries(diff_of(client, session, "v2", admin), "cancelled")
    assert not [e for e in diff_of(client, session, "v2")["cancelled"] if e["type"] == "meetings"]


# Bad input, duplicates, unknown releases ----------------------------------------------------------------


def test_a_duplicate_name_in_the_session_is_refused_with_409(client, admin, programme, release):
    release(programme["session"], "v1")

    response = client.post(releases_url(programme["session"]), json={"name": "v1"}, headers=admin)

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert len(client.get(releases_url(programme["session"])).get_json()) == 1


def test_the_same_name_may_be_used_in_another_session(client, create_session, programme, release):
    release(programme["session"], "v1")

    assert release(create_session(), "v1")["number"] == 1


@pytest.mark.parametrize("name", ["", "-v1", "v1.", "v 1", "v1/2", "v2\n", "релиз", "a" * 65, 1, None])
def test_a_name_must_be_a_url_safe_slug_or_version(client, admin, programme, name):
    response = client.post(releases_url(programme["session"]), json={"name": name}, headers=admin)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"name"}
    assert client.get(releases_url(programme["session"])).get_json() == []


@pytest.mark.parametrize("body, field", [({"notes": "plain text"}, "notes"), ({"tables": []}, "tables"),
                                         ({}, "name"), ({"number": 7}, "number")])
def test_other_bad_bodies_are_refused_at_the_field(client, admin, programme, body, field):
    response = client.post(releases_url(programme["session"]), json={"name": "v1", **body} if field != "name" else body,
                           headers=admin)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {field}


def test_an_unknown_release_is_404(client, programme, release):
    release(programme["session"], "v1")

    assert client.get(release_url(programme["session"], "v2")).status_code == 404
    assert client.get(f"{release_url(programme['session'], 'v2')}/diff").status_code == 404


def test_a_release_of_another_session_is_404(client, create_session, programme, release):
    release(programme["session"], "v1")

    assert client.get(release_url(create_session(), "v1")).status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_release_never_changes(client, admin, programme, release, method):
    made = release(programme["session"], "v1")

    response = getattr(client, method)(release_url(programme["session"], "v1"), json={"name": "v2"},
                                       headers={**admin, "If-Match": etag(made)})

    assert response.status_code == 405
    assert client.get(release_url(programme["session"], "v1"), headers=admin).get_json() == made


# Who may do what --------------------------------------------------------------------------------------


def test_an_anonymous_caller_cannot_make_a_release(client, programme):
    response = client.post(releases_url(programme["session"]), json={"name": "v1"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_partner_cannot_make_a_release(client, auth, create_organisation, programme):
    partner = auth("partner", organisation_id=create_organisation()["id"])

    response = client.post(releases_url(programme["session"]), json={"name": "v1"}, headers=partner)

    assert response.status_code == 403
    assert client.get(releases_url(programme["session"])).get_json() == []


def test_releases_of_a_published_session_are_public(client, programme, release):
    release(programme["session"], "v1")

    assert client.get(releases_url(programme["session"])).status_code == 200
    assert client.get(release_url(programme["session"], "v1")).status_code == 200


def test_releases_of_a_draft_session_are_made_and_seen_by_staff_only(client, editor, auth, create_organisation,
                                                                    create_session, release):
    draft = create_session(status="draft")
    release(draft, "v1", headers=editor)
    partner = auth("partner", organisation_id=create_organisation()["id"])

    assert client.get(release_url(draft, "v1"), headers=editor).status_code == 200
    for headers in ({}, partner):
        assert client.get(releases_url(draft), headers=headers).status_code == 404
        assert client.get(release_url(draft, "v1"), headers=headers).status_code == 404
        assert client.get(f"{release_url(draft, 'v1')}/diff", headers=headers).status_code == 404
    assert client.post(releases_url(draft), json={"name": "v2"}, headers=partner).status_code == 404
