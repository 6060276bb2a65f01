"""Plain helpers of the auth tests: constants, assertions, hand-made JWT pieces."""
import base64
import hashlib
import hmac
import json

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


def problem(response):
    """Return the problem document of an error response, checking its shape."""
    assert response.mimetype == "application/problem+json", (response.status_code, response.data)
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return body


def assert_bearer_challenge(response):
    assert response.status_code == 401, response.get_json()
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    problem(response)


def b64url(data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(payload, secret, kid):
    """An HS256 token built by hand (PyJWT refuses a PEM key as an HMAC secret, an attacker would not)."""
    signing_input = f"{b64url({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64url(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def unsigned_token(payload, kid):
    return f"{b64url({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64url(payload)}."
