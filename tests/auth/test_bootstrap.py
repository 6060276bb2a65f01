"""The first admin from ADMIN_EMAIL/ADMIN_PASSWORD, and the create-admin / create-client commands."""
import re

from bson import ObjectId

from api.auth.bootstrap import ensure_first_admin
from api.auth.models import User
from tests.auth.helpers import ME_URL, PASSWORD, TOKEN_URL, bearer


def password_grant(client, email, password=PASSWORD):
    return client.post(TOKEN_URL, data={"grant_type": "password", "username": email, "password": password})


def test_configured_admin_can_sign_in(make_app):
    app = make_app(ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()
    response = password_grant(client, "root@example.org")
    assert response.status_code == 200
    assert client.get(ME_URL, headers=bearer(response.get_json()["access_token"])).get_json()["roles"] == ["admin"]


def test_no_admin_without_configuration(app):
    with app.app_context():
        assert User.objects.count() == 0


def test_ensure_first_admin_creates_once(app):
    with app.app_context():
        first = ensure_first_admin("root@example.org", PASSWORD)
        second = ensure_first_admin("other@example.org", PASSWORD)
        assert first["email"] == "root@example.org"
        assert second is None
        assert User.objects.count() == 1


def test_ensure_first_admin_keeps_an_existing_admin(make_app):
    app = make_app(ADMIN_EMAIL="root@example.org", ADMIN_PASSWORD=PASSWORD)
    with app.app_context():
        assert ensure_first_admin("root@example.org", "a different passphrase") is None
    assert password_grant(app.test_client(), "root@example.org").status_code == 200


# CLI -----------------------------------------------------------------------------------------------------


def test_create_admin_command(app, client, runner):
    result = runner.invoke(args=["create-admin", "--email", "cli@example.org", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "cli@example.org" in result.output
    assert password_grant(client, "cli@example.org").status_code == 200


def test_create_admin_command_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-admin", "--email", "cli@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output


def test_create_client_command_prints_a_working_secret(client, runner, create_organisation):
    organisation = create_organisation()
    result = runner.invoke(args=["create-client", "--organisation-id", organisation["id"], "--name", "Partner CRM"])
    assert result.exit_code == 0, result.output
    client_id = re.search(r"client_id=(\S+)", result.output).group(1)
    secret = re.search(r"client_secret=(\S+)", result.output).group(1)
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": client_id,
                                            "client_secret": secret})
    assert response.status_code == 200


def test_create_client_command_read_only(client, runner, create_organisation):
    organisation = create_organisation()
    result = runner.invoke(args=["create-client", "--organisation-id", organisation["id"], "--name", "Reader",
                                 "--read-only"])
    client_id = re.search(r"client_id=(\S+)", result.output).group(1)
    secret = re.search(r"client_secret=(\S+)", result.output).group(1)
    body = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": client_id,
                                        "client_secret": secret}).get_json()
    assert body["scope"] == "read"


def test_create_client_command_with_unknown_organisation_fails_clearly(runner):
    result = runner.invoke(args=["create-client", "--organisation-id", str(ObjectId()), "--name", "Ghost"])
    assert result.exit_code != 0
    assert "No organisation with this id" in result.output
    assert "client_secret" not in result.output


def test_create_client_command_with_malformed_organisation_id_fails_clearly(runner):
    result = runner.invoke(args=["create-client", "--organisation-id", "not-an-id", "--name", "Ghost"])
    assert result.exit_code != 0
    assert "organisation_id" in result.output
    assert "Traceback" not in result.output
