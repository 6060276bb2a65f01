"""Fixtures for seminars: a published session, the demo session, and a seminar factory."""
import pytest


def seminars_url(session):
    return f"/api/v1/sessions/{session['id']}/seminars"


def seminar_url(seminar):
    return f"/api/v1/sessions/{seminar['session_id']}/seminars/{seminar['id']}"


def seminar_body(**overrides):
    """A valid seminar inside the test sessions' dates (2012-10-23..26, Europe/Rome)."""
    body = {
        "title": {"it": "Strumenti finanziari per le PMI", "ru": "Финансовые инструменты для МСП"},
        "abstract": {"it": "Garanzie e finanziamenti agevolati.", "ru": "Гарантии и льготное финансирование."},
        "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00",
        "room": "Sala Vanvitelli", "speakers": [{"name": "Valentina Rossetti"}],
        "languages": ["it", "ru"], "interpretation": True, "capacity": 120,
    }
    body.update(overrides)
    return body


@pytest.fixture
def session(create_session):
    """A published session, 2012-10-23 to 2012-10-26 in Europe/Rome."""
    return create_session()


@pytest.fixture
def demo_session(client, demo):
    """The demo data's XXI session (2012-10-23 to 2012-10-26, Ancona)."""
    sessions = client.get("/api/v1/sessions?q=XXI").get_json()
    return next(s for s in sessions if s["number"] == 21)


@pytest.fixture
def create_seminar(client, admin, session):
    """Create a seminar through the API (in `session` unless another is given); return its representation."""
    def create(in_session=None, **overrides):
        response = client.post(seminars_url(in_session or session), json=seminar_body(**overrides), headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create
