"""Shared extension objects: the OpenAPI-aware Api and the database connection."""
import http
import logging
import urllib.parse

import flask_smorest
import mongoengine
from flask_smorest.utils import prepare_response

from api.errors import PROBLEM_CONTENT_TYPE, ProblemSchema

log = logging.getLogger(__name__)

DATABASE_ALIAS = "default"
EMBEDDED_DATABASE = "taskforce"
_embedded = None


class Api(flask_smorest.Api):
    """flask-smorest's Api documenting every error as RFC 9457 problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # api.errors.register_error_handlers installs the one problem+json handler.
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
                prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error (429 rate limited, 503 database unavailable, …).",
                    "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)



def connect_database(config):
    """Connect mongoengine to MongoDB, or to the embedded store (api/embedded) when no URI is set."""
    mongoengine.disconnect(DATABASE_ALIAS)
    timeout = config["MONGODB_TIMEOUT_MS"]
    if config["MONGODB_URI"]:
        # On a replica set: writes acknowledged by a majority (w=majority, journaled) survive a failover;
        # reads go to the primary, so a client reads its own writes and the version it sends back in
        # If-Match is the one the compare-and-set sees. Retryable writes resend a write once across a
        # failover; the version filter keeps such a retry from applying twice. Options in MONGODB_URI win.
        defaults = {"serverSelectionTimeoutMS": timeout, "connectTimeoutMS": timeout, "socketTimeoutMS": timeout * 5,
                    "w": "majority", "journal": True, "readPreference": "primary", "retryWrites": True,
                    "retryReads": True}
        # The driver lets keyword arguments override the URI's options: pass only those the URI leaves out.
        given = _uri_options(config["MONGODB_URI"])
        options = {name: value for name, value in defaults.items()
                   if name.lower() not in given and not (name == "journal" and "j" in given)}
        mongoengine.connect(host=config["MONGODB_URI"], alias=DATABASE_ALIAS, uuidRepresentation="standard",
                            tz_aware=False, **options)
        return "mongodb"
    import mongomock

    from api.embedded.store import OpenStore
    from api.storage import cold_collections

    global _embedded
    if _embedded is not None:
        _embedded.close()
        _embedded = None
    _embedded = OpenStore(config["EMBEDDED_DB"], config["EMBEDDED_SYNCHRONOUS"], EMBEDDED_DATABASE, cold_collections())
    mongoengine.connect(EMBEDDED_DATABASE, host="mongodb://localhost", alias=DATABASE_ALIAS,
                        mongo_client_class=mongomock.MongoClient, uuidRepresentation="standard",
                        _store=_embedded.server_store)
    return "embedded"


def embedded_store():
    """The embedded store this process opened last (None on MongoDB)."""
    return _embedded


def _uri_options(uri):
    """Return the lowercased names of the options a MongoDB connection string sets."""
    query = urllib.parse.urlsplit(uri).query
    return {name.lower() for name, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)}


def ensure_indexes(documents):
    for document in documents:
        document.ensure_indexes()


def database():
    return mongoengine.get_db(DATABASE_ALIAS)
