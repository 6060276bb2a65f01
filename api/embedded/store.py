"""The embedded store: mongomock's stores with in-memory indexes, an optional SQLite journal, and the
patches that let mongomock's collections use them (and serialise every operation)."""
import functools
import itertools
import threading

import mongomock
from mongomock import filtering, helpers
from mongomock.collection import Collection, Cursor
from mongomock.store import CollectionStore, DatabaseStore, ServerStore

from api.embedded import durable
from api.embedded.cold import ColdDocuments
from api.embedded.indexes import FieldIndex, IndexedCollectionStore, page, plan

STORE_LOCK = threading.RLock()
# Collections whose changes need not reach the file before their operation returns: they ride with the next commit,
# and the file keeps commits in memory order. The change feed's counter and write leases (api/core/changes.py): a
# write that reaches the file brings the number and lease it took before it; a release lost in a crash leaves a
# lease that the next start settles. Committing them on their own would cost every write four more commits.
DEFERRED_COMMIT = frozenset({"change_counters", "change_leases"})
_nesting = [0]  # store operations in progress (only the thread holding STORE_LOCK counts): commit when 0


class EmbeddedCollectionStore(CollectionStore, IndexedCollectionStore):
    """A collection's documents; every change passes through here (or through `reindex` for mongomock's
    in-place updates), which keeps the indexes and the journal current."""

    def __init__(self, name, journal=None, cold=False):
        super().__init__(name)
        self._init_indexing(journal)
        self.cold = cold
        if cold:
            self._documents = ColdDocuments(self, journal)

    def __setitem__(self, key, val):
        super().__setitem__(key, val)
        self.on_set(key, val)

    def __delitem__(self, key):
        super().__delitem__(key)
        self.on_delete(key)

    def load(self, document, seq):
        """Put a document read from the file, without journaling it again."""
        key = helpers.hashdict(document["_id"]) if isinstance(document["_id"], dict) else document["_id"]
        self._documents[key] = document
        self.seq_of[key] = seq
        self._seq = itertools.count(max(seq + 1, next(self._seq)))

    def load_id(self, key, seq):
        """Note a cold collection's document read from the file: its id and place; the document stays there."""
        self.seq_of[key] = seq
        self._seq = itertools.count(max(seq + 1, next(self._seq)))

    def reindex(self, doc_id, document):
        if self.cold:
            self._documents.changed(doc_id, document)
        super().reindex(doc_id, document)

    def _expire_documents(self, index):
        field = next(iter(index["key"]))[0]
        field_index = self.field_indexes.get(field)
        if not self.cold or field_index is None or len(index["key"]) > 1:
            return super()._expire_documents(index)
        # mongomock reads every document's TTL field before each operation: a cold collection reads the
        # values its index holds instead of every row.
        try:
            expiry = int(index["expireAfterSeconds"])
        except ValueError:
            return
        now = mongomock.utcnow()
        expired = []
        for doc_id, value in field_index.values():
            if value is FieldIndex.UNSURE:
                value = self._documents[doc_id].get(field)
            elif isinstance(value, tuple):
                value = list(value)
            if self._value_meets_expiry(value, expiry, now):
                expired.append(doc_id)
        for doc_id in expired:
            del self[doc_id]

    def committed(self, doc_ids):
        """The journal wrote these documents: a cold collection reads them from the file from now on."""
        if self.cold:
            self._documents.committed(doc_ids)

    def create_index(self, index_name, index_dict):
        super().create_index(index_name, index_dict)
        self.declare_index(index_dict)

    def drop(self):
        # mongoengine's drop_collection reaches here without going through a locked Collection method.
        with STORE_LOCK:
            if self.journal is not None:
                self.journal.drop(self)
            super().drop()
            self._reset_indexing()
            if self.cold:
                self._documents = ColdDocuments(self, self.journal)


class EmbeddedDatabaseStore(DatabaseStore):
    def __init__(self, journal=None, cold=frozenset()):
        super().__init__()
        self.journal = journal
        self.cold = cold
        self.memory_journal = None

    def __getitem__(self, col_name):
        try:
            return self._collections[col_name]
        except KeyError:
            cold = col_name in self.cold
            journal = self.journal
            if cold and journal is None:
                # Without a file, cold documents still leave Python's memory: rows of a private in-memory SQLite.
                if self.memory_journal is None:
                    self.memory_journal = durable.Journal(durable.connect(":memory:"), "memory")
                journal = self.memory_journal
            col = self._collections[col_name] = EmbeddedCollectionStore(col_name, journal, cold)
            return col

    def rename(self, name, new_name):
        raise NotImplementedError("Renaming a collection is not supported by the embedded store.")


class EmbeddedServerStore(ServerStore):
    """The databases of the embedded store; `cold` names the collections whose documents stay in SQLite."""

    def __init__(self, journals=None, cold=frozenset()):
        super().__init__()
        self.journals = journals or {}
        self.cold = frozenset(cold)

    def __getitem__(self, db_name):
        try:
            return self._databases[db_name]
        except KeyError:
            db = self._databases[db_name] = EmbeddedDatabaseStore(self.journals.get(db_name), self.cold)
            return db


def _served(store):
    return isinstance(store, EmbeddedCollectionStore)


def install():
    """Patch mongomock's Collection and Cursor once: served paths for embedded stores, and one lock."""
    if getattr(Collection, "_embedded_installed", False):
        return
    iter_documents = Collection._iter_documents
    count_documents = Collection.count_documents
    ensure_uniques = Collection._ensure_uniques
    compute_results = Cursor._compute_results

    def _iter_documents(self, filter):
        store = self._store
        if not _served(store):
            return iter_documents(self, filter)
        if store.is_empty:
            filtering.filter_applies(filter, {})
        candidates, _ = plan(store, filter)
        if candidates is None and store.cold:
            # Only the matches are kept: a cold collection is read from its rows, not held whole in memory.
            return iter([document for document in store.documents if filtering.filter_applies(filter, document)])
        if candidates is None:
            documents = list(store.documents)
        else:
            # Validate the filter even when no candidate reaches mongomock's matcher.
            filtering.filter_applies(filter, {})
            documents = store.in_natural_order(candidates)
        return (document for document in documents if filtering.filter_applies(filter, document))

    def _count_documents(self, filter, **kwargs):
        store = self._store
        if _served(store) and not kwargs and isinstance(filter, dict):
            spec = helpers.patch_datetime_awareness_in_document(filter)
            store.is_empty  # noqa: B018 - removes expired documents (TTL) first, as mongomock's count does
            candidates, exact = plan(store, spec)
            if exact:
                filtering.filter_applies(spec, {})
                return len(candidates)
        return count_documents(self, filter, **kwargs)

    def _ensure_uniques(self, new_data):
        store = self._store
        if _served(store):
            # mongomock changed the document in place: index its new values before looking for duplicates.
            key = helpers.hashdict(new_data["_id"]) if isinstance(new_data["_id"], dict) else new_data["_id"]
            if key in store._documents:
                store.reindex(key, new_data)
        return ensure_uniques(self, new_data)

    def _compute_results(self, with_limit_and_skip=False):
        store = self.collection._store
        if (with_limit_and_skip and self._limit and self._sort and _served(store)
                and not self.collection.codec_options.tz_aware and isinstance(self._spec, dict)):
            served = getattr(self, "_served_page", None)
            key = (self._factory, self._skip, self._limit)
            if served is not None and served[0] == key:
                return served[1]
            sort = list(self._sort.items() if isinstance(self._sort, dict) else self._sort)
            if not store.is_empty:
                filtering.filter_applies(self._spec, {})
                documents = page(store, self._spec, sort, self._skip, abs(self._limit))
                if documents is not None:
                    results = [self.collection._copy_only_fields(d, self._projection, dict) for d in documents]
                    self._served_page = (key, results)
                    return results
        return compute_results(self, with_limit_and_skip)

    Collection._iter_documents = _iter_documents
    Collection.count_documents = _count_documents
    Collection._ensure_uniques = _ensure_uniques
    Cursor._compute_results = _compute_results
    _serialise()
    Collection._embedded_installed = True


def _serialise():
    """Make each operation on the embedded store atomic, as single-document operations are in MongoDB, and
    commit what it changed before it returns.

    mongomock rewrites a document in place (clear, then fill) without holding a lock, so under threads
    two compare-and-set writers filtered on the same version can both match, a unique index can be
    passed twice, and a reader can catch a document half replaced. The store lives in one process, so
    one process-wide lock around its operations is enough; committing under the same lock makes the
    file's order of commits the order of the changes in memory.
    """
    def locked(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            with STORE_LOCK:
                store = self._store if isinstance(self, Collection) else self.collection._store
                journal = getattr(store, "journal", None)
                if journal is not None:
                    journal.check()
                _nesting[0] += 1
                try:
                    return method(self, *args, **kwargs)
                finally:
                    _nesting[0] -= 1
                    if not _nesting[0] and getattr(store, "name", None) not in DEFERRED_COMMIT:
                        durable.flush_all()
        return run

    for name in ("_insert", "_update", "_delete", "_find_and_modify", "count_documents", "distinct", "aggregate",
                 "create_index", "drop"):
        setattr(Collection, name, locked(getattr(Collection, name)))
    Cursor._compute_results = locked(Cursor._compute_results)


class OpenStore:
    """An embedded store handed to mongomock.MongoClient(_store=...), with its file and lock if any."""

    def __init__(self, path, synchronous, database, cold=frozenset()):
        install()
        self.path = path
        self.lock = self.connection = None
        if path == ":memory:":
            self.server_store, self.was_empty = EmbeddedServerStore(cold=cold), True
            return
        self.lock = durable.lock_file(path)
        try:
            self.connection = durable.connect(path, synchronous)
            journal = durable.Journal(self.connection, database)
            self.server_store = EmbeddedServerStore({database: journal}, cold)
            with STORE_LOCK:
                self.was_empty = journal.load(self.server_store[database]) == 0
        except BaseException:
            self.close()
            raise

    def close(self):
        """Release the file (the process may then open it again, or another process may)."""
        with STORE_LOCK:
            durable.flush_all()
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            if self.lock is not None:
                self.lock.close()
                self.lock = None
