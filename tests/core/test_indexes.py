"""The indexes the models declare serve the queries the lists send, by the rules MongoDB's planner follows.

No MongoDB server runs here (tests/realmongo asks a real one with explain()), so this checks the shapes:
each list query is built exactly as the app builds it (list_query, sort_spec), and some declared index must
start with the query's equality fields (deleted_at = null included) in any order, followed by the sort keys
(_id last, as every list sorts): such an index bounds the scan to the matching documents and hands them out
already sorted, so the planner needs neither a collection scan nor a sort stage. A `q` needs an index that
starts with search_terms (anchored prefix patterns are index ranges); a year, the range on starts_on.
"""
import pytest
from bson import ObjectId

from api.core.permissions import ANONYMOUS, Identity
from api.core.resource import list_query, sort_spec

ADMIN = Identity(sub="user:admin", roles=frozenset({"admin"}))
SOME_ID = "64b7f0c2a1e4b3d2c1a09f8e"  # fixed: the cases are parameters, the same in every worker
SESSION = {"_id": ObjectId(SOME_ID)}


def resources():
    from api.auth.resource import clients, users
    from api.organisations.resource import organisations
    from api.registrations.resource import registrations
    from api.releases.resource import releases
    from api.seminars.resource import seminars
    from api.sessions.resource import sessions
    from api.tables.resource import tables
    return {r.name: r for r in (organisations, sessions, tables, seminars, registrations, users, clients,
                                   releases)}


def index_keys(model):
    return [list(spec["fields"]) for spec in model._meta["index_specs"]]


def clauses(query):
    for clause in query.get("$and", [query]):
        if "$and" in clause:
            yield from clauses(clause)
        else:
            yield from clause.items()


def is_operator(value):
    return isinstance(value, dict) and any(str(k).startswith("$") for k in value)


def equality_fields(query):
    return {field for field, value in clauses(query) if not is_operator(value)}


def operator_fields(query):
    return {field for field, value in clauses(query) if is_operator(value)}


def provides(keys, equalities, sort):
    """True when keys are the equality fields (any order) then the sort keys: bounded scan, no sort stage."""
    head, tail = keys[:len(equalities)], keys[len(equalities):]
    if {field for field, _ in head} != equalities:
        return False
    wanted = [(field, direction) for field, direction in sort]
    reverse = [(field, -direction) for field, direction in sort]
    return tail[:len(sort)] in (wanted, reverse)


# resource, query arguments, caller: the equality fields the query has (and an index must lead with)
EQUALITY_CASES = [
    ("organisations", {}, ADMIN, {"deleted_at"}),
    ("organisations", {}, ANONYMOUS, {"deleted_at"}),
    ("organisations", {"kind": "company"}, ANONYMOUS, {"kind", "deleted_at"}),
    ("organisations", {"country": "RU"}, ANONYMOUS, {"country", "deleted_at"}),
    ("organisations", {"region": "RU-MOW"}, ANONYMOUS, {"region", "deleted_at"}),
    ("organisations", {"sector": "logistics"}, ANONYMOUS, {"sectors", "deleted_at"}),
    ("organisations", {"managed_by": SOME_ID}, ADMIN, {"managed_by", "deleted_at"}),
    ("sessions", {}, ADMIN, {"deleted_at"}),
    ("sessions", {}, ANONYMOUS, {"deleted_at"}),  # and status != draft: read from the documents
    ("sessions", {"status": "concluded"}, ANONYMOUS, {"status", "deleted_at"}),
    ("sessions", {"host_country": "IT"}, ANONYMOUS, {"host_country", "deleted_at"}),
    ("tables", {}, ANONYMOUS, {"session_id", "deleted_at"}),
    ("tables", {"kind": "sector"}, ANONYMOUS, {"session_id", "kind", "deleted_at"}),
    ("tables", {"sector": "logistics"}, ANONYMOUS, {"session_id", "sectors", "deleted_at"}),
    ("seminars", {}, ANONYMOUS, {"session_id", "deleted_at"}),
    ("registrations", {}, ADMIN, {"session_id", "deleted_at"}),
    ("registrations", {"status": "confirmed"}, ADMIN, {"session_id", "status", "deleted_at"}),
    ("registrations", {"organisation_id": SOME_ID}, ADMIN, {"session_id", "organisation_id", "deleted_at"}),
    ("users", {}, ADMIN, {"deleted_at"}),
    ("users", {"role": "partner"}, ADMIN, {"roles", "deleted_at"}),
    ("users", {"organisation_id": SOME_ID}, ADMIN, {"organisation_id", "deleted_at"}),
    ("users", {"active": "true"}, ADMIN, {"deleted_at"}),  # a boolean: too few values to be worth an index
    ("clients", {}, ADMIN, {"deleted_at"}),
    ("clients", {"organisation_id": SOME_ID}, ADMIN, {"organisation_id", "deleted_at"}),
    ("clients", {"active": "false"}, ADMIN, {"deleted_at"}),
    ("releases", {}, ANONYMOUS, {"session_id", "deleted_at"}),  # newest first unless sorted otherwise
]


def built(name, arguments, identity, sort=None):
    resource = resources()[name]
    args = resource.query_schema().load({**arguments, **({"sort": sort} if sort else {})})
    parent = SESSION if resource.parent_field else None
    return resource, list_query(resource, args, identity, parent=parent), sort_spec(resource, args.get("sort"))


@pytest.mark.parametrize("name, arguments, identity, leading", EQUALITY_CASES,
                         ids=[f"{n}?{a}" for n, a, _, _ in EQUALITY_CASES])
def test_an_index_leads_with_the_list_s_equality_filters_then_sorts_by_id(name, arguments, identity, leading):
    resource, query, sort = built(name, arguments, identity)
    assert leading <= equality_fields(query)

    serving = [keys for keys in index_keys(resource.model) if provides(keys, leading, sort)]

    assert serving, f"no index serves {query} sorted by {sort}"


SORT_CASES = [
    ("organisations", "name", {"deleted_at"}),
    ("tables", "starts_at", {"session_id", "deleted_at"}),
    ("seminars", "starts_at", {"session_id", "deleted_at"}),
]


@pytest.mark.parametrize("name, sort, leading", SORT_CASES, ids=[f"{n}?sort={s}" for n, s, _ in SORT_CASES])
def test_the_usual_orders_of_a_list_come_from_an_index(name, sort, leading):
    resource, query, spec = built(name, {}, ANONYMOUS, sort)

    assert any(provides(keys, leading, spec) for keys in index_keys(resource.model))


@pytest.mark.parametrize("name", ["organisations", "sessions", "tables", "seminars", "registrations", "users",
                                  "clients", "releases"])
def test_a_search_has_an_index_starting_with_its_words(name):
    resource, query, _ = built(name, {"q": "moskva"}, ADMIN)
    assert "search_terms" in operator_fields(query)

    assert any(keys[0] == ("search_terms", 1) for keys in index_keys(resource.model))


@pytest.mark.parametrize("name, arguments, identity", [(n, a, i) for n, a, i, _ in EQUALITY_CASES] + [
    ("organisations", {"q": "volga", "kind": "company", "sort": "-updated_at"}, ANONYMOUS),
    ("sessions", {"year": 2012, "status": "concluded", "sort": "number"}, ANONYMOUS),
    ("tables", {"q": "logistica", "sector": "logistics", "sort": "-kind"}, ANONYMOUS),
    ("users", {"q": "secretariat", "role": "editor", "active": "true", "sort": "email"}, ADMIN),
])
def test_every_list_query_has_an_index_on_one_of_its_fields(name, arguments, identity):
    # The planner only uses an index whose first key the query constrains; without one, it scans the collection.
    resource, query, _ = built(name, arguments, identity)
    constrained = equality_fields(query) | operator_fields(query)

    assert any(keys[0][0] in constrained for keys in index_keys(resource.model))


def test_a_year_reads_a_range_of_start_dates_from_an_index():
    resource, query, _ = built("sessions", {"year": 2012}, ADMIN)
    assert "starts_on" in operator_fields(query)

    assert [("deleted_at", 1), ("starts_on", 1)] in index_keys(resource.model)


def test_the_revisions_of_a_resource_come_newest_first_from_an_index():
    from api.core.documents import Revision
    # As services.list_revisions and get_revision ask.
    query = {"resource_type": "organisations", "resource_id": SOME_ID}

    assert any(provides(keys, set(query), [("version", -1)]) for keys in index_keys(Revision))


def test_the_participants_of_a_session_are_read_from_an_index_alone():
    from api.registrations.models import Registration
    # As organisations' session_id filter asks: the organisation ids of a session's confirmed registrations.
    keys = [("session_id", 1), ("status", 1), ("deleted_at", 1), ("organisation_id", 1)]

    assert keys in index_keys(Registration)


def test_the_participations_of_an_organisation_come_newest_session_first_from_an_index():
    from api.registrations.models import Registration
    # As services.participations asks.
    query = {"organisation_id": SOME_ID, "deleted_at": None}

    assert any(provides(keys, set(query), [("session_number", -1), ("_id", -1)]) for keys in index_keys(Registration))


def test_every_stored_document_has_its_indexes_created_at_start(app):
    # A model left out of storage.DOCUMENTS gets its indexes only if mongoengine happens to create them on first use:
    # its unique indexes would then not hold from the start.
    from mongoengine.base import _document_registry

    from api.storage import DOCUMENTS
    stored = {cls for cls in _document_registry.values()
              if cls.__module__.startswith(("api.", "plugins.")) and not cls._meta.get("abstract")}

    assert stored - set(DOCUMENTS) == set()
