"""Preparing the store at start: indexes, the embedded store's demo data, first accounts."""
import logging

from api.auth.models import Client, RefreshToken, RevokedAccessToken, SecurityStamp, User
from api.core.documents import IdempotencyRecord, Revision
from api.core.ratelimit import RateCounter
from api.extensions import ensure_indexes
from api.organisations.models import Organisation
from api.registrations.models import Registration, SeatBook
from api.seminars.models import Seminar
from api.sessions.models import Session
from api.tables.models import Table

log = logging.getLogger(__name__)

DOCUMENTS = [Session, Table, Seminar, Organisation, Registration, SeatBook, User, Client, SecurityStamp, Revision,
             IdempotencyRecord, RefreshToken, RevokedAccessToken, RateCounter]


def prepare_storage(app, backend):
    """Create indexes; on the embedded store, say so and load the demo data."""
    with app.app_context():
        if backend == "embedded":
            log.warning("No MONGODB_URI: using the embedded in-memory store; nothing is persisted across restarts.")
        ensure_indexes(DOCUMENTS)
        if app.config["ADMIN_EMAIL"] and app.config["ADMIN_PASSWORD"]:
            from api.auth.bootstrap import ensure_first_admin
            ensure_first_admin(app.config["ADMIN_EMAIL"], app.config["ADMIN_PASSWORD"])
        if app.config["LOAD_DEMO_DATA"]:
            from api.demo import load_demo
            counts = load_demo()
            log.info("demo data: %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
