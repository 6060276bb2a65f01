"""The embedded store's bytes on disk: one SQLite file, one table per collection, BSON documents.

SQLite runs in WAL mode with synchronous=NORMAL by default. A commit then appends the transaction to the
WAL file with write() before returning, so it sits in the operating system's page cache: kill -9 of this
process (or any crash of it) loses nothing that was committed, and a restart replays the WAL. What NORMAL
gives up is the fsync per commit, i.e. the last transactions on a power loss or kernel crash (the file
stays consistent, it just ends a little earlier). EMBEDDED_SYNCHRONOUS=FULL fsyncs every commit for that
case too, at the cost of one fsync per write.
"""
import fcntl
import functools
import os
import sqlite3
import sys
from pathlib import Path

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.errors import BSONError
from bson.json_util import CANONICAL_JSON_OPTIONS, dumps
from mongomock import helpers
from pymongo.errors import ConnectionFailure

CODEC = CodecOptions(document_class=dict, tz_aware=False, uuid_representation=UuidRepresentation.STANDARD)
SYNCHRONOUS = ("NORMAL", "FULL")
_dirty = set()
_SHORT = 32
_intern = sys.intern


class StoreInUse(RuntimeError):
    """Another process holds the embedded store's file."""


class StoreFileFailed(ConnectionFailure):
    """The store could not commit to its file (disk full, file removed, I/O error).

    The change that failed is in memory but not on disk, and no other operation has seen it yet (the commit
    runs under the store lock): the store refuses every operation from then on (503) until the process
    restarts from the file, so nobody reads a state that a restart would not find.
    """


def lock_file(path):
    """Hold an exclusive lock on path + '.lock' for the life of the process; refuse if another holds it."""
    lock_path = f"{path}.lock"
    Path(path).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no instance folder yet
    handle = open(lock_path, "a+")  # noqa: SIM115 - held open: closing it releases the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StoreInUse(
            f"The embedded store {path} is in use by another process (pid {holder}). It belongs to one "
            f"process: run one server (gunicorn with 1 worker and threads), stop the other one, or set "
            f"EMBEDDED_DB to another file.") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def connect(path, synchronous="NORMAL"):
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    return connection


def _table(database, collection):
    return '"' + f"{database}.{collection}".replace('"', '""') + '"'


def _encode_id(doc_id):
    return bson.encode({"_id": doc_id}, codec_options=CODEC)


def _decode_id(id_bytes):
    doc_id = bson.decode(id_bytes, codec_options=CODEC)["_id"]
    return helpers.hashdict(doc_id) if isinstance(doc_id, dict) else doc_id


class Journal:
    """Writes the documents changed by one store operation to SQLite in one transaction."""

    def __init__(self, connection, database):
        self.connection = connection
        self.database = database
        self.pending = {}
        self.failed = None
        self.tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def touch(self, store, doc_id):
        self.pending.setdefault(store, set()).add(doc_id)
        _dirty.add(self)

    def _ensure_table(self, collection):
        table = _table(self.database, collection)
        if f"{self.database}.{collection}" not in self.tables:
            self.connection.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                                    "(id BLOB PRIMARY KEY, seq INTEGER NOT NULL, doc BLOB NOT NULL)")
            self.tables.add(f"{self.database}.{collection}")
        return table

    def _ensure_seq_index(self, collection):
        # A cold collection's documents are read from here in insertion order (mongomock's natural order).
        table = self._ensure_table(collection)
        index = _table(self.database, collection + ".seq")
        self.connection.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} (seq)")
        return table

    def read(self, store, doc_id):
        """The committed document of a cold collection's id."""
        row = self.connection.execute(f"SELECT doc FROM {self._ensure_table(store.name)} WHERE id = ?",
                                      (_encode_id(doc_id),)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return bson.decode(row[0], codec_options=CODEC)

    def rows(self, store):
        """(id, seq, a function decoding the document) of a cold collection's committed rows, in insertion order."""
        table = self._ensure_seq_index(store.name)
        for id_bytes, seq, doc in self.connection.execute(f"SELECT id, seq, doc FROM {table} ORDER BY seq"):
            yield _decode_id(id_bytes), seq, functools.partial(bson.decode, doc, codec_options=CODEC)

    def flush(self):
        pending, self.pending = self.pending, {}
        if not pending:
            return
        try:
            self._commit(pending)
        except (sqlite3.Error, OSError, BSONError) as error:
            self.failed = f"The embedded store could not write to its file ({error}); restart the server."
            raise StoreFileFailed(self.failed) from error

    def check(self):
        if self.failed:
            raise StoreFileFailed(self.failed)

    def _commit(self, pending):
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            for store, ids in pending.items():
                table = self._ensure_table(store.name)
                for doc_id in ids:
                    document = store._documents.get(doc_id)
                    if document is None:
                        cursor.execute(f"DELETE FROM {table} WHERE id = ?", (_encode_id(doc_id),))
                    else:
                        cursor.execute(f"INSERT OR REPLACE INTO {table} (id, seq, doc) VALUES (?, ?, ?)",
                                       (_encode_id(doc_id), store.seq_of[doc_id], bson.encode(document, codec_options=CODEC)))
            cursor.execute("COMMIT")
            for store, ids in pending.items():
                store.committed(ids)
        except BaseException:
            if self.connection.in_transaction:
                cursor.execute("ROLLBACK")
            raise

    def drop(self, store):
        self.pending.pop(store, None)
        table = self._ensure_table(store.name)
        self.connection.execute(f"DELETE FROM {table}")

    def load(self, database_store):
        """Fill the in-memory store from the file; return the number of documents."""
        count = 0
        for name in sorted(self.tables):
            database, _, collection = name.partition(".")
            if database != self.database:
                continue
            store = database_store[collection]
            if store.cold:
                table = self._ensure_seq_index(collection)
                for id_bytes, seq in self.connection.execute(f"SELECT id, seq FROM {table} ORDER BY seq"):
                    store.load_id(_decode_id(id_bytes), seq)
                    count += 1
                continue
            for seq, doc in self.connection.execute(f"SELECT seq, doc FROM {_table(database, collection)} ORDER BY seq"):
                store.load(_shared_strings(bson.decode(doc, codec_options=CODEC)), seq)
                count += 1
        return count


def _shared_strings(value):
    """Return value with its keys and short strings interned.

    Decoding gives every document its own copy of each key ("resource_type", "changed_at", …) and of each
    short value ("organisations", "IT"); sharing them halves the memory of a loaded store.
    """
    if isinstance(value, dict):
        return {_intern(key): _shared_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shared_strings(item) for item in value]
    if isinstance(value, str) and len(value) <= _SHORT:
        return _intern(value)
    return value


def flush_all():
    """Commit what the operation that just finished changed, in the order it happened in memory."""
    while _dirty:
        journal = _dirty.pop()
        if not journal.failed:
            journal.flush()


def read_collections(path):
    """Yield (collection, documents) from a store file, all read in one transaction (one consistent state)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        connection.execute("BEGIN")
        names = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for name in names:
            _, _, collection = name.partition(".")
            quoted = '"' + name.replace('"', '""') + '"'
            rows = connection.execute(f"SELECT doc FROM {quoted} ORDER BY seq").fetchall()
            yield collection, (bson.decode(doc, codec_options=CODEC) for (doc,) in rows)
    finally:
        connection.close()


def export(path, directory):
    """Write one mongoimport file per collection (Extended JSON v2 canonical, a document a line); return counts."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for collection, documents in read_collections(path):
        count = 0
        with open(directory / f"{collection}.json", "w", encoding="utf-8") as out:
            for document in documents:
                out.write(dumps(document, json_options=CANONICAL_JSON_OPTIONS) + "\n")
                count += 1
        counts[collection] = count
    return counts


def backup(path, target):
    """Copy a store file consistently with SQLite's online backup, even while the server writes to it."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
