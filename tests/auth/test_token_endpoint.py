"""POST /api/v1/auth/token: password and client-credentials grants, RFC 6749 errors, client secrets."""
import base64
import threading
from urllib.parse import quote

import jwt
import pytest
from werkzeug.serving import make_server

from api.auth.models import Client
from api.extensions import database
from tests.auth.helpers import ME_URL, PASSWORD, TOKEN_URL, bearer
from tests.conftest import etag


def basic(client_id, secret):
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def own_organisation_patch(client, credential, access_token):
    """PATCH the credential's own organisation with its token; return the response."""
    organisation = client.get(f"/api/v1/organisations/{credential['organisation_id']}").get_json()
    return client.patch(f"/api/v1/organisations/{organisation['id']}", json={"city": "Pesaro"},
                        headers={**bearer(access_token), "If-Match": etag(organisation)})


# Client credentials as a resource -----------------------------------------------------------------


def test_client_create_response_carries_the_secret(create_api_client):
    credential = create_api_client()
    assert credential["client_id"].startswith("tf_")
    assert len(credential["client_secret"]) >= 32


def test_client_secret_is_not_shown_again(client, admin, create_api_client):
    credential = create_api_client()
    shown = client.get(f"/api/v1/clients/{credential['id']}", headers=admin).get_json()
    listed = client.get("/api/v1/clients", headers=admin).get_json()
    assert shown["client_id"] == credential["client_id"]
    assert "client_secret" not in shown
    assert all("client_secret" not in item for item in listed)
    assert credential["client_secret"] not in client.get("/api/v1/clients", headers=admin).get_data(as_text=True)


def test_client_secret_is_stored_hashed(app, create_api_client):
    credential = create_api_client()
    with app.app_context():
        stored = Client._get_collection().find_one({"client_id": credential["client_id"]})
    assert stored["secret_hash"].startswith("$argon2")
    assert "client_secret" not in stored
    assert credential["client_secret"] not in repr(stored)


# Password grant ----------------------------------------------------------------------------------


def test_password_grant_form_encoded(request_token, create_user):
    user = create_user()
    response = request_token(grant_type="password", username=user["email"], password=PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["refresh_token"]
    assert body["expires_in"] == 900
    assert response.headers["Cache-Control"] == "no-store"


def test_password_grant_json(client, create_user):
    user = create_user()
    response = client.post(TOKEN_URL, json={"grant_type": "password", "username": user["email"], "password": PASSWORD})
    assert response.status_code == 200
    assert {"access_token", "token_type", "expires_in", "refresh_token"} <= set(response.get_json())
    assert response.headers["Cache-Control"] == "no-store"


def test_password_grant_token_identifies_the_user(client, create_user, login):
    user = create_user(roles=("editor",))
    me = client.get(ME_URL, headers=bearer(login(user["email"])["access_token"])).get_json()
    assert me["sub"] == f"user:{user['id']}"
    assert me["roles"] == ["editor"]


def test_username_is_case_insensitive(request_token, create_user):
    user = create_user(email="Mixed.Case@Example.org")
    response = request_token(grant_type="password", username="MIXED.case@example.ORG", password=PASSWORD)
    assert response.status_code == 200


def test_wrong_password_is_invalid_grant(request_token, create_user):
    user = create_user()
    response = request_token(grant_type="password", username=user["email"], password="not the password at all")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_and_wrong_password_answer_identically(request_token, create_user):
    user = create_user()
    wrong = request_token(grant_type="password", username=user["email"], password="not the password at all")
    unknown = request_token(grant_type="password", username="nobody@example.org", password="not the password at all")
    assert (wrong.status_code, wrong.data) == (unknown.status_code, unknown.data)
    assert unknown.get_json()["error"] == "invalid_grant"


def test_inactive_user_cannot_sign_in(request_token, create_user):
    user = create_user(active=False)
    response = request_token(grant_type="password", username=user["email"], password=PASSWORD)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


# Client credentials grant ------------------------------------------------------------------------------


def test_client_credentials_in_body(request_token, create_api_client):
    credential = create_api_client()
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert "refresh_token" not in body
    assert response.headers["Cache-Control"] == "no-store"


def test_client_credentials_with_http_basic(client, create_api_client):
    credential = create_api_client()
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                           headers=basic(credential["client_id"], credential["client_secret"]))
    assert response.status_code == 200
    assert "refresh_token" not in response.get_json()


def test_client_token_acts_for_the_organisation(client, request_token, create_api_client):
    credential = create_api_client()
    access = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                           client_secret=credential["client_secret"]).get_json()["access_token"]
    me = client.get(ME_URL, headers=bearer(access)).get_json()
    assert me == {"sub": f"client:{credential['client_id']}", "roles": ["partner"],
                  "organisation_id": credential["organisation_id"], "scopes": ["read", "write"]}


def test_bad_client_secret_is_invalid_client(request_token, create_api_client):
    credential = create_api_client()
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret="x" + credential["client_secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_bad_basic_secret_is_invalid_client_with_challenge(client, create_api_client):
    credential = create_api_client()
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                           headers=basic(credential["client_id"], "wrong"))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_inactive_client_is_invalid_client(client, admin, request_token, create_api_client):
    credential = create_api_client()
    patched = client.patch(f"/api/v1/clients/{credential['id']}", json={"active": False},
                           headers={**admin, "If-Match": etag(credential)})
    assert patched.status_code == 200
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_read_only_client_cannot_write(client, request_token, create_api_client):
    credential = create_api_client(scopes=("read",))
    access = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                           client_secret=credential["client_secret"]).get_json()["access_token"]
    assert own_organisation_patch(client, credential, access).status_code == 403


def test_read_write_client_can_write_its_organisation(client, request_token, create_api_client):
    credential = create_api_client(scopes=("read", "write"))
    access = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                           client_secret=credential["client_secret"]).get_json()["access_token"]
    assert own_organisation_patch(client, credential, access).status_code == 200


def test_scope_parameter_narrows_the_token(client, request_token, create_api_client):
    credential = create_api_client(scopes=("read", "write"))
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"], scope="read")
    assert response.status_code == 200
    assert response.get_json()["scope"] == "read"
    assert own_organisation_patch(client, credential, response.get_json()["access_token"]).status_code == 403


def test_scope_beyond_the_client_is_invalid_scope(request_token, create_api_client):
    credential = create_api_client(scopes=("read",))
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"], scope="read write")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


# Malformed requests ----------------------------------------------------------------------------------


def test_missing_grant_type_is_invalid_request(request_token):
    response = request_token(username="someone@example.org", password=PASSWORD)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_unknown_grant_type_is_unsupported(request_token):
    response = request_token(grant_type="authorization_code", code="abc")
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_text_plain_body_is_invalid_request(client):
    response = client.post(TOKEN_URL, data="grant_type=password&username=a&password=b", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_json_with_non_string_values_is_invalid_request(client):
    response = client.post(TOKEN_URL, json={"grant_type": "password", "username": ["a"], "password": 1})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_malformed_json_is_invalid_request(client):
    response = client.post(TOKEN_URL, data='{"grant_type": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


# An ordinary OAuth 2 client library ----------------------------------------------------------------------


@pytest.fixture
def live_server(app):
    """Serve the app on a loopback port in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_oauthlib_client_fetches_a_token(monkeypatch, live_server, create_api_client):
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback only
    credential = create_api_client()
    session = OAuth2Session(client=BackendApplicationClient(client_id=credential["client_id"]))
    fetched = session.fetch_token(token_url=f"{live_server}{TOKEN_URL}", client_id=credential["client_id"],
                                  client_secret=credential["client_secret"])
    assert fetched["token_type"] == "Bearer"
    me = session.get(f"{live_server}{ME_URL}", timeout=10)
    assert me.status_code == 200
    assert me.json()["sub"] == f"client:{credential['client_id']}"
    session.close()


def test_client_revisions_do_not_carry_the_secret(client, admin, create_api_client):
    credential = create_api_client()
    for suffix in ("/revisions", "/revisions/1"):
        response = client.get(f"/api/v1/clients/{credential['id']}{suffix}", headers=admin)
        assert response.status_code == 200
        assert credential["client_secret"] not in response.get_data(as_text=True)


def test_no_plaintext_client_secret_in_the_database_with_idempotency_key(app, client, admin, create_organisation):
    body = {"name": "Partner CRM", "organisation_id": create_organisation()["id"]}
    response = client.post("/api/v1/clients", json=body, headers={**admin, "Idempotency-Key": "create-crm"})
    secret = response.get_json()["client_secret"]
    with app.app_context():
        db = database()
        leaks = [name for name in db.list_collection_names() for doc in db[name].find() if secret in repr(doc)]
    assert leaks == []


def test_a_replayed_client_creation_does_not_repeat_the_secret(client, admin, create_organisation):
    body = {"name": "Partner CRM", "organisation_id": create_organisation()["id"]}
    first = client.post("/api/v1/clients", json=body, headers={**admin, "Idempotency-Key": "create-crm"})
    replay = client.post("/api/v1/clients", json=body, headers={**admin, "Idempotency-Key": "create-crm"})
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert "client_secret" in first.get_json()
    assert "client_secret" not in replay.get_json()
    assert replay.get_json()["client_id"] == first.get_json()["client_id"]


def test_expires_in_follows_access_token_ttl(make_app):
    app = make_app(ACCESS_TOKEN_TTL=60, ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    body = app.test_client().post(TOKEN_URL, data={"grant_type": "password", "username": "root@example.org",
                                                   "password": PASSWORD}).get_json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert body["expires_in"] == 60
    assert claims["exp"] - claims["iat"] == 60
