"""Taskforce API: create_app() only."""
import logging
import re
import uuid

from flask import Flask, g, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from api.config import embedded_db_path, load_config
from api.errors import register_error_handlers
from api.extensions import Api, connect_database
from api.logs import configure_logging
from api.observability import init_request_observation

log = logging.getLogger("api")

EXPOSED_HEADERS = ["ETag", "Location", "Link", "X-Pagination", "Retry-After", "RateLimit", "RateLimit-Policy",
                   "Idempotent-Replayed", "X-Request-ID"]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

OPENAPI_INFO = {
    "description": (
        "Headless REST API for bilateral economic-cooperation forums: the sessions of a task force, their "
        "thematic tables and seminars, the Networking Open Space and the directory of organisations.\n\n"
        "Every resource with an id is versioned: send the ETag back in `If-Match` to write; errors are "
        "RFC 9457 problem+json."
    ),
}

BEARER_DESCRIPTION = (
    "An access token from POST /api/v1/auth/token, valid for `expires_in` seconds unless ended earlier. It is "
    "ended (401, `error=\"invalid_token\"`) when it is revoked (POST /api/v1/auth/revoke); when the refresh token "
    "family it was issued with is revoked (revocation, or reuse of a spent refresh token); when its account's "
    "password or secret, roles or scopes, `active` flag or organisation change, or the account is deleted or "
    "restored; when an admin ends the account's tokens (POST …/revoke-tokens); when a partner's organisation is "
    "deleted (restoring it does not bring them back). This takes effect at once on the server process that made "
    "the change, and on every other process within `TOKEN_CHECK_CACHE_SECONDS` (5 by default).")


def create_app(test_config=None):
    """Build the Flask application."""
    config = load_config(test_config)
    app = Flask(__name__)
    app.config.update(config)
    if config["TRUSTED_PROXIES"]:
        # Each trusted proxy appends the address it received the request from: the client's is that many from
        # the end of X-Forwarded-For (and the scheme it used, of X-Forwarded-Proto). Values further left are
        # whatever the client sent, so they are never read.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config["TRUSTED_PROXIES"], x_proto=config["TRUSTED_PROXIES"],
                                x_host=0, x_port=0, x_prefix=0)
    app.config.update(
        API_TITLE="Taskforce API",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",
        API_SPEC_OPTIONS={"info": OPENAPI_INFO, "servers": [{"url": "/"}]},
        JSON_SORT_KEYS=False,
    )
    configure_logging(config["LOG_LEVEL"])

    app.config["EMBEDDED_DB"] = embedded_db_path(config, app.instance_path)
    backend = connect_database(app.config)
    register_error_handlers(app)
    init_request_observation(app)  # first: it times and logs every request, those the hooks below refuse too
    _register_request_id(app)
    from api.core.http import cache_and_sniffing_headers, drop_content_type_of_bodiless
    app.after_request(drop_content_type_of_bodiless)
    app.after_request(cache_and_sniffing_headers)
    CORS(app, origins=config["CORS_ORIGINS"], expose_headers=EXPOSED_HEADERS, supports_credentials=False)

    from api.auth.tokens import init_tokens
    from api.core.ratelimit import init_request_limit

    init_request_limit(app)  # first: it authenticates the caller it counts, bad tokens included
    init_tokens(app)

    api = Api(app)
    from api.core.routes import register_converters
    register_converters(app, api)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": BEARER_DESCRIPTION})
    from api.core.jsonschema import extra_keywords
    api.ma_plugin.converter.add_attribute_function(extra_keywords)

    from api import docs, health, observability
    from api.auth.routes import OAuthError, clients_blp, oauth_error_response, users_blp
    from api.auth.routes import blp as auth_blp
    from api.networking.routes import blp as networking_blp
    from api.organisations.routes import blp as organisations_blp
    from api.plugins import load_plugins
    from api.registrations.routes import blp as registrations_blp
    from api.registrations.routes import participations_blp
    from api.releases.routes import blp as releases_blp
    from api.seminars.routes import blp as seminars_blp
    from api.sessions.routes import blp as sessions_blp
    from api.sync.routes import changes_blp, webhooks_blp
    from api.tables.openapi import document_table_kinds
    from api.tables.routes import blp as tables_blp
    from api.tables.routes import kinds_blp

    api_blueprints = (auth_blp, users_blp, clients_blp, sessions_blp, tables_blp, seminars_blp, kinds_blp,
                      organisations_blp, registrations_blp, participations_blp, networking_blp, releases_blp,
                      changes_blp, webhooks_blp)
    app.register_error_handler(OAuthError, oauth_error_response)
    app.register_blueprint(health.blp)
    app.register_blueprint(docs.blp)
    app.register_blueprint(observability.blp)
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    for blueprint in load_plugins(app, (health.blp, docs.blp, observability.blp, *api_blueprints)):
        api.register_blueprint(blueprint)
    document_table_kinds(api.spec, app.extensions["taskforce_plugins"])
    from api.sync.openapi import document_feed_types
    document_feed_types(api.spec)
    from api.core.schemas import finish_merge_patches
    finish_merge_patches(api.spec)

    from api.cli import register_commands
    from api.storage import prepare_storage

    register_commands(app)
    prepare_storage(app, backend)
    if config["WEBHOOK_WORKER_THREAD"]:
        from api.sync.delivery import Worker
        app.extensions["webhooks_worker"] = Worker(app, config["WEBHOOK_POLL_SECONDS"]).start()
    return app


def _register_request_id(app):
    @app.before_request
    def take_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def add_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", None) or uuid.uuid4().hex
        response.vary.add("Authorization")
        if app.config["CORS_ORIGINS"]:
            # CORS headers depend on the Origin: caches must not serve one origin's answer to another.
            response.vary.add("Origin")
        return response
