"""Signing keys: the JWKS, kid in every token, rotation with JWT_KEYS_DIR, and forged tokens refused."""
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth.keys import write_private_key
from tests.auth.helpers import ME_URL, PASSWORD, assert_bearer_challenge, bearer, hs256_token, unsigned_token
from tests.conftest import account_token, etag, store_account

JWKS_URL = "/api/v1/auth/jwks.json"


ROTATION = "user:64b7f0c2a1e4b3d2c1a09f8e"


def mint(app, *roles):
    """Sign an access token the way the app does, in that app, for the account ROTATION."""
    return account_token(app, *roles, sub=ROTATION)


def app_with_keys(make_app, keys_dir):
    """An app signing with these keys, whose store holds the account ROTATION (each app has its own store)."""
    app = make_app(JWT_KEYS_DIR=keys_dir)
    store_account(app, "editor", sub=ROTATION)
    return app


# JWKS ------------------------------------------------------------------------------------------------


def test_jwks_lists_the_signing_key(app, client):
    keys = client.get(JWKS_URL).get_json()["keys"]
    [key] = [k for k in keys if k["kid"] == app.extensions["jwt_keys"].signing_kid]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert key["n"] and key["e"]


def test_jwks_has_no_private_members(client):
    for key in client.get(JWKS_URL).get_json()["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


@pytest.mark.parametrize("grant", ["password", "client_credentials", "refresh_token"])
def test_every_issued_token_names_the_signing_kid(app, grant, request_token, create_user, create_api_client, login):
    if grant == "client_credentials":
        credential = create_api_client()
        body = request_token(grant_type=grant, client_id=credential["client_id"],
                             client_secret=credential["client_secret"]).get_json()
    else:
        body = login(create_user()["email"])
        if grant == "refresh_token":
            body = request_token(grant_type=grant, refresh_token=body["refresh_token"]).get_json()
    header = jwt.get_unverified_header(body["access_token"])
    assert header["kid"] == app.extensions["jwt_keys"].signing_kid
    assert header["alg"] == "RS256"


def test_jwks_key_verifies_a_token_with_pyjwt(app, client, token):
    access = token("editor")
    key_set = jwt.PyJWKSet.from_dict(client.get(JWKS_URL).get_json())
    key = key_set[jwt.get_unverified_header(access)["kid"]]
    claims = jwt.decode(access, key, algorithms=["RS256"], audience=app.config["JWT_AUDIENCE"],
                        issuer=app.config["JWT_ISSUER"])
    assert claims["roles"] == ["editor"]


def test_tokens_carry_configured_issuer_and_audience(make_app):
    app = make_app(JWT_ISSUER="https://issuer.example.org", JWT_AUDIENCE="partners")
    claims = jwt.decode(mint(app, "editor"), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("https://issuer.example.org", "partners")


# Rotation with JWT_KEYS_DIR -----------------------------------------------------------------------------


@pytest.fixture
def key_dirs(tmp_path):
    """Folders: 'old' holds 2025-01, 'both' holds 2025-01 and 2026-01, 'new' holds 2026-01."""
    dirs = {name: tmp_path / name for name in ("old", "both", "new")}
    for folder in dirs.values():
        folder.mkdir()
    old = write_private_key(dirs["old"] / "2025-01.pem")
    write_private_key(dirs["both"] / "2025-01.pem", old)
    new = write_private_key(dirs["both"] / "2026-01.pem")
    write_private_key(dirs["new"] / "2026-01.pem", new)
    return {name: str(folder) for name, folder in dirs.items()}


def test_kid_is_the_file_name(make_app, key_dirs):
    app = make_app(JWT_KEYS_DIR=key_dirs["old"])
    assert jwt.get_unverified_header(mint(app, "editor"))["kid"] == "2025-01"


def test_last_key_in_sort_order_signs(make_app, key_dirs):
    app = make_app(JWT_KEYS_DIR=key_dirs["both"])
    assert jwt.get_unverified_header(mint(app, "editor"))["kid"] == "2026-01"


def test_jwks_lists_every_configured_key(make_app, key_dirs):
    app = make_app(JWT_KEYS_DIR=key_dirs["both"])
    kids = {key["kid"] for key in app.test_client().get(JWKS_URL).get_json()["keys"]}
    assert kids == {"2025-01", "2026-01"}


def test_token_of_a_retired_listed_key_still_verifies(make_app, key_dirs):
    access = mint(make_app(JWT_KEYS_DIR=key_dirs["old"]), "editor")
    rotated = app_with_keys(make_app, key_dirs["both"])
    response = rotated.test_client().get(ME_URL, headers=bearer(access))
    assert response.status_code == 200
    assert response.get_json()["sub"] == ROTATION


def test_token_of_a_removed_key_is_refused(make_app, key_dirs):
    access = mint(make_app(JWT_KEYS_DIR=key_dirs["old"]), "editor")
    retired = app_with_keys(make_app, key_dirs["new"])
    assert_bearer_challenge(retired.test_client().get(ME_URL, headers=bearer(access)))


def test_password_grant_works_with_configured_keys(make_app, key_dirs):
    app = make_app(JWT_KEYS_DIR=key_dirs["both"], ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()
    body = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "root@example.org",
                                                   "password": PASSWORD}).get_json()
    assert client.get(ME_URL, headers=bearer(body["access_token"])).status_code == 200


# Forged tokens -----------------------------------------------------------------------------------------


def test_handmade_valid_token_is_accepted(client, claims, sign):
    """The forgeries below differ from this token in one point each."""
    response = client.get(ME_URL, headers=bearer(sign(claims())))
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["admin"]


def _flip_signature(token):
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1:]}"


def _stranger_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(app):
    return app.extensions["jwt_keys"].signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


FORGERIES = {
    "alg none": lambda app, claims, sign: unsigned_token(claims(), app.extensions["jwt_keys"].signing_kid),
    "HS256 with the public key as secret": lambda app, claims, sign: hs256_token(
        claims(), _public_pem(app), app.extensions["jwt_keys"].signing_kid),
    "RS512 instead of RS256": lambda app, claims, sign: sign(claims(), algorithm="RS512"),
    "unknown kid": lambda app, claims, sign: sign(claims(), kid="2019-01"),
    "missing kid": lambda app, claims, sign: sign(claims(), kid=None),
    "another key under our kid": lambda app, claims, sign: sign(claims(), key=_stranger_key()),
    "bad signature": lambda app, claims, sign: _flip_signature(sign(claims())),
    "expired": lambda app, claims, sign: sign(claims(iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600,
                                                     exp=int(time.time()) - 60)),
    "not yet valid": lambda app, claims, sign: sign(claims(nbf=int(time.time()) + 3600)),
    "wrong issuer": lambda app, claims, sign: sign(claims(iss="https://evil.example.org")),
    "wrong audience": lambda app, claims, sign: sign(claims(aud="another-api")),
    "no audience": lambda app, claims, sign: sign(claims(aud=None)),
    "not an access token": lambda app, claims, sign: sign(claims(type="refresh")),
    "garbage": lambda app, claims, sign: "not.a.jwt",
    "two parts": lambda app, claims, sign: "eyJhbGciOiJSUzI1NiJ9.e30",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_token_is_refused(app, client, claims, sign, forgery):
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(FORGERIES[forgery](app, claims, sign))))


def test_refresh_token_used_as_bearer_is_refused(client, create_user, login):
    refresh_token = login(create_user()["email"])["refresh_token"]
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(refresh_token)))


def test_forged_token_cannot_write(app, client, admin, claims, create_session):
    session = create_session()
    forged = unsigned_token(claims(), app.extensions["jwt_keys"].signing_kid)
    response = client.delete(f"/api/v1/sessions/{session['id']}", headers={**bearer(forged), "If-Match": etag(session)})
    assert_bearer_challenge(response)
    assert client.get(f"/api/v1/sessions/{session['id']}", headers=admin).get_json()["version"] == session["version"]


# Each request is authenticated on its own --------------------------------------------------------


@pytest.mark.parametrize("first", ["admin", "bad token"])
def test_requests_sharing_an_app_context_do_not_share_a_caller(app, client, admin, first):
    """A script or test may send several requests inside one `app.app_context()`, where flask.g lives on."""
    callers = {"admin": admin, "bad token": {"Authorization": "Bearer not.a.token"}, "nobody": {}}
    with app.app_context():
        client.get("/api/v1/users", headers=callers[first])
        answers = {name: client.get("/api/v1/users", headers=headers).status_code for name, headers in callers.items()}

    assert answers == {"admin": 200, "bad token": 401, "nobody": 401}
