"""The OpenAPI document as outside tools read it: a 3.1 validator and a client generator accept it."""
import json
import subprocess
import sys

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from api.cli import OPENAPI_FILE


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
    # Not the merge-patch operations: for a required body offered in two media types the generator writes
    # `| Unset` without importing it (openapi-python-client issue 1451), whatever the document says.
    probe = ("import taskforce_api_client.api.organisations.create_organisation as organisations, "
             "taskforce_api_client.api.sessions.list_sessions as sessions, "
             "taskforce_api_client.api.tables.read_table as tables; "
             "print(callable(organisations.sync), callable(sessions.sync), callable(tables.sync))")

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=folder)

    assert result.stdout.strip() == "True True True", result.stderr
