"""Who may do what: every write route refuses anonymous callers, roles per endpoint, no cross-partner access."""
import pytest
from bson import ObjectId

from api import create_app
from api.extensions import database
from tests.auth.helpers import PASSWORD, assert_bearer_challenge, problem
from tests.conftest import TEST_CONFIG, etag, organisation_body, session_body

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def write_routes():
    """Every (method, rule, endpoint) under /api/v1 that writes, except the auth endpoints."""
    app = create_app(dict(TEST_CONFIG))
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.startswith("/api/v1/auth/"):
            continue
        routes.extend((method, rule.rule, rule.endpoint) for method in WRITE_METHODS if method in rule.methods)
    return sorted(routes)


WRITE_ROUTES = write_routes()

BODIES = {
    "sessions": lambda ids: session_body(),
    "organisations": lambda ids: organisation_body(name="Camera di Commercio"),
    "users": lambda ids: {"email": "matrix@example.org", "password": PASSWORD, "roles": ["editor"]},
    "clients": lambda ids: {"name": "Matrix CRM", "organisation_id": ids["organisation_id"], "scopes": ["read"]},
}


@pytest.fixture
def existing(client, admin, create_session, create_organisation):
    """One stored resource of each kind; return path parameter values by name."""
    organisation = create_organisation()
    user = client.post("/api/v1/users", json={"email": "someone@example.org", "password": PASSWORD,
                                              "roles": ["editor"]}, headers=admin).get_json()
    credential = client.post("/api/v1/clients", json={"name": "CRM", "organisation_id": organisation["id"]},
                             headers=admin).get_json()
    return {"session_id": create_session()["id"], "organisation_id": organisation["id"], "user_id": user["id"],
            "client_key": credential["id"], "version": 1, "number": 1}


def snapshot(app):
    """Every document of every collection, to compare before and after."""
    with app.app_context():
        db = database()
        return {name: sorted(repr(sorted(doc.items())) for doc in db[name].find())
                for name in db.list_collection_names()}


def route_request(app, method, endpoint, ids):
    """Build (url, kwargs) for a write route with real ids, If-Match and a valid body."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {name: ids.get(name, str(ObjectId())) for name in rule.arguments}
    url = app.url_map.bind("localhost").build(endpoint, values, method=method)
    segments = [s for s in rule.rule.split("/")[3:] if not s.startswith("<")]
    kwargs = {"headers": {"If-Match": '"1"'}}
    kind = segments[0] if len(segments) == 1 else None
    if method in ("POST", "PUT", "PATCH") and "restore" not in segments:
        kwargs["json"] = BODIES[kind](ids) if kind in BODIES else {}
    return url, kwargs, kind


def test_matrix_covers_the_known_write_routes():
    covered = {(method, rule) for method, rule, _ in WRITE_ROUTES}
    for resource in BODIES:
        assert ("POST", f"/api/v1/{resource}") in covered
        for method in ("PUT", "PATCH", "DELETE"):
            assert any(m == method and r.startswith(f"/api/v1/{resource}/<") for m, r in covered)
    assert not any(rule.startswith("/api/v1/auth/") for _, rule, _ in WRITE_ROUTES)


@pytest.mark.parametrize("method,rule,endpoint", WRITE_ROUTES, ids=[f"{m} {r}" for m, r, _ in WRITE_ROUTES])
def test_anonymous_write_is_401_and_changes_nothing(app, client, admin, existing, method, rule, endpoint):
    url, kwargs, kind = route_request(app, method, endpoint, existing)
    before = snapshot(app)
    response = client.open(url, method=method, **kwargs)
    assert_bearer_challenge(response)
    assert snapshot(app) == before
    if kind in BODIES:
        # The same request with a token goes through: only authentication decided.
        allowed = client.open(url, method=method, **{**kwargs, "headers": {**kwargs["headers"], **admin}})
        assert allowed.status_code < 300, allowed.get_json()


# Roles × endpoints ---------------------------------------------------------------------------------------


@pytest.fixture
def partner(auth, create_organisation):
    return auth("partner", organisation_id=create_organisation()["id"])


def test_partner_cannot_create_sessions(client, partner):
    response = client.post("/api/v1/sessions", json=session_body(), headers=partner)
    assert response.status_code == 403
    problem(response)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_partner_cannot_change_sessions(client, admin, partner, create_session, method):
    session = create_session()
    response = client.open(f"/api/v1/sessions/{session['id']}", method=method, json=session_body(),
                           headers={**partner, "If-Match": etag(session)})
    assert response.status_code == 403
    assert client.get(f"/api/v1/sessions/{session['id']}", headers=admin).get_json()["version"] == 1


@pytest.mark.parametrize("role", ["partner", "editor"])
@pytest.mark.parametrize("collection", ["users", "clients"])
def test_non_admin_cannot_list_accounts(client, auth, create_organisation, role, collection):
    headers = auth(role, organisation_id=create_organisation()["id"] if role == "partner" else None)
    response = client.get(f"/api/v1/{collection}", headers=headers)
    assert response.status_code == 403
    problem(response)


@pytest.mark.parametrize("role", ["partner", "editor"])
@pytest.mark.parametrize("collection", ["users", "clients"])
def test_non_admin_cannot_create_accounts(client, auth, existing, role, collection):
    headers = auth(role, organisation_id=existing["organisation_id"] if role == "partner" else None)
    response = client.post(f"/api/v1/{collection}", json=BODIES[collection](existing), headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["partner", "editor"])
@pytest.mark.parametrize("collection,param", [("users", "user_id"), ("clients", "client_key")])
def test_non_admin_does_not_see_an_account(client, auth, existing, role, collection, param):
    headers = auth(role, organisation_id=existing["organisation_id"] if role == "partner" else None)
    response = client.get(f"/api/v1/{collection}/{existing[param]}", headers=headers)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["partner", "editor"])
@pytest.mark.parametrize("collection,param", [("users", "user_id"), ("clients", "client_key")])
def test_non_admin_cannot_change_an_account(client, admin, auth, existing, role, collection, param):
    """An account the caller may not see at all is a 404, for writes as for reads."""
    headers = auth(role, organisation_id=existing["organisation_id"] if role == "partner" else None)
    url = f"/api/v1/{collection}/{existing[param]}"
    response = client.patch(url, json={"active": False}, headers={**headers, "If-Match": '"1"'})
    assert response.status_code == 404
    assert client.get(url, headers=admin).get_json()["version"] == 1


def test_partner_client_credential_cannot_read_clients(client, request_token, existing, admin):
    credential = client.post("/api/v1/clients", json=BODIES["clients"](existing), headers=admin).get_json()
    access = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                           client_secret=credential["client_secret"]).get_json()["access_token"]
    assert client.get("/api/v1/clients", headers={"Authorization": f"Bearer {access}"}).status_code == 403


def test_editor_can_write_sessions(client, editor, create_session):
    assert client.post("/api/v1/sessions", json=session_body(), headers=editor).status_code == 201
    session = create_session()
    patched = client.patch(f"/api/v1/sessions/{session['id']}", json={"city": "Pesaro"},
                           headers={**editor, "If-Match": etag(session)})
    assert patched.status_code == 200


def test_editor_can_write_organisations(client, editor, create_organisation):
    assert client.post("/api/v1/organisations", json=organisation_body(), headers=editor).status_code == 201
    organisation = create_organisation()
    patched = client.patch(f"/api/v1/organisations/{organisation['id']}", json={"city": "Pesaro"},
                           headers={**editor, "If-Match": etag(organisation)})
    assert patched.status_code == 200


# BOLA: one partner against another's organisation ----------------------------------------------------------


@pytest.fixture
def rivals(auth, create_organisation):
    """Partner A's headers and partner B's organisation."""
    a = create_organisation(name="Partner A")
    b = create_organisation(name="Partner B")
    return auth("partner", organisation_id=a["id"]), b


def assert_unchanged(client, admin, organisation):
    assert client.get(f"/api/v1/organisations/{organisation['id']}", headers=admin).get_json() == organisation


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_partner_cannot_change_another_partners_organisation(client, admin, rivals, method):
    partner_a, b = rivals
    body = organisation_body(name="Taken over") if method != "DELETE" else None
    response = client.open(f"/api/v1/organisations/{b['id']}", method=method, json=body,
                           headers={**partner_a, "If-Match": etag(b)})
    assert response.status_code == 403
    problem(response)
    assert_unchanged(client, admin, b)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_permission_is_decided_before_if_match(client, admin, rivals, method):
    partner_a, b = rivals
    body = organisation_body(name="Taken over") if method != "DELETE" else None
    response = client.open(f"/api/v1/organisations/{b['id']}", method=method, json=body, headers=partner_a)
    assert response.status_code == 403
    assert_unchanged(client, admin, b)


def test_partner_cannot_restore_another_partners_organisation(client, admin, rivals):
    partner_a, b = rivals
    response = client.post(f"/api/v1/organisations/{b['id']}/revisions/1/restore",
                           headers={**partner_a, "If-Match": etag(b)})
    assert response.status_code == 403
    assert_unchanged(client, admin, b)


@pytest.mark.parametrize("suffix", ["/revisions", "/revisions/1"])
def test_partner_cannot_read_another_partners_history(client, rivals, suffix):
    partner_a, b = rivals
    assert client.get(f"/api/v1/organisations/{b['id']}{suffix}", headers=partner_a).status_code == 403


def test_partner_can_change_its_own_organisation(client, auth, create_organisation):
    own = create_organisation()
    headers = auth("partner", organisation_id=own["id"])
    response = client.patch(f"/api/v1/organisations/{own['id']}", json={"city": "Pesaro"},
                            headers={**headers, "If-Match": etag(own)})
    assert response.status_code == 200


# Contacts ------------------------------------------------------------------------------------------------


def test_anonymous_item_has_no_contacts(client, create_organisation):
    organisation = create_organisation()
    assert "contacts" not in client.get(f"/api/v1/organisations/{organisation['id']}").get_json()


def test_anonymous_list_has_no_contacts(client, create_organisation):
    create_organisation()
    listed = client.get("/api/v1/organisations").get_json()
    assert listed and all("contacts" not in item for item in listed)


@pytest.mark.parametrize("role", ["partner", "admin"])
def test_authenticated_callers_see_contacts(client, auth, create_organisation, role):
    organisation = create_organisation()
    headers = auth(role, organisation_id=organisation["id"] if role == "partner" else None)
    item = client.get(f"/api/v1/organisations/{organisation['id']}", headers=headers).get_json()
    listed = client.get("/api/v1/organisations", headers=headers).get_json()
    assert item["contacts"][0]["email"] == "g.bianchi@example.org"
    assert all(entry["contacts"] for entry in listed)


def test_partner_sees_contacts_of_other_organisations(client, rivals):
    partner_a, b = rivals
    assert client.get(f"/api/v1/organisations/{b['id']}", headers=partner_a).get_json()["contacts"]
