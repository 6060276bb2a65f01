"""/api/v1/users and /api/v1/clients: validation, write-only passwords, duplicates, revocation of clients."""
import pytest
from bson import ObjectId

from api.auth.models import User
from tests.auth.helpers import PASSWORD, problem
from tests.conftest import etag


def post_user(client, admin, **fields):
    body = {"email": "person@example.org", "password": PASSWORD, "roles": ["editor"], **fields}
    return client.post("/api/v1/users", json=body, headers=admin)


def test_short_password_is_422_at_password(client, admin):
    response = post_user(client, admin, password="eleven char")
    assert response.status_code == 422
    assert "password" in problem(response)["errors"]


def test_twelve_character_password_is_enough(client, admin):
    assert post_user(client, admin, password="twelve chars").status_code == 201


def test_missing_password_on_create_is_422(client, admin):
    response = client.post("/api/v1/users", json={"email": "person@example.org", "roles": ["editor"]}, headers=admin)
    assert response.status_code == 422
    assert "password" in problem(response)["errors"]


def test_password_is_stored_hashed(app, client, admin):
    post_user(client, admin)
    with app.app_context():
        stored = User._get_collection().find_one({"email": "person@example.org"})
    assert stored["password_hash"].startswith("$argon2")
    assert PASSWORD not in repr(stored)


def test_password_never_appears_in_responses(client, admin):
    created = post_user(client, admin)
    user_url = f"/api/v1/users/{created.get_json()['id']}"
    patched = client.patch(user_url, json={"password": "another long passphrase", "display_name": "Renamed"},
                           headers={**admin, "If-Match": etag(created.get_json())})
    assert patched.status_code == 200
    responses = [created, patched] + [client.get(url, headers=admin) for url in (
        user_url, "/api/v1/users", f"{user_url}/revisions", f"{user_url}/revisions/1", f"{user_url}/revisions/2")]
    for response in responses:
        assert response.status_code < 300, response.request.path
        text = response.get_data(as_text=True)
        assert PASSWORD not in text and "another long passphrase" not in text
        assert "password" not in text, response.request.path


def test_duplicate_email_is_409(client, admin):
    post_user(client, admin, email="dup@example.org")
    response = post_user(client, admin, email="dup@example.org")
    assert response.status_code == 409
    problem(response)


def test_duplicate_email_ignores_case(client, admin):
    post_user(client, admin, email="dup@example.org")
    assert post_user(client, admin, email="Dup@Example.ORG").status_code == 409


def test_changing_email_to_a_taken_one_is_409(client, admin):
    post_user(client, admin, email="first@example.org")
    second = post_user(client, admin, email="second@example.org").get_json()
    response = client.patch(f"/api/v1/users/{second['id']}", json={"email": "FIRST@example.org"},
                            headers={**admin, "If-Match": etag(second)})
    assert response.status_code == 409


def test_partner_without_organisation_is_422(client, admin):
    response = post_user(client, admin, roles=["partner"])
    assert response.status_code == 422
    assert "organisation_id" in problem(response)["errors"]


def test_unknown_organisation_is_422(client, admin):
    response = post_user(client, admin, roles=["partner"], organisation_id=str(ObjectId()))
    assert response.status_code == 422
    assert "organisation_id" in problem(response)["errors"]


def test_partner_with_organisation_is_created(client, admin, create_organisation):
    organisation = create_organisation()
    response = post_user(client, admin, roles=["partner"], organisation_id=organisation["id"])
    assert response.status_code == 201
    assert response.get_json()["organisation_id"] == organisation["id"]


def test_a_partner_of_a_deleted_organisation_can_still_be_deactivated(client, admin, create_organisation):
    organisation = create_organisation()
    user = post_user(client, admin, roles=["partner"], organisation_id=organisation["id"]).get_json()
    deleted = client.delete(f"/api/v1/organisations/{organisation['id']}", headers={**admin, "If-Match": etag(organisation)})
    assert deleted.status_code == 204

    response = client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers={**admin, "If-Match": etag(user)})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False


def test_a_user_cannot_be_moved_to_a_deleted_organisation(client, admin, create_organisation):
    kept, deleted = create_organisation(), create_organisation(name="Ente cancellato")
    user = post_user(client, admin, roles=["partner"], organisation_id=kept["id"]).get_json()
    client.delete(f"/api/v1/organisations/{deleted['id']}", headers={**admin, "If-Match": etag(deleted)})

    response = client.patch(f"/api/v1/users/{user['id']}", json={"organisation_id": deleted["id"]},
                            headers={**admin, "If-Match": etag(user)})

    assert response.status_code == 422
    assert "organisation_id" in problem(response)["errors"]


def test_unknown_role_is_422(client, admin):
    response = post_user(client, admin, roles=["superuser"])
    assert response.status_code == 422


def test_patch_without_password_keeps_the_old_one(client, admin, request_token):
    user = post_user(client, admin).get_json()
    patched = client.patch(f"/api/v1/users/{user['id']}", json={"display_name": "Segreteria"},
                           headers={**admin, "If-Match": etag(user)})
    assert patched.status_code == 200
    response = request_token(grant_type="password", username=user["email"], password=PASSWORD)
    assert response.status_code == 200


def test_patch_with_password_replaces_it(client, admin, request_token):
    user = post_user(client, admin).get_json()
    client.patch(f"/api/v1/users/{user['id']}", json={"password": "a brand new passphrase"},
                 headers={**admin, "If-Match": etag(user)})
    old = request_token(grant_type="password", username=user["email"], password=PASSWORD)
    new = request_token(grant_type="password", username=user["email"], password="a brand new passphrase")
    assert (old.status_code, new.status_code) == (400, 200)


def test_deleted_user_cannot_sign_in(client, admin, request_token):
    user = post_user(client, admin).get_json()
    assert client.delete(f"/api/v1/users/{user['id']}", headers={**admin, "If-Match": etag(user)}).status_code == 204
    response = request_token(grant_type="password", username=user["email"], password=PASSWORD)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


# Clients -----------------------------------------------------------------------------------------------


def test_client_with_unknown_organisation_is_422(client, admin):
    response = client.post("/api/v1/clients", json={"name": "CRM", "organisation_id": str(ObjectId())}, headers=admin)
    assert response.status_code == 422
    assert "organisation_id" in problem(response)["errors"]


@pytest.mark.parametrize("scopes", [[], ["admin"], ["read", "read"]])
def test_client_scopes_are_validated(client, admin, create_organisation, scopes):
    body = {"name": "CRM", "organisation_id": create_organisation()["id"], "scopes": scopes}
    response = client.post("/api/v1/clients", json=body, headers=admin)
    assert response.status_code == 422
    assert any(path.startswith("scopes") for path in problem(response)["errors"])


def test_client_id_cannot_be_chosen(client, admin, create_organisation):
    body = {"name": "CRM", "organisation_id": create_organisation()["id"], "client_id": "tf_chosen"}
    response = client.post("/api/v1/clients", json=body, headers=admin)
    assert response.status_code in (201, 422)
    if response.status_code == 201:
        assert response.get_json()["client_id"] != "tf_chosen"


def test_deleted_client_cannot_get_tokens(client, admin, request_token, create_api_client):
    credential = create_api_client()
    deleted = client.delete(f"/api/v1/clients/{credential['id']}", headers={**admin, "If-Match": etag(credential)})
    assert deleted.status_code == 204
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_client_update_keeps_id_and_secret(client, admin, request_token, create_api_client):
    credential = create_api_client()
    patched = client.patch(f"/api/v1/clients/{credential['id']}", json={"name": "Renamed CRM"},
                           headers={**admin, "If-Match": etag(credential)})
    assert patched.get_json()["client_id"] == credential["client_id"]
    assert "client_secret" not in patched.get_json()
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert response.status_code == 200
