"""Addresses and bodies of the networking tests."""


def settings_url(session):
    return f"/api/v1/sessions/{session['id']}/networking"


def requests_url(session):
    return f"{settings_url(session)}/requests"


def request_url(meeting_request):
    return f"/api/v1/sessions/{meeting_request['session_id']}/networking/requests/{meeting_request['id']}"


def settings_body(**overrides):
    body = {"day": "2012-10-23", "start_time": "14:00", "end_time": "16:00", "slot_minutes": 30,
            "breaks": [{"start": "15:00", "end": "15:30"}], "tables": 5, "max_meetings_per_participant": 3,
            "max_open_requests_per_participant": 5, "room": "Sala Vanvitelli"}
    body.update(overrides)
    return body


def etag_of(response):
    return response.headers["ETag"]
