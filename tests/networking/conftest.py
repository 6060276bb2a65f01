"""Fixtures of the networking tests: a session with networking participants, settings and requests."""
import pytest

from tests.networking.helpers import requests_url, settings_body, settings_url
from tests.registrations.conftest import open_session, other_partner, partner, register, registered  # noqa: F401


@pytest.fixture
def participant(registered, open_session):
    """Register an organisation for networking in open_session; return its organisation id."""
    def make(organisation_id, **overrides):
        registered(organisation_id, **overrides)
        return organisation_id
    return make


@pytest.fixture
def configured(client, admin, open_session):
    """Create open_session's networking settings (overrides taken); return their representation."""
    def make(**overrides):
        response = client.put(settings_url(open_session), json=settings_body(**overrides),
                              headers={**admin, "If-None-Match": "*"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


@pytest.fixture
def ask(client, admin, open_session):
    """POST a meeting request in open_session (as admin unless told); return the response."""
    def post(from_id, to_id, headers=None, **overrides):
        body = {"from_organisation_id": from_id, "to_organisation_id": to_id, "message": "Incontriamoci",
                "priority": 2, **overrides}
        return client.post(requests_url(open_session), json=body, headers=admin if headers is None else headers)
    return post


@pytest.fixture
def asked(ask):
    """Create a meeting request; return its representation."""
    def create(from_id, to_id, **kwargs):
        response = ask(from_id, to_id, **kwargs)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


@pytest.fixture
def world(create_organisation, participant, partner, other_partner):
    """Networking participants: the partner's two organisations (IT), the other partner's (RU), one more (RU)."""
    class World:
        own = participant(partner.organisation["id"])
        managed = participant(partner.managed["id"])
        russian = participant(other_partner.organisation["id"])
        stranger = participant(create_organisation(name="Торговая палата", country="RU", region="RU-MOW")["id"])
    return World
