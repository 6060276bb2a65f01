"""Small contract points of lists and bodiless answers: repeated parameters, empty pages, Link targets, 204."""
import json
import re

import pytest

from api.cli import OPENAPI_FILE
from tests.conftest import etag

ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]+)"')


def links(response):
    return {rel: url for url, rel in _LINK.findall(response.headers["Link"])}


def list_parameters():
    """Yield (path, query parameter) for every query parameter of every list in the document."""
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        operation = item.get("get", {})
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and "X-Pagination" in operation["responses"]["200"].get("headers", {}):
                yield pytest.param(path, parameter["name"], id=f"{path}?{parameter['name']}")


# Repeated parameters ----------------------------------------------------------------------------


def test_a_repeated_filter_answers_422_naming_it(client, create_organisation):
    create_organisation(country="IT", region="IT-57")

    response = client.get(f"{ORGS}?country=IT&country=RU")

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"country": ["Give this parameter once."]}


@pytest.mark.parametrize("path, parameter", list(list_parameters()))
def test_every_list_parameter_given_twice_answers_422(client, admin, demo, path, parameter):
    session = client.get(SESSIONS).get_json()[0]
    organisation = client.get(ORGS).get_json()[0]
    url = path.format(session_id=session["id"], organisation_id=organisation["id"], user_id="0" * 24,
                      client_key="0" * 24, table_id="0" * 24, seminar_id="0" * 24, registration_id="0" * 24,
                      request_id="0" * 24)

    response = client.get(url, query_string=[(parameter, "1"), (parameter, "2")], headers=admin)

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][parameter] == ["Give this parameter once."]


def test_an_unknown_parameter_given_twice_is_named_unknown(client):
    response = client.get(f"{ORGS}?colour=red&colour=blue")

    assert response.status_code == 422
    assert response.get_json()["errors"]["colour"] != ["Give this parameter once."]


# Pages ------------------------------------------------------------------------------------------


def test_an_empty_list_is_one_empty_page(client):
    info = json.loads(client.get(ORGS).headers["X-Pagination"])

    assert (info["total"], info["total_pages"], info["first_page"], info["last_page"]) == (0, 1, 1, 1)


def test_a_page_past_an_empty_list_points_back_to_the_one_page(client):
    info = json.loads(client.get(f"{ORGS}?page=3").headers["X-Pagination"])

    assert (info["total_pages"], info["last_page"], info["previous_page"]) == (1, 1, 1)
    assert "next_page" not in info


# Link targets -----------------------------------------------------------------------------------


def test_links_do_not_come_from_the_host_header(client, create_organisation):
    create_organisation()

    response = client.get(f"{ORGS}?page_size=1", headers={"Host": "attacker.example"})

    assert all("attacker.example" not in url for url in links(response).values())


def test_links_are_relative_to_the_request_by_default(client, create_organisation):
    create_organisation()

    response = client.get(f"{ORGS}?page_size=1&sort=name")

    assert links(response)["first"] == f"{ORGS}?page_size=1&sort=name&page=1"


def test_links_use_the_configured_public_base_url(make_app):
    app = make_app(PUBLIC_BASE_URL="https://api.example.org/")

    response = app.test_client().get(f"{ORGS}?page_size=1", headers={"Host": "attacker.example"})

    assert links(response)["last"] == f"https://api.example.org{ORGS}?page_size=1&page=1"


@pytest.mark.parametrize("value", ["api.example.org", "ftp://api.example.org", "https://api.example.org/?x=1"])
def test_a_public_base_url_that_is_not_an_http_url_stops_the_start(make_app, value):
    from api.config import ConfigError

    with pytest.raises(ConfigError):
        make_app(PUBLIC_BASE_URL=value)


# Bodiless answers -------------------------------------------------------------------------------


def test_a_204_has_no_content_type(client, admin, create_organisation):
    organisation = create_organisation()

    response = client.delete(f"{ORGS}/{organisation['id']}", headers={**admin, "If-Match": etag(organisation)})

    assert response.status_code == 204
    assert "Content-Type" not in response.headers

