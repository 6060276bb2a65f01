"""Rotating refresh tokens, reuse detection, RFC 7009 revocation and GET /api/v1/auth/me."""
import datetime as dt

import pytest

from api.auth.models import RefreshToken
from api.core.documents import utcnow

from tests.auth.helpers import ME_URL, assert_bearer_challenge, bearer
from tests.conftest import etag

REVOKE_URL = "/api/v1/auth/revoke"


@pytest.fixture
def signed_in(create_user, login):
    """A fresh editor account signed in once; return (user, token response body)."""
    user = create_user()
    return user, login(user["email"])


@pytest.fixture
def refresh(request_token):
    def use(refresh_token):
        return request_token(grant_type="refresh_token", refresh_token=refresh_token)
    return use


def assert_invalid_grant(response):
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_grant"


# Refresh ---------------------------------------------------------------------------------------------


def test_refresh_returns_new_tokens(refresh, signed_in):
    _, tokens = signed_in
    response = refresh(tokens["refresh_token"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"]
    assert body["refresh_token"] != tokens["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_refresh_rotates_each_time(refresh, signed_in):
    _, tokens = signed_in
    seen = {tokens["refresh_token"]}
    current = tokens["refresh_token"]
    for _ in range(3):
        current = refresh(current).get_json()["refresh_token"]
        seen.add(current)
    assert len(seen) == 4


def test_refreshed_access_token_works(client, refresh, signed_in):
    user, tokens = signed_in
    access = refresh(tokens["refresh_token"]).get_json()["access_token"]
    assert client.get(ME_URL, headers=bearer(access)).get_json()["sub"] == f"user:{user['id']}"


def test_spent_refresh_token_is_invalid_grant(refresh, signed_in):
    _, tokens = signed_in
    assert refresh(tokens["refresh_token"]).status_code == 200
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_reusing_a_spent_token_revokes_the_family(refresh, signed_in):
    _, tokens = signed_in
    newest = refresh(tokens["refresh_token"]).get_json()["refresh_token"]
    assert_invalid_grant(refresh(tokens["refresh_token"]))
    assert_invalid_grant(refresh(newest))


def test_reuse_leaves_other_sign_ins_alone(refresh, signed_in, login):
    user, tokens = signed_in
    other = login(user["email"])["refresh_token"]
    refresh(tokens["refresh_token"])
    refresh(tokens["refresh_token"])
    assert refresh(other).status_code == 200


def test_expired_refresh_token_is_invalid_grant(app, refresh, signed_in):
    _, tokens = signed_in
    with app.app_context():
        RefreshToken._get_collection().update_many({}, {"$set": {"expires_at": utcnow() - dt.timedelta(seconds=1)}})
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_token_lives_refresh_token_ttl(app, signed_in):
    with app.app_context():
        [stored] = RefreshToken._get_collection().find()
    lifetime = (stored["expires_at"] - utcnow()).total_seconds()
    assert app.config["REFRESH_TOKEN_TTL"] - 60 < lifetime <= app.config["REFRESH_TOKEN_TTL"]


def test_refresh_tokens_are_stored_hashed(app, signed_in):
    _, tokens = signed_in
    with app.app_context():
        stored = list(RefreshToken._get_collection().find())
    assert stored and all(tokens["refresh_token"] not in repr(doc) for doc in stored)


def test_unknown_refresh_token_is_invalid_grant(refresh):
    assert_invalid_grant(refresh("not-a-refresh-token"))


def test_deactivated_user_cannot_refresh(client, admin, refresh, signed_in):
    user, tokens = signed_in
    patched = client.patch(f"/api/v1/users/{user['id']}", json={"active": False},
                           headers={**admin, "If-Match": etag(user)})
    assert patched.status_code == 200
    assert_invalid_grant(refresh(tokens["refresh_token"]))


# Revoke ----------------------------------------------------------------------------------------------


def test_revoked_access_token_is_refused(client, signed_in):
    _, tokens = signed_in
    access = tokens["access_token"]
    response = client.post(REVOKE_URL, data={"token": access}, headers=bearer(access))
    assert response.status_code == 200
    assert response.data == b""
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_revoke_accepts_json(client, signed_in):
    _, tokens = signed_in
    access = tokens["access_token"]
    response = client.post(REVOKE_URL, json={"token": access, "token_type_hint": "access_token"},
                           headers=bearer(access))
    assert response.status_code == 200
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_revoking_one_access_token_keeps_others(client, signed_in, login):
    user, tokens = signed_in
    other = login(user["email"])["access_token"]
    client.post(REVOKE_URL, data={"token": tokens["access_token"]}, headers=bearer(other))
    assert client.get(ME_URL, headers=bearer(other)).status_code == 200
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 401


def test_revoking_a_refresh_token_revokes_its_family(client, refresh, signed_in):
    _, tokens = signed_in
    newest = refresh(tokens["refresh_token"]).get_json()["refresh_token"]
    response = client.post(REVOKE_URL, data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
                           headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert_invalid_grant(refresh(newest))


def test_revoking_the_current_refresh_token(client, refresh, signed_in):
    _, tokens = signed_in
    client.post(REVOKE_URL, json={"token": tokens["refresh_token"]}, headers=bearer(tokens["access_token"]))
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_revoking_someone_elses_refresh_token_does_nothing(client, auth, refresh, signed_in):
    _, tokens = signed_in
    stranger = auth("editor", sub="user:64b7f0c2a1e4b3d2c1a09f8e")
    assert client.post(REVOKE_URL, data={"token": tokens["refresh_token"]}, headers=stranger).status_code == 200
    assert refresh(tokens["refresh_token"]).status_code == 200


def test_revoking_someone_elses_access_token_does_nothing(client, auth, signed_in):
    _, tokens = signed_in
    stranger = auth("editor", sub="user:64b7f0c2a1e4b3d2c1a09f8e")
    assert client.post(REVOKE_URL, data={"token": tokens["access_token"]}, headers=stranger).status_code == 200
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 200


def test_admin_can_revoke_anyones_access_token(client, admin, signed_in):
    _, tokens = signed_in
    client.post(REVOKE_URL, data={"token": tokens["access_token"]}, headers=admin)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_revoking_an_unknown_token_answers_200_empty(client, editor):
    response = client.post(REVOKE_URL, data={"token": "never-issued"}, headers=editor)
    assert response.status_code == 200
    assert response.data == b""


def test_revoke_without_bearer_is_401(client, signed_in):
    _, tokens = signed_in
    assert_bearer_challenge(client.post(REVOKE_URL, data={"token": tokens["refresh_token"]}))


def test_revoke_without_token_parameter_is_invalid_request(client, editor):
    response = client.post(REVOKE_URL, data={}, headers=editor)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


# Me --------------------------------------------------------------------------------------------------


def test_me_describes_a_partner(client, auth, create_organisation):
    organisation_id = create_organisation()["id"]
    headers = auth("partner", organisation_id=organisation_id, sub="user:64b7f0c2a1e4b3d2c1a09f8e")
    body = client.get(ME_URL, headers=headers).get_json()
    assert body["sub"] == "user:64b7f0c2a1e4b3d2c1a09f8e"
    assert body["roles"] == ["partner"]
    assert body["organisation_id"] == organisation_id


def test_me_omits_organisation_when_none(client, admin):
    body = client.get(ME_URL, headers=admin).get_json()
    assert body["roles"] == ["admin"]
    assert "organisation_id" not in body


def test_me_without_token_is_401(client):
    assert_bearer_challenge(client.get(ME_URL))
