"""Stored documents shared by every resource: the versioned base, revisions, idempotency records."""
import datetime as dt

import mongoengine as me


def utcnow():
    """Now in UTC at MongoDB's millisecond precision, naive as the driver returns it."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class VersionedDocument(me.Document):
    """Base of every resource with an id: version, timestamps, soft delete, search words."""

    version = me.IntField(required=True, min_value=1)
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    deleted_at = me.DateTimeField()
    search_terms = me.ListField(me.StringField())

    # Every list filters on deleted_at = null and sorts last by _id: (deleted_at, _id) answers the plain list
    # and its count from the index alone, and gives every list query an index to start from. A resource's
    # own indexes put its equality filters first, then deleted_at, then _id: the filtered list needs no
    # sort stage. `q` reads search_terms (anchored prefixes: index ranges). Every list sorts by created_at and
    # updated_at: (deleted_at, <field>, _id) hands it out in that order (deleted_at is fixed, _id breaks ties).
    meta = {
        "abstract": True,
        "strict": False,
        "indexes": [("deleted_at", "id"), "search_terms", "updated_at", ("deleted_at", "created_at", "id"),
                    ("deleted_at", "updated_at", "id")],
    }


class Revision(me.Document):
    """One stored past state of a resource: who changed what and when.

    Its id is "<resource_type>:<resource_id>:<version>", so the primary key itself guarantees one
    revision per version and copying a revision twice is a harmless duplicate-key error.
    """

    id = me.StringField(primary_key=True)
    resource_type = me.StringField(required=True)
    resource_id = me.StringField(required=True)
    version = me.IntField(required=True)
    action = me.StringField(required=True, choices=("created", "updated", "deleted", "restored"))
    changed_at = me.DateTimeField(required=True)
    changed_by = me.StringField()
    change = me.DictField()
    reason = me.StringField()  # set when the server made the version itself, e.g. "kind upgrade"
    snapshot = me.DictField()
    session_id = me.StringField()
    # The change feed (api/core/changes.py): the global commit sequence, and who may see the change.
    seq = me.IntField()
    audience = me.StringField(choices=("public", "private"))
    organisations = me.ListField(me.StringField())  # whose partners see a private change (staff see all)
    # Who may see the change, as the feed's filter names them ("public", "org:<id>", "staff"): a multikey index
    # leading with it lets a poll read the changes its caller sees and skip the hidden ones.
    audience_keys = me.ListField(me.StringField())

    meta = {
        "collection": "revisions",
        "strict": False,
        # Written on every change and read an item at a time: the embedded store keeps it on disk (api/embedded/cold.py).
        "embedded_cold": True,
        "indexes": [
            ["resource_type", "resource_id", "-version"],
            "changed_at",
            # The feed reads `seq > cursor` in order (the _id breaks no tie: it makes the order one the embedded
            # store's ordered index serves); its filters lead with their equality.
            ("seq", "id"),
            ("resource_type", "seq", "id"),
            ("session_id", "seq", "id"),
            ("audience_keys", "seq", "id"),
        ],
    }


class ChangeCounter(me.Document):
    """The last sequence number the change feed handed out (one document, `_id` "changes")."""

    id = me.StringField(primary_key=True)
    seq = me.IntField(required=True)

    meta = {"collection": "change_counters", "strict": False}


class ChangeLease(me.Document):
    """A write in flight holding a sequence number: the feed answers nothing at or past it until it is gone."""

    seq = me.IntField()  # None for the instant between taking the lease and taking the number
    resource_type = me.StringField(required=True)
    resource_id = me.StringField(required=True)
    taken_at = me.DateTimeField(required=True)

    meta = {"collection": "change_leases", "strict": False, "indexes": ["seq"]}


class IdempotencyRecord(me.Document):
    """The first response to a POST carrying an Idempotency-Key, replayed for 24 hours."""

    scope = me.StringField(required=True)
    key = me.StringField(required=True, max_length=255)
    request_hash = me.StringField(required=True)
    # released: an attempt failed without knowing whether it created the resource; a retry takes over at once.
    state = me.StringField(required=True, choices=("in_progress", "released", "done"))
    owner = me.StringField()  # token of the request holding the key: only it may change the record
    resource_id = me.ObjectIdField()  # reserved before creating, so a retry finds what an earlier attempt stored
    leased_at = me.DateTimeField()  # when the owner took the key; it may be taken over once its lease ends
    status = me.IntField()
    body = me.StringField()
    headers = me.DictField()
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "idempotency_records",
        "strict": False,
        "indexes": [
            {"fields": ["scope", "key"], "unique": True},
            {"fields": ["created_at"], "expireAfterSeconds": 24 * 3600},
        ],
    }
