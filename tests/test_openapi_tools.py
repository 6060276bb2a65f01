"""The OpenAPI document as outside tools read it: a 3.1 validator and a client generator accept it."""
import importlib
import json
import subprocess
import sys

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from api.cli import OPENAPI_FILE
from tests.conftest import LIVE_ADMIN_EMAIL as ADMIN_EMAIL
from tests.conftest import LIVE_ADMIN_PASSWORD as ADMIN_PASSWORD


def problems_in(document):
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message[:300]}"
            for error in OpenAPIV31SpecValidator(document).iter_errors()]


def test_the_served_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert problems_in(document) == []


def test_the_committed_document_is_valid_openapi_3_1():
    assert problems_in(json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))) == []


def test_every_response_has_a_description():
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    missing = [f"{method.upper()} {path} {status}"
               for path, item in document["paths"].items()
               for method, operation in item.items() if isinstance(operation, dict) and "responses" in operation
               for status, response in operation["responses"].items()
               if "$ref" not in response and "description" not in response]

    assert missing == []


def test_a_linked_response_keeps_its_body_and_headers():
    created = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["paths"]["/api/v1/users"]["post"]["responses"]["201"]

    assert created["links"]["Read"]["operationId"] == "readUser"
    assert created["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/User"}
    assert {"ETag", "Location"} <= set(created["headers"])


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    """Generate a Python client from the committed document with openapi-python-client; return (output, folder)."""
    folder = tmp_path_factory.mktemp("client")
    config = folder / "config.yml"
    # No formatting hooks: they need ruff on the PATH, which says nothing about the document.
    config.write_text("post_hooks: []\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", str(OPENAPI_FILE), "--config", str(config),
                             "--meta", "none", "--output-path", str(folder / "taskforce_api_client")],
                            capture_output=True, text=True, timeout=300, cwd=folder)
    return result, folder


def test_the_client_generator_accepts_the_committed_document(generated_client):
    result, _ = generated_client
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "Warning" not in output and "Unable to" not in output, output


def test_the_generated_client_imports(generated_client):
    _, folder = generated_client
    probe = ("import taskforce_api_client.api.organisations.create_organisation as organisations, "
             "taskforce_api_client.api.organisations.update_organisation as patches, "
             "taskforce_api_client.api.organisations.import_organisations as imports, "
             "taskforce_api_client.api.sessions.list_sessions as sessions, "
             "taskforce_api_client.api.tables.read_table as tables; "
             "print(callable(organisations.sync), callable(patches.sync), callable(imports.sync), "
             "callable(sessions.sync), callable(tables.sync))")

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=folder)

    assert result.stdout.strip() == "True True True True True", result.stderr


@pytest.fixture
def generated(generated_client, monkeypatch):
    """The generated client's package, imported as a user of it would."""
    _, folder = generated_client
    monkeypatch.syspath_prepend(str(folder))
    return importlib.import_module("taskforce_api_client")


def test_the_generated_client_signs_in_lists_creates_and_updates_an_organisation(live_server, generated):
    api = "taskforce_api_client.api"
    get_token = importlib.import_module(f"{api}.auth.get_token")
    list_organisations = importlib.import_module(f"{api}.organisations.list_organisations")
    create_organisation = importlib.import_module(f"{api}.organisations.create_organisation")
    update_organisation = importlib.import_module(f"{api}.organisations.update_organisation")
    models = importlib.import_module("taskforce_api_client.models")

    grant = models.PasswordGrant(grant_type=models.PasswordGrantGrantType.PASSWORD, username=ADMIN_EMAIL,
                                 password=ADMIN_PASSWORD)
    token = get_token.sync(client=generated.Client(base_url=live_server), body=grant)
    client = generated.AuthenticatedClient(base_url=live_server, token=token.access_token)
    assert len(list_organisations.sync(client=client, page_size=5)) == 5
    body = models.Organisation.from_dict({"name": "Consorzio Export Zenit", "kind": "promotion_agency", "country": "IT",
                                          "name_i18n": {"it": "Agenzia Marche Export", "ru": "Агентство «Марке Экспорт»"}})
    created = create_organisation.sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    patch = models.OrganisationPatch.from_dict({"city": "Ancona"})
    updated = update_organisation.sync_detailed(created.parsed.id, client=client, body=patch,
                                                if_match=created.headers["ETag"])

    assert updated.status_code == 200, updated.content
    assert (updated.parsed.city, updated.parsed.version) == ("Ancona", 2)
    assert [o.id for o in list_organisations.sync(client=client, q="zenit")] == [created.parsed.id]
