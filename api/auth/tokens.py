"""Access tokens (JWT), refresh tokens (opaque, rotating) and the caller's identity on each request."""
import datetime as dt
import hashlib
import secrets
import threading
import time
import uuid
from collections import OrderedDict

import jwt
from bson import ObjectId
from flask import current_app, g, request
from flask_jwt_extended import JWTManager, create_access_token, decode_token
from pymongo import ReturnDocument

from api.auth.keys import load_keys
from api.auth.models import Client, RefreshToken, RevokedAccessToken, SecurityStamp, User
from api.core.documents import utcnow
from api.core.http import is_probe_or_preflight
from api.core.permissions import PARTNER, Identity
from api.errors import Unauthorized
from api.organisations.fields import organisation_exists

INVALID_TOKEN = {"WWW-Authenticate": 'Bearer realm="taskforce-api", error="invalid_token"'}


def init_tokens(app):
    """Configure flask-jwt-extended for asymmetric keys with kid, issuer and audience checks."""
    keys = load_keys(app.config["JWT_KEYS_DIR"])
    app.extensions["jwt_keys"] = keys
    app.extensions["verified_tokens"] = VerifiedTokens()
    app.extensions["checked_tokens"] = CheckedTokens(app.config["TOKEN_CHECK_CACHE_SECONDS"])
    app.config.update(
        JWT_ALGORITHM=keys.algorithm,
        JWT_DECODE_ALGORITHMS=[keys.algorithm],
        JWT_ENCODE_ISSUER=app.config["JWT_ISSUER"],
        JWT_DECODE_ISSUER=app.config["JWT_ISSUER"],
        JWT_ENCODE_AUDIENCE=app.config["JWT_AUDIENCE"],
        JWT_DECODE_AUDIENCE=app.config["JWT_AUDIENCE"],
        JWT_ACCESS_TOKEN_EXPIRES=dt.timedelta(seconds=app.config["ACCESS_TOKEN_TTL"]),
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ENCODE_NBF=True,
        JWT_IDENTITY_CLAIM="sub",
    )
    manager = JWTManager(app)

    @manager.encode_key_loader
    def signing_key(identity):
        return current_app.extensions["jwt_keys"].signing_key

    @manager.decode_key_loader
    def verification_key(header, payload):
        kid = header.get("kid")
        key = current_app.extensions["jwt_keys"].public_keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        return key

    app.before_request(attach_identity)


def issue_access_token(identity, stamp, session=None):
    """Return a signed access token for an identity, bound to its account's security stamp.

    `stamp` must have been read before the account state the identity was made from: a change of the account
    landing after that read gives it a newer stamp, which ends the token at once. Read afterwards, it could
    be the stamp of a change the identity does not show, and the token would act with the old state.
    `session` is the refresh family the token was issued with (claim `sid`): revoking the family ends it.
    """
    keys = current_app.extensions["jwt_keys"]
    claims = {"roles": sorted(identity.roles), "scope": " ".join(sorted(identity.scopes)), "stamp": stamp}
    if identity.organisation_id:
        claims["organisation_id"] = identity.organisation_id
    if session:
        claims["sid"] = session
    return create_access_token(identity=identity.sub, additional_claims=claims,
                               additional_headers={"kid": keys.signing_kid})


class VerifiedTokens:
    """Claims of access tokens this app verified recently, so a partner's next request skips the signature.

    Keyed by the exact token text; expiry and not-before are checked again on every use.
    """

    def __init__(self, size=10_000):
        self.size = size
        self.claims = OrderedDict()
        self.lock = threading.Lock()

    def get(self, token):
        claims = self.claims.get(token)
        if claims is None:
            return None
        now = time.time()
        if not claims.get("nbf", 0) <= now < claims["exp"]:
            return None
        return claims

    def put(self, token, claims):
        with self.lock:
            self.claims[token] = claims
            if len(self.claims) > self.size:
                self.claims.popitem(last=False)


def decode_access_token(token):
    """Return the verified claims of an access token or raise Unauthorized."""
    verified = current_app.extensions["verified_tokens"]
    claims = verified.get(token)
    if claims is not None:
        return claims
    try:
        claims = decode_token(token)
    except Exception:  # every way a token can be bad: signature, alg, kid, exp, nbf, iss, aud, format
        raise Unauthorized("The access token is invalid or expired.", headers=INVALID_TOKEN) from None
    if claims.get("type") != "access" or not isinstance(claims.get("sub"), str):
        raise Unauthorized("Not an access token.", headers=INVALID_TOKEN)
    verified.put(token, claims)
    return claims


def identity_from_claims(claims):
    roles = claims.get("roles") or []
    scope = claims.get("scope") or ""
    return Identity(sub=claims["sub"], roles=frozenset(r for r in roles if isinstance(r, str)),
                    organisation_id=claims.get("organisation_id"),
                    scopes=frozenset(str(scope).split()), token_id=claims.get("jti"))


def bearer_token():
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


_AUTHENTICATION = "taskforce.authentication"  # this request's outcome, kept in its WSGI environ


def attach_identity():
    """Put the caller's identity on flask.g; a present but bad Bearer token is a 401.

    Idempotent within a request, so that the rate limiter can authenticate first (a bad token is then
    counted against its address) and the refusal still reaches whoever asks next. The outcome is kept in
    the request's environ, not on g: g lives as long as the app context, which a request may share with
    the requests before it (a script or test inside `app.app_context()`). Probes and CORS preflights are
    answered without looking at credentials, so they cannot be used to test tokens without being counted.
    """
    outcome = request.environ.get(_AUTHENTICATION)
    if outcome is None:
        try:
            outcome = (None if is_probe_or_preflight() else _identity_of(bearer_token()), None)
        except Unauthorized as refusal:
            outcome = (None, refusal)
        request.environ[_AUTHENTICATION] = outcome
    identity, refusal = outcome
    g.identity = identity
    if refusal is not None:
        raise refusal


def authenticated_identity():
    """The identity this request authenticated as, without authenticating it (None: anonymous, refused or not asked)."""
    outcome = request.environ.get(_AUTHENTICATION)
    return None if outcome is None else outcome[0]


def _identity_of(token):
    if token is None:
        return None
    claims = decode_access_token(token)
    if RevokedAccessToken._get_collection().find_one({"jti": claims.get("jti")}, {"_id": 1}):
        raise Unauthorized("The access token was revoked.", headers=INVALID_TOKEN)
    ensure_still_valid(claims)
    return identity_from_claims(claims)


# What ends a token before it expires ------------------------------------------------------------------


class CheckedTokens:
    """Access tokens found still valid recently, so that a caller's next requests skip the account lookups.

    A token's verdict is kept for `seconds`, and forgotten at once when this process changes anything that
    can end a token (`forget`): every process sees another's change within `seconds`, its own immediately.
    """

    def __init__(self, seconds, size=10_000, clock=time.monotonic):
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self.generation = 0
        self.valid_until = OrderedDict()
        self.lock = threading.Lock()

    def passed(self, token_id):
        entry = self.valid_until.get(token_id)
        return entry is not None and entry[1] == self.generation and self.clock() < entry[0]

    def begin(self):
        """Return the ticket of a check about to read the store, to `remember` its verdict with."""
        return self.generation, self.clock()

    def remember(self, token_id, ticket):
        """Record a token found valid by the check that took `ticket`.

        A change this process made since the ticket voids it. Its `seconds` count from the ticket, not from
        now: the verdict is as old as the reads it rests on, so another process's change is seen within
        `seconds` however long the check took.
        """
        if not self.seconds:
            return
        generation, began = ticket
        with self.lock:
            self.valid_until[token_id] = (began + self.seconds, generation)
            if len(self.valid_until) > self.size:
                self.valid_until.popitem(last=False)

    def forget(self):
        with self.lock:
            self.generation += 1
            self.valid_until.clear()


def forget_checked_tokens():
    """Make every access token be checked against the store again on its next use in this process."""
    current_app.extensions["checked_tokens"].forget()


def ensure_still_valid(claims):
    """Raise Unauthorized unless the token's account, its stamp and its refresh family are as when it was issued."""
    checked = current_app.extensions["checked_tokens"]
    token_id = claims.get("jti")
    if not isinstance(token_id, str):
        token_id = None  # nothing to remember it by: checked every time
    elif checked.passed(token_id):
        return
    ticket = checked.begin()  # before the store is read: see CheckedTokens.remember
    if (claims.get("stamp", "") != security_stamp(claims["sub"]) or active_account(claims["sub"]) is None
            or (claims.get("sid") and family_revoked(claims["sid"]))):
        raise Unauthorized("The access token was ended: its account changed, was deactivated or deleted, "
                           "or its session was revoked.", headers=INVALID_TOKEN)
    if token_id is not None:
        checked.remember(token_id, ticket)


def active_account(subject):
    """Return the stored user or client a token subject names when it may hold tokens, else None.

    It must exist, be active and not deleted; a partner's organisation must still exist too.
    """
    kind, _, key = subject.partition(":")
    wanted = {"deleted_at": None, "active": True}
    if kind == "user" and ObjectId.is_valid(key):
        account = User._get_collection().find_one({"_id": ObjectId(key), **wanted}, ACCOUNT_FIELDS)
        partner = account is not None and PARTNER in (account.get("roles") or ())
    elif kind == "client":
        account = Client._get_collection().find_one({"client_id": key, **wanted}, ACCOUNT_FIELDS)
        partner = True
    else:
        return None
    if account is not None and partner and not _organisation_exists(account.get("organisation_id")):
        return None
    return account


ACCOUNT_FIELDS = {"roles": 1, "organisation_id": 1, "scopes": 1}


def _organisation_exists(organisation_id):
    return (isinstance(organisation_id, str) and ObjectId.is_valid(organisation_id)
            and organisation_exists(organisation_id))


def security_stamp(subject):
    """Return the account's current security stamp ("" until it first changes)."""
    record = SecurityStamp._get_collection().find_one({"subject": subject}, {"stamp": 1})
    return record["stamp"] if record else ""


def rotate_security_stamp(*subjects):
    """Give accounts a new security stamp: every token and refresh family issued to them before stops working."""
    for subject in subjects:
        SecurityStamp._get_collection().update_one(
            {"subject": subject}, {"$set": {"stamp": secrets.token_hex(16)}}, upsert=True)
    forget_checked_tokens()


def end_partner_tokens(organisation_id):
    """End every token of an organisation's clients and partner users (it is deleted, or restored)."""
    clients = Client._get_collection().find({"organisation_id": organisation_id}, {"client_id": 1})
    users = User._get_collection().find({"organisation_id": organisation_id, "roles": PARTNER}, {"_id": 1})
    rotate_security_stamp(*[f"client:{client['client_id']}" for client in clients],
                          *[f"user:{user['_id']}" for user in users])


def revoke_access_token(claims):
    expires = dt.datetime.fromtimestamp(claims["exp"], dt.timezone.utc).replace(tzinfo=None)
    RevokedAccessToken._get_collection().update_one(
        {"jti": claims["jti"]}, {"$setOnInsert": {"jti": claims["jti"], "expires_at": expires}}, upsert=True)


# Refresh tokens -------------------------------------------------------------------------------------


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_family():
    """Return the id of a new refresh family (one per sign-in)."""
    return uuid.uuid4().hex


def issue_refresh_token(user_id, family, stamp):
    """Store and return a new opaque refresh token in a family, bound to the account's security stamp."""
    token = secrets.token_urlsafe(48)
    RefreshToken._get_collection().insert_one({
        "token_hash": _hash(token), "family": family, "user_id": user_id, "stamp": stamp,
        "expires_at": utcnow() + dt.timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        "spent_at": None, "revoked": False})
    return token


class RefreshRefused(Exception):
    """The refresh token is unknown, expired, spent or revoked."""


def spend_refresh_token(token):
    """Spend a refresh token once and return its record; reuse of a spent one revokes the family."""
    collection = RefreshToken._get_collection()
    now = utcnow()
    record = collection.find_one_and_update(
        {"token_hash": _hash(token), "spent_at": None, "revoked": False, "expires_at": {"$gt": now}},
        {"$set": {"spent_at": now}}, return_document=ReturnDocument.AFTER)
    if record is not None:
        return record
    known = collection.find_one({"token_hash": _hash(token)})
    if known is not None and known.get("spent_at") is not None:
        # Someone replays a spent token: the family may be stolen, so nobody keeps it.
        revoke_family(known["family"])
    raise RefreshRefused()


def find_refresh_token(token):
    return RefreshToken._get_collection().find_one({"token_hash": _hash(token)})


def revoke_family(family):
    """End a refresh family and the access tokens issued with it."""
    RefreshToken._get_collection().update_many({"family": family}, {"$set": {"revoked": True}})
    forget_checked_tokens()


def family_revoked(family):
    return RefreshToken._get_collection().find_one({"family": family, "revoked": True}, {"_id": 1}) is not None
