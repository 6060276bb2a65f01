"""Webhook subscriptions as a versioned resource: private to staff and the partners of the organisation named."""
import base64
import secrets

from bson import ObjectId
from flask import current_app

from api.core import resource as services
from api.core.documents import utcnow
from api.core.permissions import ADMIN, Identity
from api.core.resource import Resource
from api.errors import Conflict, Forbidden, PreconditionFailed, ValidationFailed
from api.organisations.fields import organisation_exists
from api.organisations.policies import PartnerOwnedPolicy
from api.sessions.models import Session
from api.sessions.resource import sessions
from api.sync import urls
from api.sync.models import Webhook, WebhookHealth
from api.sync.schemas import WebhookQueryArgsSchema, WebhookSchema

SECRET_PREFIX = "whsec_"
# Who changes a subscription when its endpoint keeps failing.
SYSTEM = Identity(sub="system:webhooks", roles=frozenset({ADMIN}))


class WebhookPolicy(PartnerOwnedPolicy):
    """Staff, and the partners acting for the organisation it is for; its owners may also delete it."""

    owner_fields = ("organisation_id",)

    def check_new_state(self, identity, new, old, parent=None):
        if not identity.is_staff and not self.acts_for(identity, new):
            raise Forbidden("A partner subscribes for its own organisation or one it manages (organisation_id).")
        # Checked here, where the caller is known, and alone: a session it may not see (a draft) must be refused
        # exactly like one that does not exist, whatever else the body holds.
        session_id = new.get("session_id")
        if session_id and session_id != (old or {}).get("session_id"):
            session = Session._get_collection().find_one({"_id": ObjectId(session_id), "deleted_at": None})
            if session is None or not sessions.policy.can_see(identity, session):
                raise ValidationFailed({"session_id": ["No session with this id."]})

    def can_delete(self, identity, state, parent=None):
        return self.can_modify(identity, state, parent)


class WebhookResource(Resource):
    name = "webhooks"
    label = "a webhook"
    path_param = "webhook_id"
    model = Webhook
    schema = WebhookSchema
    query_schema = WebhookQueryArgsSchema
    policy = WebhookPolicy()
    search_fields = ("url", "description")
    sort_fields = {"created_at": "created_at", "updated_at": "updated_at"}
    server_fields = ("secret", "disabled_reason", "disabled_at")
    shown_once_fields = ("secret",)
    example = {"url": "https://crm.example.org/taskforce/events", "events": ["organisations.updated", "registrations.*"],
               "organisation_id": "64b7f0c2a1e4b3d2c1a09f8e", "active": True}

    def filters(self, args):
        return {name: args[name] for name in ("organisation_id", "active") if name in args}

    def prepare(self, state, *, old, parent):
        if old is None:
            secret = new_secret()
            state["secret"] = secret
            state["signing_secret"] = secret
        else:
            state["signing_secret"] = old["signing_secret"]
        keeps_reason = old is not None and not state["active"]
        # Setting `active` back to true resumes it: the reason it was disabled no longer holds.
        state["disabled_reason"] = old.get("disabled_reason") if keeps_reason else None
        state["disabled_at"] = old.get("disabled_at") if keeps_reason else None
        return state

    def check(self, state, *, old, parent):
        errors = {}
        if old is None or state["url"] != old["url"]:
            try:
                urls.resolve(state["url"], allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_URLS"])
            except urls.UnsafeUrl as error:
                errors["url"] = [str(error)]
        if state.get("organisation_id") and state.get("organisation_id") != (old or {}).get("organisation_id") \
                and not organisation_exists(state["organisation_id"]):
            errors["organisation_id"] = ["No organisation with this id."]
        if errors:
            raise ValidationFailed(errors)
        if old is None or old.get("deleted_at") is not None or state.get("organisation_id") != old.get("organisation_id"):
            self.check_room(state.get("organisation_id"))

    def check_room(self, organisation_id):
        """Refuse one more subscription for an organisation (or, without one, for staff) that has the most allowed:
        each multiplies every change into another delivery."""
        limit = current_app.config["WEBHOOK_MAX_PER_ORGANISATION"]
        held = self.collection.count_documents({"organisation_id": organisation_id or None, "deleted_at": None})
        if held >= limit:
            whose = "this organisation" if organisation_id else "staff (without organisation_id)"
            raise Conflict(f"{whose.capitalize()} already has {held} webhook subscriptions, the most allowed "
                           f"({limit}); delete one first.")

    def after_write(self, action, stored, old, parent):
        if stored["active"] and (old is None or not old["active"]):
            WebhookHealth._get_collection().delete_one({"_id": str(stored["_id"])})


webhooks = WebhookResource()


def new_secret():
    """A signing secret as Standard Webhooks writes them: `whsec_` and the base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signing_key(secret):
    """The HMAC key of a secret: the bytes its base64 part encodes."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def rotate_secret(stored, identity, *, expected_version):
    """Give a subscription a new signing secret as a new version; the secret is shown once, in the returned document."""
    secret = new_secret()
    return services.store_server_fields(webhooks, stored, identity, {"signing_secret": secret},
                                        expected_version=expected_version, reason="secret rotated",
                                        shown_once={"secret": secret})


def disable(webhook_id, reason, when, *, why="disabled: endpoint kept failing"):
    """Disable a subscription, saying why to its owner (`reason`) and in its revision (`why`): a new version, made by
    the server."""
    for _ in range(3):
        stored = webhooks.collection.find_one({"_id": ObjectId(webhook_id), "deleted_at": None})
        if stored is None or not stored["active"]:
            return
        try:
            services.store_server_fields(webhooks, stored, SYSTEM,
                                         {"active": False, "disabled_reason": reason, "disabled_at": when},
                                         expected_version=stored["version"], reason=why)
            return
        except PreconditionFailed:
            continue  # its owner changed it meanwhile: decide again on what is there now


def disable_subscriptions_of(organisation_id, reason, why):
    """Disable the active subscriptions of an organisation whose partners no longer decide where its changes go."""
    now = utcnow()
    for stored in webhooks.collection.find({"organisation_id": organisation_id, "active": True, "deleted_at": None},
                                           {"_id": 1}):
        disable(str(stored["_id"]), reason, now, why=why)
