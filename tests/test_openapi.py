"""The OpenAPI document: served as 3.1, committed without drift, complete, with valid examples; docs offline; probes."""
import json
import re

import pytest
from jsonschema import Draft202012Validator
from pymongo.errors import ServerSelectionTimeoutError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.cli import OPENAPI_FILE, spec_document

METHODS = ("get", "put", "post", "patch", "delete")
COMMITTED = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
OPERATIONS = [(method, path) for path, item in COMMITTED["paths"].items() for method in METHODS if method in item]
def operation_params():
    for method, path in OPERATIONS:
        yield pytest.param(method, path, id=f"{method.upper()} {path}")


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def examples_in(document):
    """Yield (where, schema pointer, example) for every example of a request or response body."""
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if not operation:
                continue
            bodies = [(("requestBody",), operation.get("requestBody", {}))]
            bodies += [(("responses", status), response) for status, response in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media_type, media in body.get("content", {}).items():
                    location = ("paths", path, method, *where, "content", media_type)
                    values = [media["example"]] if "example" in media else []
                    values += [e["value"] for e in media.get("examples", {}).values() if "value" in e]
                    for value in values:
                        yield f"{method.upper()} {path} {' '.join(map(str, where))} {media_type}", \
                            pointer(*location, "schema"), value


# The document -----------------------------------------------------------------------------------


def test_the_served_document_is_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert re.fullmatch(r"3\.1\.\d+", response.get_json()["openapi"])


def test_the_committed_document_matches_the_code(app):
    assert spec_document(app) == OPENAPI_FILE.read_text(encoding="utf-8"), (
        "openapi/openapi.json is out of date: run `taskforce-api write-openapi` and commit the result.")


def test_the_served_document_is_the_committed_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == COMMITTED


@pytest.mark.parametrize("method, path", [pytest.param(m, p, id=f"{m.upper()} {p}") for m, p in OPERATIONS])
def test_every_operation_has_a_summary(method, path):
    assert COMMITTED["paths"][path][method].get("summary", "").strip()


@pytest.mark.parametrize("method, path", operation_params())
def test_every_operation_documents_a_client_error(method, path):
    statuses = COMMITTED["paths"][path][method]["responses"]

    assert any(re.fullmatch(r"4\d\d", str(status)) for status in statuses)


def test_every_documented_error_is_problem_json():
    for name, response in COMMITTED["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_the_document_has_request_examples():
    assert any(True for _ in examples_in(COMMITTED))


@pytest.mark.parametrize("where, schema_pointer, example",
                         [pytest.param(*e, id=e[0]) for e in examples_in(COMMITTED)])
def test_every_example_validates_against_its_schema(where, schema_pointer, example):
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(COMMITTED, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"urn:openapi{schema_pointer}"}, registry=registry,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(example)]

    assert not errors, f"{where}: {errors}"


def test_the_example_validator_catches_a_bad_example():
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(COMMITTED, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Session"}, registry=registry)

    assert not validator.is_valid({"number": "twenty-one", "unknown": True})


# Swagger UI without a CDN -----------------------------------------------------------------------


def asset_urls(html):
    return re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)


def test_the_docs_page_is_html(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_the_docs_page_loads_its_scripts_and_styles_from_this_server(client):
    urls = asset_urls(client.get("/api/v1/docs").get_data(as_text=True))

    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls


def test_the_docs_assets_are_served(client):
    for url in asset_urls(client.get("/api/v1/docs").get_data(as_text=True)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data(), url


def test_the_docs_page_points_at_the_served_document(client):
    assert '"/api/v1/openapi.json"' in client.get("/api/v1/docs").get_data(as_text=True)


# Probes -----------------------------------------------------------------------------------------


def test_healthz_answers_200(client):
    assert client.get("/healthz").status_code == 200


def test_readyz_answers_200_when_the_database_answers(client):
    assert client.get("/readyz").status_code == 200


def test_readyz_answers_503_with_retry_after_when_the_database_does_not(client, monkeypatch):
    class Unreachable:
        def command(self, *args, **kwargs):
            raise ServerSelectionTimeoutError("no servers found")

    monkeypatch.setattr("api.health.database", lambda: Unreachable())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0


def test_probes_are_not_rate_limited(make_app):
    client = make_app(RATE_LIMIT="1/minute").test_client()

    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/readyz").status_code for _ in range(3)] == [200, 200, 200]
