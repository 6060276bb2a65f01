"""People accounts and machine credentials as versioned, admin-only resources."""
import secrets

from bson import ObjectId

from api.auth import tokens
from api.auth.models import Client, User
from api.auth.passwords import hash_secret
from api.auth.schemas import ClientQueryArgsSchema, ClientSchema, UserCreateSchema, UserQueryArgsSchema, UserSchema
from api.core import resource as services
from api.core.permissions import PARTNER, AdminOnlyPolicy
from api.core.resource import Resource
from api.errors import Conflict, ValidationFailed
from api.organisations.models import Organisation


def _security_state_changed(action, stored, old, fields):
    """Whether a write ends the account's tokens: its deletion, its restoration, or a change of `fields`."""
    if action in ("deleted", "restored"):
        return True
    return old is not None and any(_comparable(old.get(name)) != _comparable(stored.get(name)) for name in fields)


def _comparable(value):
    return frozenset(value) if isinstance(value, list) else value


def _check_organisation(organisation_id, old, errors):
    # An account of an organisation deleted since must stay manageable (deactivated, say) without moving it.
    if organisation_id and organisation_id != (old or {}).get("organisation_id") and not Organisation.objects(id=ObjectId(organisation_id), deleted_at=None).only("id").first():
        errors["organisation_id"] = ["No organisation with this id."]


class UserResource(Resource):
    name = "users"
    label = "a user"
    path_param = "user_id"
    model = User
    schema = UserSchema
    create_schema = UserCreateSchema
    query_schema = UserQueryArgsSchema
    policy = AdminOnlyPolicy()
    search_fields = ("email", "display_name")
    sort_fields = {"email": "email", "created_at": "created_at", "updated_at": "updated_at"}
    example = {"email": "agency@example.org", "password": "a long passphrase", "display_name": "Agenzia Marche",
               "roles": ["partner"], "organisation_id": "64b7f0c2a1e4b3d2c1a09f8e"}

    def filters(self, args):
        query = {}
        if "role" in args:
            query["roles"] = args["role"]
        for name in ("organisation_id", "active"):
            if name in args:
                query[name] = args[name]
        return query

    def prepare(self, state, *, old, parent):
        state["email"] = state["email"].lower()
        password = state.pop("password", None)
        if password is not None:
            state["password_hash"] = hash_secret(password)
        elif old is not None:
            state["password_hash"] = old["password_hash"]
        else:
            raise ValidationFailed.field("password", "Required when creating a user.")
        return state

    def check(self, state, *, old, parent):
        errors = {}
        if PARTNER in state["roles"] and not state.get("organisation_id"):
            errors["organisation_id"] = ["A partner must belong to an organisation."]
        _check_organisation(state.get("organisation_id"), old, errors)
        if errors:
            raise ValidationFailed(errors)
        if old is None or old["email"] != state["email"]:
            if User.objects(email=state["email"]).only("id").first():
                raise Conflict("A user with this e-mail already exists.")

    def after_write(self, action, stored, old, parent):
        # A restored account gets a new stamp too: restoring must not revive the tokens it had.
        if _security_state_changed(action, stored, old, ("password_hash", "roles", "active", "organisation_id")):
            tokens.rotate_security_stamp(self.subject(stored))

    @staticmethod
    def subject(stored):
        """The token subject of a stored user."""
        return f"user:{stored['_id']}"


class ClientResource(Resource):
    name = "clients"
    label = "a client credential"
    path_param = "client_key"
    model = Client
    schema = ClientSchema
    query_schema = ClientQueryArgsSchema
    policy = AdminOnlyPolicy()
    search_fields = ("name", "client_id")
    sort_fields = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
    server_fields = ("client_id", "client_secret")
    shown_once_fields = ("client_secret",)
    example = {"name": "Marche Export CRM", "organisation_id": "64b7f0c2a1e4b3d2c1a09f8e", "scopes": ["read", "write"]}

    def filters(self, args):
        return {name: args[name] for name in ("organisation_id", "active") if name in args}

    def prepare(self, state, *, old, parent):
        if old is None:
            state["client_id"] = "tf_" + secrets.token_hex(8)
            state.update(_new_secret())
        else:
            state["client_id"] = old["client_id"]
            state["secret_hash"] = old["secret_hash"]
        return state

    def check(self, state, *, old, parent):
        errors = {}
        _check_organisation(state.get("organisation_id"), old, errors)
        if errors:
            raise ValidationFailed(errors)

    def after_write(self, action, stored, old, parent):
        if _security_state_changed(action, stored, old, ("secret_hash", "scopes", "active", "organisation_id")):
            tokens.rotate_security_stamp(self.subject(stored))

    @staticmethod
    def subject(stored):
        """The token subject of a stored client."""
        return f"client:{stored['client_id']}"


def _new_secret():
    """A fresh client secret (`client_secret`, shown once) and its stored hash (`secret_hash`)."""
    secret = secrets.token_urlsafe(32)
    return {"client_secret": secret, "secret_hash": hash_secret(secret)}


users = UserResource()
clients = ClientResource()


def rotate_client_secret(stored, identity, *, expected_version):
    """Give a client a new secret as a new version; the secret is shown once, in the returned document."""
    fresh = _new_secret()
    # The hash changes, so the client's security stamp rotates (after_write): tokens of the old secret end.
    return services.store_server_fields(clients, stored, identity, {"secret_hash": fresh["secret_hash"]},
                                        expected_version=expected_version, reason="secret rotated",
                                        shown_once={"client_secret": fresh["client_secret"]})
