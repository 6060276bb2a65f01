"""The real server's log: every stderr line a JSON object, one per request with its fields, no secret in any."""
import base64
import json
import socket
from urllib.parse import urlencode

import pytest

from tests.conftest import organisation_body
from tests.serving.server import RunningServer

ADMIN = ("log-admin@example.org", "a password that must never be logged")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_BODY = {"Content-Type": "application/json"}


def grant(server, fields, headers=None):
    status, _, body = server.request("POST", "/api/v1/auth/token", urlencode(fields), {**FORM, **(headers or {})})
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def logged():
    """Run a server through token grants of every kind and authenticated calls; return its log and the secrets."""
    server = RunningServer(ADMIN_EMAIL=ADMIN[0], ADMIN_PASSWORD=ADMIN[1]).wait_ready()
    try:
        people = grant(server, {"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]})
        admin = {"Authorization": f"Bearer {people['access_token']}"}
        status, _, body = server.request("POST", "/api/v1/organisations", json.dumps(organisation_body()),
                                         {**JSON_BODY, **admin})
        assert status == 201, body
        organisation_id = json.loads(body)["id"]
        status, _, body = server.request("POST", "/api/v1/clients", json.dumps(
            {"name": "Agency CRM", "organisation_id": organisation_id}), {**JSON_BODY, **admin})
        assert status == 201, body
        client = json.loads(body)
        in_body = grant(server, {"grant_type": "client_credentials", "client_id": client["client_id"],
                                 "client_secret": client["client_secret"]})
        basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
        by_basic = grant(server, {"grant_type": "client_credentials"}, {"Authorization": f"Basic {basic}"})
        refreshed = grant(server, {"grant_type": "refresh_token", "refresh_token": people["refresh_token"]})
        server.request("GET", f"/api/v1/organisations/{organisation_id}", headers=admin)
        server.request("GET", f"/api/v1/organisations?access_token={in_body['access_token']}")
        server.request("POST", "/api/v1/auth/token", urlencode(
            {"grant_type": "password", "username": ADMIN[0], "password": "a wrong password never logged"}), FORM)
        # Requests gunicorn cannot parse, which it logs quoting what it read.
        send_raw(server, b"GET /api/v1/sessions?access_token=raw-query-secret\x01 HTTP/1.1\r\nHost: x\r\n\r\n")
        send_raw(server, b"GET /api/v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization Bearer raw-header-secret\r\n\r\n")
    finally:
        status, lines = server.stop()
    assert status == 0
    secrets = [ADMIN[1], "a wrong password never logged", client["client_secret"], basic, people["access_token"],
               people["refresh_token"], in_body["access_token"], by_basic["access_token"], refreshed["access_token"],
               refreshed["refresh_token"], "raw-query-secret", "raw-header-secret"]
    return {"lines": lines, "secrets": secrets, "organisation_id": organisation_id, "admin_sub": admin_sub(people)}


def send_raw(server, request):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(request)
        assert connection.recv(65536).startswith(b"HTTP/1.1 400")


def admin_sub(people):
    """The subject the admin's token names, read from the token's claims (not from the log)."""
    payload = people["access_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def request_lines(logged):
    return [line for line in map(json.loads, logged["lines"]) if line["logger"] == "api.request"]


def test_every_line_the_server_writes_is_a_json_object(logged):
    assert logged["lines"]
    assert all(isinstance(json.loads(line), dict) for line in logged["lines"])


def test_no_line_carries_a_password_secret_or_token(logged):
    text = "".join(logged["lines"])
    assert [secret for secret in logged["secrets"] if secret in text] == []


def test_each_request_has_one_line_with_its_fields(logged):
    lines = request_lines(logged)

    assert len(lines) >= 9
    assert all({"method", "route", "status", "duration_ms", "request_id", "sub"} <= set(line) for line in lines)
    assert len({line["request_id"] for line in lines}) == len(lines)


def test_a_line_names_the_route_template_and_the_caller(logged):
    read = [line for line in request_lines(logged) if line["route"] == "/api/v1/organisations/<organisation_id>"]

    assert [(line["method"], line["status"], line["sub"]) for line in read] == [("GET", 200, logged["admin_sub"])]
    assert logged["organisation_id"] not in "".join(logged["lines"])


def test_an_anonymous_request_is_logged_with_a_null_caller(logged):
    failed_grants = [line for line in request_lines(logged) if line["route"] == "/api/v1/auth/token"
                     and line["status"] == 400]

    assert [line["sub"] for line in failed_grants] == [None]
