"""Hostile query strings, path ids and map keys: always a 4xx problem or a correct literal answer, never 5xx.

The embedded store does not encode queries as the driver does, so a value the real driver refuses (an
integer beyond 64 bits) would pass here unnoticed: `driver_encoding` makes every query and document go
through BSON encoding first, as pymongo does before anything reaches the server.
"""
import json
import re

import bson
import pytest
from mongomock.collection import Collection

from tests.conftest import organisation_body
from tests.core.test_hostile_bodies import fill, one_of_each, table_body

API = "/api/v1/"
EXCLUDED = "/api/v1/auth/"
ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"
BIG = str(2**64 + 1)

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture(autouse=True)
def driver_encoding(monkeypatch):
    """Encode each filter, update and document to BSON before the embedded store sees it, as pymongo does."""
    def encoding(method, positions):
        original = getattr(Collection, method)

        def encoded(self, *args, **kwargs):
            for position in positions:
                if position < len(args) and isinstance(args[position], dict):
                    bson.encode(args[position])
            return original(self, *args, **kwargs)
        monkeypatch.setattr(Collection, method, encoded)

    for method, positions in (("find", (0, 1)), ("find_one", (0,)), ("count_documents", (0,)), ("insert_one", (0,)),
                              ("replace_one", (0, 1)), ("update_one", (0, 1)), ("update_many", (0, 1)),
                              ("find_one_and_update", (0, 1)), ("delete_one", (0,)), ("delete_many", (0,))):
        encoding(method, positions)


@pytest.fixture
def world(client, admin, create_organisation, create_session):
    """One existing resource of each kind; path parameter name -> id."""
    org, session = create_organisation(), create_session(status="registration_open")
    create_organisation(name="Polo Tecnologico Città di Fabriano", city="Fabriano")
    return one_of_each(client, admin, org, session)


def assert_problem(response, *statuses):
    assert response.status_code in statuses, f"{response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return body


LISTS = ["/api/v1/organisations", "/api/v1/sessions", "/api/v1/sessions/<session_id>/tables",
         "/api/v1/sessions/<session_id>/seminars", "/api/v1/users", "/api/v1/clients",
         "/api/v1/organisations/<organisation_id>/revisions", "/api/v1/webhooks"]


def stored_totals(client, admin, world):
    """What is stored, as the lists tell it: the total of every list."""
    return {rule: json.loads(client.get(fill(rule, world), headers=admin).headers["X-Pagination"])["total"]
            for rule in LISTS}


@pytest.fixture
def unchanged(client, admin, world):
    """Assert at the end of the test that nothing was stored or changed."""
    before = stored_totals(client, admin, world)
    yield
    assert stored_totals(client, admin, world) == before


# Ids in paths ------------------------------------------------------------------------------------

HOSTILE_IDS = {
    "not hex": "not-an-id",
    "short": "123",
    "23 hex": "6b087ada2875a9bd1448495",
    "25 hex": "6b087ada2875a9bd1448495dd",
    "unknown 24 hex": "ffffffffffffffffffffffff",
    "unknown 24 upper hex": "ABCDEFABCDEFABCDEFABCDEF",
    "operator": "$ne",
    "json operator": '{"$gt":""}',
    "dotted": "a.b",
    "nul": "\x00",
    "nul after a valid id": "6b087ada2875a9bd1448495d\x00",
    "very long": "f" * 5000,
    "unicode": "\u202eRTL\u200b",
    "null": "null",
    "path traversal": "../../../../etc/passwd",
}


def item_rules(app):
    """(method, rule) of every route under /api/v1 with a path parameter, the OAuth routes aside."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) and not rule.rule.startswith(EXCLUDED) and "<" in rule.rule:
            for method in sorted(rule.methods & {"GET", "PUT", "PATCH", "DELETE", "POST"}):
                yield method, rule.rule


def hostile_path(rule, world, param, value):
    """The rule with `param` replaced by a hostile value (percent-encoded) and the others by real ids."""
    from urllib.parse import quote

    def value_of(match):
        name = match.group(1)
        return quote(value, safe="") if name == param else str(world.get(name, "sector"))
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", value_of, rule)


def send(client, method, url, headers):
    body = organisation_body() if method in ("PUT", "PATCH") else None
    return client.open(url, method=method, json=body, headers={**headers, "If-Match": '"1"'})


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_a_hostile_id_in_any_path_position_answers_404(app, client, admin, world, unchanged, hostile):
    failures = []
    for method, rule in item_rules(app):
        for param in re.findall(r"<(?:[^:>]+:)?(\w+)>", rule):
            if param == "version":
                continue
            url = hostile_path(rule, world, param, HOSTILE_IDS[hostile])
            response = send(client, method, url, admin)
            if response.status_code != 404 or response.mimetype != "application/problem+json":
                failures.append(f"{method} {rule} [{param}]: {response.status_code} {response.get_data(as_text=True)[:200]}")
    assert not failures, "\n".join(failures)


def test_every_item_route_is_covered(app):
    params = {p for _, rule in item_rules(app) for p in re.findall(r"<(?:[^:>]+:)?(\w+)>", rule)}

    assert params == {"organisation_id", "session_id", "table_id", "seminar_id", "registration_id", "user_id",
                      "client_key", "version", "name", "filename", "request_id", "number",
                      "release_name", "webhook_id"}


@pytest.mark.parametrize("version", [BIG, str(2**63), str(2**53 + 1), "0", "-1", "1.5", "1e3", "%00"])
def test_a_version_outside_what_can_exist_answers_404(app, client, admin, world, unchanged, version):
    failures = []
    for method, rule in item_rules(app):
        converter = re.search(r"<[^>]*:version>", rule)
        if converter is None:
            continue
        url = fill(rule.replace(converter.group(0), version), world)
        response = send(client, method, url, admin)
        if response.status_code != 404 or response.mimetype != "application/problem+json":
            failures.append(f"{method} {url}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    assert not failures, "\n".join(failures)


# Query strings -----------------------------------------------------------------------------------

# (query, the parameter the 422 names): refused for every list that has that parameter.
REFUSED_QUERIES = [
    ({"page": BIG}, "page"),
    ({"page_size": BIG}, "page_size"),
    ({"page": str(2**63)}, "page"),
    ({"page": "-" + BIG}, "page"),
    ({"page": "1e3"}, "page"),
    ({"page": "0x10"}, "page"),
    ({"page_size": "\x00"}, "page_size"),
    ({"q[$gt]": ""}, "q[$gt]"),
    ({"q[$regex]": ".*"}, "q[$regex]"),
    ({"q.$where": "1"}, "q.$where"),
    ({"$where": "1"}, "$where"),
    ({"sort": "$natural"}, "sort"),
    ({"sort": "-$natural"}, "sort"),
    ({"sort": "name,$where"}, "sort"),
    ({"sort": "search_terms"}, "sort"),
    ({"sort": "_id"}, "sort"),
    ({"sort": "\x00"}, "sort"),
    ({"q": "\x00"}, "q"),
    ({"q": "marche\x00"}, "q"),
    ({"q": "a" * 201}, "q"),
    ({"q": "Ж" * 201}, "q"),
]

# Refused by the one list that has the filter.
REFUSED_FILTERS = [
    (ORGS, {"kind[$ne]": "x"}, "kind[$ne]"),
    (ORGS, {"kind": "$ne"}, "kind"),
    (ORGS, {"kind": "\x00"}, "kind"),
    (ORGS, {"country": "$ne"}, "country"),
    (ORGS, {"country": "I\x00"}, "country"),
    (ORGS, {"country[$exists]": "true"}, "country[$exists]"),
    (ORGS, {"region": "$gt"}, "region"),
    (ORGS, {"sector": "a.b"}, "sector"),
    (ORGS, {"sector": "$in"}, "sector"),
    (ORGS, {"managed_by": '{"$ne":null}'}, "managed_by"),
    (ORGS, {"managed_by": "ffffffffffffffffffffffff\x00"}, "managed_by"),
    (SESSIONS, {"year": BIG}, "year"),
    (SESSIONS, {"year": str(2**63)}, "year"),
    (SESSIONS, {"year": "-" + BIG}, "year"),
    (SESSIONS, {"status": "$ne"}, "status"),
    (SESSIONS, {"status[$ne]": "draft"}, "status[$ne]"),
    (SESSIONS, {"host_country": "\x00"}, "host_country"),
    ("/api/v1/sessions/<session_id>/tables", {"kind": "$where"}, "kind"),
    ("/api/v1/sessions/<session_id>/tables", {"sector[$ne]": "x"}, "sector[$ne]"),
    ("/api/v1/users", {"role": "$ne"}, "role"),
    ("/api/v1/users", {"active": '{"$ne":true}'}, "active"),
    ("/api/v1/clients", {"organisation_id[$ne]": "x"}, "organisation_id[$ne]"),
]


@pytest.mark.parametrize("query, param", REFUSED_QUERIES, ids=[f"{p}={q[p][:20]!r}" for q, p in REFUSED_QUERIES])
def test_hostile_query_arguments_answer_422_naming_the_argument_in_every_list(client, admin, world, unchanged, query,
                                                                              param):
    for rule in LISTS:
        response = client.get(fill(rule, world), query_string=query, headers=admin)

        body = assert_problem(response, 422)
        assert param in body["errors"], rule


@pytest.mark.parametrize("rule, query, param", REFUSED_FILTERS,
                         ids=[f"{r.rsplit('/', 1)[-1]}?{p}={next(iter(q.values()))[:20]!r}" for r, q, p in REFUSED_FILTERS])
def test_hostile_filter_values_answer_422_naming_the_filter(client, admin, world, unchanged, rule, query, param):
    response = client.get(fill(rule, world), query_string=query, headers=admin)

    body = assert_problem(response, 422)
    assert param in body["errors"]


def found(client, headers, q, url=ORGS):
    response = client.get(url, query_string={"q": q, "page_size": 100}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(item["id"] for item in response.get_json())


@pytest.mark.parametrize("q", [".*", "[", "^", "$", "\\", "(", ")", "*", "+", "?", "|", "{}", ".", "^.*$", "[^]",
                               "$$", "-", "–", "«»", "{\"$gt\": \"\"}"])
def test_a_q_of_regex_or_operator_symbols_alone_matches_nothing(client, admin, world, unchanged, q):
    assert found(client, admin, "") != []

    assert found(client, admin, q) == []


@pytest.mark.parametrize("q, literal", [
    ("(a+)+$", "a"),
    ("(f+)+$", "f"),
    ("a|b", "a b"),
    ("fabr.*", "fabr"),
    ("^fabriano$", "fabriano"),
    ("[fF]abriano", "ff abriano"),
    ('{"$where":"1"}', "where 1"),
    ('{"$regex": "fabriano"}', "regex fabriano"),
    ("$where", "where"),
    ("fabriano\\", "fabriano"),
    ("citta%", "citta"),
])
def test_a_q_with_regex_or_operator_syntax_is_read_as_literal_words(client, admin, world, unchanged, q, literal):
    assert found(client, admin, q) == found(client, admin, literal)


def test_q_dot_star_does_not_list_everything(client, admin, world):
    everything = found(client, admin, "")
    assert len(everything) >= 2

    assert found(client, admin, ".*") == []


def test_a_q_of_200_characters_is_accepted(client, admin, world):
    assert found(client, admin, "fabriano " + "x" * 191) == []


@pytest.mark.parametrize("q", ["\u202efabriano\u202c", "fabriano\u200b", "\ufefffabriano"])
def test_invisible_formatting_characters_around_a_word_do_not_hide_it(client, admin, world, q):
    assert found(client, admin, q) == found(client, admin, "fabriano") != []


@pytest.mark.parametrize("raw", ["q=%ED%A0%80", "q=%FF%FE", "q=%C0%AF", "q=%E2%80", "kind=%FF", "page=%FF",
                                 "q=a&q=b", "page=1&page=2", "q", "=x", "&&&", "q=%", "q=%%%", "q=%zz"])
def test_malformed_query_strings_answer_200_or_a_422_problem_never_an_error(client, admin, world, unchanged, raw):
    response = client.get(f"{ORGS}?{raw}", headers=admin)

    if response.status_code != 200:
        assert_problem(response, 422)


# `$` and `.` in the keys of maps a client sends ------------------------------------------------------

HOSTILE_KEYS = ["$where", "$set", "$", "a.b", ".", "it.ru", "$ne", "i$", "i\x00", "__proto__", "_id"]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
@pytest.mark.parametrize("field", ["name_i18n", "description"])
def test_hostile_keys_in_a_localised_text_map_answer_422(client, admin, world, unchanged, field, key):
    response = client.post(ORGS, json=organisation_body(**{field: {"it": "Testo", key: "x"}}), headers=admin)

    body = assert_problem(response, 422)
    assert any(path == field or path.startswith(f"{field}.") for path in body["errors"])


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_in_a_table_s_attributes_answer_422(client, admin, world, unchanged, key):
    body = table_body(world)
    body["attributes"] = {**body["attributes"], key: {"$gt": ""}}

    response = client.post(fill("/api/v1/sessions/<session_id>/tables", world), json=body, headers=admin)

    errors = assert_problem(response, 422)["errors"]
    assert any(path.startswith("attributes") for path in errors)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_deep_in_a_table_s_attributes_answer_422(client, admin, world, unchanged, key):
    body = table_body(world)
    body["attributes"]["agenda_items"] = [{"title": {"it": "Punto", key: "x"}}]

    response = client.post(fill("/api/v1/sessions/<session_id>/tables", world), json=body, headers=admin)

    errors = assert_problem(response, 422)["errors"]
    assert any(path.startswith("attributes.agenda_items.0") for path in errors)


@pytest.mark.parametrize("patch", [
    {"$set": {"name": "x"}},
    {"name_i18n": {"$unset": "x"}},
    {"name_i18n": {"it.ru": "x"}},
    {"contacts": [{"name": "Ada", "$where": "1"}]},
    {"contacts.0.name": "x"},
])
def test_hostile_keys_in_a_merge_patch_answer_422_and_change_nothing(client, admin, world, patch):
    url = fill("/api/v1/organisations/<organisation_id>", world)
    before = client.get(url, headers=admin).get_json()

    response = client.patch(url, json=patch, headers={**admin, "If-Match": '"1"'})

    assert_problem(response, 422)
    assert client.get(url, headers=admin).get_json() == before


@pytest.mark.parametrize("key", ["$where", "a.b", "$inc"])
def test_hostile_keys_in_a_table_patch_answer_422_and_change_nothing(client, admin, world, key):
    url = fill("/api/v1/sessions/<session_id>/tables/<table_id>", world)
    before = client.get(url, headers=admin).get_json()

    response = client.patch(url, json={"attributes": {key: 1}}, headers={**admin, "If-Match": '"1"'})

    assert_problem(response, 422)
    assert client.get(url, headers=admin).get_json() == before


def test_a_body_with_thousands_of_unknown_fields_gets_a_bounded_answer(client, admin, world, unchanged):
    body = organisation_body(**{f"field{i}": i for i in range(5000)})

    response = client.post(ORGS, json=body, headers=admin)

    problem = assert_problem(response, 422)
    assert len(problem["errors"]) == 100
    assert "5000" in problem["detail"]
    assert len(response.get_data()) < 20_000


def test_a_table_with_more_attributes_than_any_kind_has_answers_422(client, admin, world, unchanged):
    body = table_body(world)
    body["attributes"] = {f"a{i}": 1 for i in range(101)}

    response = client.post(fill("/api/v1/sessions/<session_id>/tables", world), json=body, headers=admin)

    assert assert_problem(response, 422)["errors"] == {"attributes": ["At most 100 attributes."]}


# Every string, list and map the API documents has a maximum ------------------------------------------


def _unbounded(node, pointer, found, patch=False):
    """Collect JSON pointers of string, array and map schemas under node that document no maximum.

    In a merge patch a map holds edits, not the document's entries (null removes one): its size is not
    the document's, so only the document's map must have a maximum.
    """
    if isinstance(node, list):
        for position, item in enumerate(node):
            _unbounded(item, f"{pointer}/{position}", found)
        return
    if not isinstance(node, dict):
        return
    types = node.get("type", [])
    types = {types} if isinstance(types, str) else set(types)
    if "string" in types and "maxLength" not in node and "enum" not in node and "const" not in node:
        found.append(f"{pointer} (maxLength)")
    if "array" in types and "maxItems" not in node:
        found.append(f"{pointer} (maxItems)")
    if "object" in types and "properties" not in node and "maxProperties" not in node and not patch:  # a map
        found.append(f"{pointer} (maxProperties)")
    for key, value in node.items():
        if key not in ("example", "examples", "default", "enum", "const", "not"):  # `not`: what is excluded
            _unbounded(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}", found, patch)


def documented_schemas(spec):
    """(pointer, schema) of every schema a client sends or reads, the framing of responses aside.

    Covered: the named schemas (bodies of requests and responses), inline request bodies and query
    parameters. Not covered: the HTTP framing around them, that is path parameters (an id the router
    matches: anything else is a 404), header parameters (ETags), response headers and the top-level array
    of a list response (a page holds at most page_size items).
    """
    for name, schema in spec["components"]["schemas"].items():
        yield f"/components/schemas/{name}", schema
    for path, operations in spec["paths"].items():
        escaped = path.replace("~", "~0").replace("/", "~1")
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for media, content in (operation.get("requestBody", {}).get("content") or {}).items():
                yield f"/paths/{escaped}/{method}/requestBody/content/{media.replace('/', '~1')}/schema", \
                    content.get("schema", {})
            for position, parameter in enumerate(operation.get("parameters", [])):
                if isinstance(parameter, dict) and parameter.get("in") == "query":
                    yield f"/paths/{escaped}/{method}/parameters/{position}/schema", parameter.get("schema", {})


def test_every_string_list_and_map_in_the_openapi_document_has_a_maximum():
    from pathlib import Path
    spec = json.loads((Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    found = []

    for pointer, schema in documented_schemas(spec):
        merge_patch = pointer.startswith("/components/schemas/") and "Patch" in pointer.split("/")[3]
        _unbounded(schema, pointer, found, patch=merge_patch)

    assert not found, f"{len(found)} schemas without a documented maximum:\n" + "\n".join(found)
