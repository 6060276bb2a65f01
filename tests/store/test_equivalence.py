"""The embedded store answers every query exactly as mongomock does: same documents, same order.

Random documents of the app's shapes (an organisation's fields, with the None, missing and list values the
store meets), random writes, then random filters, sorts and pages against plain mongomock and against the
embedded store, whose indexes only choose which documents mongomock's matcher sees; each test runs on a
collection kept in memory and on a cold one (its documents in SQLite, only their index keys in memory).
"""
import datetime as dt

import mongomock
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.embedded.store import EmbeddedServerStore, install
from api.organisations.models import Organisation

WORDS = ["logistika", "logist", "marche", "ancona", "volga", "#xxi", "energo", "a"]
NAMES = ["Adriatica", "Volga", "adriatica", "Ural", "", "Ока"]
SECTORS = ["energy", "wood", "ict", "logistics"]
COUNTRIES = ["IT", "RU", "DE"]
DATES = [dt.datetime(2026, 1, day) for day in (1, 2, 3)]
IDS = [ObjectId(f"{n:024x}") for n in range(1, 40)]
INDEXED = ["kind", "country", "region", "sectors", "managed_by", "deleted_at", "name", "search_terms", "updated_at"]
MISSING = object()

scalars = st.sampled_from(COUNTRIES + [None, 1, 1.0, True, "1"])
field_values = {
    "name": st.sampled_from(NAMES + [None, MISSING]),
    "kind": st.sampled_from(["company", "bank", None, MISSING]),
    "country": st.one_of(st.sampled_from(COUNTRIES + [None, MISSING]), st.lists(st.sampled_from(COUNTRIES), max_size=2)),
    "region": st.sampled_from(["IT-57", "RU-MOW", None, MISSING, 5]),
    "sectors": st.one_of(st.lists(st.sampled_from(SECTORS + [None]), max_size=3), st.sampled_from([MISSING, None, "ict"]),
                         st.just([["ict"]]), st.just([{"a": "ict"}])),
    "managed_by": st.sampled_from([str(IDS[0]), str(IDS[1]), None, MISSING]),
    "deleted_at": st.sampled_from(DATES[:1] + [None, MISSING, None, None]),
    "search_terms": st.lists(st.sampled_from(WORDS), max_size=3, unique=True),
    "updated_at": st.sampled_from(DATES + [MISSING]),
    "created_at": st.sampled_from(DATES + [None, MISSING]),
    "version": st.integers(1, 3),
}


@st.composite
def documents(draw):
    document = {"_id": draw(st.sampled_from(IDS))}
    for field, values in field_values.items():
        value = draw(values)
        if value is not MISSING:
            document[field] = value
    return document


def _values(field):
    if field == "_id":
        return st.sampled_from(IDS[:10])
    if field in ("search_terms",):
        return st.sampled_from(WORDS)
    if field in ("sectors",):
        return st.sampled_from(SECTORS + [None])
    return st.one_of(scalars, st.sampled_from(NAMES + DATES + [str(IDS[0])]))


@st.composite
def clauses(draw, depth=0):
    field = draw(st.sampled_from(INDEXED + ["_id", "version", "city"]))
    value = draw(_values(field))
    kind = draw(st.sampled_from(["eq", "in", "$eq", "range", "ne", "regex", "or", "and"] if depth < 2
                                else ["eq", "in", "range"]))
    if kind == "eq":
        return {field: value}
    if kind == "$eq":
        return {field: {"$eq": value}}
    if kind == "in":
        return {field: {"$in": draw(st.lists(_values(field), max_size=3))}}
    if kind == "range":
        return {field: {draw(st.sampled_from(["$gt", "$gte", "$lt", "$lte"])): value}}
    if kind == "ne":
        return {field: {"$ne": value}}
    if kind == "regex":
        return {"search_terms": {"$regex": "^" + draw(st.sampled_from(["log", "logist", "a", "", "#x", "v"]))}}
    parts = draw(st.lists(clauses(depth=depth + 1), min_size=1, max_size=3))
    return {"$or": parts} if kind == "or" else {"$and": parts}


@st.composite
def filters(draw):
    parts = draw(st.lists(clauses(), max_size=3))
    if draw(st.booleans()):
        merged = {}
        for part in parts:
            merged.update(part)
        return merged
    return {"$and": parts} if parts else {}


SORT_FIELDS = ["name", "country", "deleted_at", "updated_at", "kind", "sectors", "version", "_id"]
sorts = st.one_of(
    st.none(),
    st.lists(st.tuples(st.sampled_from(SORT_FIELDS), st.sampled_from([1, -1])), min_size=1, max_size=3, unique_by=lambda s: s[0]),
    st.sampled_from([[("name", 1), ("_id", 1)], [("_id", 1)], [("deleted_at", 1), ("name", -1), ("_id", 1)],
                     [("updated_at", -1), ("_id", 1)], [("name", -1), ("_id", 1)], [("_id", -1)],
                     [("sectors", 1), ("deleted_at", 1), ("_id", 1)], [("country", -1), ("deleted_at", 1), ("_id", 1)],
                     # (kind|country|region|sectors|managed_by, deleted_at, _id): walked by the values a filter fixes.
                     [("deleted_at", 1), ("_id", 1)]]),
)
writes = st.lists(st.one_of(
    st.tuples(st.just("insert"), documents()),
    st.tuples(st.just("update"), filters(), st.dictionaries(st.sampled_from(["name", "country", "sectors", "deleted_at"]),
                                                            st.sampled_from(["Volga", "IT", None, ["ict"], DATES[1]]),
                                                            min_size=1)),
    st.tuples(st.just("update_many"), filters(), st.just({"kind": "bank"})),
    st.tuples(st.just("push"), filters(), st.sampled_from(SECTORS + [None, {"a": "ict"}])),
    st.tuples(st.just("delete"), filters()),
), max_size=8)


# The list request's shape (api.core.resource.list_query and sort_spec): live documents, the resource's filters,
# one sort field either way, then _id.
LIST_SORT_FIELDS = ["name", "country", "kind", "created_at", "updated_at", "sectors", "region"]
list_sorts = st.tuples(st.sampled_from(LIST_SORT_FIELDS), st.sampled_from([1, -1])).map(lambda s: [s, ("_id", 1)])


@st.composite
def list_filters(draw):
    extra = draw(st.lists(st.one_of(clauses(depth=2), st.sampled_from([{"country": "RU"}, {"kind": "bank"}])), max_size=2))
    return {"$and": [{"deleted_at": None}, *extra]} if extra else {"deleted_at": None}


def _pair(cold, unique=None):
    install()
    plain = mongomock.MongoClient().db.organisations
    embedded = mongomock.MongoClient(_store=EmbeddedServerStore(cold={"organisations"} if cold else ())).db.organisations
    for collection in (plain, embedded):
        for spec in Organisation._meta["index_specs"]:
            collection.create_index(list(spec["fields"]))
        if unique:
            collection.create_index([(unique, 1)], unique=True)
    return plain, embedded


def _apply(collection, write):
    try:
        if write[0] == "insert":
            collection.insert_one(dict(write[1]))
        elif write[0] == "update":
            collection.update_one(write[1], {"$set": write[2]})
        elif write[0] == "update_many":
            collection.update_many(write[1], {"$set": write[2]})
        elif write[0] == "push":  # changes a list in place
            collection.update_many(write[1], {"$push": {"sectors": write[2]}})
        else:
            collection.delete_one(write[1])
        return None
    except Exception as error:  # noqa: BLE001 - the same error on both is what is compared
        return type(error).__name__


def _answer(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the same error on both is what is compared
        return type(error).__name__


def _page(collection, spec, sort, skip, limit):
    cursor = collection.find(spec, {"_id": 1, "name": 1})
    if sort:
        cursor = cursor.sort(sort)
    return list(cursor.skip(skip).limit(limit))


@pytest.mark.parametrize("cold", [False, True], ids=["in memory", "cold"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), max_size=40), writes, st.lists(st.tuples(filters(), sorts, st.integers(0, 12), st.integers(0, 8)),
                                                             min_size=1, max_size=4))
def test_every_query_answers_as_mongomock_does(cold, initial, changes, queries):
    plain, embedded = _pair(cold)
    for document in initial:
        assert _apply(plain, ("insert", document)) == _apply(embedded, ("insert", document))
    for write in changes:
        assert _apply(plain, write) == _apply(embedded, write)
    assert list(plain.find({})) == list(embedded.find({}))
    for spec, sort, skip, limit in queries:
        assert _answer(_page, embedded, spec, sort, skip, limit) == _answer(_page, plain, spec, sort, skip, limit)
        assert _answer(embedded.count_documents, spec) == _answer(plain.count_documents, spec)
        assert _answer(embedded.find_one, spec, sort=sort) == _answer(plain.find_one, spec, sort=sort)


@pytest.mark.parametrize("cold", [False, True], ids=["in memory", "cold"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(IDS[:6]), st.sampled_from(NAMES)), max_size=8),
       st.lists(st.tuples(st.sampled_from(IDS[:6]), st.sampled_from(NAMES)), max_size=8))
def test_a_unique_index_refuses_the_same_writes(cold, inserts, renames):
    """mongomock changes a document in place before checking unique indexes: the index must see the change."""
    plain, embedded = _pair(cold, unique="name")
    for doc_id, name in inserts:
        assert _apply(plain, ("insert", {"_id": doc_id, "name": name})) == \
            _apply(embedded, ("insert", {"_id": doc_id, "name": name}))
    for doc_id, name in renames:
        assert _apply(plain, ("update", {"_id": doc_id}, {"name": name})) == \
            _apply(embedded, ("update", {"_id": doc_id}, {"name": name}))
        assert list(plain.find({"name": name})) == list(embedded.find({"name": name}))
    assert list(plain.find({})) == list(embedded.find({}))


@pytest.mark.parametrize("cold", [False, True], ids=["in memory", "cold"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), max_size=40), writes,
       st.lists(st.tuples(list_filters(), list_sorts, st.integers(0, 12), st.integers(1, 8)), min_size=1, max_size=4))
def test_every_list_page_answers_as_mongomock_does(cold, initial, changes, queries):
    """Sorted pages walked from an index (forwards, backwards, or group by group for `-field`) as mongomock sorts."""
    plain, embedded = _pair(cold)
    for document in initial:
        assert _apply(plain, ("insert", document)) == _apply(embedded, ("insert", document))
    for write in changes:
        assert _apply(plain, write) == _apply(embedded, write)
    for spec, sort, skip, limit in queries:
        assert _answer(_page, embedded, spec, sort, skip, limit) == _answer(_page, plain, spec, sort, skip, limit)


@pytest.mark.parametrize("cold", [False, True], ids=["in memory", "cold"])
def test_a_ttl_index_expires_the_same_documents(cold):
    """A cold collection finds its expired documents from the TTL field's index, as mongomock does from the documents."""
    now = mongomock.utcnow()
    values = [now - dt.timedelta(hours=2), now, None, [now - dt.timedelta(hours=2), now], [now, "soon"], [], "today",
              [["nested"]], [now - dt.timedelta(hours=2), ["nested"]], {"at": now - dt.timedelta(hours=2)}, MISSING]
    plain, embedded = _pair(cold)
    for collection in (plain, embedded):
        collection.create_index([("leased_at", 1)], expireAfterSeconds=3600)
        for number, value in enumerate(values):
            collection.insert_one({"_id": IDS[number]} if value is MISSING else {"_id": IDS[number], "leased_at": value})

    assert list(embedded.find({})) == list(plain.find({}))
    assert len(list(plain.find({}))) < len(values)  # some expired: the comparison covers expiry


PREFIXED_FIELDS = ["kind", "country", "region", "sectors", "managed_by"]


@st.composite
def prefixed_filters(draw):
    """A filter fixing the first field of a declared (field, deleted_at, _id) to values, as the feed fixes who sees."""
    field = draw(st.sampled_from(PREFIXED_FIELDS))
    values = draw(st.lists(st.one_of(_values(field), st.sampled_from(["company", "bank", "IT-57", str(IDS[1])])),
                           max_size=3))
    fixed = {field: {"$in": values}} if draw(st.booleans()) or not values else {field: values[0]}
    extra = draw(st.lists(clauses(depth=2), max_size=1))
    return {"$and": [fixed, *extra]} if extra else fixed


@pytest.mark.parametrize("cold", [False, True], ids=["in memory", "cold"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), max_size=40), writes, st.lists(st.tuples(prefixed_filters(), st.integers(0, 4),
                                                                      st.integers(1, 8)), min_size=1, max_size=4))
def test_a_walk_of_the_values_a_filter_fixes_answers_as_mongomock_does(cold, initial, changes, queries):
    plain, embedded = _pair(cold)
    for document in initial:
        assert _apply(plain, ("insert", document)) == _apply(embedded, ("insert", document))
    for write in changes:
        assert _apply(plain, write) == _apply(embedded, write)
    for spec, skip, limit in queries:
        sort = [("deleted_at", 1), ("_id", 1)]
        assert _answer(_page, embedded, spec, sort, skip, limit) == _answer(_page, plain, spec, sort, skip, limit)
