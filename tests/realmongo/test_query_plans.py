"""Every list's queries, as the app sends them to a real MongoDB, are answered from an index (no COLLSCAN).

Each case sends one list request through the API while recording the read commands the driver sends (the
count, the page of ids, the documents of the page, and any lookup on the way), then asks the server to
explain each one: no winning plan may contain a collection scan. Where one index should clearly win (a
selective filter on the 47 demo organisations), the case also names the field it must lead with.
"""
import json

import pytest
from bson import SON

pytestmark = pytest.mark.realmongo

ORGS = "/api/v1/organisations"


@pytest.fixture(scope="module")
def ids(real_app, real_admin):
    """Ids the cases need: the demo session, a managing and a managed organisation, an account, a credential."""
    client = real_app.test_client()
    session = client.get("/api/v1/sessions", query_string={"q": "xxi"}).get_json()[0]
    marche = client.get(ORGS, query_string={"q": "regione marche"}).get_json()[0]
    managed = [o for o in client.get(ORGS, query_string={"page_size": 100}).get_json() if o.get("managed_by")]
    user = client.post("/api/v1/users", json={"email": "partner@example.org", "password": "a long passphrase",
                                              "roles": ["partner"], "organisation_id": marche["id"]},
                       headers=real_admin)
    assert user.status_code == 201, user.get_json()
    credential = client.post("/api/v1/clients", json={"name": "CRM", "organisation_id": marche["id"]},
                             headers=real_admin)
    assert credential.status_code == 201, credential.get_json()
    return {"session_id": session["id"], "organisation_id": marche["id"],
            "manager_id": managed[0]["managed_by"] if managed else marche["id"]}


def explain(app, command):
    from api.extensions import database
    with app.app_context():
        return database().command(SON([("explain", command), ("verbosity", "queryPlanner")]))


def members(node, skip=()):
    """Yield (key, value) of every dict member in a JSON tree, depth first, not descending into skipped keys."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            if key not in skip:
                yield from members(value, skip)
    elif isinstance(node, list):
        for value in node:
            yield from members(value, skip)


def winning_plans(explained):
    """The winning plans in an explain answer (a find's, or each in an aggregation's stages or shards)."""
    return [value for key, value in members(explained, skip=("winningPlan", "rejectedPlans")) if key == "winningPlan"]


def stages(plan):
    """Every stage of a plan tree, as dicts (classic and slot-based explain formats alike)."""
    found = [plan] if isinstance(plan, dict) and "stage" in plan else []
    return found + [value for _, value in members(plan, skip=("slotBasedPlan", "rejectedPlans"))
                    if isinstance(value, dict) and "stage" in value]


def index_keys_used(plan):
    return [list(stage["keyPattern"]) for stage in stages(plan) if "keyPattern" in stage]


# name, path (formatted with ids), query, as admin?, the field the page query's index must lead with
CASES = [
    ("organisations", ORGS, {}, False, None),
    ("organisations as admin", ORGS, {}, True, None),
    ("organisations by kind", ORGS, {"kind": "company"}, False, "kind"),
    ("organisations by country", ORGS, {"country": "RU"}, False, "country"),
    ("organisations by region", ORGS, {"region": "RU-MOW"}, False, "region"),
    ("organisations by sector", ORGS, {"sector": "logistics"}, False, "sectors"),
    ("organisations managed by", ORGS, {"managed_by": "{manager_id}"}, True, None),
    ("organisations searched", ORGS, {"q": "moskva"}, False, "search_terms"),
    ("organisations searched, two words", ORGS, {"q": "volga logistika"}, False, "search_terms"),
    ("organisations searched and filtered", ORGS, {"q": "marche", "kind": "university"}, False, None),
    ("organisations by kind and country", ORGS, {"kind": "company", "country": "RU"}, False, None),
    ("organisations by name", ORGS, {"sort": "name"}, False, None),
    ("organisations newest first", ORGS, {"sort": "-updated_at"}, False, None),
    ("organisations, second page", ORGS, {"page": 2, "page_size": 10}, False, None),
    ("sessions", "/api/v1/sessions", {}, False, None),
    ("sessions as admin", "/api/v1/sessions", {}, True, None),
    ("sessions by status", "/api/v1/sessions", {"status": "concluded"}, False, None),
    ("sessions by host country", "/api/v1/sessions", {"host_country": "IT"}, False, None),
    ("sessions by year", "/api/v1/sessions", {"year": 2012}, False, None),
    ("sessions searched", "/api/v1/sessions", {"q": "xxi"}, False, None),
    ("sessions by number", "/api/v1/sessions", {"sort": "-number"}, False, None),
    ("tables", "/api/v1/sessions/{session_id}/tables", {}, False, None),
    ("tables by kind", "/api/v1/sessions/{session_id}/tables", {"kind": "sector"}, False, None),
    ("tables by sector", "/api/v1/sessions/{session_id}/tables", {"sector": "logistics"}, False, None),
    ("tables searched", "/api/v1/sessions/{session_id}/tables", {"q": "logistica"}, False, None),
    ("tables in time order", "/api/v1/sessions/{session_id}/tables", {"sort": "starts_at"}, False, None),
    ("seminars", "/api/v1/sessions/{session_id}/seminars", {}, False, None),
    ("seminars searched", "/api/v1/sessions/{session_id}/seminars", {"q": "turismo"}, False, None),
    ("seminars in time order", "/api/v1/sessions/{session_id}/seminars", {"sort": "starts_at"}, False, None),
    ("revisions", "/api/v1/organisations/{organisation_id}/revisions", {}, True, "resource_type"),
    ("registrations", "/api/v1/sessions/{session_id}/registrations", {}, True, "session_id"),
    ("registrations by status", "/api/v1/sessions/{session_id}/registrations", {"status": "confirmed"}, True,
     "session_id"),
    ("registrations by organisation", "/api/v1/sessions/{session_id}/registrations",
     {"organisation_id": "{organisation_id}"}, True, "session_id"),
    ("participant directory of a session", ORGS, {"session_id": "{session_id}"}, False, None),
    ("participations of an organisation", "/api/v1/organisations/{organisation_id}/participations", {}, True,
     "organisation_id"),
    ("users", "/api/v1/users", {}, True, None),
    ("users by role", "/api/v1/users", {"role": "partner"}, True, None),
    ("users by organisation", "/api/v1/users", {"organisation_id": "{organisation_id}"}, True, None),
    ("users active", "/api/v1/users", {"active": "true"}, True, None),
    ("users searched", "/api/v1/users", {"q": "partner"}, True, None),
    ("clients", "/api/v1/clients", {}, True, None),
    ("clients by organisation", "/api/v1/clients", {"organisation_id": "{organisation_id}"}, True, None),
    ("clients active", "/api/v1/clients", {"active": "true"}, True, None),
    ("change feed", "/api/v1/changes", {}, False, None),
    ("change feed as admin", "/api/v1/changes", {}, True, None),
    ("change feed after a cursor", "/api/v1/changes", {"since": "40"}, True, None),
    ("change feed of a type", "/api/v1/changes", {"resource_type": "organisations"}, True, None),
    ("change feed of a session", "/api/v1/changes", {"session_id": "{session_id}"}, False, None),
    ("webhooks", "/api/v1/webhooks", {}, True, None),
]


def send(real_app, real_admin, ids, path, query, as_admin):
    query = {k: v.format(**ids) if isinstance(v, str) else v for k, v in query.items()}
    response = real_app.test_client().get(path.format(**ids), query_string=query,
                                          headers=real_admin if as_admin else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.mark.parametrize("name, path, query, as_admin, leading", CASES, ids=[c[0] for c in CASES])
def test_no_query_of_a_list_scans_the_collection(real_app, real_admin, ids, recorded, name, path, query, as_admin,
                                                 leading):
    with recorded() as commands:
        send(real_app, real_admin, ids, path, query, as_admin)
    assert commands, "no read command recorded"

    for command in commands:
        for plan in winning_plans(explain(real_app, command)):
            scans = [s["stage"] for s in stages(plan) if s["stage"] == "COLLSCAN"]
            assert not scans, f"{json.dumps(command, default=str)} → {json.dumps(plan, default=str, indent=1)}"


@pytest.mark.parametrize("name, path, query, as_admin, leading", [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_a_selective_filter_is_read_from_the_index_that_leads_with_it(real_app, real_admin, ids, recorded, name, path,
                                                                       query, as_admin, leading):
    with recorded() as commands:
        send(real_app, real_admin, ids, path, query, as_admin)
    page_queries = [c for c in commands if c.get("find") and "_id" not in c.get("filter", {})]
    assert page_queries

    for command in page_queries:
        for plan in winning_plans(explain(real_app, command)):
            assert any(keys[0] == leading for keys in index_keys_used(plan)), json.dumps(plan, default=str, indent=1)


def test_a_search_of_organisations_is_answered_from_the_search_terms_index(real_app, real_admin, ids, recorded,
                                                                           capsys):
    with recorded() as commands:
        send(real_app, real_admin, ids, ORGS, {"q": "moskva"}, False)
    page_query = next(c for c in commands if c.get("find") == "organisations" and "search_terms" in json.dumps(
        c.get("filter"), default=str))

    plan = winning_plans(explain(real_app, page_query))[0]

    with capsys.disabled():
        print(f"\nwinning plan of {json.dumps(page_query, default=str)}:\n{json.dumps(plan, default=str, indent=1)}")
    ixscans = [s for s in stages(plan) if s["stage"] in ("IXSCAN", "COUNT_SCAN")]
    assert any(list(s["keyPattern"]) == ["search_terms"] for s in ixscans), json.dumps(plan, default=str, indent=1)
    assert all(s["stage"] != "COLLSCAN" for s in stages(plan))


@pytest.mark.parametrize("query, as_admin, leading", [
    ({"since": "40"}, True, "seq"), ({"since": "40"}, False, "audience_keys"),
    ({"resource_type": "organisations"}, True, "resource_type"), ({"session_id": "{session_id}"}, False, "session_id"),
], ids=["admin", "anonymous", "of a type", "of a session"])
def test_the_change_feed_reads_revisions_in_sequence_order_from_an_index(real_app, real_admin, ids, recorded, query,
                                                                         as_admin, leading):
    """The feed's page: an index range from the cursor, in the index's order (no sort stage), so a poll costs what
    it returns, not the history's size."""
    with recorded() as commands:
        send(real_app, real_admin, ids, "/api/v1/changes", query, as_admin)
    [page] = [c for c in commands if c.get("find") == "revisions"]

    plan = winning_plans(explain(real_app, page))[0]

    assert any(keys[0] == leading and "seq" in keys for keys in index_keys_used(plan)), json.dumps(plan, indent=1,
                                                                                                    default=str)
    assert not [s for s in stages(plan) if s["stage"] in ("SORT", "COLLSCAN")], json.dumps(plan, indent=1, default=str)


def test_a_partners_poll_merges_its_audiences_index_ranges_in_sequence_order(real_app, ids, recorded):
    """A partner's filter names several audiences (`public` and its organisations): each is an index range walked
    from the cursor in sequence order and merged (no sort stage), so the changes hidden from it are not read."""
    from tests.conftest import account_token
    partner = {"Authorization": f"Bearer {account_token(real_app, 'partner', organisation_id=ids['organisation_id'])}"}
    with recorded() as commands:
        response = real_app.test_client().get("/api/v1/changes", query_string={"since": "40"}, headers=partner)
        assert response.status_code == 200, response.get_data(as_text=True)
    [page] = [c for c in commands if c.get("find") == "revisions"]

    plan = winning_plans(explain(real_app, page))[0]

    assert any(keys[0] == "audience_keys" and "seq" in keys for keys in index_keys_used(plan)), json.dumps(
        plan, indent=1, default=str)
    assert not [s for s in stages(plan) if s["stage"] in ("SORT", "COLLSCAN")], json.dumps(plan, indent=1, default=str)
