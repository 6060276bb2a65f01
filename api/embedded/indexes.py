"""mongomock's collection store with the models' indexes kept in memory, so that a query reads the
documents its filter can match instead of the whole collection.

mongomock stays the query engine: every candidate still goes through mongomock's own `filter_applies` and,
unless the order is served by an ordered index, its own sort. The indexes only decide which documents are
looked at, so they may over-select (a superset is always correct) but never miss a document mongomock would
match. Where that cannot be guaranteed cheaply (a value inside a nested list or a sub-document) the document
is put in the field's `unsure` set, which every lookup on that field includes.
"""
import copy
import datetime as dt
import itertools
import math
import re

from bson import ObjectId
from mongomock import filtering
from sortedcontainers import SortedList

# Values a lookup may use: hashed exactly as mongomock's equality compares them (1 == 1.0 == True in both).
_KEY_TYPES = (str, int, float, bool, ObjectId, dt.datetime, type(None))
# Types for which Python equality is exactly mongomock's equality: a bucket holds exactly the matches.
_EXACT_TYPES = (str, ObjectId)
_PLAIN_PREFIX = re.compile(r"\^([A-Za-z0-9_]*)")
# A candidate costs about this many index entries walked when it is sorted instead (mongomock's sort key
# and comparisons in Python against a membership test): it decides between sorting and walking.
SORT_COST_IN_ENTRIES = 8


def _is_key(value):
    return isinstance(value, _KEY_TYPES) and not (isinstance(value, float) and math.isnan(value))


class FieldIndex:
    """Equality lookups on one top-level field: value → ids; and, built on the first anchored prefix
    pattern on the field (`q=` search terms), the sorted list of its distinct string values."""

    _EMPTY = frozenset()
    _UNSURE = object()

    def __init__(self, field):
        self.field = field
        self.buckets = {}
        self.unsure = set()
        # A document's lookup key (one value), its distinct keys (a tuple, for a list: far smaller than a
        # frozenset of a document's twenty search words) or _UNSURE.
        self.keys_of = {}
        self.strings = None

    def _keys(self, document):
        value = document.get(self.field, None)
        if isinstance(value, list):
            if all(_is_key(item) for item in value):
                return tuple(set(value))
            return self._UNSURE
        return value if _is_key(value) else self._UNSURE

    def add(self, doc_id, document):
        keys = self._keys(document)
        self.keys_of[doc_id] = keys
        if keys is self._UNSURE:
            self.unsure.add(doc_id)
            return
        for key in keys if isinstance(keys, tuple) else (keys,):
            bucket = self.buckets.get(key)
            if bucket is None:
                self.buckets[key] = {doc_id}
                if self.strings is not None and isinstance(key, str):
                    self.strings.add(key)
            else:
                bucket.add(doc_id)

    def remove(self, doc_id):
        if doc_id not in self.keys_of:
            return
        keys = self.keys_of.pop(doc_id)
        if keys is self._UNSURE:
            self.unsure.discard(doc_id)
            return
        for key in keys if isinstance(keys, tuple) else (keys,):
            bucket = self.buckets[key]
            bucket.discard(doc_id)
            if not bucket:
                del self.buckets[key]
                if self.strings is not None and isinstance(key, str):
                    self.strings.discard(key)

    def lookup(self, values):
        """Ids whose field may equal one of values (a set of the index itself: do not change it)."""
        if len(values) == 1 and not self.unsure:
            return self.buckets.get(values[0], self._EMPTY)
        found = set(self.unsure)
        for value in values:
            found |= self.buckets.get(value, self._EMPTY)
        return found

    def prefixed(self, prefix):
        """Ids with a string value starting with prefix (and the unsure ones)."""
        if self.strings is None:
            self.strings = SortedList(key for key in self.buckets if isinstance(key, str))
        found = set(self.unsure)
        for value in self.strings.islice(self.strings.bisect_left(prefix)):
            if not value.startswith(prefix):
                break
            found |= self.buckets[value]
        return found


class SortKey:
    """A document's position under a sort specification, compared exactly as mongomock's sort compares."""

    __slots__ = ("doc_id", "parts")

    def __init__(self, parts, doc_id):
        self.parts = parts
        self.doc_id = doc_id

    def __lt__(self, other):
        for (rank, value, descending), (other_rank, other_value, _) in zip(self.parts, other.parts):
            if rank != other_rank:
                return (rank < other_rank) != descending
            if value < other_value:
                return not descending
            if other_value < value:
                return descending
        return False

    def __eq__(self, other):
        return not (self < other or other < self)


class OrderedIndex:
    """All documents in the order of one sort specification that a declared index serves."""

    def __init__(self, sort, documents):
        self.sort = sort
        self.key_of = {}
        self.entries = SortedList()
        for doc_id, document in documents:
            self.add(doc_id, document)

    def key(self, doc_id, document):
        parts = []
        for field, direction in self.sort:
            rank, value = filtering.resolve_sort_key(field, document)
            if isinstance(value.obj, (dict, list)):
                # mongomock updates documents in place: the key must keep the value it was sorted by.
                value = filtering.BsonComparable(copy.deepcopy(value.obj))
            parts.append((rank, value, direction < 0))
        return SortKey(tuple(parts), doc_id)

    def add(self, doc_id, document):
        key = self.key(doc_id, document)
        self.key_of[doc_id] = key
        self.entries.add(key)

    def remove(self, doc_id):
        key = self.key_of.pop(doc_id, None)
        if key is not None:
            self.entries.remove(key)


class IndexedCollectionStore:
    """Mixin state for a collection store: field indexes, ordered indexes, natural order, change log."""

    def _init_indexing(self, journal=None):
        self.field_indexes = {}
        self.ordered = {}
        self.servable_sorts = set()
        self.seq_of = {}
        self._seq = itertools.count(1)
        self.journal = journal

    def _reset_indexing(self):
        self.field_indexes = {field: FieldIndex(field) for field in self.field_indexes}
        self.ordered = {}
        self.seq_of = {}

    def on_set(self, doc_id, document):
        if doc_id not in self.seq_of:
            self.seq_of[doc_id] = next(self._seq)
        self.reindex(doc_id, document)

    def on_delete(self, doc_id):
        self.seq_of.pop(doc_id, None)
        for index in itertools.chain(self.field_indexes.values(), self.ordered.values()):
            index.remove(doc_id)
        if self.journal is not None:
            self.journal.touch(self, doc_id)

    def reindex(self, doc_id, document):
        for index in itertools.chain(self.field_indexes.values(), self.ordered.values()):
            index.remove(doc_id)
            index.add(doc_id, document)
        if self.journal is not None:
            self.journal.touch(self, doc_id)

    def declare_index(self, index_dict):
        """Take the fields of a declared index: each top-level field gets equality lookups, and the sort
        orders it can serve (each suffix of its keys, ending with _id) are noted."""
        fields = [key for key, _ in index_dict["key"]]
        for field in fields:
            if "." not in field and not field.startswith("$") and field not in self.field_indexes:
                index = FieldIndex(field)
                for doc_id, document in self._documents.items():
                    index.add(doc_id, document)
                self.field_indexes[field] = index
        if fields[-1] != "_id":
            fields.append("_id")
        for start in range(len(fields)):
            self.servable_sorts.add(tuple(fields[start:]))

    def ordered_index(self, sort):
        """The ordered index of a sort specification, built on first use; None when no declared index serves it."""
        sort = tuple((field, direction) for field, direction in sort)
        if tuple(field for field, _ in sort) not in self.servable_sorts:
            return None
        index = self.ordered.get(sort)
        if index is None:
            index = self.ordered[sort] = OrderedIndex(sort, self._documents.items())
        return index

    def in_natural_order(self, ids):
        """The documents of ids in mongomock's order (insertion order)."""
        documents = self._documents
        seq_of = self.seq_of
        ordered = sorted((seq_of[i], i) for i in ids if i in seq_of)
        return [documents[i] for _, i in ordered]


def conjuncts(spec):
    """The (field, condition) pairs every matching document satisfies (the top level and nested $and);
    a field of None stands for a clause they do not describe ($or, $nor, $expr, …)."""
    for field, condition in spec.items():
        if field == "$and" and isinstance(condition, list) and all(isinstance(c, dict) for c in condition):
            for clause in condition:
                yield from conjuncts(clause)
        elif field.startswith("$"):
            yield None, condition
        else:
            yield field, condition


def _equality_values(condition):
    """The values a condition requires equality with (one of them), or None if it does not."""
    if _is_key(condition):
        return [condition]
    if isinstance(condition, dict) and condition and all(key.startswith("$") for key in condition):
        if "$eq" in condition and _is_key(condition["$eq"]):
            return [condition["$eq"]]
        values = condition.get("$in")
        if isinstance(values, (list, tuple)) and all(_is_key(value) for value in values):
            return list(values)
    return None


def _prefix(condition):
    """The literal prefix of an anchored, flag-free $regex of plain characters (what `q` sends), or None."""
    if isinstance(condition, dict) and set(condition) == {"$regex"} and isinstance(condition["$regex"], str):
        match = _PLAIN_PREFIX.fullmatch(condition["$regex"])
        if match:
            return match.group(1)
    return None


def _answers_exactly(index, condition, values):
    """True when the lookup's ids are exactly the documents mongomock matches, with nothing to test."""
    if index is not None and index.unsure:
        return False
    if condition is None:  # missing, null and lists holding null: the None bucket, as mongomock matches them
        return True
    return all(isinstance(value, _EXACT_TYPES) for value in values)


def plan(store, spec):
    """Return (candidate ids, or None for the whole collection; whether they are exactly the matches)."""
    if not isinstance(spec, dict):
        return None, False
    found_sets = []
    exact = True
    for field, condition in conjuncts(spec):
        index = store.field_indexes.get(field) if field not in (None, "_id") else None
        values = _equality_values(condition) if field is not None else None
        found = None
        if field == "_id" and values is not None:
            found = {value for value in values if value in store._documents}
            exact = exact and _answers_exactly(None, condition, values)
        elif index is not None and values is not None:
            found = index.lookup(values)
            exact = exact and _answers_exactly(index, condition, values)
        else:
            exact = False
            prefix = _prefix(condition) if index is not None else None
            if prefix is not None:
                found = index.prefixed(prefix)
        if found is not None:
            found_sets.append(found)
    if not found_sets:
        return None, False
    found_sets.sort(key=len)
    candidates = set(found_sets[0])
    for found in found_sets[1:]:
        if not candidates:
            break
        candidates &= found
    return candidates, exact


def page(store, spec, sort, skip, limit):
    """The documents of a sorted page, or None when mongomock's own path should answer.

    Served when the sort ends with _id (so there are no ties to order) and either few documents can match
    (their sort is cheap) or a declared index serves the sort (it is walked until the page is full).
    """
    if not sort or sort[-1][0] != "_id" or any(field.startswith("$") for field, _ in sort):
        return None
    candidates, exact = plan(store, spec)
    if candidates is not None:
        expected_walk = (skip + limit) * len(store._documents) / max(len(candidates), 1)
        if len(candidates) * SORT_COST_IN_ENTRIES < expected_walk:
            return None
    index = store.ordered_index(sort)
    if index is None:
        return None
    documents = store._documents
    found = []
    wanted = skip + limit
    for entry in index.entries.islice(_walk_start(index, spec, sort)):
        if candidates is not None and entry.doc_id not in candidates:
            continue
        document = documents[entry.doc_id]
        if (candidates is None or not exact) and not filtering.filter_applies(spec, document):
            continue
        found.append(document)
        if len(found) == wanted:
            break
    return found[skip:]


def _walk_start(index, spec, sort):
    """Where the walk of an ordered index may start: past the entries a lower bound on its first field excludes.

    A reader following a sequence (`seq > cursor`, the change feed) then walks only what is new, not the whole
    history before its cursor.
    """
    field, direction = sort[0]
    if direction < 0:
        return 0
    start = 0
    for name, condition in conjuncts(spec):
        if name != field or not isinstance(condition, dict):
            continue
        for operator, bisect in (("$gt", index.entries.bisect_right), ("$gte", index.entries.bisect_left)):
            value = condition.get(operator)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rank, comparable = filtering.resolve_sort_key(field, {field: value})
                start = max(start, bisect(SortKey(((rank, comparable, False),), None)))
    return start
