"""Networking settings: created with If-None-Match: *, replaced with If-Match, validated at the field."""
import pytest

from tests.networking.helpers import settings_body, settings_url


def put(client, session, headers, **overrides):
    return client.put(settings_url(session), json=settings_body(**overrides), headers=headers)


def test_settings_are_created_with_if_none_match_star(client, admin, open_session):
    response = put(client, open_session, {**admin, "If-None-Match": "*"})
    assert response.status_code == 201
    assert response.headers["Location"] == settings_url(open_session)
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["tables"] == 5


def test_creating_without_a_precondition_is_428(client, admin, open_session):
    assert put(client, open_session, admin).status_code == 428


def test_settings_not_created_yet_are_404(client, open_session):
    assert client.get(settings_url(open_session)).status_code == 404


def test_anonymous_callers_read_the_settings_of_a_visible_session(client, open_session, configured):
    configured()
    response = client.get(settings_url(open_session))
    assert response.status_code == 200
    assert response.get_json()["slot_minutes"] == 30


def test_replacing_needs_if_match(client, editor, open_session, configured):
    configured()
    assert put(client, open_session, editor, tables=9).status_code == 428


def test_replacing_with_a_stale_if_match_is_412_and_changes_nothing(client, editor, open_session, configured):
    configured()
    assert put(client, open_session, {**editor, "If-Match": '"7"'}, tables=9).status_code == 412
    assert client.get(settings_url(open_session)).get_json()["tables"] == 5


def test_replacing_with_the_current_etag_stores_a_new_version(client, editor, open_session, configured):
    configured()
    response = put(client, open_session, {**editor, "If-Match": '"1"'}, tables=9)
    assert response.status_code == 200
    assert response.get_json()["version"] == 2
    assert response.get_json()["tables"] == 9


def test_creating_settings_that_exist_is_412(client, admin, open_session, configured):
    configured()
    assert put(client, open_session, {**admin, "If-None-Match": "*"}).status_code == 412


def test_partners_may_not_write_settings(client, partner, open_session):
    assert put(client, open_session, {**partner.headers, "If-None-Match": "*"}).status_code == 403


def test_anonymous_callers_may_not_write_settings(client, open_session):
    assert put(client, open_session, {"If-None-Match": "*"}).status_code == 401


def test_a_read_only_credential_may_not_write_settings(client, auth, open_session):
    headers = auth("admin", scopes=("read",))
    assert put(client, open_session, {**headers, "If-None-Match": "*"}).status_code == 403


@pytest.mark.parametrize("overrides, path", [
    ({"day": "2012-10-27"}, "day"),
    ({"day": "2012-13-01"}, "day"),
    ({"start_time": "16:00", "end_time": "14:00"}, "end_time"),
    ({"start_time": "25:00"}, "start_time"),
    ({"breaks": [{"start": "13:00", "end": "14:30"}]}, "breaks.0"),
    ({"breaks": [{"start": "15:00", "end": "14:30"}]}, "breaks.0.end"),
    ({"breaks": [{"start": "14:30", "end": "15:00"}, {"start": "14:45", "end": "15:15"}]}, "breaks.1"),
    ({"slot_minutes": 150}, "slot_minutes"),
    ({"slot_minutes": 50, "breaks": [{"start": "14:40", "end": "15:20"}]}, "slot_minutes"),
    ({"slot_minutes": 3}, "slot_minutes"),
    ({"tables": 0}, "tables"),
    ({"tables": 2.5}, "tables"),
    ({"max_meetings_per_participant": 0}, "max_meetings_per_participant"),
    ({"max_open_requests_per_participant": -1}, "max_open_requests_per_participant"),
    ({"colour": "blue"}, "colour"),
])
def test_invalid_settings_are_422_at_the_field_and_stored_nowhere(client, admin, open_session, overrides, path):
    response = put(client, open_session, {**admin, "If-None-Match": "*"}, **overrides)
    assert response.status_code == 422
    assert path in response.get_json()["errors"]
    assert client.get(settings_url(open_session)).status_code == 404


def test_settings_of_an_unknown_session_are_404(client):
    assert client.get("/api/v1/sessions/64b7f0c2a1e4b3d2c1a09f8e/networking").status_code == 404
