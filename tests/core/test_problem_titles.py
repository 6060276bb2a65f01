"""RFC 9457: a problem type carries one title wherever it is raised; `about:blank` is titled by its status."""
import json
from collections import defaultdict
from http import HTTPStatus

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from tests.conftest import account_token, etag, organisation_body, session_body

ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def problems(make_app, monkeypatch):
    """Provoke errors of every kind through the API; return [(what, status, body)]."""
    app = make_app(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()

    def bearer(*roles, scopes=("read", "write")):
        return {"Authorization": f"Bearer {account_token(app, *roles, scopes=scopes)}"}

    admin = bearer("admin")
    organisation = client.post(ORGS, json=organisation_body(), headers=admin).get_json()
    session = client.post(SESSIONS, json=session_body(), headers=admin).get_json()
    item = f"{ORGS}/{organisation['id']}"
    client.patch(item, json={"city": "Pesaro"}, headers={**admin, "If-Match": etag(organisation)})
    answers = {
        "invalid body field": client.post(ORGS, json=organisation_body(country="XX"), headers=admin),
        "unknown body field": client.post(ORGS, json=organisation_body(colour="red"), headers=admin),
        "invalid query argument": client.get(f"{ORGS}?page=abc"),
        "page size over the bound": client.get(f"{ORGS}?page_size=1000"),
        "unknown query argument": client.get(f"{ORGS}?colour=red"),
        "invalid patch": client.patch(item, json={"country": 7},
                                      headers={**admin, "If-Match": f'"{organisation["version"] + 1}"'}),
        "malformed JSON": client.post(ORGS, data='{"name": ', content_type="application/json", headers=admin),
        "JSON constant": client.post(ORGS, data='{"name": NaN}', content_type="application/json", headers=admin),
        "no token": client.post(ORGS, json=organisation_body()),
        "bad token": client.get("/api/v1/users", headers={"Authorization": "Bearer garbage"}),
        "editor on users": client.get("/api/v1/users", headers=bearer("editor")),
        "read-only credential": client.post(ORGS, json=organisation_body(), headers=bearer("admin", scopes=("read",))),
        "unknown id": client.get(f"{ORGS}/ffffffffffffffffffffffff"),
        "unknown route": client.get("/api/v1/nowhere"),
        "unsupported method": client.delete(ORGS, headers=admin),
        "duplicate": client.post(SESSIONS, json=session_body(number=session["number"]), headers=admin),
        "stale If-Match": client.patch(item, json={"city": "Jesi"}, headers={**admin, "If-Match": etag(organisation)}),
        "missing If-Match": client.patch(item, json={"city": "Jesi"}, headers=admin),
        "body too large": client.post(ORGS, json=organisation_body(city="x" * 5000), headers=admin),
        "wrong content type": client.post(ORGS, data=json.dumps(organisation_body()), content_type="text/plain",
                                          headers=admin),
        "wrong password": client.post(TOKEN, data={"grant_type": "password", "username": "nobody@example.org",
                                                   "password": "wrong"}),
    }

    def unavailable(*args, **kwargs):
        raise ServerSelectionTimeoutError("no server")

    monkeypatch.setattr("api.core.resource.list_page", unavailable)
    answers["database unavailable"] = client.get(SESSIONS)
    monkeypatch.undo()
    limited = make_app(RATE_LIMIT="1/minute").test_client()
    limited.get(SESSIONS)
    answers["rate limited"] = limited.get(SESSIONS)
    return [(what, response.status_code, response.get_json()) for what, response in answers.items()]


def test_the_walk_reaches_every_error_status(problems):
    statuses = {status for _, status, _ in problems}

    assert statuses == {400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 428, 429, 503}


def test_every_problem_type_has_one_title(problems):
    titles = defaultdict(set)
    for what, _, body in problems:
        if body["type"] != "about:blank":
            titles[body["type"]].add(body["title"])

    assert {type_: found for type_, found in titles.items() if len(found) > 1} == {}


def test_about_blank_is_titled_with_the_status_phrase(problems):
    mistitled = [(what, body["title"]) for what, status, body in problems
                 if body["type"] == "about:blank" and body["title"] != HTTPStatus(status).phrase]

    assert mistitled == []


def test_a_bad_query_string_and_a_bad_body_are_the_same_problem(problems):
    by_what = {what: body for what, _, body in problems}

    assert (by_what["invalid query argument"]["type"], by_what["invalid query argument"]["title"]) == \
        (by_what["invalid body field"]["type"], by_what["invalid body field"]["title"])
