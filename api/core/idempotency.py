"""Idempotency-Key on creating POSTs: the first response is kept 24 h and replayed to retries."""
import datetime as dt
import hashlib
import json
import logging

from flask import current_app, request
from pymongo.errors import DuplicateKeyError, PyMongoError

from api.core.documents import IdempotencyRecord, utcnow
from api.errors import Conflict, ValidationFailed

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")
# A request holds its key this long at most. A record still "in progress" after that was left behind by a
# request that died with the database (it could not release the key): a retry may then take the key over.
IN_PROGRESS_LEASE_SECONDS = 60


def _request_hash():
    digest = hashlib.sha256()
    digest.update(request.mimetype.encode())
    digest.update(b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(record):
    response = current_app.response_class(record["body"], status=record["status"])
    for name, value in (record.get("headers") or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def run_idempotent(identity, handler, not_replayed=()):
    """Run handler once per (caller, route, key); replay its stored response to retries.

    Fields named in not_replayed (secrets shown once) are not kept: a replay omits them.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    # Printable ASCII, as documented: header values arrive as Latin-1, so other characters are mojibake.
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ValidationFailed({HEADER: ["Must be 1 to 255 printable ASCII characters."]})
    collection = IdempotencyRecord._get_collection()
    scope = f"{identity.sub or 'anonymous'} {request.method} {request.path}"
    request_hash = _request_hash()
    try:
        collection.insert_one({"scope": scope, "key": key, "request_hash": request_hash,
                               "state": "in_progress", "created_at": utcnow()})
    except DuplicateKeyError:
        record = collection.find_one({"scope": scope, "key": key})
        if record is None:  # expired in between: treat as new
            return run_idempotent(identity, handler, not_replayed)
        if record["request_hash"] != request_hash:
            raise ValidationFailed({HEADER: ["This key was used with a different request body."]},
                                   detail="Idempotency-Key reused with a different body.")
        if record["state"] != "done":
            if record["created_at"] + dt.timedelta(seconds=IN_PROGRESS_LEASE_SECONDS) < utcnow():
                # Abandoned: release it (only if nobody else did) and run as the first request.
                collection.delete_one({"_id": record["_id"], "state": "in_progress", "created_at": record["created_at"]})
                return run_idempotent(identity, handler, not_replayed)
            raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.",
                           headers={"Retry-After": "1"})
        return _replay(record)
    try:
        response = handler()
    except BaseException:
        collection.delete_one({"scope": scope, "key": key, "state": "in_progress"})
        raise
    if response.status_code >= 300:
        # Only successes are kept: a failed attempt may be retried with the same key.
        collection.delete_one({"scope": scope, "key": key, "state": "in_progress"})
        return response
    body = response.get_data(as_text=True)
    if not_replayed:
        kept = json.loads(body)
        body = json.dumps({k: v for k, v in kept.items() if k not in not_replayed}, ensure_ascii=False,
                          separators=(",", ":"))
    try:
        collection.update_one({"scope": scope, "key": key}, {"$set": {
            "state": "done", "status": response.status_code, "body": body,
            "headers": {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}}})
    except PyMongoError:
        # The resource is created: answer so. A 503 would invite a retry, which could not be replayed.
        log.warning("Idempotency-Key %r: the response could not be kept for replays", key)
    return response
