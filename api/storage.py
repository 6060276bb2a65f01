"""Preparing the store at start: indexes, the embedded store's demo data, first accounts."""
import logging

from api.auth.models import Client, RefreshToken, RevokedAccessToken, SecurityStamp, User
from api.core.changes import key_unkeyed_revisions, settle_all_leases
from api.core.documents import ChangeCounter, ChangeLease, IdempotencyRecord, Revision
from api.core.ratelimit import RateCounter
from api.extensions import embedded_store, ensure_indexes
from api.networking.models import MeetingRequest, NetworkingSettings, Schedule
from api.organisations.models import ExternalKey, Organisation
from api.registrations.models import Registration, SeatBook
from api.releases.models import Release
from api.seminars.models import Seminar
from api.sessions.models import Session
from api.sync.models import DispatchCursor, Webhook, WebhookDelivery, WebhookHealth
from api.tables.models import Table

log = logging.getLogger(__name__)

DOCUMENTS = [Session, Table, Seminar, Release, Organisation, ExternalKey, Registration, SeatBook, NetworkingSettings, MeetingRequest,
             Schedule, User, Client, SecurityStamp, Revision, IdempotencyRecord, RefreshToken, RevokedAccessToken, RateCounter,
             ChangeCounter, ChangeLease, Webhook, WebhookDelivery, WebhookHealth, DispatchCursor]


def cold_collections():
    """The collections whose models declare `meta["embedded_cold"]`: the embedded store keeps them in its file."""
    return frozenset(document._get_collection_name() for document in DOCUMENTS if document._meta.get("embedded_cold"))


def prepare_storage(app, backend):
    """Create indexes; load the demo data when asked (on the embedded store, into an empty one only)."""
    with app.app_context():
        store = embedded_store() if backend == "embedded" else None
        if store is not None:
            if store.path == ":memory:":
                log.warning("EMBEDDED_DB is :memory:: the embedded store keeps nothing across restarts.")
            else:
                log.info("No MONGODB_URI: the embedded store is %s.", store.path)
        ensure_indexes(DOCUMENTS)
        key_unkeyed_revisions()
        if store is not None:
            settle_all_leases()
        if app.config["ADMIN_EMAIL"] and app.config["ADMIN_PASSWORD"]:
            from api.auth.bootstrap import ensure_first_admin
            ensure_first_admin(app.config["ADMIN_EMAIL"], app.config["ADMIN_PASSWORD"])
        # On MongoDB load_demo itself skips what is there; the embedded store loads it only on its first run,
        # so that demo records someone deleted do not come back at the next start.
        if app.config["LOAD_DEMO_DATA"] and (store is None or store.was_empty):
            from api.demo import load_demo
            counts = load_demo()
            log.info("demo data: %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
