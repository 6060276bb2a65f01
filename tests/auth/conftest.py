"""Factories for the auth tests: accounts, client credentials, token requests and hand-made JWTs."""
import itertools
import time
import uuid

import jwt
import pytest

from tests.auth.helpers import PASSWORD, TOKEN_URL
from tests.conftest import store_account


@pytest.fixture(autouse=True)
def cheap_hashing(cheap_hashing):
    """Every auth test hashes at minimal cost (the shared fixture, made automatic here)."""
    return cheap_hashing


@pytest.fixture
def create_user(client, admin):
    """Create a people account as admin; return its representation."""
    serial = itertools.count(1)

    def create(email=None, password=PASSWORD, roles=("editor",), **fields):
        body = {"email": email or f"person{next(serial)}@example.org", "password": password, "roles": list(roles),
                **fields}
        response = client.post("/api/v1/users", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


@pytest.fixture
def create_api_client(client, admin, create_organisation):
    """Create a partner client credential as admin; return the create response body (with client_secret)."""
    def create(organisation_id=None, scopes=("read", "write"), name="Partner CRM"):
        organisation_id = organisation_id or create_organisation()["id"]
        body = {"name": name, "organisation_id": organisation_id, "scopes": list(scopes)}
        response = client.post("/api/v1/clients", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


@pytest.fixture
def request_token(client):
    """POST form parameters to the token endpoint; return the response."""
    def post(**params):
        return client.post(TOKEN_URL, data=params)
    return post


@pytest.fixture
def login(request_token):
    """Password grant that must succeed; return the token response body."""
    def sign_in(email, password=PASSWORD):
        response = request_token(grant_type="password", username=email, password=password)
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return sign_in


# Hand-made tokens -----------------------------------------------------------------------------------


@pytest.fixture
def claims(app):
    """Return a factory of the claims of an otherwise valid admin access token of this app (of a stored admin)."""
    subject = store_account(app, "admin")

    def make(**overrides):
        now = int(time.time())
        body = {"sub": subject, "type": "access", "fresh": False, "jti": uuid.uuid4().hex,
                "iat": now, "nbf": now, "exp": now + 600, "iss": app.config["JWT_ISSUER"],
                "aud": app.config["JWT_AUDIENCE"], "roles": ["admin"], "scope": "read write"}
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}
    return make


@pytest.fixture
def sign(app):
    """Return a signer: sign(claims, kid=..., key=..., algorithm=...) with the app's signing key by default."""
    keys = app.extensions["jwt_keys"]
    default_kid = object()

    def make(payload, *, kid=default_kid, key=None, algorithm="RS256"):
        headers = {} if kid is None else {"kid": keys.signing_kid if kid is default_kid else kid}
        return jwt.encode(payload, key or keys.signing_key, algorithm=algorithm, headers=headers)
    return make
