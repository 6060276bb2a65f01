"""Headers every response carries: nosniff, a Cache-Control that keeps private answers out of caches, Allow on 405."""
import re

import pytest

from tests.conftest import organisation_body

ORGS = "/api/v1/organisations"
PROBE_METHODS = ("DELETE", "PUT", "PATCH", "POST", "GET")


@pytest.fixture
def organisation(client, admin):
    response = client.post(ORGS, json=organisation_body(), headers=admin)
    assert response.status_code == 201
    return response.get_json()


@pytest.mark.parametrize("method, path, headers", [
    ("GET", "/healthz", {}),
    ("GET", "/metrics", {}),
    ("GET", "/api/v1/openapi.json", {}),
    ("GET", "/api/v1/docs", {}),
    ("GET", "/api/v1/docs/assets/swagger-ui.css", {}),
    ("GET", ORGS, {}),
    ("GET", f"{ORGS}/000000000000000000000000", {}),
    ("GET", f"{ORGS}?colour=blue", {}),
    ("DELETE", "/healthz", {}),
    ("GET", "/api/v1/auth/me", {"Authorization": "Bearer not-a-token"}),
    ("POST", "/api/v1/auth/token", {}),
])
def test_every_response_says_nosniff(client, method, path, headers):
    response = client.open(path, method=method, headers=headers)

    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_authenticated_answer_is_never_stored(client, admin, organisation):
    response = client.get(f"{ORGS}/{organisation['id']}", headers=admin)

    assert response.get_json()["contacts"]
    assert response.headers["Cache-Control"] == "no-store"


def test_an_authenticated_list_is_never_stored(client, admin, organisation):
    assert client.get(ORGS, headers=admin).headers["Cache-Control"] == "no-store"


def test_a_refused_token_is_answered_without_being_stored(client):
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


def test_an_anonymous_public_read_may_be_cached_but_is_revalidated(client, organisation):
    response = client.get(f"{ORGS}/{organisation['id']}")

    assert "contacts" not in response.get_json()
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"]


def test_a_revalidated_anonymous_read_keeps_its_cache_policy(client, organisation):
    url = f"{ORGS}/{organisation['id']}"
    response = client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]})

    assert response.status_code == 304
    assert response.headers["Cache-Control"] == "no-cache"


def test_an_anonymous_answer_keeps_a_policy_its_route_chose(client):
    assert client.get("/api/v1/auth/jwks.json").headers["Cache-Control"] == "public, max-age=300"


def example_path(rule):
    """A concrete path the rule matches: a number for int converters, an ObjectId-shaped text for the others."""
    def value(match):
        converter = match.group(1) or ""
        return "1" if converter.startswith("int") else "000000000000000000000000"
    return re.sub(r"<(?:([^<>:]+):)?[^<>]+>", value, rule.rule)


def test_every_route_answers_another_method_405_with_allow(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        method = next(m for m in PROBE_METHODS if m not in rule.methods)

        response = client.open(example_path(rule), method=method)

        assert response.status_code == 405, (rule.rule, method, response.status_code)
        assert response.mimetype == "application/problem+json"
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert rule.methods <= allowed and method not in allowed, (rule.rule, allowed)
        checked += 1
    assert checked > 50
