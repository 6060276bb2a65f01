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
import heapq
import itertools
import math
import operator
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


_NONE = object()


def _is_key(value):
    return isinstance(value, _KEY_TYPES) and not (isinstance(value, float) and math.isnan(value))


class FieldIndex:
    """Equality lookups on one top-level field: value → ids; and, built on the first anchored prefix
    pattern on the field (`q=` search terms), the sorted list of its distinct string values.

    A value held by one document (a timestamp, a name) maps to its id itself rather than to a set of one:
    such buckets are most of an index of distinct values, and a set of one costs some 200 bytes more.
    """

    _EMPTY = frozenset()
    UNSURE = object()

    def __init__(self, field):
        self.field = field
        self.buckets = {}
        self.unsure = set()
        # A document's lookup key (one value), its distinct keys (a tuple, for a list: far smaller than a
        # frozenset of a document's twenty search words) or UNSURE.
        self.keys_of = {}
        self.strings = None
        self.not_scalar = 0  # documents holding a list or an unusual value here: a range may not bound their order

    def only_scalars(self):
        return self.not_scalar == 0

    def _keys(self, document):
        value = document.get(self.field, None)
        if isinstance(value, list):
            if all(_is_key(item) for item in value):
                return tuple(set(value))
            return self.UNSURE
        return value if _is_key(value) else self.UNSURE

    def add(self, doc_id, document):
        keys = self._keys(document)
        self.keys_of[doc_id] = keys
        if keys is self.UNSURE or isinstance(keys, tuple):
            self.not_scalar += 1
        if keys is self.UNSURE:
            self.unsure.add(doc_id)
            return
        for key in keys if isinstance(keys, tuple) else (keys,):
            bucket = self.buckets.get(key, _NONE)
            if bucket is _NONE:
                self.buckets[key] = doc_id
                if self.strings is not None and isinstance(key, str):
                    self.strings.add(key)
            elif type(bucket) is set:
                bucket.add(doc_id)
            else:
                self.buckets[key] = {bucket, doc_id}

    def update(self, doc_id, document):
        old = self.keys_of.get(doc_id, _NONE)
        if old is not _NONE and old is not self.UNSURE:
            keys = self._keys(document)
            if type(keys) is type(old) and keys == old:  # most writes leave the indexed fields alone
                return
        self.remove(doc_id)
        self.add(doc_id, document)

    def remove(self, doc_id):
        if doc_id not in self.keys_of:
            return
        keys = self.keys_of.pop(doc_id)
        if keys is self.UNSURE or isinstance(keys, tuple):
            self.not_scalar -= 1
        if keys is self.UNSURE:
            self.unsure.discard(doc_id)
            return
        for key in keys if isinstance(keys, tuple) else (keys,):
            bucket = self.buckets[key]
            if type(bucket) is set:
                bucket.discard(doc_id)
                if len(bucket) == 1:
                    self.buckets[key] = next(iter(bucket))
                continue
            del self.buckets[key]
            if self.strings is not None and isinstance(key, str):
                self.strings.discard(key)

    def values(self):
        """(id, the value its lookups use: one key, a tuple of a list's keys, or UNSURE) of every document."""
        return self.keys_of.items()

    def bucket(self, value):
        """The ids whose field holds value (a set of the index itself: do not change it)."""
        bucket = self.buckets.get(value, _NONE)
        if bucket is _NONE:
            return self._EMPTY
        return bucket if type(bucket) is set else (bucket,)

    def lookup(self, values):
        """Ids whose field may equal one of values (possibly a set of the index itself: do not change it)."""
        if len(values) == 1 and not self.unsure:
            return self.bucket(values[0])
        found = set(self.unsure)
        for value in values:
            found.update(self.bucket(value))
        return found

    def prefixed(self, prefix):
        """Ids with a string value starting with prefix (and the unsure ones)."""
        if self.strings is None:
            self.strings = SortedList(key for key in self.buckets if isinstance(key, str))
        found = set(self.unsure)
        for value in self.strings.islice(self.strings.bisect_left(prefix)):
            if not value.startswith(prefix):
                break
            found.update(self.bucket(value))
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


class Compared:
    """A sort value Python cannot order as BSON does (a sub-document, a list, NaN, …): compared by mongomock."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        # mongomock updates documents in place: the key must keep the value it was sorted by.
        self.obj = copy.deepcopy(obj)

    def __lt__(self, other):
        return filtering.bson_compare(operator.lt, self.obj, other.obj if isinstance(other, Compared) else other)

    def __gt__(self, other):
        return filtering.bson_compare(operator.gt, self.obj, other.obj if isinstance(other, Compared) else other)

    def __eq__(self, other):
        return not (self < other or self > other)

    __hash__ = None


def _flat_part(rank, value):
    """(rank, BSON type order, value) of one sort key part: tuples of these compare with Python's own
    comparisons exactly as mongomock's sort compares the parts (type order first, then the values)."""
    obj = value.obj
    if obj is None:
        return rank, 5, 0
    if isinstance(obj, bool):
        return rank, 40, obj
    if isinstance(obj, int) or (isinstance(obj, float) and not math.isnan(obj)):
        return rank, 10, obj
    if isinstance(obj, str):
        return rank, 15, obj
    if isinstance(obj, ObjectId):
        return rank, 35, obj
    if isinstance(obj, dt.datetime):
        return rank, 45, obj
    return rank, filtering._get_compare_type(obj), Compared(obj)


class OrderedIndex:
    """All documents in the order of one sort specification that a declared index serves.

    An ascending specification (the usual one: every other direction is walked from it) keys each document by
    a flat tuple of its parts and its id: compared natively, it is several times cheaper to keep in order and
    to hold than a SortKey, which only a sort mixing directions needs.
    """

    def __init__(self, sort, documents):
        self.sort = sort
        self.flat = all(direction == 1 for _, direction in sort)
        self.key_of = {}
        self.entries = SortedList()
        for doc_id, document in documents:
            self.add(doc_id, document)

    def key(self, doc_id, document):
        if self.flat:
            parts = []
            for field, _ in self.sort:
                parts.extend(_flat_part(*filtering.resolve_sort_key(field, document)))
            parts.append(doc_id)
            return tuple(parts)
        parts = []
        for field, direction in self.sort:
            rank, value = filtering.resolve_sort_key(field, document)
            if isinstance(value.obj, (dict, list)):  # kept as sorted, whatever mongomock changes in place
                value = filtering.BsonComparable(copy.deepcopy(value.obj))
            parts.append((rank, value, direction < 0))
        return SortKey(tuple(parts), doc_id)

    def add(self, doc_id, document):
        key = self.key(doc_id, document)
        self.key_of[doc_id] = key
        self.entries.add(key)

    def update(self, doc_id, document):
        old = self.key_of.get(doc_id)
        if self.flat and old is not None:
            key = self.key(doc_id, document)
            if key == old:  # most writes leave the sorted fields alone
                return
            self.entries.remove(old)
            self.key_of[doc_id] = key
            self.entries.add(key)
            return
        self.remove(doc_id)
        self.add(doc_id, document)

    def doc_id(self, entry):
        return entry[-1] if self.flat else entry.doc_id

    def remove(self, doc_id):
        key = self.key_of.pop(doc_id, None)
        if key is not None:
            self.entries.remove(key)


class PrefixedIndex:
    """A declared index (field, *sort) in its own order: each string or ObjectId value of the field (each item of
    a list) followed by the documents holding it in the sort's order, as MongoDB keeps a multikey index.

    A filter fixing the field to a few values then walks only those values' entries, merged, instead of every
    document in the sort's order: a reader of the change feed whose filter fixes who may see a change reads the
    changes it sees, not the ones hidden from it. Documents whose field the field index is unsure of have no
    entries: the walk is not used while there are any.
    """

    def __init__(self, values, sort, documents):
        self.values = values
        self.sort = sort
        self.keys_of = {}
        self.entries = SortedList()
        for doc_id, document in documents:
            self.add(doc_id, document)

    @staticmethod
    def prefix(value):
        # The type first: a string and an ObjectId are never compared with each other.
        return isinstance(value, ObjectId), value

    def keys(self, doc_id, document):
        held = self.values._keys(document)
        if held is FieldIndex.UNSURE:
            return ()
        parts = []
        for field, _ in self.sort:
            parts.extend(_flat_part(*filtering.resolve_sort_key(field, document)))
        parts.append(doc_id)
        return tuple(self.prefix(value) + tuple(parts) for value in (held if isinstance(held, tuple) else (held,))
                     if isinstance(value, _EXACT_TYPES))

    def add(self, doc_id, document):
        keys = self.keys(doc_id, document)
        self.keys_of[doc_id] = keys
        self.entries.update(keys)

    def update(self, doc_id, document):
        keys = self.keys(doc_id, document)
        if keys == self.keys_of.get(doc_id):
            return
        self.remove(doc_id)
        self.keys_of[doc_id] = keys
        self.entries.update(keys)

    def remove(self, doc_id):
        for key in self.keys_of.pop(doc_id, ()):
            self.entries.remove(key)

    def walk(self, value, bound=()):
        """The entries of one value (less the value) from the first whose sort parts reach bound, in order."""
        prefix = self.prefix(value)
        for entry in self.entries.islice(self.entries.bisect_left(prefix + bound)):
            if entry[:2] != prefix:
                return
            yield entry[2:]


FORWARD, BACKWARD, GROUPS_BACKWARD = "forward", "backward", "groups backward"


def walk(index, how, start=0):
    """The ids of an ordered index's documents in the order `how` names (see `ordered_index`), a forward walk
    from position `start`."""
    entries = index.entries
    doc_id = index.doc_id
    if how == FORWARD:
        ordered = entries.islice(start)
    elif how == BACKWARD:
        ordered = reversed(entries)
    else:
        ordered = _groups_backward(entries, 3 * (len(index.sort) - 1))
    for entry in ordered:
        yield doc_id(entry)


def _groups_backward(entries, group_length):
    """Flat entries by groups of equal leading parts, the groups last first, each in its own order.

    A group's leading parts alone sort before each of its entries (a shorter tuple sorts first), so bisecting
    for them finds where the group begins.
    """
    end = len(entries)
    while end:
        start = entries.bisect_left(entries[end - 1][:group_length])
        yield from entries.islice(start, end)
        end = start


class IndexedCollectionStore:
    """Mixin state for a collection store: field indexes, ordered indexes, natural order, change log."""

    def _init_indexing(self, journal=None):
        self.field_indexes = {}
        self.ordered = {}
        self.declared_keys = set()
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
            index.update(doc_id, document)
        if self.journal is not None:
            self.journal.touch(self, doc_id)

    def declare_index(self, index_dict):
        """Take the fields of a declared index: each top-level field gets equality lookups (all of them built in
        one pass over the documents), and its keys, ending with _id, are noted for the sorts they serve."""
        fields = [key for key, _ in index_dict["key"]]
        new = [FieldIndex(field) for field in dict.fromkeys(fields)
               if "." not in field and not field.startswith("$") and field not in self.field_indexes]
        if new:
            for doc_id, document in self._documents.items():
                for index in new:
                    index.add(doc_id, document)
            self.field_indexes.update((index.field, index) for index in new)
        if fields[-1] != "_id":
            fields.append("_id")
        self.declared_keys.add(tuple(fields))

    def serves(self, sort_fields, spec):
        """True when a declared index serves this sort for this filter, as MongoDB would use it: its keys, less
        those the filter fixes by equality (`deleted_at: null`, a parent's id), begin with the sort's fields."""
        fixed = {field for field, condition in conjuncts(spec)
                 if field is not None and len(_equality_values(condition) or ()) == 1}
        for keys in self.declared_keys:
            walked = tuple(key for key in keys if key not in fixed or key in sort_fields)
            if walked[:len(sort_fields)] == sort_fields:
                return True
        return False

    def ordered_index(self, sort, spec):
        """(The ordered index to walk, how to walk it) for a sort, built on first use; None when no declared
        index serves it.

        One ascending index serves a sort's fields in every uniform direction: walked forwards, backwards, or
        backwards group by group (`-name` sorts as name descending, then _id ascending among equal names).
        """
        sort = tuple((field, direction) for field, direction in sort)
        fields = tuple(field for field, _ in sort)
        if not self.serves(fields, spec):
            return None
        directions = {direction for _, direction in sort[:-1]}
        last = sort[-1][1]
        if directions <= {1} and last == 1:
            walk, key = FORWARD, tuple((field, 1) for field in fields)
        elif directions <= {-1} and last == -1:
            walk, key = BACKWARD, tuple((field, 1) for field in fields)
        elif directions == {-1} and last == 1:
            walk, key = GROUPS_BACKWARD, tuple((field, 1) for field in fields)
        else:
            walk, key = FORWARD, sort
        index = self.ordered.get(key)
        if index is None:
            index = self.ordered[key] = OrderedIndex(key, self._documents.items())
        return index, walk

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
        candidates.intersection_update(found)
    return candidates, exact


def page(store, spec, sort, skip, limit):
    """The documents of a sorted page, or None when mongomock's own path should answer.

    Served when the sort ends with _id (so there are no ties to order) and either few documents can match
    (their sort is cheap) or a declared index serves the sort (it is walked until the page is full).
    """
    if not sort or sort[-1][0] != "_id" or any(field.startswith("$") for field, _ in sort):
        return None
    found = _prefixed_page(store, spec, sort, skip + limit)
    if found is not None:
        return found[skip:]
    candidates, exact = plan(store, spec)
    if candidates is not None:
        expected_walk = (skip + limit) * len(store._documents) / max(len(candidates), 1)
        if len(candidates) * SORT_COST_IN_ENTRIES < expected_walk:
            return None
    served = store.ordered_index(sort, spec)
    if served is None:
        return None
    documents = store._documents
    found = []
    wanted = skip + limit
    for doc_id in walk(*served, start=_walk_start(store, *served, spec, sort)):
        if candidates is not None and doc_id not in candidates:
            continue
        document = documents[doc_id]
        if (candidates is None or not exact) and not filtering.filter_applies(spec, document):
            continue
        found.append(document)
        if len(found) == wanted:
            break
    return found[skip:]


def _walk_start(store, index, how, spec, sort):
    """Where a forward walk of an ordered index may start: no entry before it passes a lower bound on the sort's
    first field (a first part below the bound's sorts before the bound's own prefix).

    A reader following a sequence (`seq > cursor`, the change feed) then walks only what is new, not the whole
    history before its cursor. The walk still filters, so the entries equal to a `$gt` bound are skipped there.
    """
    if how != FORWARD or not index.flat:
        return 0
    bound = _lower_bound(store, spec, sort)
    return index.entries.bisect_left(bound) if bound else 0


def _lower_bound(store, spec, sort):
    """The flat part below which no match's first sort part lies (the highest `$gt`/`$gte` the filter puts on the
    sort's first field, ascending), or () when there is none to rely on."""
    field, direction = sort[0]
    # A list sorts by its least item but matches a bound by any: only a field of plain values may be bounded.
    values = store.field_indexes.get(field)
    if direction < 0 or values is None or not values.only_scalars():
        return ()
    bound = ()
    for name, condition in conjuncts(spec):
        if name != field or not isinstance(condition, dict):
            continue
        for bound_operator in ("$gt", "$gte"):
            value = condition.get(bound_operator)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
                bound = max(bound, _flat_part(*filtering.resolve_sort_key(field, {field: value})))
    return bound


def _prefixed_page(store, spec, sort, wanted):
    """The first `wanted` matches of an ascending sort walked from a declared index (field, *sort) whose field the
    filter fixes to strings or ObjectIds (`audience_keys: {$in: [...]}`), or None when no such index is the
    filter's most selective lookup (then plan() and the ordered walk answer).

    Each value's entries are walked from the sort's lower bound and merged in the sort's order, so the page
    costs the documents of those values past the bound it reads, whatever else the collection holds.
    """
    sort = tuple((field, direction) for field, direction in sort)
    if any(direction != 1 for _, direction in sort):
        return None
    sort_fields = tuple(field for field, _ in sort)
    best = None
    for field, condition in conjuncts(spec):
        values = _equality_values(condition) if field not in (None, "_id") else None
        index = store.field_indexes.get(field) if values is not None else None
        if index is None:
            if field == "_id" and values is not None:
                return None  # a few ids: plan() looks them up
            continue
        size = sum(len(index.bucket(value)) for value in set(values)) + len(index.unsure)
        walkable = (field not in sort_fields and (field, *sort_fields) in store.declared_keys and not index.unsure
                    and all(isinstance(value, _EXACT_TYPES) for value in values))
        if best is None or size < best[0]:
            best = (size, field, set(values), walkable)
    if best is None or not best[3]:
        return None
    _, field, values, _ = best
    key = ("prefixed", field, sort)
    prefixed = store.ordered.get(key)
    if prefixed is None:
        prefixed = store.ordered[key] = PrefixedIndex(store.field_indexes[field], sort, store._documents.items())
    bound = _lower_bound(store, spec, sort)
    documents = store._documents
    found = []
    last = _NONE
    for entry in heapq.merge(*(prefixed.walk(value, bound) for value in values)):
        doc_id = entry[-1]
        if doc_id == last:  # a document holding two of the values: its entries are next to each other
            continue
        last = doc_id
        document = documents[doc_id]
        if filtering.filter_applies(spec, document):
            found.append(document)
            if len(found) == wanted:
                break
    return found
