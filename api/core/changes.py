"""The change feed: a global sequence number on every write, and the reading of revisions in that order.

Design. Every write of every resource goes through `api.core.resource` (create, _store), which embeds the
revision note in the document it writes (one atomic operation) and then copies it into `revisions`. The feed
adds three things to that one path:

- a sequence number (`seq`), taken from a counter document with `$inc` before the write and put in the
  revision note, so it commits atomically with the document and reaches `revisions` with it; the feed reads
  `revisions` by `seq` on a declared index, so a poll costs what it returns;
- a lease per write in flight: inserted *before* the number is taken, given the number right after, dropped
  once the revision is in `revisions` (or the write failed). A writer may take 7, another 8, and 8 may commit
  first; a reader answers only up to the lowest number still leased, so it cannot pass 7 and skip it;
- a bound read first: the counter's value when the read starts. Every number up to it was taken after its
  lease existed, so the leases read next cover every one of them still in flight. A lease not yet given its
  number might hold any of them: the reader then answers nothing new (that lasts one database round trip).

A lease older than `CHANGE_LEASE_SECONDS` belongs to a writer that died: the reader resolves it (copies the
revision if the document holds that number's note, else the write never happened) and drops it. So no change
is skipped and none is seen twice. Change streams would need a replica set and do not exist on the embedded
store; a settle window would still skip a write slower than the window without saying so.

Visibility is the resources' own policies' (`Policy.change_audience`), decided when the revision is stored and
kept on it (`audience`, `organisations`, and the same as the keys a reader's filter names, `audience_keys`),
plus the session it belongs to, checked at read time (a draft session's programme is for staff only, and
becomes visible with the session). A reader's filter fixes `audience_keys` to its own keys, first field of the
index (audience_keys, seq, _id): a poll walks the changes its caller may see from its cursor, not the hidden
ones between (only a draft session's changes, few, are still read to be left out).
"""
import datetime as dt
import logging
import threading

from bson import ObjectId
from flask import current_app
from pymongo import ReturnDocument

from api.core.documents import ChangeCounter, ChangeLease, Revision, utcnow
from api.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

PUBLIC = "public"
PRIVATE = "private"
STAFF_ONLY = "staff"
COUNTER_ID = "changes"
DEFAULT_LEASE_SECONDS = 60
NOT_A_CURSOR = "Not a cursor of this feed: send back a `cursor` or `next_cursor` it gave you."
ACTIONS = ("created", "updated", "deleted", "restored")
FEED_FIELDS = {"seq": 1, "resource_type": 1, "resource_id": 1, "version": 1, "action": 1, "changed_at": 1,
               "session_id": 1, "audience": 1, "organisations": 1}

# Every resource declared (by Resource.__init__), by its path name: the feed's resource types, and where a
# stale lease's document is looked up.
_resources = {}
_resources_lock = threading.Lock()


def register(resource):
    with _resources_lock:
        _resources[resource.name] = resource


def resource_types():
    """The path names of every declared resource (a change's `resource_type`)."""
    return sorted(_resources)


# Writers ----------------------------------------------------------------------------------------------------


class Lease:
    """The sequence number a write took, held until its revision is in `revisions`."""

    def __init__(self, lease_id, seq):
        self.lease_id = lease_id
        self.seq = seq

    def release(self):
        ChangeLease._get_collection().delete_one({"_id": self.lease_id})


def take_sequence(resource_type, resource_id):
    """Lease the next sequence number for a write of this resource; release the lease when done."""
    leases = ChangeLease._get_collection()
    lease_id = ObjectId()
    leases.insert_one({"_id": lease_id, "seq": None, "resource_type": resource_type, "resource_id": str(resource_id),
                       "taken_at": utcnow()})
    try:
        counter = ChangeCounter._get_collection().find_one_and_update(
            {"_id": COUNTER_ID}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        leases.update_one({"_id": lease_id}, {"$set": {"seq": counter["seq"]}})
    except Exception:
        leases.delete_one({"_id": lease_id})
        raise
    return Lease(lease_id, counter["seq"])


# Readers ----------------------------------------------------------------------------------------------------


def settled_up_to(since):
    """The highest sequence number up to which every change is in `revisions` (at least `since`).

    A `since` past every number taken so far is none the feed gave: a client keeping it would skip every
    change up to it, so it is refused (422) rather than echoed back.
    """
    counter = ChangeCounter._get_collection().find_one({"_id": COUNTER_ID})
    upper = counter["seq"] if counter else 0
    if since > upper:
        raise ValidationFailed({"since": [NOT_A_CURSOR]})
    stale_before = utcnow() - dt.timedelta(seconds=_lease_seconds())
    for lease in ChangeLease._get_collection().find({}).sort([("seq", 1)]):
        if lease["taken_at"] < stale_before:
            _resolve_stale(lease)
            continue
        if lease["seq"] is None:
            return since
        upper = min(upper, lease["seq"] - 1)
        break
    return max(upper, since)


def _lease_seconds():
    return current_app.config.get("CHANGE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)


def _resolve_stale(lease):
    """A writer that died holding a lease: copy its revision if its write happened, then drop the lease."""
    from api.core.resource import PENDING_REVISION, materialise_revision, parse_id

    resource = _resources.get(lease["resource_type"])
    if resource is not None and lease["seq"] is not None:
        try:
            stored = resource.collection.find_one({"_id": parse_id(lease["resource_id"])})
        except NotFound:  # an id that is no ObjectId: no document of this resource has it
            stored = None
        if stored is not None and (stored.get(PENDING_REVISION) or {}).get("seq") == lease["seq"]:
            materialise_revision(resource, stored)
        log.warning("dropped the stale change lease %s of %s/%s", lease["seq"], lease["resource_type"],
                    lease["resource_id"])
    ChangeLease._get_collection().delete_one({"_id": lease["_id"]})


def settle_all_leases():
    """Settle every lease as a dead writer's: at the start of the embedded store, whose writers all lived in the
    process that stopped (waiting out their lease would hold the feed back for nothing)."""
    for lease in ChangeLease._get_collection().find({}):
        _resolve_stale(lease)


def draft_sessions():
    """Ids of the sessions in draft (deleted ones too): their changes are for staff only."""
    from api.sessions.models import Session
    return [str(doc["_id"]) for doc in Session._get_collection().find({"status": "draft"}, {"_id": 1})]


def audience_of(identity):
    """(whether the caller is staff, the organisations it acts for): what deciding its visibility needs."""
    if identity.is_staff:
        return True, frozenset()
    return False, frozenset(_organisations_of(identity))


def audience_keys(audience, organisations):
    """The keys a change is stored under for the readers who may see it: PUBLIC, or one per organisation whose
    partners see it, or STAFF_ONLY (staff read every change without a filter)."""
    if audience == PUBLIC:
        return [PUBLIC]
    return [_organisation_key(organisation) for organisation in sorted(set(organisations))] or [STAFF_ONLY]


def _organisation_key(organisation_id):
    return f"org:{organisation_id}"


def key_unkeyed_revisions():
    """Give `audience_keys` to the revisions stored before they existed (once; the next starts find none)."""
    collection = Revision._get_collection()
    for revision in collection.find({"audience_keys": None}, {"audience": 1, "organisations": 1}):
        keys = audience_keys(revision.get("audience"), revision.get("organisations") or ())
        collection.update_one({"_id": revision["_id"], "audience_keys": None}, {"$set": {"audience_keys": keys}})


def visibility_query(identity):
    """The filter on revisions to the changes this caller may see (none for staff)."""
    staff, organisations = audience_of(identity)
    if staff:
        return {}
    query = {"audience_keys": {"$in": [PUBLIC, *map(_organisation_key, sorted(organisations))]}}
    drafts = draft_sessions()
    return {"$and": [query, {"session_id": {"$nin": drafts}}]} if drafts else query


def visible_to(audience, change, drafts):
    """Whether a change is visible to an audience_of() a caller: the test visibility_query makes, on one change."""
    staff, organisations = audience
    if staff:
        return True
    if change.get("session_id") in drafts:
        return False
    return change.get("audience") == PUBLIC or bool(organisations.intersection(change.get("organisations") or ()))


def _organisations_of(identity):
    from api.organisations.policies import represented_organisations
    return represented_organisations(identity)


def read_changes(identity, since, limit, *, resource_type=None, session_id=None):
    """Return (the changes after `since` this caller may see, in commit order, at most `limit`; next cursor).

    The next cursor is the last change returned when the page is full; otherwise every change up to the
    settled bound was read (those hidden from the caller included), so it is that bound.
    """
    upper = settled_up_to(since)
    if upper <= since:
        return [], since
    clauses = [{"seq": {"$gt": since, "$lte": upper}}]
    for extra in (visibility_query(identity), {"resource_type": resource_type} if resource_type else {},
                  {"session_id": session_id} if session_id else {}):
        if extra:
            clauses.append(extra)
    query = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    found = list(Revision._get_collection().find(query, FEED_FIELDS).sort([("seq", 1), ("_id", 1)]).limit(limit))
    next_cursor = found[-1]["seq"] if len(found) == limit else upper
    return found, next_cursor


def entry(change):
    """A change as the feed shows it."""
    return {"cursor": str(change["seq"]), "resource_type": change["resource_type"],
            "resource_id": change["resource_id"], "version": change["version"], "action": change["action"],
            "changed_at": change["changed_at"], "session_id": change.get("session_id")}
