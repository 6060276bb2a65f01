"""Every error the app produces is RFC 9457 problem+json; request ids and CORS on every response."""
import json

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from tests.conftest import account_token, etag, organisation_body, session_body

ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"
FRONTEND = "https://frontend.example.org"


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert all(isinstance(body[k], str) and body[k] for k in ("type", "title", "detail"))
    return body


def token_for(app, *roles):
    return {"Authorization": f"Bearer {account_token(app, *roles)}"}


# 400 --------------------------------------------------------------------------------------------


def test_malformed_json_answers_400(client, admin):
    response = client.post(ORGS, data='{"name": ', content_type="application/json", headers=admin)

    assert_problem(response, 400)


def test_json_constants_nan_and_infinity_answer_400(client, admin):
    response = client.post(ORGS, data='{"name": NaN}', content_type="application/json", headers=admin)

    assert_problem(response, 400)


def test_body_that_is_not_utf8_answers_400(client, admin):
    response = client.post(ORGS, data=b'{"name": "\xff\xfe"}', content_type="application/json", headers=admin)

    assert_problem(response, 400)


# 401 --------------------------------------------------------------------------------------------


def test_write_without_a_token_answers_401_with_bearer_challenge(client):
    response = client.post(SESSIONS, json=session_body())

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_garbage_bearer_token_answers_401_with_bearer_challenge(client, method):
    response = getattr(client, method)(SESSIONS, headers={"Authorization": "Bearer not.a.token"})

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_by_an_unknown_key_answers_401(client, token):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    header = jwt.get_unverified_header(token("admin"))
    claims = jwt.decode(token("admin"), options={"verify_signature": False})
    forged = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                        algorithm="RS256", headers={"kid": header["kid"]})

    response = client.get(SESSIONS, headers={"Authorization": f"Bearer {forged}"})

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# 403 --------------------------------------------------------------------------------------------


def test_editor_on_the_users_admin_endpoint_answers_403(client, editor):
    assert_problem(client.get("/api/v1/users", headers=editor), 403)


def test_partner_creating_a_session_answers_403(client, auth, create_organisation):
    partner = auth("partner", organisation_id=create_organisation()["id"])

    assert_problem(client.post(SESSIONS, json=session_body(), headers=partner), 403)


def test_partner_changing_a_session_answers_403(client, auth, create_organisation, create_session):
    partner = auth("partner", organisation_id=create_organisation()["id"])
    session = create_session()

    response = client.patch(f"{SESSIONS}/{session['id']}", json={"city": "Pesaro"},
                            headers={**partner, "If-Match": etag(session)})

    assert_problem(response, 403)


def test_read_only_credential_writing_answers_403(client, auth):
    read_only = auth("admin", scopes=("read",))

    assert_problem(client.post(ORGS, json=organisation_body(), headers=read_only), 403)


# 404 --------------------------------------------------------------------------------------------


def test_unknown_route_answers_404(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)


def test_unknown_id_answers_404(client):
    assert_problem(client.get(f"{SESSIONS}/{'0' * 24}"), 404)


@pytest.mark.parametrize("bad_id", ["abc", "0" * 23, "g" * 24, "%00"])
def test_id_that_is_not_an_object_id_answers_404(client, admin, bad_id):
    assert_problem(client.get(f"{SESSIONS}/{bad_id}"), 404)
    assert_problem(client.patch(f"{SESSIONS}/{bad_id}", json={}, headers={**admin, "If-Match": '"1"'}), 404)


# 405 --------------------------------------------------------------------------------------------


def test_unsupported_method_answers_405_with_allow(client, admin):
    response = client.delete(SESSIONS, headers=admin)

    assert_problem(response, 405)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


# 409 --------------------------------------------------------------------------------------------


def test_duplicate_session_number_answers_409(client, admin, create_session):
    existing = create_session()

    response = client.post(SESSIONS, json=session_body(number=existing["number"]), headers=admin)

    assert_problem(response, 409)


# 412, 428 ---------------------------------------------------------------------------------------


def test_stale_if_match_answers_412(client, admin, create_organisation):
    org = create_organisation()
    client.patch(f"{ORGS}/{org['id']}", json={"city": "Pesaro"}, headers={**admin, "If-Match": etag(org)})

    response = client.patch(f"{ORGS}/{org['id']}", json={"city": "Jesi"}, headers={**admin, "If-Match": etag(org)})

    assert_problem(response, 412)


def test_missing_if_match_answers_428(client, admin, create_organisation):
    org = create_organisation()

    assert_problem(client.patch(f"{ORGS}/{org['id']}", json={"city": "Pesaro"}, headers=admin), 428)


# 413 --------------------------------------------------------------------------------------------


def test_body_over_max_content_length_answers_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()

    response = client.post(ORGS, json=organisation_body(city="x" * 2000), headers=token_for(app, "admin"))

    assert_problem(response, 413)
    assert client.get(ORGS).get_json() == []


def test_body_under_max_content_length_is_accepted(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)

    response = app.test_client().post(ORGS, json=organisation_body(), headers=token_for(app, "admin"))

    assert response.status_code == 201


# 415 --------------------------------------------------------------------------------------------


def test_text_plain_body_answers_415(client, admin):
    response = client.post(ORGS, data=json.dumps(organisation_body()), content_type="text/plain", headers=admin)

    assert_problem(response, 415)


def test_body_without_content_type_answers_415(client, admin):
    response = client.post(ORGS, data=json.dumps(organisation_body()), headers=admin)

    assert_problem(response, 415)


def test_merge_patch_content_type_on_put_answers_415(client, admin, create_organisation):
    org = create_organisation()

    response = client.put(f"{ORGS}/{org['id']}", data=json.dumps(organisation_body()),
                          content_type="application/merge-patch+json", headers={**admin, "If-Match": etag(org)})

    assert_problem(response, 415)


def test_json_in_another_charset_answers_415(client, admin):
    response = client.post(ORGS, data=json.dumps(organisation_body()).encode("utf-16"),
                           content_type="application/json; charset=utf-16", headers=admin)

    assert_problem(response, 415)


# 422 --------------------------------------------------------------------------------------------


def test_invalid_fields_answer_422_with_errors_by_field(client, admin):
    response = client.post(SESSIONS, json=session_body(title={}), headers=admin)

    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["title"]
    assert all(isinstance(m, str) for m in body["errors"]["title"])


def test_errors_in_list_items_are_keyed_by_dotted_path_with_positions(client, admin):
    contacts = [{"name": "Ok", "email": "ok@example.org"}, {"name": "Bad", "email": "not-an-email"}, {"email": "x@example.org"}]

    response = client.post(ORGS, json=organisation_body(contacts=contacts), headers=admin)

    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"contacts.1.email", "contacts.2.name"}


def test_errors_inside_localised_text_name_the_field(client, admin):
    response = client.post(SESSIONS, json=session_body(title={"it": ""}), headers=admin)

    body = assert_problem(response, 422)
    assert all(path == "title" or path.startswith("title.") for path in body["errors"])


def test_a_missing_required_field_is_named(client, admin):
    body = session_body()
    del body["city"]

    response = client.post(SESSIONS, json=body, headers=admin)

    assert "city" in assert_problem(response, 422)["errors"]


def test_invalid_query_argument_answers_422_naming_it(client):
    assert "page" in assert_problem(client.get(f"{SESSIONS}?page=x"), 422)["errors"]


# 429, 503, 500 ----------------------------------------------------------------------------------


def test_rate_limited_requests_answer_429_with_retry_after(make_app):
    client = make_app(RATE_LIMIT="2/minute").test_client()
    for _ in range(2):
        assert client.get(SESSIONS).status_code == 200

    response = client.get(SESSIONS)

    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_database_unavailable_answers_503_with_retry_after(client, monkeypatch):
    def unavailable(*args, **kwargs):
        raise ServerSelectionTimeoutError("no server")

    monkeypatch.setattr("api.core.resource.list_page", unavailable)

    response = client.get(SESSIONS)

    assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) >= 1


def test_an_unexpected_error_answers_500_without_details(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("api.core.resource.list_page", broken)

    response = client.get(SESSIONS)

    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert body["type"] == "about:blank"


# X-Request-ID -----------------------------------------------------------------------------------


def test_a_sent_request_id_is_echoed(client):
    response = client.get(SESSIONS, headers={"X-Request-ID": "frontend-42.a:b"})

    assert response.headers["X-Request-ID"] == "frontend-42.a:b"


def test_a_request_id_is_generated_when_none_is_sent(client):
    first, second = client.get(SESSIONS), client.get(SESSIONS)

    assert first.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize("unsafe", ["has spaces", "x" * 129, "line\tbreak", "<script>"])
def test_an_unsafe_request_id_is_replaced(client, unsafe):
    response = client.get(SESSIONS, headers={"X-Request-ID": unsafe})

    assert response.headers["X-Request-ID"]
    assert response.headers["X-Request-ID"] != unsafe


def test_error_responses_carry_the_request_id(client):
    response = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "req-1"})

    assert response.headers["X-Request-ID"] == "req-1"
    assert "req-1" in response.get_json().get("instance", "")


# CORS -------------------------------------------------------------------------------------------


def test_configured_origin_is_allowed_and_sees_the_api_headers(client):
    response = client.get(SESSIONS, headers={"Origin": FRONTEND})

    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    exposed = {h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "location", "link", "x-pagination", "x-request-id", "retry-after", "ratelimit",
            "ratelimit-policy", "idempotent-replayed"} <= exposed


def test_error_responses_are_readable_by_the_configured_origin(client):
    response = client.get("/api/v1/no-such-thing", headers={"Origin": FRONTEND})

    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND


def test_another_origin_gets_no_cors_headers(client):
    response = client.get(SESSIONS, headers={"Origin": "https://evil.example.org"})

    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_from_the_configured_origin_allows_conditional_writes(client, create_organisation):
    org = create_organisation()

    response = client.options(f"{ORGS}/{org['id']}", headers={
        "Origin": FRONTEND, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Authorization, Content-Type, If-Match, Idempotency-Key"})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed


def test_responses_that_depend_on_the_origin_say_so_in_vary(client):
    response = client.get(SESSIONS, headers={"Origin": FRONTEND})

    assert "origin" in {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}
