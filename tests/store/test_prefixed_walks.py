"""A filter fixing the first field of a declared index (field, *sort) to a few values walks those values' entries
only, merged in the sort's order: the change feed's reader whose filter fixes who may see a change reads the
changes it sees, not those hidden from it."""
import mongomock
import pytest
from mongomock import filtering

from api.core.documents import Revision
from api.embedded import indexes
from api.embedded.store import EmbeddedServerStore, install


@pytest.fixture(params=[False, True], ids=["in memory", "cold"])
def revisions(request):
    install()
    cold = {"revisions"} if request.param else ()
    collection = mongomock.MongoClient(_store=EmbeddedServerStore(cold=cold)).db.revisions
    for spec in Revision._meta["index_specs"]:
        collection.create_index(list(spec["fields"]))
    return collection


@pytest.fixture
def examined(monkeypatch):
    seen = []
    filter_applies = filtering.filter_applies

    def counting(spec, document):
        if "seq" in document:
            seen.append(document["_id"])
        return filter_applies(spec, document)

    monkeypatch.setattr(filtering, "filter_applies", counting)
    return seen


@pytest.fixture
def touched(monkeypatch):
    """The index entries a query reads: walked in an ordered index, or gathered by a lookup."""
    count = [0]

    def counting(generator):
        def counted(*args, **kwargs):
            for item in generator(*args, **kwargs):
                count[0] += 1
                yield item
        return counted

    lookup = indexes.FieldIndex.lookup

    def counting_lookup(self, values):
        found = lookup(self, values)
        count[0] += len(found)
        return found

    monkeypatch.setattr(indexes, "walk", counting(indexes.walk))
    monkeypatch.setattr(indexes.PrefixedIndex, "walk", counting(indexes.PrefixedIndex.walk))
    monkeypatch.setattr(indexes.FieldIndex, "lookup", counting_lookup)
    return count


def change(seq, *keys):
    return {"_id": f"r:{seq}", "seq": seq, "audience_keys": list(keys)}


def feed(collection, keys, since, limit=100):
    query = {"$and": [{"seq": {"$gt": since}}, {"audience_keys": {"$in": keys}}]}
    return [doc["seq"] for doc in collection.find(query).sort([("seq", 1), ("_id", 1)]).limit(limit)]


def test_a_poll_reads_only_the_changes_its_values_hold(revisions, examined):
    revisions.insert_many([change(1, "public"), *(change(seq, "org:b") for seq in range(2, 3002)),
                           change(3002, "public")])
    examined.clear()

    seqs = feed(revisions, ["public", "org:a"], since=1, limit=1)

    assert seqs == [3002]
    assert len(examined) <= 2, f"{len(examined)} revisions examined for one visible change"


def test_a_poll_past_a_long_visible_history_and_many_hidden_changes_touches_a_few_entries(revisions, touched):
    revisions.insert_many([*(change(seq, "public") for seq in range(1, 2001)),
                           *(change(seq, "org:b") for seq in range(2001, 4001)), change(4001, "public")])
    feed(revisions, ["public", "org:a"], since=0, limit=1)
    touched[0] = 0

    seqs = feed(revisions, ["public", "org:a"], since=2000, limit=1)

    assert seqs == [4001]
    assert touched[0] <= 4, f"{touched[0]} index entries read for one visible change"


def test_the_values_walks_merge_in_the_sorts_order_each_document_once(revisions):
    revisions.insert_many([change(1, "org:a"), change(2, "public"), change(3, "org:a", "org:b"), change(4, "staff"),
                           change(5, "public"), change(6, "org:b", "public")])

    assert feed(revisions, ["public", "org:a", "org:b"], since=0) == [1, 2, 3, 5, 6]
    assert feed(revisions, ["org:b", "org:a"], since=2) == [3, 6]


def test_a_change_to_a_documents_values_moves_its_entries(revisions):
    revisions.insert_many([change(1, "org:a"), change(2, "public")])
    feed(revisions, ["public"], since=0)

    revisions.update_one({"_id": "r:1"}, {"$set": {"audience_keys": ["public"]}})
    revisions.update_one({"_id": "r:2"}, {"$set": {"audience_keys": ["staff"]}})

    assert feed(revisions, ["public"], since=0) == [1]
