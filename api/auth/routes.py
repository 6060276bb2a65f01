"""Routes of /api/v1/auth (token, revoke, me, jwks), /api/v1/users and /api/v1/clients."""
import base64
import binascii
import re
from urllib.parse import unquote_plus

from bson import ObjectId
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import tokens
from api.auth.models import Client, User
from api.auth.passwords import verify_secret
from api.auth.resource import clients, rotate_client_secret, users
from api.auth.schemas import (GRANTS, SCOPE_MAX_LENGTH, SCOPE_PATTERN, JwksSchema, MeSchema, OAuthErrorSchema,
                              RevokeRequestSchema, TokenResponseSchema)
from api.core import ratelimit
from api.core import resource as services
from api.core.documents import utcnow
from api.core.http import JSON, empty_response, evaluate_preconditions, json_response, read_json_body
from api.core.permissions import PARTNER, Identity, current_identity, refuse
from api.core.routes import ETAG_HEADER, IF_MATCH, WRITE_SECURITY, problems, register_resource
from api.errors import ApiError, Unauthorized

FORM = "application/x-www-form-urlencoded"

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="OAuth 2 tokens and the caller's identity.")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People accounts (admin only).")
clients_blp = Blueprint("clients", __name__, url_prefix="/api/v1/clients",
                        description="Partner machine credentials (admin only).")
register_resource(users_blp, users, "")
register_resource(clients_blp, clients, "")


def register_revoke_tokens(blp, resource, operation_id):
    """Add POST …/{id}/revoke-tokens: an admin ends every token and session of an account at once."""
    @blp.route(f"/<{resource.path_param}>/revoke-tokens", endpoint=f"{resource.name}_revoke_tokens")
    class RevokeTokens(MethodView):
        @blp.doc(summary=f"End every token of {resource.label}", security=[{"bearerAuth": []}],
                 operationId=operation_id,
                 description="Its access tokens stop working at once and its refresh tokens can no longer be used "
                             "(`invalid_grant`); it may sign in again. The account itself does not change.")
        @blp.alt_response(204, description="Every token issued so far is ended.", success=True)
        @problems(blp, 401, 403, 404)
        def post(self, **path):
            identity = _require_caller()
            # Whoever may create these accounts administers them.
            if not resource.policy.can_create(identity):
                refuse(identity)
            resource.policy.ensure_write_scope(identity)
            stored = services.find_stored(resource, path[resource.path_param])
            tokens.rotate_security_stamp(resource.subject(stored))
            return empty_response(204)


register_revoke_tokens(users_blp, users, "revokeUserTokens")
register_revoke_tokens(clients_blp, clients, "revokeClientCredentialTokens")

NO_STORE_HEADER = {"Cache-Control": {"description": "`no-store`: the response carries a secret.",
                                     "schema": {"type": "string"}}}


@clients_blp.route(f"/<{clients.path_param}>/rotate-secret", endpoint="clients_rotate_secret")
class RotateClientSecret(MethodView):
    @clients_blp.doc(summary="Give a client credential a new secret", parameters=[IF_MATCH], security=WRITE_SECURITY,
                     operationId="rotateClientCredentialSecret",
                     description="Stores a new secret as a new version (its revision names no secret, `reason` is "
                                 "`secret rotated`). The old secret answers `invalid_client` from now on and every "
                                 "token issued so far stops working at once.")
    @clients_blp.alt_response(200, schema=clients.schema, success=True, headers={**ETAG_HEADER, **NO_STORE_HEADER},
                              description="The client credential with its new `client_secret`, shown this once.")
    @problems(clients_blp, 401, 403, 404, 412, 428)
    def post(self, **path):
        identity = _require_caller()
        # As for revoke-tokens: whoever may create credentials administers them; others learn nothing of ids.
        if not clients.policy.can_create(identity):
            refuse(identity)
        stored = services.find_stored(clients, path[clients.path_param])
        evaluate_preconditions(services.present_with_etag(clients, stored, identity)[1])
        rotated = rotate_client_secret(stored, identity, expected_version=stored["version"])
        representation, etag = services.present_with_etag(clients, rotated, identity)
        return json_response(representation, 200, {"ETag": etag, **NO_STORE})

TOKEN_REQUEST = {"oneOf": list(GRANTS.values()), "discriminator": {"propertyName": "grant_type", "mapping": {
    grant: f"#/components/schemas/{schema.__name__.removesuffix('Schema')}" for grant, schema in GRANTS.items()}}}
# Documented as a form only, as RFC 6749 sends it; JSON is accepted too (API.md). One media type, because client
# generators given a body in two write code that sends it twice (openapi-python-client issue 1451).
TOKEN_BODY = {"required": True, "description": f"The grant's parameters as a form (also accepted as {JSON}).",
              "content": {FORM: {"schema": TOKEN_REQUEST, "example": {
                  "grant_type": "client_credentials", "client_id": "tf_3f9a1c2b7d4e8f60", "client_secret": "…"}}}}
REVOKE_BODY = {"required": True, "description": f"A form (also accepted as {JSON}).",
               "content": {FORM: {"schema": RevokeRequestSchema}}}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The parameters the token and revocation endpoints read; any other is ignored (RFC 6749 §3.2).
OAUTH_PARAMETERS = ("grant_type", "username", "password", "client_id", "client_secret", "refresh_token", "scope",
                    "token", "token_type_hint")
TOKEN_DESCRIPTION = (
    "Grants: `password` (people), `client_credentials` (partner systems; secret in the body or HTTP Basic), "
    "`refresh_token` (rotating). Errors follow RFC 6749 §5.2.\n\n"
    "**What ends tokens.** A refresh token's family ends when the token is revoked, when a spent token of the "
    "family is used again, and when the account's password, roles, `active` flag or organisation change, when it "
    "is deleted or restored, when an admin ends its tokens (`…/revoke-tokens`), or when a partner's organisation "
    "is deleted (restoring it does not bring it back): it then answers `invalid_grant`. Access tokens end in the "
    "same cases (see the `bearerAuth` scheme).\n\n"
    "**Rate limit (`TOKEN_RATE_LIMIT`).** Counted per client address (every request) and per account: the "
    "`username` of the password grant, as it is looked up (surrounding spaces removed, any case), or the "
    "`client_id` of the client-credentials grant (from HTTP Basic when sent, else from the body), exactly as "
    "given. Parameters a grant does not use are never counted. Past the limit every request for that account "
    "is refused with 429 until the window ends, correct credentials too: letting them through would tell a "
    "guesser when a guess is right. The price is that anyone who knows a username or `client_id` can keep its "
    "owner off this endpoint for the rest of a window (at most one window at a time: the owner gets in again "
    "as soon as it ends, `Retry-After` says when). Tokens already issued keep working meanwhile.")


class OAuthError(ApiError):
    """An RFC 6749 §5.2 error: `error` and `error_description`, with problem members alongside."""

    def __init__(self, error, description, status=400, headers=None):
        super().__init__(description, status=status, headers=headers)
        self.error = error


def oauth_error_response(error):
    body = {"error": error.error, "error_description": error.detail, "type": f"urn:ietf:rfc:6749#{error.error}",
            "title": error.error, "status": error.status, "detail": error.detail}
    return json_response(body, error.status, {**NO_STORE, **error.headers})


def _form_or_json():
    if request.mimetype == FORM:
        return request.form.to_dict(flat=True)
    if request.mimetype == JSON:
        try:
            body = read_json_body()
        except ApiError as error:
            raise OAuthError("invalid_request", error.detail) from None
        if not isinstance(body, dict) or not all(isinstance(body[k], str) for k in OAUTH_PARAMETERS if k in body):
            raise OAuthError("invalid_request", "The body must be an object of string parameters.")
        return {k: v for k, v in body.items() if k in OAUTH_PARAMETERS}
    raise OAuthError("invalid_request", f"Send the parameters as {FORM} or {JSON}.")


def _basic_credentials():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401,
                         {"WWW-Authenticate": 'Basic realm="taskforce-api"'}) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401,
                         {"WWW-Authenticate": 'Basic realm="taskforce-api"'})
    # RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _rate_limit(key):
    limit = ratelimit.Limit.parse(current_app.config["TOKEN_RATE_LIMIT"])
    if limit is not None:
        ratelimit.hit(limit, f"token:{key}"[:300])


def _token_answer(identity, stamp, refresh_token=None, session=None):
    body = {"access_token": tokens.issue_access_token(identity, stamp, session), "token_type": "Bearer",
            "expires_in": current_app.config["ACCESS_TOKEN_TTL"], "scope": " ".join(sorted(identity.scopes))}
    if refresh_token:
        body["refresh_token"] = refresh_token
    return json_response(body, 200, NO_STORE)


def _user_identity(user):
    return Identity(sub=f"user:{user['_id']}", roles=frozenset(user.get("roles") or ()),
                    organisation_id=user.get("organisation_id"), scopes=frozenset({"read", "write"}))


def _stamped_user(user_id):
    """Return the user's security stamp and then the user (None unless active and not deleted), in that order.

    Whatever a grant issues carries this stamp and the state of this user (password, roles, organisation). A
    change of the user landing after the stamp was read, even one the user read below already shows, gives
    the user a newer stamp and so ends what was issued at once; read the other way round, a token could carry
    the old roles under the new stamp and outlive the change that should have ended it.
    """
    stamp = tokens.security_stamp(f"user:{user_id}")
    return stamp, User._get_collection().find_one({"_id": user_id, "deleted_at": None, "active": True})


def _may_hold_tokens(subject):
    """Whether the account may hold tokens now: active, not deleted and, for a partner, its organisation there."""
    return tokens.active_account(subject) is not None


def _normalised_username(username):
    """The form in which users are looked up by their e-mail."""
    return username.strip().lower()


def _password_grant(params):
    username, password = params.get("username"), params.get("password")
    if not username or not password:
        raise OAuthError("invalid_request", "username and password are required.")
    username = _normalised_username(username)
    _rate_limit(f"user:{username}")
    found = User._get_collection().find_one({"email": username}, {"_id": 1})
    stamp, user = _stamped_user(found["_id"]) if found else ("", None)
    if not verify_secret(user["password_hash"] if user else None, password):
        raise OAuthError("invalid_grant", "The username or password is wrong.")
    subject = f"user:{user['_id']}"
    if not _may_hold_tokens(subject):
        raise OAuthError("invalid_grant", "The username or password is wrong.")
    family = tokens.new_family()
    refresh_token = tokens.issue_refresh_token(str(user["_id"]), family, stamp)
    return _token_answer(_user_identity(user), stamp, refresh_token, family)


def _client_credentials_grant(params, basic):
    client_id, secret = basic or (params.get("client_id"), params.get("client_secret"))
    challenge = {"WWW-Authenticate": 'Basic realm="taskforce-api"'} if basic else {}
    if not client_id or not secret:
        raise OAuthError("invalid_client", "Client authentication is required.", 401, challenge)
    # Client ids are looked up exactly as given, so they are counted exactly as given.
    _rate_limit(f"client:{client_id}")
    subject = f"client:{client_id}"
    stamp = tokens.security_stamp(subject)  # before the client, for the reason _stamped_user gives
    client = Client._get_collection().find_one({"client_id": client_id, "deleted_at": None, "active": True})
    if not verify_secret(client["secret_hash"] if client else None, secret) or not _may_hold_tokens(subject):
        raise OAuthError("invalid_client", "Client authentication failed.", 401, challenge)
    scopes = set(client.get("scopes") or ())
    if params.get("scope"):
        if len(params["scope"]) > SCOPE_MAX_LENGTH or not re.fullmatch(SCOPE_PATTERN, params["scope"]):
            raise OAuthError("invalid_scope", "scope is a space-separated list of read and write.")
        requested = set(params["scope"].split())
        if not requested <= scopes:
            raise OAuthError("invalid_scope", f"This client may ask for: {' '.join(sorted(scopes))}.")
        scopes = requested
    identity = Identity(sub=subject, roles=frozenset({PARTNER}), organisation_id=client["organisation_id"],
                        scopes=frozenset(scopes))
    return _token_answer(identity, stamp)


def _refresh_grant(params):
    token = params.get("refresh_token")
    if not token:
        raise OAuthError("invalid_request", "refresh_token is required.")
    # Read and prepare everything before spending the token, and spend it last: a database failure on the
    # way answers 503 and leaves the token unspent, so the client's retry works instead of looking like reuse.
    known = tokens.find_refresh_token(token)
    usable = (known is not None and known.get("spent_at") is None and not known.get("revoked")
              and known["expires_at"] > utcnow())
    stamp, user = _stamped_user(ObjectId(known["user_id"])) if usable else (None, None)
    # The family ends with any change of the account's password, roles, activity, organisation or deletion
    # (each gives the account a new stamp), and with its organisation.
    if user is not None and (known.get("stamp", "") != stamp or not _may_hold_tokens(f"user:{user['_id']}")):
        user = None
    # Issued in the token's family, so a refused spend below (a concurrent reuse) revokes it too.
    successor = tokens.issue_refresh_token(known["user_id"], known["family"], stamp) if user is not None else None
    try:
        record = tokens.spend_refresh_token(token)
    except tokens.RefreshRefused:
        raise OAuthError("invalid_grant", "The refresh token is invalid, expired, spent or revoked.") from None
    if user is None:
        tokens.revoke_family(record["family"])
        raise OAuthError("invalid_grant", "The refresh token is invalid, expired, spent or revoked.")
    return _token_answer(_user_identity(user), stamp, successor, record["family"])


@blp.route("/token", endpoint="token")
class Token(MethodView):
    @blp.doc(summary="Get an access token (OAuth 2 token endpoint)", requestBody=TOKEN_BODY, security=[],
             operationId="getToken",
             description=TOKEN_DESCRIPTION)
    @blp.alt_response(200, schema=TokenResponseSchema, success=True, description="Tokens.")
    @blp.alt_response(400, schema=OAuthErrorSchema, description="invalid_request, invalid_grant, unsupported_grant_type, invalid_scope.")
    @blp.alt_response(401, schema=OAuthErrorSchema, description="invalid_client.")
    @problems(blp, 413, 429)
    def post(self):
        try:
            # Every request counts against the IP, malformed ones too; against the account, each grant counts
            # the one it authenticates, as it looks it up (parameters the grant does not read never count).
            _rate_limit(f"ip:{request.remote_addr}")
            basic = _basic_credentials()
            params = _form_or_json()
            grant = params.get("grant_type")
            if grant == "password":
                return _password_grant(params)
            if grant == "client_credentials":
                return _client_credentials_grant(params, basic)
            if grant == "refresh_token":
                return _refresh_grant(params)
            if not grant:
                raise OAuthError("invalid_request", "grant_type is required.")
            raise OAuthError("unsupported_grant_type", "Use password, client_credentials or refresh_token.")
        except OAuthError as error:
            return oauth_error_response(error)


def _require_caller():
    identity = current_identity()
    if identity.is_anonymous:
        raise Unauthorized()
    return identity


@blp.route("/revoke", endpoint="revoke")
class Revoke(MethodView):
    @blp.doc(summary="Revoke a token (RFC 7009)", requestBody=REVOKE_BODY, security=[{"bearerAuth": []}],
             operationId="revokeToken",
             description="Revoking a refresh token revokes its whole family and ends the access tokens issued "
                         "with it. Unknown tokens also answer 200.")
    @blp.alt_response(200, description="Revoked (or unknown).", success=True)
    @blp.alt_response(400, schema=OAuthErrorSchema, description="invalid_request (RFC 6749 §5.2 error).")
    @problems(blp, 401)
    def post(self):
        identity = _require_caller()
        try:
            params = _form_or_json()
        except OAuthError as error:
            return oauth_error_response(error)
        token = params.get("token")
        if not token:
            return oauth_error_response(OAuthError("invalid_request", "token is required."))
        _revoke(identity, token, params.get("token_type_hint"))
        return current_app.response_class(status=200, headers=NO_STORE)


def _revoke(identity, token, hint):
    record = tokens.find_refresh_token(token) if hint != "access_token" or token.count(".") != 2 else None
    if record is not None:
        if identity.is_admin or identity.sub == f"user:{record['user_id']}":
            tokens.revoke_family(record["family"])
        return
    if token.count(".") == 2:
        try:
            claims = tokens.decode_access_token(token)
        except Unauthorized:
            return
        if identity.is_admin or claims.get("sub") == identity.sub:
            tokens.revoke_access_token(claims)


@blp.route("/me", endpoint="me")
class Me(MethodView):
    @blp.doc(summary="Who am I", security=[{"bearerAuth": []}], operationId="readMe")
    @blp.alt_response(200, schema=MeSchema, success=True, description="The caller.")
    @problems(blp, 401)
    def get(self):
        identity = _require_caller()
        body = {"sub": identity.sub, "roles": sorted(identity.roles), "scopes": sorted(identity.scopes)}
        if identity.organisation_id:
            body["organisation_id"] = identity.organisation_id
        return json_response(body)


@blp.route("/jwks.json", endpoint="jwks")
class Jwks(MethodView):
    @blp.doc(summary="Public signing keys (JWKS)", security=[], operationId="readJwks")
    @blp.alt_response(200, schema=JwksSchema, success=True, description="The keys; `kid` names each.")
    @problems(blp, 429)
    def get(self):
        return json_response(current_app.extensions["jwt_keys"].jwks(), 200, {"Cache-Control": "public, max-age=300"})
