"""A replay of an Idempotency-Key answers only a caller who may still do what the first attempt did and see what it
made: a stored copy must not outlive the caller's rights."""
from tests.conftest import etag
from tests.registrations.helpers import registration_body, registrations_url

PASSWORD = "correct horse battery staple"


def sign_in(client, email):
    response = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_a_registration_of_an_organisation_no_longer_managed_is_not_replayed(client, admin, auth, create_session,
                                                                              create_organisation):
    session = create_session(status="registration_open")
    own = create_organisation(name="Marche Internazionale")
    managed = create_organisation(name="Consorzio Meccatronica", kind="consortium", managed_by=own["id"])
    partner = {**auth("partner", organisation_id=own["id"]), "Idempotency-Key": "delegation-1"}
    body = registration_body(managed["id"])
    first = client.post(registrations_url(session), json=body, headers=partner)
    assert first.status_code == 201, first.get_json()
    released = client.patch(f"/api/v1/organisations/{managed['id']}", json={"managed_by": None},
                            headers={**admin, "If-Match": etag(managed)})
    assert released.status_code == 200, released.get_json()

    replay = client.post(registrations_url(session), json=body, headers=partner)

    assert replay.status_code == 404
    assert "delegates" not in replay.get_data(as_text=True)


def test_a_clone_is_not_replayed_to_an_editor_since_made_a_partner(client, admin, create_session, create_organisation):
    source = create_session()
    organisation = create_organisation()
    user = client.post("/api/v1/users", json={"email": "editor@example.org", "password": PASSWORD, "roles": ["editor"]},
                       headers=admin).get_json()
    url = f"/api/v1/sessions/{source['id']}/clone"
    first = client.post(url, headers={**sign_in(client, "editor@example.org"), "Idempotency-Key": "next-edition"})
    assert first.status_code == 201, first.get_json()
    demoted = client.patch(f"/api/v1/users/{user['id']}", json={"roles": ["partner"], "organisation_id": organisation["id"]},
                           headers={**admin, "If-Match": etag(user)})
    assert demoted.status_code == 200, demoted.get_json()

    replay = client.post(url, headers={**sign_in(client, "editor@example.org"), "Idempotency-Key": "next-edition"})

    assert replay.status_code == 403
    assert "Idempotent-Replayed" not in replay.headers
