"""A cold collection's documents: rows in SQLite, not Python objects in memory.

A collection the models declare cold (`meta["embedded_cold"]`: revisions, and any other history that only
grows and is read a few documents at a time) keeps in memory only what its indexes need (each document's
index keys and its place in the natural order). Its documents are fetched by id when a query's index-served
candidates are known, and read row by row when a query is not index-served. mongomock still matches and sorts
them: it sees the same documents, decoded from the same BSON a restart would read.

Between a change and its commit (the end of the store operation) the changed document is held here, so the
operation and the next ones see it whether or not the journal has written it yet.
"""
import collections

# Decoded documents kept for repeated reads of the same ids (an item's revisions listed, then one shown).
CACHED_DOCUMENTS = 256


class ColdDocuments:
    """The mapping of id → document mongomock's collection store reads and writes, backed by the journal's rows.

    Which ids exist, and in which order they were inserted, is the store's `seq_of` (it is in memory anyway).
    """

    def __init__(self, store, journal):
        self.store = store
        self.journal = journal
        self.pending = {}  # id → document changed by the operation in progress, not yet committed
        self.cache = collections.OrderedDict()

    def __contains__(self, key):
        return key in self.store.seq_of

    def __len__(self):
        return len(self.store.seq_of)

    def __getitem__(self, key):
        if key not in self.store.seq_of:
            raise KeyError(key)
        document = self.pending.get(key)
        if document is not None:
            return document
        document = self.cache.get(key)
        if document is not None:
            self.cache.move_to_end(key)
            return document
        document = self.journal.read(self.store, key)
        self.cache[key] = document
        if len(self.cache) > CACHED_DOCUMENTS:
            self.cache.popitem(last=False)
        return document

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key, document):
        self.pending[key] = document
        self.cache.pop(key, None)

    def __delitem__(self, key):
        if key not in self.store.seq_of:
            raise KeyError(key)
        self.pending.pop(key, None)
        self.cache.pop(key, None)

    def changed(self, key, document):
        """Hold a document mongomock changed in place until its commit."""
        self.pending[key] = document
        self.cache.pop(key, None)

    def committed(self, keys):
        for key in keys:
            self.pending.pop(key, None)

    def items(self):
        """(id, document) in insertion order: the committed rows, with the pending documents in their places."""
        seq_of = self.store.seq_of
        pending = sorted((seq_of[key], key) for key in self.pending if key in seq_of)
        waiting = 0
        for key, seq, document in self.journal.rows(self.store):
            if key in self.pending or seq_of.get(key) != seq:
                continue
            while waiting < len(pending) and pending[waiting][0] < seq:
                held = pending[waiting][1]
                waiting += 1
                if held in self.pending:
                    yield held, self.pending[held]
            cached = self.cache.get(key)
            yield key, cached if cached is not None else document()
        for _, held in pending[waiting:]:
            if held in self.pending:
                yield held, self.pending[held]

    def values(self):
        for _, document in self.items():
            yield document
