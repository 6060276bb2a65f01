"""What ends tokens before they expire: account changes, deletion, family revocation, an admin, the organisation."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.auth import routes, tokens
from api.auth.models import User
from tests.auth.helpers import ME_URL, PASSWORD, assert_bearer_challenge, bearer
from tests.conftest import etag, organisation_body

REVOKE_URL = "/api/v1/auth/revoke"
NEW_PASSWORD = "another passphrase entirely"


@pytest.fixture
def refresh(request_token):
    def use(refresh_token):
        return request_token(grant_type="refresh_token", refresh_token=refresh_token)
    return use


@pytest.fixture
def change(client, admin):
    """Change an account as admin (PATCH with the ETag it has now); return the new representation."""
    def patch(collection, account, **fields):
        current = client.get(f"/api/v1/{collection}/{account['id']}", headers=admin).get_json()
        response = client.patch(f"/api/v1/{collection}/{account['id']}", json=fields,
                                headers={**admin, "If-Match": etag(current)})
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return patch


@pytest.fixture
def delete(client, admin):
    """Delete a resource as admin."""
    def run(collection, resource):
        url = f"/api/v1/{collection}/{resource['id']}"
        assert client.delete(url, headers={**admin, "If-Match": etag(resource)}).status_code == 204
    return run


@pytest.fixture
def delete_then_restore(client, admin, delete):
    """Delete a resource as admin, then restore the version it had; return the restored representation."""
    def run(collection, account):
        delete(collection, account)
        restored = client.post(f"/api/v1/{collection}/{account['id']}/revisions/{account['version']}/restore",
                               headers={**admin, "If-Match": f'"{account["version"] + 1}"'})
        assert restored.status_code == 200, restored.get_json()
        return restored.get_json()
    return run


@pytest.fixture
def signed_in(create_user, login, client):
    """A fresh editor account signed in, its access token used once (so this process has checked it)."""
    user = create_user()
    tokens = login(user["email"])
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 200
    return user, tokens


@pytest.fixture
def partner_client(client, create_api_client, request_token):
    """A client credential, its access token (used once) and its organisation id."""
    credential = create_api_client()
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    access = response.get_json()["access_token"]
    assert client.get(ME_URL, headers=bearer(access)).status_code == 200
    return credential, access


def assert_invalid_grant(response):
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_grant"


def create_admin(client, headers):
    body = {"email": "new.admin@example.org", "password": PASSWORD, "roles": ["admin"]}
    return client.post("/api/v1/users", json=body, headers=headers)


# Refresh families end with the account's security state ------------------------------------------------


def test_refresh_after_a_password_change_is_invalid_grant(change, refresh, signed_in):
    user, tokens = signed_in
    change("users", user, password=NEW_PASSWORD)
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_after_deactivation_then_reactivation_is_invalid_grant(change, refresh, signed_in):
    user, tokens = signed_in
    change("users", user, active=False)
    change("users", user, active=True)
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_after_delete_then_restore_is_invalid_grant(delete_then_restore, refresh, signed_in):
    user, tokens = signed_in
    delete_then_restore("users", user)
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_after_a_change_of_roles_is_invalid_grant(change, refresh, signed_in):
    user, tokens = signed_in
    change("users", user, roles=["admin"])
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_after_a_move_to_another_organisation_is_invalid_grant(create_user, create_organisation, login,
                                                                       change, refresh):
    user = create_user(roles=["partner"], organisation_id=create_organisation()["id"])
    tokens = login(user["email"])
    change("users", user, organisation_id=create_organisation(name="Another agency")["id"])
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_refresh_survives_a_change_that_is_not_about_security(change, refresh, signed_in):
    user, tokens = signed_in
    change("users", user, display_name="Renamed")
    assert refresh(tokens["refresh_token"]).status_code == 200


def test_signing_in_again_after_a_password_change_works(change, login, refresh, signed_in):
    user, _ = signed_in
    change("users", user, password=NEW_PASSWORD)
    tokens = login(user["email"], NEW_PASSWORD)
    assert refresh(tokens["refresh_token"]).status_code == 200


# Access tokens end at once ---------------------------------------------------------------------------


def test_access_token_after_deactivation_is_401(client, change, signed_in):
    user, tokens = signed_in
    change("users", user, active=False)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_access_token_after_deactivation_then_reactivation_is_401(client, change, signed_in):
    user, tokens = signed_in
    change("users", user, active=False)
    change("users", user, active=True)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_access_token_after_a_password_change_is_401(client, change, signed_in):
    user, tokens = signed_in
    change("users", user, password=NEW_PASSWORD)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_access_token_after_delete_then_restore_is_401(client, delete_then_restore, signed_in):
    user, tokens = signed_in
    delete_then_restore("users", user)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_a_demoted_admin_cannot_create_an_admin_with_its_old_token(client, create_user, login, change):
    user = create_user(roles=["admin"])
    old_token = bearer(login(user["email"])["access_token"])
    assert client.get("/api/v1/users", headers=old_token).status_code == 200
    change("users", user, roles=["editor"])
    assert_bearer_challenge(create_admin(client, old_token))


def test_a_deactivated_admin_cannot_create_an_admin_with_its_old_token(client, create_user, login, change):
    user = create_user(roles=["admin"])
    old_token = bearer(login(user["email"])["access_token"])
    assert client.get("/api/v1/users", headers=old_token).status_code == 200
    change("users", user, active=False)
    assert_bearer_challenge(create_admin(client, old_token))


def test_a_deleted_clients_token_no_longer_writes(client, partner_client, delete):
    credential, access = partner_client
    delete("clients", credential)
    response = client.patch(f"/api/v1/organisations/{credential['organisation_id']}", json={"city": "Pesaro"},
                            headers={**bearer(access), "If-Match": '"1"'})
    assert_bearer_challenge(response)


def test_a_restored_clients_old_token_stays_ended(client, partner_client, delete_then_restore):
    credential, access = partner_client
    delete_then_restore("clients", credential)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_a_deactivated_clients_token_is_401(client, partner_client, change):
    credential, access = partner_client
    change("clients", credential, active=False)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_a_clients_token_after_its_scopes_shrink_is_401(client, partner_client, change):
    credential, access = partner_client
    change("clients", credential, scopes=["read"])
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_access_token_survives_a_change_that_is_not_about_security(client, change, signed_in):
    user, tokens = signed_in
    change("users", user, display_name="Renamed")
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 200


def test_access_token_of_a_family_revoked_for_reuse_is_401(client, refresh, signed_in):
    _, tokens = signed_in
    rotated = refresh(tokens["refresh_token"]).get_json()
    assert client.get(ME_URL, headers=bearer(rotated["access_token"])).status_code == 200
    assert_invalid_grant(refresh(tokens["refresh_token"]))  # the spent token replayed: the family is revoked
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(rotated["access_token"])))
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_revoking_a_refresh_token_ends_the_access_tokens_of_its_family(client, signed_in):
    _, tokens = signed_in
    client.post(REVOKE_URL, data={"token": tokens["refresh_token"]}, headers=bearer(tokens["access_token"]))
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


def test_revoking_a_family_leaves_other_sign_ins_alone(client, login, signed_in):
    user, tokens = signed_in
    other = login(user["email"])
    client.post(REVOKE_URL, data={"token": tokens["refresh_token"]}, headers=bearer(tokens["access_token"]))
    assert client.get(ME_URL, headers=bearer(other["access_token"])).status_code == 200


def test_without_the_check_cache_a_change_made_elsewhere_ends_the_token_at_once(make_app):
    """Another process's change reaches the store only: with no cache, the next request sees it."""
    app = make_app(TOKEN_CHECK_CACHE_SECONDS="0", ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()
    access = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "root@example.org",
                                                     "password": PASSWORD}).get_json()["access_token"]
    assert client.get(ME_URL, headers=bearer(access)).status_code == 200
    with app.app_context():
        User._get_collection().update_one({"email": "root@example.org"}, {"$set": {"active": False}})
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


# An admin ends every token of an account -------------------------------------------------------------


def revoke_tokens(client, collection, account, headers, **kwargs):
    return client.post(f"/api/v1/{collection}/{account['id']}/revoke-tokens", headers=headers, **kwargs)


def test_admin_ends_every_access_token_of_a_user(client, admin, login, signed_in):
    user, tokens = signed_in
    other = login(user["email"])
    assert revoke_tokens(client, "users", user, admin).status_code == 204
    for access in (tokens["access_token"], other["access_token"]):
        assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_admin_ends_every_refresh_token_of_a_user(client, admin, refresh, signed_in):
    user, tokens = signed_in
    revoke_tokens(client, "users", user, admin)
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_a_user_whose_tokens_were_ended_signs_in_again(client, admin, login, signed_in):
    user, _ = signed_in
    revoke_tokens(client, "users", user, admin)
    tokens = login(user["email"])
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 200


def test_ending_tokens_does_not_change_the_account(client, admin, signed_in):
    user, _ = signed_in
    revoke_tokens(client, "users", user, admin)
    assert client.get(f"/api/v1/users/{user['id']}", headers=admin).get_json()["version"] == user["version"]


def test_admin_ends_every_token_of_a_client(client, admin, partner_client, request_token):
    credential, access = partner_client
    assert revoke_tokens(client, "clients", credential, admin).status_code == 204
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))
    again = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                          client_secret=credential["client_secret"])
    assert client.get(ME_URL, headers=bearer(again.get_json()["access_token"])).status_code == 200


def test_a_body_sent_to_revoke_tokens_is_ignored(client, admin, signed_in):
    user, tokens = signed_in
    response = revoke_tokens(client, "users", user, admin, data="{not json", content_type="application/json")
    assert response.status_code == 204
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(tokens["access_token"])))


@pytest.mark.parametrize("role", ["editor", "partner"])
def test_only_admins_end_tokens(client, auth, create_organisation, role, signed_in):
    user, tokens = signed_in
    caller = auth(role, organisation_id=create_organisation()["id"] if role == "partner" else None)
    assert revoke_tokens(client, "users", user, caller).status_code == 403
    assert client.get(ME_URL, headers=bearer(tokens["access_token"])).status_code == 200


def test_a_client_credential_cannot_end_tokens(client, partner_client, signed_in):
    user, _ = signed_in
    _, access = partner_client
    assert revoke_tokens(client, "users", user, bearer(access)).status_code == 403


def test_ending_tokens_without_a_token_is_401(client, signed_in):
    user, _ = signed_in
    assert_bearer_challenge(revoke_tokens(client, "users", user, {}))


@pytest.mark.parametrize("account_id", ["64b7f0c2a1e4b3d2c1a09f8e", "not-an-id"])
def test_ending_tokens_of_an_unknown_account_is_404(client, admin, account_id):
    assert revoke_tokens(client, "users", {"id": account_id}, admin).status_code == 404


def test_ending_tokens_of_a_deleted_account_is_404(client, admin, delete, signed_in):
    user, _ = signed_in
    delete("users", user)
    assert revoke_tokens(client, "users", user, admin).status_code == 404


# A deleted organisation's credentials ----------------------------------------------------------------


def test_a_deleted_organisations_client_gets_invalid_client(create_api_client, create_organisation, delete,
                                                            request_token):
    organisation = create_organisation()
    credential = create_api_client(organisation_id=organisation["id"])
    delete("organisations", organisation)
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_a_deleted_organisations_partner_user_gets_invalid_grant(create_user, create_organisation, delete,
                                                                 request_token):
    organisation = create_organisation()
    user = create_user(roles=["partner"], organisation_id=organisation["id"])
    delete("organisations", organisation)
    assert_invalid_grant(request_token(grant_type="password", username=user["email"], password=PASSWORD))


def test_a_deleted_organisations_partner_user_cannot_refresh(create_user, create_organisation, delete, login,
                                                             refresh):
    organisation = create_organisation()
    user = create_user(roles=["partner"], organisation_id=organisation["id"])
    tokens = login(user["email"])
    delete("organisations", organisation)
    assert_invalid_grant(refresh(tokens["refresh_token"]))


def test_a_deleted_organisations_client_token_stops_acting(client, admin, partner_client):
    credential, access = partner_client
    organisation = client.get(f"/api/v1/organisations/{credential['organisation_id']}", headers=admin).get_json()
    client.delete(f"/api/v1/organisations/{organisation['id']}", headers={**admin, "If-Match": etag(organisation)})
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_restoring_an_organisation_does_not_revive_its_clients_old_token(client, delete_then_restore,
                                                                         partner_client):
    credential, access = partner_client
    organisation = client.get(f"/api/v1/organisations/{credential['organisation_id']}").get_json()
    delete_then_restore("organisations", organisation)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(access)))


def test_restoring_an_organisation_does_not_revive_its_partner_users_old_tokens(
        client, create_user, create_organisation, delete_then_restore, login, refresh):
    organisation = create_organisation()
    user = create_user(roles=["partner"], organisation_id=organisation["id"])
    old = login(user["email"])
    delete_then_restore("organisations", organisation)
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(old["access_token"])))
    assert_invalid_grant(refresh(old["refresh_token"]))


def test_a_restored_organisations_partners_sign_in_again(client, create_api_client, create_organisation,
                                                         delete_then_restore, request_token):
    organisation = create_organisation()
    credential = create_api_client(organisation_id=organisation["id"])
    delete_then_restore("organisations", organisation)
    response = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                             client_secret=credential["client_secret"])
    assert client.get(ME_URL, headers=bearer(response.get_json()["access_token"])).status_code == 200


def test_a_partner_that_deleted_its_organisation_no_longer_changes_those_it_managed(client, partner_client):
    credential, access = partner_client
    own = credential["organisation_id"]
    managed = client.post("/api/v1/organisations", json=organisation_body(name="Delegation", managed_by=own),
                          headers=bearer(access)).get_json()
    own_now = client.get(f"/api/v1/organisations/{own}", headers=bearer(access)).get_json()
    assert client.delete(f"/api/v1/organisations/{own}",
                         headers={**bearer(access), "If-Match": etag(own_now)}).status_code == 204
    response = client.patch(f"/api/v1/organisations/{managed['id']}", json={"city": "Pesaro"},
                            headers={**bearer(access), "If-Match": etag(managed)})
    assert_bearer_challenge(response)


# An admin's change landing while a token is being issued or checked -----------------------------------


@pytest.fixture
def meanwhile(monkeypatch):
    """Make `module.name` run `action` to completion right after its first call returns, as an admin's request
    landing at that moment would: on its own thread (its own request context), joined before going on."""
    def arrange(module, name, action):
        original = getattr(module, name)

        def then_act(*args, **kwargs):
            result = original(*args, **kwargs)
            monkeypatch.setattr(module, name, original)
            with ThreadPoolExecutor(1) as other_request:
                other_request.submit(action).result()
            return result
        monkeypatch.setattr(module, name, then_act)
    return arrange


def test_a_demotion_during_a_password_sign_in_ends_the_token_it_gives(client, create_user, change, login,
                                                                      meanwhile):
    user = create_user(roles=["admin"])
    meanwhile(routes, "verify_secret", lambda: change("users", user, roles=["editor"]))
    token = bearer(login(user["email"])["access_token"])
    assert_bearer_challenge(create_admin(client, token))


def test_a_password_change_during_a_sign_in_ends_its_refresh_family(create_user, change, login, meanwhile,
                                                                     refresh):
    user = create_user()
    meanwhile(routes, "verify_secret", lambda: change("users", user, password=NEW_PASSWORD))
    tokens_given = login(user["email"])
    assert_invalid_grant(refresh(tokens_given["refresh_token"]))


def test_a_client_moved_and_cut_to_read_during_its_grant_gets_a_refused_token(
        client, create_api_client, create_organisation, change, meanwhile, request_token):
    credential = create_api_client()
    elsewhere = create_organisation(name="Another agency")["id"]
    meanwhile(routes, "verify_secret",
              lambda: change("clients", credential, organisation_id=elsewhere, scopes=["read"]))
    access = request_token(grant_type="client_credentials", client_id=credential["client_id"],
                           client_secret=credential["client_secret"]).get_json()["access_token"]
    response = client.patch(f"/api/v1/organisations/{credential['organisation_id']}", json={"city": "Pesaro"},
                            headers={**bearer(access), "If-Match": '"1"'})
    assert_bearer_challenge(response)


def test_a_refresh_during_an_admins_revoke_tokens_gives_an_ended_access_token(client, admin, meanwhile, refresh,
                                                                              signed_in):
    user, given = signed_in

    def end_tokens():
        assert revoke_tokens(client, "users", user, admin).status_code == 204
    meanwhile(tokens, "spend_refresh_token", end_tokens)
    rotated = refresh(given["refresh_token"])
    assert rotated.status_code == 200, rotated.get_json()
    assert_bearer_challenge(client.get(ME_URL, headers=bearer(rotated.get_json()["access_token"])))


def test_a_token_found_valid_while_its_tokens_are_ended_is_checked_again(client, admin, create_user, login,
                                                                         meanwhile):
    """This process's memory of a token found valid must not outlive an end of its tokens made during the check."""
    user = create_user()
    access = bearer(login(user["email"])["access_token"])

    def end_tokens():
        assert revoke_tokens(client, "users", user, admin).status_code == 204
    meanwhile(tokens, "active_account", end_tokens)
    assert client.get(ME_URL, headers=access).status_code == 200  # checked before the end landed
    assert_bearer_challenge(client.get(ME_URL, headers=access))


def test_a_checks_verdict_counts_its_cache_seconds_from_its_reads(make_app, meanwhile):
    """A change made by another process is seen once the cache seconds have passed since the check read the
    store, however long the check took to finish."""
    app = make_app(TOKEN_CHECK_CACHE_SECONDS="5", ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()
    now = [1000.0]
    app.extensions["checked_tokens"].clock = lambda: now[0]
    access = bearer(client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "root@example.org",
                                                            "password": PASSWORD}).get_json()["access_token"])

    def check_takes_the_cache_seconds():
        now[0] += 5
    meanwhile(tokens, "active_account", check_takes_the_cache_seconds)
    assert client.get(ME_URL, headers=access).status_code == 200
    with app.app_context():
        User._get_collection().update_one({"email": "root@example.org"}, {"$set": {"active": False}})
    assert_bearer_challenge(client.get(ME_URL, headers=access))
