"""POST /api/v1/clients/{client_key}/rotate-secret: a new secret, shown once; the old one and its tokens end."""
import pytest

from tests.auth.helpers import ME_URL, assert_bearer_challenge, bearer, problem
from tests.conftest import etag


def rotate_url(credential):
    return f"/api/v1/clients/{credential['id']}/rotate-secret"


@pytest.fixture
def rotate(client, admin):
    """Rotate a credential's secret as admin with its current ETag; return the response."""
    def post(credential):
        return client.post(rotate_url(credential), headers={**admin, "If-Match": etag(credential)})
    return post


def client_token(request_token, credential, secret):
    return request_token(grant_type="client_credentials", client_id=credential["client_id"], client_secret=secret)


def test_rotation_answers_a_new_secret_once_and_uncached(create_api_client, rotate):
    credential = create_api_client()
    response = rotate(credential)
    assert response.status_code == 200
    body = response.get_json()
    assert body["client_id"] == credential["client_id"]
    assert body["client_secret"] and body["client_secret"] != credential["client_secret"]
    assert body["version"] == credential["version"] + 1
    assert response.headers["ETag"] == etag(body)
    assert response.headers["Cache-Control"] == "no-store"


def test_new_secret_gets_a_token(create_api_client, rotate, request_token):
    credential = create_api_client()
    secret = rotate(credential).get_json()["client_secret"]
    assert client_token(request_token, credential, secret).status_code == 200


def test_old_secret_is_invalid_client(create_api_client, rotate, request_token):
    credential = create_api_client()
    rotate(credential)
    response = client_token(request_token, credential, credential["client_secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_access_token_issued_before_is_401(client, create_api_client, rotate, request_token):
    credential = create_api_client()
    access = client_token(request_token, credential, credential["client_secret"]).get_json()["access_token"]
    rotate(credential)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_secret_is_not_shown_again(client, admin, create_api_client, rotate):
    credential = create_api_client()
    secret = rotate(credential).get_json()["client_secret"]
    read = client.get(f"/api/v1/clients/{credential['id']}", headers=admin)
    assert read.status_code == 200
    assert "client_secret" not in read.get_json() and secret not in read.get_data(as_text=True)


def test_revision_is_listed_without_the_secret(client, admin, create_api_client, rotate):
    credential = create_api_client()
    secret = rotate(credential).get_json()["client_secret"]
    history_url = f"/api/v1/clients/{credential['id']}/revisions"
    responses = [client.get(url, headers=admin) for url in (history_url, f"{history_url}/2")]
    newest = responses[0].get_json()[0]
    assert (newest["version"], newest["action"], newest["reason"]) == (2, "updated", "secret rotated")
    assert newest["change"] == {}
    for response in responses:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert secret not in text and "secret_hash" not in text and "$argon2" not in text


def test_without_if_match_is_428_and_keeps_the_secret(client, admin, create_api_client, request_token):
    credential = create_api_client()
    response = client.post(rotate_url(credential), headers=admin)
    assert response.status_code == 428
    problem(response)
    assert client_token(request_token, credential, credential["client_secret"]).status_code == 200


def test_stale_if_match_is_412(client, admin, create_api_client):
    credential = create_api_client()
    client.patch(f"/api/v1/clients/{credential['id']}", json={"name": "Renamed CRM"},
                 headers={**admin, "If-Match": etag(credential)})
    response = client.post(rotate_url(credential), headers={**admin, "If-Match": etag(credential)})
    assert response.status_code == 412
    problem(response)


def test_anonymous_is_401(client, create_api_client):
    credential = create_api_client()
    assert_bearer_challenge(client.post(rotate_url(credential), headers={"If-Match": etag(credential)}))


@pytest.mark.parametrize("role", ["editor", "partner"])
def test_non_admin_is_403_and_keeps_the_secret(client, auth, create_api_client, request_token, role):
    credential = create_api_client()
    caller = auth(role, organisation_id=credential["organisation_id"] if role == "partner" else None)
    response = client.post(rotate_url(credential), headers={**caller, "If-Match": etag(credential)})
    assert response.status_code == 403
    problem(response)
    assert client_token(request_token, credential, credential["client_secret"]).status_code == 200


def test_the_client_itself_is_403(client, create_api_client, request_token):
    credential = create_api_client()
    access = client_token(request_token, credential, credential["client_secret"]).get_json()["access_token"]
    response = client.post(rotate_url(credential), headers={**bearer(access), "If-Match": etag(credential)})
    assert response.status_code == 403


def assert_unknown_client(client, response):
    """A 404 for the client, not for the address: the operation itself exists."""
    assert response.status_code == 404
    problem(response)
    assert "POST" in client.options(response.request.path).headers.get("Allow", "")


def test_unknown_client_is_404(client, admin):
    response = client.post("/api/v1/clients/64b7f0c2a1e4b3d2c1a09f8e/rotate-secret", headers={**admin, "If-Match": '"1"'})
    assert_unknown_client(client, response)


def test_deleted_client_is_404(client, admin, create_api_client):
    credential = create_api_client()
    client.delete(f"/api/v1/clients/{credential['id']}", headers={**admin, "If-Match": etag(credential)})
    response = client.post(rotate_url(credential), headers={**admin, "If-Match": '"2"'})
    assert_unknown_client(client, response)
