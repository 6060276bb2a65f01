"""Stored accounts, machine credentials, their security stamps, refresh tokens and revoked access tokens."""
import mongoengine as me

from api.core.documents import VersionedDocument


class User(VersionedDocument):
    email = me.StringField(required=True)
    password_hash = me.StringField(required=True)
    display_name = me.StringField()
    roles = me.ListField(me.StringField())
    organisation_id = me.StringField()
    active = me.BooleanField(default=True)

    meta = {"collection": "users", "indexes": [
        {"fields": ["email"], "unique": True},
        ("roles", "deleted_at", "id"),
        ("organisation_id", "deleted_at", "id"),
    ]}


class Client(VersionedDocument):
    client_id = me.StringField(required=True)
    secret_hash = me.StringField(required=True)
    name = me.StringField(required=True)
    organisation_id = me.StringField(required=True)
    scopes = me.ListField(me.StringField())
    active = me.BooleanField(default=True)

    meta = {"collection": "clients", "indexes": [
        {"fields": ["client_id"], "unique": True},
        ("organisation_id", "deleted_at", "id"),
        ("deleted_at", "name", "id"),  # sort=name
    ]}


class SecurityStamp(me.Document):
    """The security stamp of an account (a user or a client), by token subject ("user:<id>", "client:<client_id>").

    Every token carries the stamp its account had when the token was issued; a new stamp ends them all.
    Kept beside the account, not in it: the account's own writes replace the whole document (compare-and-set
    on its version), and must not undo a rotation made meanwhile by an admin ending its sessions.
    An account without a record has the empty stamp.
    """

    subject = me.StringField(required=True)
    stamp = me.StringField(required=True)

    meta = {"collection": "security_stamps", "indexes": [{"fields": ["subject"], "unique": True}]}


class RefreshToken(me.Document):
    """A refresh token (stored as its hash). Each use spends it; reusing a spent one revokes its family.

    `stamp` is the account's security stamp when the family began: the family ends when the stamp changes.
    """

    token_hash = me.StringField(required=True)
    family = me.StringField(required=True)
    user_id = me.StringField(required=True)
    stamp = me.StringField()
    expires_at = me.DateTimeField(required=True)
    spent_at = me.DateTimeField()
    revoked = me.BooleanField(default=False)

    meta = {
        "collection": "refresh_tokens",
        "indexes": [
            {"fields": ["token_hash"], "unique": True},
            "family",
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }


class RevokedAccessToken(me.Document):
    """An access token revoked before its expiry; kept until it would have expired anyway."""

    jti = me.StringField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "revoked_access_tokens",
        "indexes": [{"fields": ["jti"], "unique": True}, {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }
