"""Delivering the change feed to webhooks, outside any request.

The dispatcher follows the change feed with its own stored cursor and stores a pending delivery for each change
and each active subscription that wants it and whose owner may see it (stored: pending deliveries survive a
restart). The sender claims due deliveries one at a time (an atomic claim with a lease, so several workers never
send one twice at once), posts them signed in the Standard Webhooks way, and records the answer; a failure is
retried with exponential backoff, and a subscription whose attempts keep failing is disabled with a reason.
"""
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import io
import json
import logging
import socket
import ssl
import threading
import time
import uuid

from bson import ObjectId
from flask import current_app
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from api.core import changes
from api.core.documents import utcnow
from api.core.fields import Timestamp
from api.core.permissions import ADMIN, PARTNER, Identity
from api.organisations.fields import organisation_exists
from api.sync import urls
from api.sync.models import DispatchCursor, Webhook, WebhookDelivery, WebhookHealth
from api.sync.webhooks import SYSTEM, disable, signing_key

log = logging.getLogger(__name__)

DISPATCHER = "dispatcher"
DISPATCH_BATCH = 500
CLAIM_SECONDS = 120  # longer than a post can take (its timeout), so a claim ends only when its sender died
MAX_RESPONSE_BYTES = 64 * 1024
_timestamp = Timestamp()


def _deliveries():
    return WebhookDelivery._get_collection()


def event_type(change):
    return f"{change['resource_type']}.{change['action']}"


def wants(webhook, change):
    """Whether a subscription asked for this change: its session (if it names one) and one of its event types."""
    if webhook.get("session_id") and change.get("session_id") != webhook["session_id"]:
        return False
    if change["changed_at"] < webhook["created_at"] or change["resource_id"] == str(webhook["_id"]) and \
            change["action"] == "created":
        return False  # made before the subscription existed, or its own making
    kind = event_type(change)
    return any(event in ("*", kind) or (event.endswith(".*") and event[:-2] == change["resource_type"])
               for event in webhook.get("events") or ())


def owner(webhook):
    """Whom a subscription stands for: the partners of its organisation, or staff when it names none."""
    organisation_id = webhook.get("organisation_id")
    if organisation_id:
        return Identity(sub=f"webhook:{webhook['_id']}", roles=frozenset({PARTNER}), organisation_id=organisation_id)
    return Identity(sub=f"webhook:{webhook['_id']}", roles=frozenset({ADMIN}))


def dispatch(batch=DISPATCH_BATCH):
    """Store a pending delivery for each new change and subscription that wants it; return how many were stored."""
    cursors = DispatchCursor._get_collection()
    record = cursors.find_one({"_id": DISPATCHER})
    since = record["cursor"] if record else 0
    found, next_cursor = changes.read_changes(SYSTEM, since, batch)
    stored = 0
    if found:
        hooks = [hook for hook in Webhook._get_collection().find({"active": True, "deleted_at": None})
                 if not hook.get("organisation_id") or organisation_exists(hook["organisation_id"])]
        drafts = set(changes.draft_sessions()) if hooks else set()
        audiences = {hook["_id"]: changes.audience_of(owner(hook)) for hook in hooks}
        now = utcnow()
        for change in found:
            for hook in hooks:
                if wants(hook, change) and changes.visible_to(audiences[hook["_id"]], change, drafts):
                    stored += _store_delivery(hook, change, now)
    if next_cursor != since:
        try:
            cursors.update_one({"_id": DISPATCHER, "cursor": since}, {"$set": {"cursor": next_cursor}}, upsert=True)
        except DuplicateKeyError:
            pass  # another worker moved it first; the deliveries both stored are one (unique per change)
    return stored


def _store_delivery(hook, change, now):
    try:
        _deliveries().insert_one({
            "webhook_id": str(hook["_id"]), "seq": change["seq"], "type": event_type(change),
            "data": json.loads(json.dumps(_feed_entry(change))), "status": "pending", "attempts": 0,
            "next_attempt_at": now, "claimed_until": None, "claimed_by": None, "response_code": None, "error": None,
            "created_at": now, "updated_at": now, "delivered_at": None})
    except DuplicateKeyError:
        return 0  # stored by an earlier run that stopped before moving the cursor
    return 1


def _feed_entry(change):
    entry = changes.entry(change)
    entry["changed_at"] = _timestamp._serialize(entry["changed_at"], None, None)
    return entry


def send_due(limit=50):
    """Claim due deliveries one at a time and post each; return how many were attempted.

    An endpoint that failed once this round gets no more attempts in it: a slow one costs the others at most one
    attempt's deadline per round.
    """
    worker = uuid.uuid4().hex
    attempted = []
    failing = []
    for _ in range(limit):
        now = utcnow()
        # Once a round: a retry due at once (no backoff configured) waits for the next round.
        claimed = _deliveries().find_one_and_update(
            {"status": "pending", "next_attempt_at": {"$lte": now}, "_id": {"$nin": attempted},
             "webhook_id": {"$nin": failing}, "$or": [{"claimed_until": None}, {"claimed_until": {"$lt": now}}]},
            {"$set": {"claimed_until": now + dt.timedelta(seconds=CLAIM_SECONDS), "claimed_by": worker}},
            sort=[("next_attempt_at", 1)], return_document=ReturnDocument.AFTER)
        if claimed is None:
            break
        if _attempt(claimed, worker):
            failing.append(claimed["webhook_id"])
        attempted.append(claimed["_id"])
    return len(attempted)


def run_once():
    """One round of the worker: dispatch new changes, then send what is due; return (stored, attempted)."""
    return dispatch(), send_due()


def message(delivery):
    """The body of a delivery: `{id, type, created_at, data}` as JSON text."""
    return json.dumps({"id": str(delivery["_id"]), "type": delivery["type"],
                       "created_at": _timestamp._serialize(delivery["created_at"], None, None),
                       "data": delivery["data"]}, ensure_ascii=False, separators=(",", ":"))


def signature(secret, message_id, timestamp, body):
    """`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret's key (Standard Webhooks)."""
    digest = hmac.new(signing_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _attempt(delivery, worker):
    """Post one claimed delivery and record the answer; return whether its endpoint failed it."""
    config = current_app.config
    hook = Webhook._get_collection().find_one({"_id": ObjectId(delivery["webhook_id"])})
    now = utcnow()
    if hook is None or hook.get("deleted_at") is not None or not hook["active"]:
        _finish(delivery, worker, {"status": "failed", "error": "The subscription is inactive or deleted."}, now)
        return False
    if hook.get("organisation_id") and not organisation_exists(hook["organisation_id"]):
        _finish(delivery, worker, {"status": "failed", "error": "The subscription's organisation was deleted."}, now)
        return False
    body = message(delivery)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "taskforce-api-webhooks",
               "webhook-id": str(delivery["_id"]), "webhook-timestamp": timestamp,
               "webhook-signature": signature(hook["signing_secret"], str(delivery["_id"]), timestamp, body)}
    code, error = post(hook["url"], body.encode(), headers, allow_private=config["WEBHOOK_ALLOW_PRIVATE_URLS"],
                       timeout=config["WEBHOOK_TIMEOUT_SECONDS"])
    attempts = delivery["attempts"] + 1
    now = utcnow()
    health = WebhookHealth._get_collection()
    if error is None and 200 <= code < 300:
        _finish(delivery, worker, {"status": "succeeded", "attempts": attempts, "response_code": code, "error": None,
                                   "delivered_at": now}, now)
        health.delete_one({"_id": delivery["webhook_id"]})
        return False
    error = error or f"The endpoint answered {code}."
    retry = attempts < config["WEBHOOK_MAX_ATTEMPTS"]
    backoff = dt.timedelta(seconds=config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1))
    _finish(delivery, worker, {"status": "pending" if retry else "failed", "attempts": attempts, "response_code": code,
                               "error": error[:500], "next_attempt_at": now + backoff if retry else None}, now)
    failures = health.find_one_and_update({"_id": delivery["webhook_id"]}, {"$inc": {"failures": 1}}, upsert=True,
                                          return_document=ReturnDocument.AFTER)["failures"]
    if failures >= config["WEBHOOK_DISABLE_AFTER"]:
        disable(delivery["webhook_id"], f"Disabled after {failures} failed attempts in a row; the last: {error}"[:500],
                now)
    return True


def _finish(delivery, worker, values, now):
    _deliveries().update_one({"_id": delivery["_id"], "claimed_by": worker},
                             {"$set": {**values, "updated_at": now, "claimed_until": None, "claimed_by": None}})


class _Deadline:
    """The moment an attempt must be over by: each blocking step may wait only for what is left of it."""

    def __init__(self, seconds):
        self.at = time.monotonic() + seconds

    def remaining(self):
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("The endpoint did not answer within the attempt's deadline.")
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket's incoming bytes, each read waiting at most until the deadline.

    A per-read timeout alone lets an endpoint that sends a byte now and then hold the attempt for ever.
    """

    def __init__(self, sock, deadline):
        super().__init__()
        self.sock = sock
        self.deadline = deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        self.sock.settimeout(self.deadline.remaining())
        return self.sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client uses of a socket, with every send and read bounded by the attempt's deadline."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline

    def sendall(self, data):
        self.sock.settimeout(self.deadline.remaining())  # sendall's timeout bounds the whole send
        self.sock.sendall(data)

    def makefile(self, mode, *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self.sock, self.deadline))

    def close(self):
        self.sock.close()


class _DeadlineConnection(http.client.HTTPConnection):
    """HTTP(S) to an address checked beforehand, all of it within one deadline; HTTPS checks the certificate
    against the URL's host name."""

    def __init__(self, address, port, deadline, tls_host=None):
        super().__init__(address, port)
        self.address = address
        self.deadline = deadline
        self.tls_host = tls_host

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.deadline.remaining())
        if self.tls_host:
            sock.settimeout(self.deadline.remaining())  # the handshake's timeout bounds the whole handshake
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.tls_host)
        self.sock = _DeadlineSocket(sock, self.deadline)


def post(url, body, headers, *, allow_private, timeout):
    """POST to a webhook URL, connecting to an address checked now; return (status code or None, error or None).

    The attempt (connecting, sending, the answer's status, headers and up to MAX_RESPONSE_BYTES of its body) ends
    within `timeout` seconds of its start, however slowly the endpoint answers. Any error is a failed attempt, never the sender's: an endpoint must
    not stop the round. Redirects are not followed (a redirect could lead anywhere, checked or not): a 3xx is a
    failed attempt.
    """
    deadline = _Deadline(timeout)
    connection = None
    try:
        scheme, host, port, path, addresses = urls.resolve(url, allow_private=allow_private)
        default_port = 443 if scheme == "https" else 80
        host_header = f"[{host}]" if ":" in host else host
        if port != default_port:
            host_header += f":{port}"
        connection = _DeadlineConnection(addresses[0], port, deadline, tls_host=host if scheme == "https" else None)
        connection.request("POST", path, body=body, headers={**headers, "Host": host_header})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status, None
    except urls.UnsafeUrl as error:
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - whatever an endpoint or its URL causes fails this attempt only
        return None, f"{type(error).__name__}: {error}"[:500]
    finally:
        if connection is not None:
            connection.close()


class Worker:
    """The delivery worker as a background thread of the app (the embedded store's default); stop() ends it."""

    def __init__(self, app, interval):
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="webhooks-worker", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self, timeout=10):
        self.stopping.set()
        self.thread.join(timeout)

    def _run(self):
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    run_once()
            except Exception:  # a round that failed (database down): the next one tries again
                log.exception("webhook delivery round failed")
            self.stopping.wait(self.interval)
