"""Every sort a list allows is served by a declared index on the embedded store: its page is walked from an
ordered index, not sorted from the whole collection (the same declarations MongoDB uses)."""
import mongomock
import pytest
from bson import ObjectId

from api.core.permissions import Identity
from api.core.resource import list_query, sort_spec
from api.embedded.store import EmbeddedServerStore, install

ADMIN = Identity(sub="user:admin", roles=frozenset({"admin"}))
PARENT = {"_id": ObjectId("64b7f0c2a1e4b3d2c1a09f8e")}


def resources():
    from api.auth.resource import clients, users
    from api.networking.resource import meeting_requests
    from api.organisations.resource import organisations
    from api.registrations.resource import registrations
    from api.seminars.resource import seminars
    from api.sessions.resource import sessions
    from api.tables.resource import tables
    return [organisations, sessions, tables, seminars, registrations, meeting_requests, users, clients]


CASES = [(resource.name, f"{sign}{field}") for resource in resources() for field in resource.sort_fields
         for sign in ("", "-")]


def declared_store(model):
    install()
    collection = mongomock.MongoClient(_store=EmbeddedServerStore()).db[model._get_collection_name()]
    for spec in model._meta["index_specs"]:
        collection.create_index(list(spec["fields"]), unique=spec.get("unique", False))
    return collection._store


@pytest.mark.parametrize("name, sort", CASES, ids=[f"{name}?sort={sort}" for name, sort in CASES])
def test_every_allowed_sort_of_a_list_is_walked_from_a_declared_index(name, sort):
    resource = next(resource for resource in resources() if resource.name == name)
    args = resource.query_schema().load({"sort": sort})
    query = list_query(resource, args, ADMIN, parent=PARENT if resource.parent_field else None)

    served = declared_store(resource.model).ordered_index(sort_spec(resource, sort), query)

    assert served is not None, f"{name}?sort={sort}: {query} is sorted from the whole collection"


def test_a_sort_no_declared_index_serves_is_left_to_mongomock():
    from api.organisations.models import Organisation
    store = declared_store(Organisation)

    assert store.ordered_index([("city", 1), ("_id", 1)], {"deleted_at": None}) is None


def test_a_key_the_filter_does_not_fix_keeps_the_index_from_serving_the_sort():
    from api.organisations.models import Organisation
    store = declared_store(Organisation)

    # (country, deleted_at, _id) walks in (country, _id) order only while deleted_at is one value.
    assert store.ordered_index([("country", 1), ("_id", 1)], {"deleted_at": {"$ne": None}}) is None
