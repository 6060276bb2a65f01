"""The versioned-resource mechanism: one declaration per resource, one set of services for all.

A resource declares its stored document, its marshmallow schema, its policy, its filters and
search fields; these functions give it creation, reads, lists, compare-and-set writes (PUT,
JSON merge patch, soft delete), revisions and restore. Every write is a single update filtered
on the version the caller saw, so two writers holding the same ETag cannot both succeed.
"""
import datetime as dt
import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict

import marshmallow as ma
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError, PyMongoError

from api.core import changes, search
from api.core.documents import Revision, utcnow
from api.core.fields import references_held_by
from api.core.http import etag_for
from api.core.permissions import Identity, Policy, refuse
from api.errors import NotFound, PreconditionFailed, ValidationFailed, flatten_errors

log = logging.getLogger(__name__)

META_FIELDS = ("id", "version", "created_at", "updated_at")
# Who changes a resource when the server itself does (e.g. upgrading a stored document's shape).
SYSTEM = Identity(sub="system")
# A reader that loses the race to store an upgrade reads what won; a bound in case writes keep landing.
UPGRADE_ATTEMPTS = 3
PENDING_REVISION = "_revision"
# Set on a document dict after it was written, so one request renders it once (never stored).
CACHED_REPRESENTATION = "__representation"
STORAGE_META = ("_id", "version", "created_at", "updated_at", "deleted_at", "search_terms", PENDING_REVISION,
                CACHED_REPRESENTATION)


class Resource:
    """Declaration of one versioned resource. Subclass and set the attributes."""

    name = None  # path name, also the resource_type of its revisions
    label = "resource"  # singular noun for the documentation
    path_param = "id"  # name of the item's path parameter
    model = None  # a VersionedDocument subclass
    schema = None  # marshmallow schema class: the representation and the input
    create_schema = None  # the input of POST, documented, when it requires more than PUT's (e.g. a password)
    query_schema = None  # marshmallow schema class of list query arguments
    policy = Policy()
    search_fields = ()
    sort_fields = {}  # API sort name -> stored field
    parent = None  # the Resource this one is nested under
    parent_field = None  # the stored field holding the parent's id
    server_fields = ()  # fields the server sets: accepted back on input, then ignored
    shown_once_fields = ()  # fields prepare() computes for the create response only, never stored
    # Fields represent() derives at read time from other documents (a seminar's seats taken): they change
    # without a new version, so they enter the ETag (see present_with_etag).
    live_fields = ()
    # Stored fields live_keys() sets; each needs a unique sparse index in the model (see live_keys).
    live_key_fields = ()
    example = None  # an example input body for the documentation
    upgrade_reason = "shape upgrade"  # the reason the revision of a version upgrade() made gives
    # The stored field an item's path names: its id, or a key unique under its parent (a release's name).
    key_field = "_id"
    # Created once and never changed: no PUT, PATCH, DELETE, history or restore (a programme release).
    immutable = False
    default_sort = None  # the `sort` of a list that names none (e.g. "-number"); always last by id
    # Fields left out of list items, for a resource whose items are large (a release's frozen programme).
    list_omits = ()

    def __init__(self):
        self.schema_instance = self.schema()
        self.loadable_fields = tuple(
            name for name, f in self.schema_instance.fields.items() if not f.dump_only)
        self.ignored_on_input = set(META_FIELDS) | set(self.server_fields) | (
            {self.parent_field} if self.parent_field else set())
        changes.register(self)

    # Hooks a resource may override -----------------------------------------------------------

    def filters(self, args):
        """Return the MongoDB filter for the resource's own list query arguments."""
        return {}

    def prepare(self, state, *, old, parent):
        """Set server-computed fields on a new state before it is checked and stored."""
        return state

    def check(self, state, *, old, parent):
        """Raise ValidationFailed or Conflict when the state breaks a rule across fields or resources."""

    def ensure_writable(self, stored):
        """Raise when this stored resource may not be changed at all (whoever asks)."""

    def after_write(self, action, stored, old, parent):
        """React to a successful write (action: created, updated, deleted, restored)."""

    def search_texts(self, state):
        """Return the values whose words `q` searches."""
        return [state.get(name) for name in self.search_fields]

    def live_keys(self, stored):
        """Return {field: value} that no two live documents of this resource may share (one open meeting request
        per pair, say), for a document about to be stored; omit a field to claim nothing.

        The write mechanism stores them while the document is not deleted and drops them when it is; a unique
        sparse index on each field then makes the database refuse the second claimant, across processes, where a
        read-then-insert check in check() would let two concurrent writers both pass.
        """
        return {}

    def upgrade(self, stored):
        """Return a stored document brought up to the current shape (for lazy migrations).

        Return the very same dict when it is current: anything else is stored as a new version.
        """
        return stored

    # Storage ----------------------------------------------------------------------------------

    @property
    def collection(self):
        return self.model._get_collection()

    @property
    def key_attribute(self):
        """The representation's field holding the item's key."""
        return "id" if self.key_field == "_id" else self.key_field

    def key_of(self, stored):
        return str(stored[self.key_field])

    def represent(self, stored):
        """Return the full representation of a stored document (before redaction)."""
        view = dict(stored)
        view["id"] = str(stored["_id"])
        return self.schema_instance.dump(view)


# Loading input ----------------------------------------------------------------------------------


def load_state(resource, body, *, old=None):
    """Validate a request body against the resource's schema and return the state to store.

    old: the stored document being changed; the references it holds stay valid (references_held_by).
    """
    if not isinstance(body, dict):
        raise ValidationFailed({"_schema": ["The body must be a JSON object."]})
    body = {k: v for k, v in body.items() if k not in resource.ignored_on_input}
    try:
        with references_held_by(old):
            state = resource.schema_instance.load(body)
    except ma.ValidationError as error:
        raise ValidationFailed(flatten_errors(error.messages)) from None
    return _to_storage(state)


def _to_storage(value):
    """Convert values to what MongoDB stores and returns: naive UTC datetimes at millisecond precision."""
    if isinstance(value, dict):
        return {k: _to_storage(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_storage(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def merge_patch(target, patch):
    """Apply an RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def editable_view(resource, stored):
    """Return the part of the representation a client may send back."""
    representation = resource.represent(stored)
    return {k: v for k, v in representation.items() if k in resource.loadable_fields and k not in resource.ignored_on_input}


# Reads --------------------------------------------------------------------------------------------


def parse_id(value):
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound() from None


def find_stored(resource, resource_id, *, parent=None, include_deleted=False):
    """Return the stored document or raise 404."""
    query = {"_id": parse_id(resource_id)} if resource.key_field == "_id" else {resource.key_field: resource_id}
    if not include_deleted:
        query["deleted_at"] = None
    if resource.parent_field:
        query[resource.parent_field] = str(parent["_id"]) if parent else None
    stored = resource.collection.find_one(query)
    if stored is not None:
        stored = _up_to_date(resource, stored, query)
    if stored is None:
        raise NotFound()
    return stored


def get_visible(resource, resource_id, identity, *, parent=None):
    stored = find_stored(resource, resource_id, parent=parent)
    resource.policy.ensure_visible(identity, stored, parent)
    return stored


SHOWN_ONCE = "__shown_once"


def representation_of(resource, stored):
    """The full representation of a stored document, rendered once per document dict."""
    cached = stored.get(CACHED_REPRESENTATION)
    if cached is None:
        cached = resource.represent(stored)
        stored[CACHED_REPRESENTATION] = cached
    return cached


def present(resource, stored, identity):
    """Return the representation of a stored document as this caller may see it."""
    representation = _redacted(resource, stored, identity)
    representation.update(stored.get(SHOWN_ONCE, {}))
    return representation


def present_with_etag(resource, stored, identity):
    """Return the caller's representation of a stored document and its strong ETag.

    The full representation's tag is the quoted version. A redacted one (the policy hid something from
    this caller) is another representation, so it gets its own tag: the version plus a digest of what it
    shows. A client that revalidates a copy it got anonymously after signing in then gets the full one.
    A resource with live fields always gets the digest: they change between versions.
    """
    representation = _redacted(resource, stored, identity)
    variant = None
    if resource.live_fields or representation != representation_of(resource, stored):
        variant = _digest(representation)
    representation.update(stored.get(SHOWN_ONCE, {}))
    return representation, etag_for(stored["version"], variant)


def _redacted(resource, stored, identity):
    return resource.policy.redact(identity, dict(representation_of(resource, stored)), stored)


def _digest(representation):
    canonical = json.dumps(representation, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def sort_spec(resource, sort):
    sort = sort or resource.default_sort
    spec = []
    if sort:
        errors = []
        for item in sort.split(","):
            item = item.strip()
            descending = item.startswith("-")
            name = item.lstrip("-+")
            if name not in resource.sort_fields:
                errors.append(f"Cannot sort by {name!r}; choose from {', '.join(sorted(resource.sort_fields))}.")
                continue
            spec.append((resource.sort_fields[name], -1 if descending else 1))
        if errors:
            raise ValidationFailed({"sort": errors})
    # Ties follow the last key's direction, so one ascending index walked backwards serves a descending sort,
    # on MongoDB as in the embedded store.
    spec.append(("_id", spec[-1][1] if spec else 1))
    return spec


def list_query(resource, args, identity, *, parent=None):
    """Return the MongoDB filter for a list request."""
    clauses = [{"deleted_at": None}]
    if resource.parent_field:
        clauses.append({resource.parent_field: str(parent["_id"])})
    for extra in (resource.policy.visible_query(identity, parent), resource.filters(args),
                  search.list_filter(args.get("q"))):
        if extra:
            clauses.append(extra)
    return {"$and": clauses} if len(clauses) > 1 else clauses[0]


def list_page(resource, args, identity, *, parent=None):
    """Return (stored documents of the page, total count)."""
    query = list_query(resource, args, identity, parent=parent)
    page, page_size = args["page"], args["page_size"]
    spec = sort_spec(resource, args.get("sort"))
    collection = resource.collection
    total = collection.count_documents(query)
    if (page - 1) * page_size >= total:
        return [], total
    # Page the ids first, then fetch those documents: the sort and skip touch only the index keys
    # (and the embedded store copies only ids instead of every matching document).
    ids = [doc["_id"] for doc in collection.find(query, {"_id": 1}).sort(spec).skip((page - 1) * page_size).limit(page_size)]
    by_id = {doc["_id"]: doc for doc in collection.find({"_id": {"$in": ids}})}
    docs = (_up_to_date(resource, by_id[i], {"deleted_at": None}) for i in ids if i in by_id)
    return [doc for doc in docs if doc is not None], total


def present_listed(resource, stored, identity):
    """Return a list item: the caller's representation without the fields lists leave out."""
    representation = present(resource, stored, identity)
    for name in resource.list_omits:
        representation.pop(name, None)
    return representation


def live_items(resource, parent):
    """Return every live item under a parent in its current shape, oldest first."""
    query = {resource.parent_field: str(parent["_id"]), "deleted_at": None}
    docs = (_up_to_date(resource, doc, query) for doc in resource.collection.find(query).sort([("_id", 1)]))
    return [doc for doc in docs if doc is not None]


def pagination(total, page, page_size):
    # An empty list is one empty page: its first and last page, so the counts agree with the links.
    total_pages = max(math.ceil(total / page_size), 1)
    info = {"total": total, "total_pages": total_pages, "first_page": 1, "last_page": total_pages, "page": page}
    if page > 1:
        info["previous_page"] = min(page - 1, total_pages)
    if page < total_pages:
        info["next_page"] = page + 1
    return info


# Writes -------------------------------------------------------------------------------------------


def _diff(resource, old_repr, new_repr):
    change = {}
    for name in resource.loadable_fields:
        before, after = old_repr.get(name), new_repr.get(name)
        if before != after:
            change[name] = {"old": before, "new": after}
    return change


def _revision_note(action, identity, change, when, seq, reason=None):
    """What a write embeds in the document: the revision of the version it creates, with its feed sequence."""
    note = {"action": action, "changed_at": when, "changed_by": identity.sub, "change": change, "seq": seq}
    if reason:
        note["reason"] = reason
    return note


def materialise_revision(resource, stored):
    """Copy the revision embedded in a document into the revisions collection (idempotent).

    A write stores the new state and its revision in one single-document operation (the only atomic
    unit without transactions), so no version exists without its revision even if the process or the
    database fails right after. The revisions collection is filled from there: right after the write,
    before the next write overwrites the embedded note, and before history is read.
    """
    note = stored.get(PENDING_REVISION)
    key = (resource.name, str(stored["_id"]), stored["version"])
    if not note or key in _copied_revisions:
        return
    audience = resource.policy.change_audience(stored)
    public = audience == changes.PUBLIC
    record = {"_id": ":".join(map(str, key)), "resource_type": key[0], "resource_id": key[1], "version": key[2], **note,
              "snapshot": representation_of(resource, stored), "session_id": _session_id(resource, stored),
              "audience": changes.PUBLIC if public else changes.PRIVATE,
              "organisations": [] if public else sorted(set(audience)),
              "audience_keys": changes.audience_keys(changes.PUBLIC if public else changes.PRIVATE,
                                                     () if public else audience)}
    try:
        Revision._get_collection().insert_one(record)
    except DuplicateKeyError:
        pass  # copied before, by this process or another
    _copied_revisions.remember(key)


class _RecentKeys:
    """A bounded set of recently seen keys: revisions this process knows are already copied."""

    def __init__(self, size=50_000):
        self.size = size
        self.keys = OrderedDict()
        self.lock = threading.Lock()

    def __contains__(self, key):
        return key in self.keys

    def remember(self, key):
        with self.lock:
            self.keys[key] = True
            if len(self.keys) > self.size:
                self.keys.popitem(last=False)


_copied_revisions = _RecentKeys()


def _materialise_after_write(resource, stored, lease=None):
    try:
        materialise_revision(resource, stored)
    except PyMongoError:
        # The write itself is stored; its revision is copied on the next read of history or next write, or by
        # the change feed's reader once the lease, kept for that, is stale.
        log.warning("revision %s/%s v%s not yet copied", resource.name, stored["_id"], stored["version"])
        return
    if lease is not None:
        lease.release()


def _session_id(resource, stored):
    if resource.parent_field == "session_id":
        return stored.get("session_id")
    if resource.name == "sessions":
        return str(stored["_id"])
    return None


def _check(resource, state, identity, *, old, parent):
    """Refuse a new state the caller may not store, then one that breaks the resource's rules.

    In this order: the rules consult other documents (is this organisation already registered?), so a caller
    refused the state must not learn from a 409 or 422 what it may not see.
    """
    resource.policy.check_new_state(identity, state, old, parent)
    resource.check(state, old=old, parent=parent)


def create(resource, body, identity, *, parent=None, reserved_id=None, reason=None, dry_run=False):
    """Validate, check and store a new resource with its first revision; return the stored document.

    reserved_id: the id an Idempotency-Key reserved for it. When an earlier attempt with that key already
    stored it (and its answer was lost), that resource is returned instead of creating another.
    reason: why, when the body alone does not say (a copy: "cloned from session 21").
    dry_run: every check runs, nothing is stored; returns None.
    """
    if not resource.policy.can_create(identity, parent):
        refuse(identity)
    resource.policy.ensure_write_scope(identity)
    if reserved_id is not None:
        earlier = _created_earlier(resource, reserved_id)
        if earlier is not None:
            return earlier
    state = load_state(resource, body)
    state = resource.prepare(state, old=None, parent=parent)
    _check(resource, state, identity, old=None, parent=parent)
    if dry_run:
        return None
    shown_once = {k: state.pop(k) for k in resource.shown_once_fields if k in state}
    now = utcnow()
    stored = {**state, "version": 1, "created_at": now, "updated_at": now, "deleted_at": None,
              "search_terms": search.search_terms(resource.search_texts(state))}
    if resource.parent_field:
        stored[resource.parent_field] = str(parent["_id"])
    stored["_id"] = reserved_id or ObjectId()
    stored.update(resource.live_keys(stored))
    new_repr = resource.represent(stored)
    lease = changes.take_sequence(resource.name, stored["_id"])
    stored[PENDING_REVISION] = _revision_note("created", identity, _diff(resource, {}, new_repr), now, lease.seq, reason)
    try:
        resource.collection.insert_one(stored)
    except DuplicateKeyError:
        lease.release()
        # An earlier attempt that outlived its key's lease stored the reserved id meanwhile.
        earlier = _created_earlier(resource, reserved_id) if reserved_id is not None else None
        if earlier is None:
            raise
        return earlier
    except BaseException:
        lease.release()
        raise
    stored[CACHED_REPRESENTATION] = new_repr
    _materialise_after_write(resource, stored, lease)
    resource.after_write("created", stored, None, parent)
    if shown_once:
        stored[SHOWN_ONCE] = shown_once
    return stored


def _created_earlier(resource, reserved_id):
    """Return the resource an earlier attempt stored under this reserved id (its revision copied), or None."""
    stored = resource.collection.find_one({"_id": reserved_id})
    if stored is not None:
        _materialise_after_write(resource, stored)
    return stored


def _write(resource, old, new_state, identity, action, *, expected_version, parent=None, deleted=False, reason=None):
    """Compare-and-set the new state over the version the caller saw, record the revision, tell the resource."""
    new = _store(resource, old, new_state, identity, action, expected_version=expected_version, deleted=deleted,
                 reason=reason)
    resource.after_write(action, new, old, parent)
    return new


def _store(resource, old, new_state, identity, action, *, expected_version, deleted=False, reason=None):
    """Compare-and-set the new state over the version the caller saw, then record the revision."""
    now = utcnow()
    new = {**new_state, "_id": old["_id"], "version": expected_version + 1, "created_at": old["created_at"],
           "updated_at": now, "deleted_at": now if deleted else None,
           "search_terms": search.search_terms(resource.search_texts(new_state))}
    if resource.parent_field:
        new[resource.parent_field] = old[resource.parent_field]
    if not deleted:
        new.update(resource.live_keys(new))
    new_repr = resource.represent(new)
    change = {} if deleted else _diff(resource, representation_of(resource, old), new_repr)
    # The note of the version being replaced must reach the revisions collection first.
    materialise_revision(resource, old)
    lease = changes.take_sequence(resource.name, old["_id"])
    new[PENDING_REVISION] = _revision_note(action, identity, change, now, lease.seq, reason)
    try:
        result = resource.collection.replace_one({"_id": old["_id"], "version": expected_version}, new)
    except BaseException:
        lease.release()
        raise
    if result.matched_count != 1:
        lease.release()
        raise PreconditionFailed("Another change landed first; fetch the resource again and retry.")
    new[CACHED_REPRESENTATION] = new_repr
    _materialise_after_write(resource, new, lease)
    return new


def store_upgrade(resource, stored):
    """Store a document brought up to its resource's current shape as a new version made by the system.

    Return the new version, or None when there was nothing to upgrade or another write landed first.
    A deleted document is left as it is: restoring it stores it upgraded.
    """
    if stored.get("deleted_at") is not None:
        return None
    upgraded = resource.upgrade(stored)
    return None if upgraded is stored else _store_upgraded(resource, stored, upgraded)


def _store_upgraded(resource, stored, upgraded):
    # The representation changes with the shape, so the version and ETag must change with it: a client
    # revalidating its copy gets the new shape, and the revision tells whoever mirrors the history.
    try:
        return _store(resource, stored, _state_of(resource, upgraded), SYSTEM, "updated",
                      expected_version=stored["version"], reason=resource.upgrade_reason)
    except PreconditionFailed:
        return None


def _up_to_date(resource, stored, query):
    """Return the stored document in its current shape, upgraded and stored first when it was not.

    Of two readers upgrading the same version, one stores the upgrade and the other reads it back (or
    whatever landed instead); None when the document no longer matches the query. A deleted document is
    shown upgraded but not rewritten: restoring it stores a new version anyway.
    """
    for _ in range(UPGRADE_ATTEMPTS):
        upgraded = resource.upgrade(stored)
        if upgraded is stored or stored.get("deleted_at") is not None:
            return upgraded
        new = _store_upgraded(resource, stored, upgraded)
        if new is not None:
            return new
        stored = resource.collection.find_one({**query, "_id": stored["_id"]})
        if stored is None:
            return None
    return resource.upgrade(stored)


def ensure_can_modify(resource, stored, identity, parent=None):
    """Raise 401/403 unless the caller may change this resource, and 422 when nobody may."""
    _prepare_change(resource, stored, identity, parent)


def _prepare_change(resource, stored, identity, parent):
    if not resource.policy.can_modify(identity, stored, parent):
        refuse(identity)
    resource.policy.ensure_write_scope(identity)
    resource.ensure_writable(stored)


def replace(resource, stored, body, identity, *, expected_version, parent=None):
    """PUT: the body is the whole new state."""
    _prepare_change(resource, stored, identity, parent)
    state = load_state(resource, body, old=stored)
    return _finish_update(resource, stored, state, identity, expected_version, parent, "updated")


def patch(resource, stored, body, identity, *, expected_version, parent=None, dry_run=False):
    """PATCH: apply a JSON merge patch to the current state and validate the result.

    dry_run: every check runs, nothing is stored; returns `stored` itself when the patch changes nothing, else None.
    """
    _prepare_change(resource, stored, identity, parent)
    if not isinstance(body, dict):
        raise ValidationFailed({"_schema": ["A merge patch for this resource must be a JSON object."]})
    unknown = [k for k in body if k not in resource.loadable_fields and k not in resource.ignored_on_input]
    if unknown:
        raise ValidationFailed({k: ["Unknown field."] for k in unknown})
    merged = merge_patch(editable_view(resource, stored), body)
    state = load_state(resource, merged, old=stored)
    return _finish_update(resource, stored, state, identity, expected_version, parent, "updated", dry_run=dry_run)


def _finish_update(resource, stored, state, identity, expected_version, parent, action, *, dry_run=False):
    state = resource.prepare(state, old=stored, parent=parent)
    _check(resource, state, identity, old=stored, parent=parent)
    if _changes_nothing(resource, stored, state):
        # A new version would only make every other holder of the ETag fail with 412 for nothing.
        return stored
    if dry_run:
        return None
    return _write(resource, stored, state, identity, action, expected_version=expected_version, parent=parent)


def _changes_nothing(resource, stored, state):
    """True when storing this state would leave the resource as it is (not deleted, same stored fields)."""
    return stored.get("deleted_at") is None and _state_of(resource, stored) == state


def _state_of(resource, stored):
    """The part of a stored document a write replaces: all but the storage fields and the parent's id."""
    return {k: v for k, v in stored.items() if k not in STORAGE_META and k != SHOWN_ONCE and k != resource.parent_field
            and k not in resource.live_key_fields}


def store_server_fields(resource, stored, identity, values, *, expected_version, reason, shown_once=None, parent=None):
    """Store new values of fields only the server sets (a client's secret hash) as a new version.

    The revision's change compares representations, which never carry such fields (a hash, a secret), so it
    may be empty: `reason` says what changed. `shown_once` values go out in this response only, never stored.
    """
    _prepare_change(resource, stored, identity, parent)
    new = _write(resource, stored, {**_state_of(resource, stored), **values}, identity, "updated",
                 expected_version=expected_version, parent=parent, reason=reason)
    if shown_once:
        new[SHOWN_ONCE] = shown_once
    return new


def delete(resource, stored, identity, *, expected_version, parent=None):
    """Soft delete: the resource answers 404 from now on; its history stays."""
    _prepare_change(resource, stored, identity, parent)
    if not resource.policy.can_delete(identity, stored, parent):
        refuse(identity, "You may change this resource but not delete it.")
    return _write(resource, stored, _state_of(resource, stored), identity, "deleted", expected_version=expected_version,
                  parent=parent, deleted=True)


def restore(resource, stored, version, identity, *, expected_version, parent=None):
    """Make the state of an earlier version current again, as a new version."""
    _prepare_change(resource, stored, identity, parent)
    # The snapshot may predate a change of shape (a table kind's newer version): upgrade it first.
    snapshot = resource.upgrade(get_revision(resource, stored, version)["snapshot"])
    body = {k: v for k, v in snapshot.items() if k in resource.loadable_fields}
    state = load_state(resource, body, old=stored)
    return _finish_update(resource, stored, state, identity, expected_version, parent, "restored")


def list_revisions(resource, stored, args):
    materialise_revision(resource, stored)
    query = {"resource_type": resource.name, "resource_id": str(stored["_id"])}
    collection = Revision._get_collection()
    total = collection.count_documents(query)
    page, page_size = args["page"], args["page_size"]
    cursor = (collection.find(query, {"snapshot": 0}).sort([("version", -1)])
              .skip((page - 1) * page_size).limit(page_size))
    return list(cursor), total


def get_revision(resource, stored, version):
    materialise_revision(resource, stored)
    revision = Revision._get_collection().find_one(
        {"resource_type": resource.name, "resource_id": str(stored["_id"]), "version": version})
    if revision is None:
        raise NotFound(f"No version {version} of this resource.")
    return revision
