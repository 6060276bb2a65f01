"""Fixtures of the release tests: a session with a programme, and making releases of it."""
import pytest

from tests.seminars.conftest import seminar_body, seminars_url
from tests.tables.helpers import table_body, tables_url


def releases_url(session):
    return f"/api/v1/sessions/{session['id']}/releases"


def release_url(session, name):
    return f"{releases_url(session)}/{name}"


@pytest.fixture
def programme(client, admin, create_session):
    """A published session (2012-10-23..26, Europe/Rome) with one table and two seminars."""
    session = create_session()
    table = client.post(tables_url(session), json=table_body(), headers=admin).get_json()
    finance = client.post(seminars_url(session), json=seminar_body(), headers=admin).get_json()
    tourism = client.post(seminars_url(session), headers=admin, json=seminar_body(
        title={"it": "Promozione del turismo", "ru": "Продвижение туризма"},
        starts_at="2012-10-26T09:30:00+02:00", ends_at="2012-10-26T12:30:00+02:00"), ).get_json()
    return {"session": session, "table": table, "finance": finance, "tourism": tourism}


@pytest.fixture
def release(client, admin):
    """Make a release of a session (as admin unless told); return its representation."""
    def make(session, name, headers=None, **body):
        response = client.post(releases_url(session), json={"name": name, **body}, headers=headers or admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make
