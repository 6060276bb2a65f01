"""Every write endpoint, fed hostile bodies as admin: never a 5xx, always problem+json, nothing changed.

The endpoints are discovered from the app's URL map (POST, PUT and PATCH under /api/v1 except the
OAuth endpoints), so a new resource is covered as soon as it has a valid body below.
"""
import itertools
import json
import re
from dataclasses import dataclass

import pytest

from tests.conftest import organisation_body, session_body

API = "/api/v1/"
EXCLUDED = "/api/v1/auth/"
META = ("id", "version", "created_at", "updated_at")

UNICODE_TEXT = ("👩🏽‍🔬 مرحبا بالعالم שָׁלוֹם e\u0301\u0308\u0327 Z\u0364\u0351\u0313 漢字かな 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 "
                "\u202eRTL override\u202c \u200d\u200b\ufeff Ωмега ÅÆØ")
_emails = itertools.count(1)
_releases = itertools.count(1)


def user_body(world):
    return {"email": f"user{next(_emails)}@example.org", "password": "a long enough passphrase",
            "display_name": "Segreteria", "roles": ["editor"]}


def client_body(world):
    return {"name": "Marche Export CRM", "organisation_id": world["organisation_id"], "scopes": ["read"]}


def table_body(world):
    return {"kind": "sector", "title": {"it": "Logistica", "ru": "Логистика"}, "sectors": ["logistics"],
            "schedule": {"starts_at": "2012-10-25T09:30:00+02:00", "ends_at": "2012-10-25T13:00:00+02:00",
                         "room": "Sala B"},
            "attributes": {"nace_codes": ["H49"], "agenda_items": [], "outcomes": []}}


def seminar_body(world):
    return {"title": {"it": "Strumenti finanziari", "ru": "Финансовые инструменты"},
            "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00",
            "room": "Auditorium", "languages": ["it", "ru"], "interpretation": True, "capacity": 120}


def registration_body(world):
    return {"organisation_id": world["organisation_id"], "status": "pending",
            "delegates": [{"name": "Chiara Marinelli", "role": "Direttrice", "email": "c.marinelli@example.org"}],
            "tables": [world["table_id"]], "seminars": [world["seminar_id"]], "networking": True,
            "networking_profile": {"offers": {"it": "Accompagnamento in Russia"},
                                   "availability": [{"start": "14:00", "end": "16:00"}]}}


def meeting_request_body(world):
    # Each valid request names a pair not asked before (a repeated pair is a 409 duplicate).
    sender, target = next(world["networking_pairs"])
    return {"from_organisation_id": sender, "to_organisation_id": target, "message": "Incontriamoci", "priority": 2}


def networking_settings_body(world):
    return {"day": "2012-10-23", "start_time": "14:00", "end_time": "18:00", "slot_minutes": 20,
            "breaks": [{"start": "16:00", "end": "16:20"}], "tables": 10, "max_meetings_per_participant": 8,
            "max_open_requests_per_participant": 50}


def release_body(world):
    # Each valid release takes a name not taken before (a repeated one is a 409 duplicate).
    return {"name": f"v{next(_releases)}", "notes": {"it": "Programma provvisorio", "ru": "Предварительная программа"}}


def webhook_body(world):
    # A literal public address: valid without asking DNS.
    return {"url": "https://93.184.215.14/taskforce/events", "events": ["organisations.*", "sessions.updated"],
            "organisation_id": world["organisation_id"]}


# collection rule -> (a valid new body, how to put a text into a body)
RESOURCES = {
    "/api/v1/organisations": (lambda world: organisation_body(), lambda text: {"name": text}),
    "/api/v1/sessions": (lambda world: session_body(), lambda text: {"city": text}),
    "/api/v1/users": (user_body, lambda text: {"display_name": text}),
    "/api/v1/clients": (client_body, lambda text: {"name": text}),
    "/api/v1/sessions/<session_id>/tables": (table_body, lambda text: {"title": {"it": text}}),
    "/api/v1/sessions/<session_id>/seminars": (seminar_body, lambda text: {"room": text}),
    "/api/v1/sessions/<session_id>/registrations": (registration_body,
                                                     lambda text: {"networking_profile": {"offers": {"it": text}}}),
    "/api/v1/sessions/<session_id>/networking/requests": (meeting_request_body, lambda text: {"message": text}),
    "/api/v1/sessions/<session_id>/releases": (release_body, lambda text: {"notes": {"it": text}}),
    # The session's one settings document: replaced at its own address (PUT), never created by POST.
    "/api/v1/sessions/<session_id>/networking": (networking_settings_body, lambda text: {"room": text}),
    "/api/v1/webhooks": (webhook_body, lambda text: {"description": text}),
}
# Actions that read no body at all: running the scheduler, publishing a schedule, ending an account's tokens,
# rotating a client's secret, cloning a session.
BODILESS = re.compile(r"(/networking/schedules(/<[^>]+>/publish)?|/revoke-tokens|/rotate-secret|/clone)$")
# Endpoints that read a file, not JSON: tests/organisations/test_import.py feeds them hostile files.
FILE_BODIES = re.compile(r"/organisations/import$")
NETWORKING_PARTICIPANTS = 16


@dataclass
class Endpoint:
    method: str
    rule: str
    action: str  # create, put, patch or restore
    collection: str
    item: str | None

    def __str__(self):
        return f"{self.method} {self.rule}"


def classify(method, rule):
    """Return the Endpoint for a write rule, or None when this test does not know how to feed it."""
    if rule.endswith("/restore") and method == "POST":
        item = rule.rsplit("/revisions/", 1)[0]
        return Endpoint(method, rule, "restore", item.rpartition("/")[0], item)
    if method == "POST" and rule in RESOURCES:
        return Endpoint(method, rule, "create", rule, None)
    if method == "PUT" and rule in RESOURCES:
        return Endpoint(method, rule, "put", rule, rule)
    parent, _, last = rule.rpartition("/")
    if method in ("PUT", "PATCH") and parent in RESOURCES and last.startswith("<"):
        return Endpoint(method, rule, method.lower(), parent, rule)
    return None


def discovered(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) and not rule.rule.startswith(EXCLUDED):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
                if not (method == "POST" and (BODILESS.search(rule.rule) or FILE_BODIES.search(rule.rule))):
                    yield method, rule.rule


def fill(rule, world):
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(world[m.group(1)]), rule)


def openapi_path(rule):
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule)


@pytest.fixture
def world(client, admin, create_organisation, create_session):
    """Ids of one existing resource of each kind, by path parameter name."""
    return one_of_each(client, admin, create_organisation(), create_session(status="registration_open"))


def one_of_each(client, admin, org, session):
    """Create a user, a client credential, a table, a seminar and a registration (of another organisation: org
    itself is left free to register) besides org and session, which must be open for registration; return all ids."""
    ids = {"organisation_id": org["id"], "session_id": session["id"], "version": 1}
    for collection, param in (("/api/v1/users", "user_id"), ("/api/v1/clients", "client_key"),
                              ("/api/v1/sessions/<session_id>/tables", "table_id"),
                              ("/api/v1/sessions/<session_id>/seminars", "seminar_id"),
                              ("/api/v1/sessions/<session_id>/registrations", "registration_id"),
                              ("/api/v1/webhooks", "webhook_id")):
        body = RESOURCES[collection][0](ids)
        if param == "registration_id":
            registering = client.post("/api/v1/organisations", json=organisation_body(name="Interporto Marche"),
                                      headers=admin)
            body["organisation_id"] = registering.get_json()["id"]
        response = client.post(fill(collection, ids), json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        ids[param] = response.get_json()["id"]
    participants = []
    for number in range(NETWORKING_PARTICIPANTS):
        organisation = client.post("/api/v1/organisations", json=organisation_body(name=f"Partecipante {number}"),
                                   headers=admin).get_json()["id"]
        body = {**registration_body(ids), "organisation_id": organisation, "tables": [], "seminars": []}
        assert client.post(fill("/api/v1/sessions/<session_id>/registrations", ids), json=body,
                           headers=admin).status_code == 201
        participants.append(organisation)
    ids["networking_pairs"] = itertools.cycle(itertools.combinations(participants, 2))
    settings = client.put(fill("/api/v1/sessions/<session_id>/networking", ids), json=networking_settings_body(ids),
                          headers={**admin, "If-None-Match": "*"})
    assert settings.status_code == 201, settings.get_json()
    response = client.post(fill("/api/v1/sessions/<session_id>/networking/requests", ids),
                           json=meeting_request_body(ids), headers=admin)
    assert response.status_code == 201, response.get_json()
    ids["request_id"] = response.get_json()["id"]
    return ids


@pytest.fixture
def endpoints(app):
    found = [classify(method, rule) for method, rule in discovered(app)]
    assert found and all(found)
    return found


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


class Harness:
    """Sends bodies to endpoints as admin and checks the answers against the rules."""

    def __init__(self, client, admin, world):
        self.client, self.admin, self.world = client, admin, world
        self.failures = []

    def snapshot(self, endpoint):
        """The state a rejected body must leave unchanged: the list total, or the item as it is."""
        if endpoint.action == "create":
            response = self.client.get(fill(endpoint.rule, self.world), headers=self.admin)
            return json.loads(response.headers["X-Pagination"])["total"]
        response = self.client.get(fill(endpoint.item, self.world), headers=self.admin)
        assert response.status_code == 200, f"{endpoint}: the resource now answers {response.status_code}"
        return response.get_json()

    def valid_body(self, endpoint):
        new_body, _ = RESOURCES[endpoint.collection]
        if endpoint.action == "create":
            return new_body(self.world)
        if endpoint.action == "put":
            return self.snapshot(endpoint)
        return {}

    def send(self, endpoint, *, body=None, raw=None, expect="reject"):
        """Send one body; record what breaks the rules. expect: reject (4xx), accept (2xx)."""
        before = self.snapshot(endpoint)
        headers = dict(self.admin)
        if endpoint.action != "create":
            # The ETag shown, not the bare version: live fields (a seminar's seats) put a digest in it.
            headers["If-Match"] = self.client.get(fill(endpoint.item, self.world), headers=self.admin).headers["ETag"]
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        content_type = "application/merge-patch+json" if endpoint.action == "patch" else "application/json"
        response = self.client.open(fill(endpoint.rule, self.world), method=endpoint.method, data=data,
                                    content_type=content_type, headers=headers)
        status = response.status_code
        problem = f"{endpoint}: {status} {response.get_data(as_text=True)[:300]}"
        if endpoint.action == "restore":
            expect = "any"  # restore takes no body: whatever is sent is ignored
        if status >= 500:
            self.failures.append(f"server error: {problem}")
        elif status >= 400:
            body_ = response.get_json(silent=True) or {}
            if response.mimetype != "application/problem+json" or body_.get("status") != status or \
                    not {"type", "title", "status", "detail"} <= set(body_):
                self.failures.append(f"not problem+json: {problem}")
            if self.snapshot(endpoint) != before:
                self.failures.append(f"rejected but changed: {problem}")
            if expect == "accept":
                self.failures.append(f"valid body refused: {problem}")
        elif expect == "reject":
            self.failures.append(f"hostile body accepted: {problem}")
        return response

    def check(self):
        assert not self.failures, "\n".join(self.failures)


@pytest.fixture
def harness(client, admin, world):
    return Harness(client, admin, world)


def body_endpoints(endpoints):
    return [e for e in endpoints if e.action != "restore"]


# Coverage ---------------------------------------------------------------------------------------


def test_every_write_endpoint_is_known_to_this_test(app):
    unknown = [f"{method} {rule}" for method, rule in discovered(app) if classify(method, rule) is None]

    assert not unknown, f"add a valid body for these endpoints to RESOURCES: {unknown}"


def test_the_valid_bodies_are_accepted(endpoints, harness):
    for endpoint in body_endpoints(endpoints):
        harness.send(endpoint, body=harness.valid_body(endpoint), expect="accept")

    harness.check()


# Bodies that are not JSON objects ---------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    pytest.param(b'{"name": ', id="truncated"),
    pytest.param(b"{'name': 'single quotes'}", id="single-quotes"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"name": NaN}', id="nan"),
    pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
    pytest.param(b'{"name": "\xff\xfe"}', id="not-utf8"),
    pytest.param(b'{"a": 1} trailing', id="trailing-garbage"),
])
def test_malformed_json_is_refused(endpoints, harness, raw):
    for endpoint in endpoints:
        response = harness.send(endpoint, raw=raw)
        if endpoint.action != "restore" and response.status_code != 400:
            harness.failures.append(f"{endpoint}: malformed JSON answered {response.status_code}, not 400")

    harness.check()


@pytest.mark.parametrize("body", [[], [{"name": "x"}], "a string", 42, 2**70, 1.5, None, True],
                         ids=["empty-array", "array", "string", "number", "huge-number", "float", "null", "true"])
def test_json_that_is_not_an_object_is_refused(endpoints, harness, body):
    for endpoint in endpoints:
        harness.send(endpoint, body=body)

    harness.check()


# Wrong values in the fields ---------------------------------------------------------------------


WRONG_VALUES = {
    "string": [12345, True, {"$gt": ""}],
    "integer": ["12", 1.5, True],
    "boolean": ["true", 1, None],
    "array": ["text", 1, {"0": "a"}],
    "object": ["text", 1, ["a"]],
}


def json_type(schema):
    if "$ref" in schema or "properties" in schema or "additionalProperties" in schema:
        return "object"
    types = schema.get("type")
    types = [types] if isinstance(types, str) else [t for t in (types or []) if t != "null"]
    return types[0] if types else None


def resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def properties_of(spec, schema):
    """Return the properties of a schema, its allOf parts and its oneOf/anyOf variants (first definition wins)."""
    schema = resolve(spec, schema)
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        for name, prop in properties_of(spec, part).items():
            properties.setdefault(name, prop)
    return properties


def input_schema(spec, endpoint):
    """The JSON schema of the body that creates (or, for a resource PUT alone writes, replaces) the resource."""
    operations = spec["paths"][openapi_path(endpoint.collection)]
    return (operations.get("post") or operations["put"])["requestBody"]["content"]["application/json"]["schema"]


def input_fields(spec, endpoint):
    """Return {field: JSON type} of the fields a client may send to this resource."""
    schema = input_schema(spec, endpoint)
    return {name: json_type(prop) for name, prop in properties_of(spec, schema).items() if not prop.get("readOnly")}


def test_every_field_with_a_wrong_type_is_refused(endpoints, harness, spec):
    for endpoint in body_endpoints(endpoints):
        for field, kind in input_fields(spec, endpoint).items():
            for value in WRONG_VALUES.get(kind, []):
                if value is None and endpoint.action == "patch":
                    continue  # null in a merge patch removes the field
                harness.send(endpoint, body={**harness.valid_body(endpoint), field: value})

    harness.check()


def test_all_fields_wrong_at_once_are_refused(endpoints, harness, spec):
    for endpoint in body_endpoints(endpoints):
        fields = input_fields(spec, endpoint)
        wrong = {field: WRONG_VALUES[kind][0] for field, kind in fields.items() if kind in WRONG_VALUES}
        harness.send(endpoint, body={**harness.valid_body(endpoint), **wrong})

    harness.check()


def test_null_in_every_field_of_a_full_body_is_refused(endpoints, harness, spec):
    for endpoint in body_endpoints(endpoints):
        if endpoint.action == "patch":
            continue
        for field in input_fields(spec, endpoint):
            harness.send(endpoint, body={**harness.valid_body(endpoint), field: None})

    harness.check()


@pytest.mark.parametrize("number", [2**70, -(2**70), 2**63, 1e308, "1e400"], ids=str)
def test_numbers_beyond_64_bits_in_every_field_are_refused(endpoints, harness, spec, number):
    for endpoint in body_endpoints(endpoints):
        for field in input_fields(spec, endpoint):
            body = {**harness.valid_body(endpoint), field: 0}
            raw = json.dumps(body).replace(f'"{field}": 0', f'"{field}": {number}').encode()
            harness.send(endpoint, raw=raw)

    harness.check()


def test_a_200_kb_text_is_refused(endpoints, harness):
    for endpoint in body_endpoints(endpoints):
        _, with_text = RESOURCES[endpoint.collection]
        harness.send(endpoint, body={**harness.valid_body(endpoint), **with_text("x" * 200_000)})

    harness.check()


@pytest.mark.parametrize("raw_value", [
    pytest.param("[" * 10_000 + "]" * 10_000, id="arrays"),
    pytest.param('{"a":' * 10_000 + "1" + "}" * 10_000, id="objects"),
])
def test_deeply_nested_json_is_refused(endpoints, harness, raw_value):
    for endpoint in endpoints:
        harness.send(endpoint, raw=raw_value.encode())
        if endpoint.action != "restore":
            harness.send(endpoint, raw=f'{{"name": {raw_value}}}'.encode())

    harness.check()


def test_unicode_heavy_text_is_stored_exactly(endpoints, harness):
    for endpoint in body_endpoints(endpoints):
        _, with_text = RESOURCES[endpoint.collection]
        sent = with_text(UNICODE_TEXT)
        response = harness.send(endpoint, body={**harness.valid_body(endpoint), **sent}, expect="accept")
        if response.status_code < 300:
            (field, value), = sent.items()
            shown = response.get_json()[field]
            if (shown if not isinstance(value, dict) else {k: shown.get(k) for k in value}) != value:
                harness.failures.append(f"{endpoint}: {field} came back as {shown!r}")

    harness.check()


@pytest.mark.parametrize("text", ["NUL \u0000 inside", "\u0000"], ids=["nul-inside", "nul-only"])
def test_text_with_a_nul_character_is_refused(endpoints, harness, text):
    for endpoint in body_endpoints(endpoints):
        _, with_text = RESOURCES[endpoint.collection]
        harness.send(endpoint, body={**harness.valid_body(endpoint), **with_text(text)})

    harness.check()


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud83dz"], ids=["high", "low", "half-emoji"])
def test_text_with_a_lone_surrogate_is_refused(endpoints, harness, escape):
    for endpoint in body_endpoints(endpoints):
        _, with_text = RESOURCES[endpoint.collection]
        body = {**harness.valid_body(endpoint), **with_text("MARKER")}
        harness.send(endpoint, raw=json.dumps(body).replace("MARKER", escape).encode())

    harness.check()


@pytest.mark.parametrize("extra", [
    {"$set": {"version": 99}},
    {"$where": "sleep(1000)"},
    {"name.first": "x"},
    {"a.b": {"$gt": ""}},
    {"_id": "0123456789abcdef01234567"},
    {"deleted_at": None},
    {"search_terms": ["x"]},
    {"_revision": {}},
], ids=lambda extra: next(iter(extra)))
def test_keys_with_dollars_dots_or_storage_names_are_refused(endpoints, harness, extra):
    for endpoint in body_endpoints(endpoints):
        harness.send(endpoint, body={**harness.valid_body(endpoint), **extra})

    harness.check()


def test_operator_keys_inside_object_fields_are_refused(endpoints, harness, spec):
    for endpoint in body_endpoints(endpoints):
        for field, kind in input_fields(spec, endpoint).items():
            if kind == "object":
                harness.send(endpoint, body={**harness.valid_body(endpoint), field: {"$gt": "", "a.b": "c"}})

    harness.check()


def test_a_100k_item_array_is_refused_with_a_short_answer(endpoints, harness, spec):
    huge = ["a"] * 100_000
    responses = [(endpoint, harness.send(endpoint, body=huge)) for endpoint in endpoints]
    for endpoint in body_endpoints(endpoints):
        for field, kind in input_fields(spec, endpoint).items():
            if kind == "array":
                body = {**harness.valid_body(endpoint), field: huge}
                responses.append((f"{endpoint} {field}", harness.send(endpoint, body=body)))
    for where, response in responses:
        if len(response.get_data()) > 16_384:
            harness.failures.append(f"{where}: a {len(response.get_data())}-byte answer to one oversized list")

    harness.check()


# Dates and instants beyond what is kept: 1900 to 9999, an instant's year counted in UTC --------------

OUT_OF_RANGE = {
    "date": ["1899-12-31", "0001-01-01", "10000-01-01"],
    "date-time": ["9999-12-31T23:00:00-05:00",  # year 10000 in UTC: past what Python's datetime can hold
                  "1900-01-01T00:30:00+01:00",  # 1899 in UTC
                  "1899-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00", "10000-01-01T00:00:00Z"],
}


def temporal_fields(spec, schema, prefix=""):
    """Yield (dotted path, format) of every date or date-time field a client may send, nested ones too."""
    for name, prop in properties_of(spec, schema).items():
        prop = resolve(spec, prop) if "$ref" in prop else prop
        if prop.get("readOnly"):
            continue
        if prop.get("format") in OUT_OF_RANGE:
            yield prefix + name, prop["format"]
        for part in [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]:
            if "$ref" in part or "properties" in part:
                yield from temporal_fields(spec, part, f"{prefix}{name}.")


def with_value(body, path, value):
    """body with the field at a dotted path set (the objects on the way copied, or made)."""
    head, _, rest = path.partition(".")
    if not rest:
        return {**body, head: value}
    return {**body, head: with_value(body.get(head) if isinstance(body.get(head), dict) else {}, rest, value)}


def test_dates_and_instants_out_of_range_are_refused(endpoints, harness, spec):
    tried = set()
    for endpoint in body_endpoints(endpoints):
        schema = input_schema(spec, endpoint)
        for path, kind in set(temporal_fields(spec, schema)):
            tried.add(path)
            for value in OUT_OF_RANGE[kind]:
                harness.send(endpoint, body=with_value(harness.valid_body(endpoint), path, value))

    assert {"starts_on", "ends_on", "starts_at", "ends_at", "schedule.starts_at", "schedule.ends_at"} <= tried
    harness.check()


def test_an_instant_past_year_9999_in_utc_is_a_422_on_its_field(client, admin, world):
    body = {**seminar_body(world), "starts_at": "9999-12-31T23:00:00-05:00"}

    response = client.post(f"/api/v1/sessions/{world['session_id']}/seminars", json=body, headers=admin)

    assert response.status_code == 422
    assert response.get_json()["errors"]["starts_at"] == ["Out of range: from 1900-01-01T00:00:00Z to "
                                                          "9999-12-31T23:59:59Z."]


def test_an_instant_in_1900_as_written_but_1899_in_utc_is_a_422_on_its_field(client, admin, create_session):
    session = create_session(starts_on="1900-01-01", ends_on="1900-01-02", timezone="UTC")
    body = {"title": {"it": "Apertura"}, "starts_at": "1900-01-01T00:30:00+01:00", "ends_at": "1900-01-01T03:00:00+01:00"}

    response = client.post(f"/api/v1/sessions/{session['id']}/seminars", json=body, headers=admin)
    accepted = client.post(f"/api/v1/sessions/{session['id']}/seminars",
                           json={**body, "starts_at": "1900-01-01T01:00:00+01:00"}, headers=admin)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["starts_at"]
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["starts_at"] == "1900-01-01T00:00:00+00:00"


@pytest.mark.parametrize("written", ["20121025T150000+0200", "2012-10-25 15:00:00+02:00", "2012-W43-4T15:00:00+02:00",
                                     "2012-10-25T15:00:00+01:60", "2012-10-25T15:00:00+01:99", "2012-10-25T24:00:00Z",
                                     "2012-10-25T15:00:00+24:00", "2012-10-32T15:00:00Z", "2012-12-31T23:59:60Z",
                                     "٢٠١٢-10-25T15:00:00Z"])
def test_an_instant_not_written_as_rfc_3339_is_refused(client, admin, world, written):
    body = {**seminar_body(world), "starts_at": written}

    response = client.post(f"/api/v1/sessions/{world['session_id']}/seminars", json=body, headers=admin)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "starts_at": ["Not a valid RFC 3339 timestamp with offset (leap seconds are not kept)."]}


@pytest.mark.parametrize("written, stored", [("2012-10-25t15:00:00.5z", "2012-10-25T15:00:00.500000+00:00"),
                                             ("2012-10-25T17:00:00-00:00", "2012-10-25T17:00:00+00:00")])
def test_an_instant_in_any_rfc_3339_form_is_accepted_and_shown_in_utc(client, admin, world, written, stored):
    body = {**seminar_body(world), "starts_at": written, "ends_at": "2012-10-25T20:00:00+02:00"}

    response = client.post(f"/api/v1/sessions/{world['session_id']}/seminars", json=body, headers=admin)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["starts_at"] == stored

