"""Idempotency-Key on creating POSTs: the first response is kept 24 h and replayed to retries.

The key's record reserves the id of the resource to create before anything is inserted, so a retry after an
ambiguous failure (the database stored the resource but the answer was lost) finds that resource instead of
creating a second one. Each request holding the key carries an owner token, and changes the record only while
it still owns it: a request that outlived its lease cannot overwrite the record of the one that took over.
"""
import datetime as dt
import hashlib
import json
import logging
import uuid

from bson import ObjectId
from flask import current_app, request
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from api.core.documents import IdempotencyRecord, utcnow
from api.errors import ApiError, Conflict, ValidationFailed

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")
# A request holds its key this long at most. A record still "in progress" after that was left behind by a
# request that died with the database (it could not release the key): a retry may then take the key over.
IN_PROGRESS_LEASE_SECONDS = 60
# Claiming loops only when the record vanished or changed hands in between; a bound all the same.
CLAIM_ATTEMPTS = 5


def _request_hash():
    digest = hashlib.sha256()
    digest.update(request.mimetype.encode())
    digest.update(b"\0")
    # The query is part of the request (an import's `dry_run`): the same key with another query is another
    # request, refused like another body. Its parameters are sorted by name, so the order a client writes
    # different names in does not count; the values of one name keep their order, which can matter.
    for name, value in sorted(request.args.items(multi=True), key=lambda item: item[0]):
        digest.update(f"{len(name)}:{name}={len(value)}:{value}&".encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    if request.mimetype == "multipart/form-data":
        # A client draws a new boundary for every send, retries too: the parts are the request, not their framing.
        for name, value in sorted(request.form.items(multi=True), key=lambda item: str(item)):
            digest.update(f"{len(str(name))}:{name}={len(value)}:".encode("utf-8", "surrogatepass") +
                          value.encode("utf-8", "surrogatepass"))
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: str(item[0])):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"{len(str(name))}:{name}@{len(content)}:".encode("utf-8", "surrogatepass") + content)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(record):
    response = current_app.response_class(record["body"], status=record["status"])
    for name, value in (record.get("headers") or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def run_idempotent(identity, handler, not_replayed=(), ensure_still_visible=None):
    """Run handler(reserved_id) once per (caller, route, key); replay its stored response to retries.

    handler creates the resource with the reserved id it is given (None without a key), or answers with the
    resource an earlier attempt created under that id. Fields named in not_replayed (secrets shown once)
    are not kept: a replay omits them. The caller's right to create is checked before this is called, as
    for a first attempt; ensure_still_visible(resource_id) raises unless the caller may still read what the
    first attempt created: a caller whose roles or organisations changed since gets no stored copy of it.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return handler(None)
    # Printable ASCII, as documented: header values arrive as Latin-1, so other characters are mojibake.
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ValidationFailed({HEADER: ["Must be 1 to 255 printable ASCII characters."]})
    collection = IdempotencyRecord._get_collection()
    scope = f"{identity.sub or 'anonymous'} {request.method} {request.path}"
    owner = uuid.uuid4().hex
    record = _claim(collection, scope, key, _request_hash(), owner)
    if not isinstance(record, dict):
        replay, resource_id = record
        if ensure_still_visible is not None and resource_id is not None:
            ensure_still_visible(resource_id)
        return replay
    mine = {"_id": record["_id"], "owner": owner}
    try:
        response = handler(record["resource_id"])
    except (ApiError, DuplicateKeyError) as error:
        if isinstance(error, ApiError) and error.status >= 500:
            _release(collection, mine)
        else:
            # Refused before anything was stored: the key is free for another request.
            collection.delete_one(mine)
        raise
    except BaseException:
        _release(collection, mine)
        raise
    if response.status_code >= 300:
        # Only successes are kept: a failed attempt may be retried with the same key.
        collection.delete_one(mine)
        return response
    body = response.get_data(as_text=True)
    if not_replayed:
        kept = json.loads(body)
        body = json.dumps({k: v for k, v in kept.items() if k not in not_replayed}, ensure_ascii=False,
                          separators=(",", ":"))
    try:
        result = collection.update_one(mine, {"$set": {
            "state": "done", "status": response.status_code, "body": body,
            "headers": {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}}})
        if result.matched_count != 1:
            log.warning("Idempotency-Key %r: the key was taken over; the response of its new holder is kept", key)
    except PyMongoError:
        # The resource is created: answer so. A 503 would invite a retry, which could not be replayed.
        log.warning("Idempotency-Key %r: the response could not be kept for replays", key)
    return response


def _claim(collection, scope, key, request_hash, owner):
    """Take the key for this request: return its record (with the reserved id), or (a replay, the id it created);
    raise 409/422."""
    for _ in range(CLAIM_ATTEMPTS):
        now = utcnow()
        record = {"scope": scope, "key": key, "request_hash": request_hash, "state": "in_progress", "owner": owner,
                  "resource_id": ObjectId(), "created_at": now, "leased_at": now}
        try:
            collection.insert_one(record)
            return record
        except DuplicateKeyError:
            existing = collection.find_one({"scope": scope, "key": key})
        if existing is None:  # expired in between: claim it anew
            continue
        if existing["request_hash"] != request_hash:
            raise ValidationFailed({HEADER: ["This key was used with a different request body or query."]},
                                   detail="Idempotency-Key reused with a different body or query.")
        if existing["state"] == "done":
            return _replay(existing), existing.get("resource_id")
        leased_at = existing.get("leased_at", existing["created_at"])
        if existing["state"] == "in_progress" and leased_at + dt.timedelta(seconds=IN_PROGRESS_LEASE_SECONDS) >= now:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.",
                           headers={"Retry-After": "1"})
        # Released by an attempt that failed without knowing whether it created the resource, or abandoned
        # past its lease: take it over with the same reserved id, unless another retry just did.
        taken = collection.find_one_and_update(
            {"_id": existing["_id"], "owner": existing.get("owner"), "state": existing["state"]},
            {"$set": {"owner": owner, "state": "in_progress", "leased_at": now,
                      "resource_id": existing.get("resource_id") or ObjectId()}},
            return_document=ReturnDocument.AFTER)
        if taken is not None:
            return taken
    raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.",
                   headers={"Retry-After": "1"})


def _release(collection, mine):
    """Let a retry take the key over at once, keeping the reserved id: the resource may have been created."""
    try:
        collection.update_one(mine, {"$set": {"state": "released"}})
    except PyMongoError:
        # The database is away: the record stays in progress and a retry may take it over after its lease.
        log.warning("Idempotency-Key record %s could not be released", mine["_id"])
