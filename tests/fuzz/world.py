"""What one fuzzing test works on: the app, a fresh embedded store with the demo data, and who calls."""
from bson import ObjectId
from bson.errors import InvalidId

from api.auth.bootstrap import create_partner_client
from api.auth.resource import clients, users
from api.core import resource as services
from api.core.permissions import ADMIN, PARTNER, Identity
from api.networking.resource import meeting_requests, networking_settings
from api.demo import DEMO_LOADER, load_demo
from api.extensions import connect_database
from api.organisations.resource import organisations
from api.registrations.resource import registrations
from api.releases.resource import releases
from api.seminars.resource import seminars
from api.sessions.resource import sessions
from api.sync.webhooks import webhooks
from api.storage import prepare_storage
from api.tables.resource import tables
from tests.conftest import account_token

ROLES = ("admin", "partner")
# The partner acts for this demo organisation, which manages three others of the directory.
PARTNER_ORGANISATION = "Marche Internazionale – Agenzia regionale per la promozione delle imprese"
USER_EMAIL = "fuzz.user@example.org"
USER_PASSWORD = "a long fuzzing passphrase"
# The accounts of the callers (stored in each fresh store: a token acts only while its account does).
FUZZ_ADMIN, FUZZ_PARTNER = "user:64b7f0c2a1e4b3d2c1a0ad01", "user:64b7f0c2a1e4b3d2c1a0ba01"

SUMMARY = {name: 1 for name in ("version", "session_id", "kind", "attributes", "status", "managed_by", "timezone",
                                 "starts_on", "ends_on", "deleted_at", "organisation_id")}
# Collection segment of a path → the resource it names.
RESOURCES = {resource.name: resource for resource in (sessions, organisations, tables, seminars, registrations, users,
                                                     clients, meeting_requests, networking_settings, releases,
                                                     webhooks)}
# A literal public address: a valid webhook URL without asking DNS.
PUBLIC_WEBHOOK_URL = "https://93.184.215.14/taskforce/events"
# The demo session has concluded: registrations are made in this next one, open for them, with a small programme.
OPEN_SESSION = {
    "number": 22, "title": {"it": "XXII Sessione della Task Force italo-russa", "ru": "XXII сессия Рабочей группы"},
    "host_country": "RU", "host_region": "RU-KLU", "city": "Калуга", "starts_on": "2013-10-15", "ends_on": "2013-10-17",
    "timezone": "Europe/Moscow", "status": "registration_open", "languages": ["it", "ru"],
}
OPEN_SESSION_TABLE = {"kind": "sector", "title": {"it": "Logistica", "ru": "Логистика"}, "sectors": ["logistics"],
                      "attributes": {"nace_codes": ["H49"], "agenda_items": [], "outcomes": []}}
OPEN_SESSION_SEMINAR = {"title": {"it": "Zone economiche speciali", "ru": "Особые экономические зоны"},
                        "starts_at": "2013-10-16T10:00:00+04:00", "ends_at": "2013-10-16T12:00:00+04:00", "capacity": 2}


class World:
    """A fresh store per test, so that every fuzzed operation starts from the same demo state."""

    def __init__(self, app):
        self.app = app

    def reset(self):
        """Replace the store with a new one holding the demo data, one user and one client credential."""
        backend = connect_database(self.app.config)
        prepare_storage(self.app, backend)
        with self.app.app_context():
            load_demo()
            self.session_id = str(sessions.collection.find_one({"number": 21})["_id"])
            open_session = services.create(sessions, OPEN_SESSION, DEMO_LOADER)
            self.open_session_id = str(open_session["_id"])
            services.create(tables, OPEN_SESSION_TABLE, DEMO_LOADER, parent=open_session)
            services.create(seminars, OPEN_SESSION_SEMINAR, DEMO_LOADER, parent=open_session)
            # A release of the demo session's programme, for the release reads to find.
            services.create(releases, {"name": "v1"}, DEMO_LOADER,
                            parent=sessions.collection.find_one({"_id": ObjectId(self.session_id)}))
            self.organisation_ids = sorted(str(o["_id"]) for o in organisations.collection.find({}, {"_id": 1}))
            self.partner_organisation_id = str(organisations.collection.find_one({"name": PARTNER_ORGANISATION})["_id"])
            self.managed_ids = sorted(str(o["_id"]) for o in organisations.collection.find(
                {"managed_by": self.partner_organisation_id}, {"_id": 1}))
            self.user_id = str(services.create(users, {
                "email": USER_EMAIL, "password": USER_PASSWORD, "display_name": "Fuzzing user",
                "roles": [PARTNER], "organisation_id": self.partner_organisation_id}, DEMO_LOADER)["_id"])
            self.client_id, self.client_secret = create_partner_client(self.partner_organisation_id, "Fuzzing CRM")
            self.client_key = str(clients.collection.find_one({"client_id": self.client_id})["_id"])
            services.create(webhooks, {"url": PUBLIC_WEBHOOK_URL, "events": ["organisations.*"],
                                       "organisation_id": self.partner_organisation_id}, DEMO_LOADER)
            self.headers = {role: {"Authorization": "Bearer " + account_token(
                self.app, *identity.roles, sub=identity.sub, organisation_id=identity.organisation_id)}
                for role, identity in self.identities().items()}
        self.idempotency_keys = {}
        return self

    def identities(self):
        return {
            "admin": Identity(sub=FUZZ_ADMIN, roles=frozenset({ADMIN})),
            "partner": Identity(sub=FUZZ_PARTNER, roles=frozenset({PARTNER}),
                                organisation_id=self.partner_organisation_id),
        }

    # Looking things up in the store ---------------------------------------------------------------

    def find(self, resource, resource_id, *, summary=False, **query):
        """The stored document with this id, or key (deleted ones too), or None; with summary, only the fields
        that say where it is and what state it is in."""
        if resource.key_field != "_id":
            key = {resource.key_field: resource_id} if isinstance(resource_id, str) else None
        else:
            try:
                key = {"_id": ObjectId(resource_id)}
            except (InvalidId, TypeError):
                key = None
        if key is None:
            return None
        return resource.collection.find_one({**key, **query}, SUMMARY if summary else None)

    def find_settings(self, session_id):
        """The session's stored networking settings, or None."""
        return networking_settings.collection.find_one({"session_id": str(session_id), "deleted_at": None})

    def items_of(self, resource, **query):
        return [resource.key_of(doc) for doc in
                resource.collection.find({"deleted_at": None, **query}, {resource.key_field: 1}).sort("_id")]
