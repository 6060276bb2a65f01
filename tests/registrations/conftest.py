"""Fixtures of the registration tests: a session open for registration, a partner with its delegation, a factory."""
from dataclasses import dataclass

import pytest

from tests.registrations.helpers import registration_body, registrations_url


@pytest.fixture
def open_session(create_session):
    """A session open for registration, 2012-10-23 to 2012-10-26 in Europe/Rome."""
    return create_session(status="registration_open")


@dataclass
class Partner:
    organisation: dict  # the partner's own organisation
    managed: dict  # an organisation it manages
    headers: dict  # its Authorization header


@pytest.fixture
def partner(create_organisation, auth):
    """A partner (Marche Internazionale) managing one organisation (a consortium)."""
    own = create_organisation(name="Marche Internazionale")
    managed = create_organisation(name="Consorzio Meccatronica", kind="consortium", managed_by=own["id"])
    return Partner(own, managed, auth("partner", organisation_id=own["id"]))


@pytest.fixture
def other_partner(create_organisation, auth):
    """Another partner (a Russian agency), acting for its own organisation only."""
    own = create_organisation(name="Агентство развития Калужской области", country="RU", region="RU-KLU")
    return Partner(own, None, auth("partner", organisation_id=own["id"]))


@pytest.fixture
def register(client, admin, open_session):
    """POST a registration (in open_session, as admin unless told); return the response."""
    def post(organisation_id, headers=None, session=None, **overrides):
        return client.post(registrations_url(session or open_session),
                           json=registration_body(organisation_id, **overrides),
                           headers=admin if headers is None else headers)
    return post


@pytest.fixture
def registered(register):
    """Create a registration and return its representation."""
    def create(organisation_id, **kwargs):
        response = register(organisation_id, **kwargs)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


@pytest.fixture
def seminar_in(client, admin):
    """Create a seminar (2 seats) in the given session; return its representation."""
    from tests.seminars.conftest import seminar_body, seminars_url

    def create(session, **overrides):
        response = client.post(seminars_url(session), json=seminar_body(**{"capacity": 2, **overrides}), headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create
