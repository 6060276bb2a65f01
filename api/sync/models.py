"""Stored webhook subscriptions, their deliveries, and the dispatcher's place in the change feed."""
import mongoengine as me

from api.core.documents import VersionedDocument


class Webhook(VersionedDocument):
    url = me.StringField(required=True)
    events = me.ListField(me.StringField())
    session_id = me.StringField()
    organisation_id = me.StringField()
    active = me.BooleanField(default=True)
    description = me.StringField()
    signing_secret = me.StringField(required=True)  # never in a representation or a revision
    disabled_reason = me.StringField()
    disabled_at = me.DateTimeField()

    meta = {"collection": "webhooks", "indexes": [
        ("organisation_id", "deleted_at", "id"),
        ("active", "deleted_at", "id"),
    ]}


class WebhookDelivery(me.Document):
    """One change sent (or to send) to one subscription: its attempts, last answer, and when to try again."""

    webhook_id = me.StringField(required=True)
    seq = me.IntField(required=True)  # the change's place in the feed: one delivery per change and subscription
    type = me.StringField(required=True)
    data = me.DictField()  # the change entry, as the feed shows it
    status = me.StringField(required=True, choices=("pending", "succeeded", "failed"))
    attempts = me.IntField(default=0)
    next_attempt_at = me.DateTimeField()
    claimed_until = me.DateTimeField()  # a sender's lease on it while it posts
    claimed_by = me.StringField()
    response_code = me.IntField()
    error = me.StringField()
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    delivered_at = me.DateTimeField()

    # Every change to every subscription: a log that only grows, kept in the embedded store's file, not its memory.
    meta = {"collection": "webhook_deliveries", "strict": False, "embedded_cold": True, "indexes": [
        {"fields": ["webhook_id", "seq"], "unique": True},
        ("webhook_id", "-created_at", "id"),
        ("status", "next_attempt_at"),
    ]}


class WebhookHealth(me.Document):
    """A subscription's consecutive failed attempts, kept beside it: counting them makes no version of it."""

    id = me.StringField(primary_key=True)  # the webhook's id
    failures = me.IntField(default=0)

    meta = {"collection": "webhook_health", "strict": False}


class DispatchCursor(me.Document):
    """How far in the change feed the dispatcher has turned changes into deliveries."""

    id = me.StringField(primary_key=True)
    cursor = me.IntField(required=True)

    meta = {"collection": "webhook_dispatch", "strict": False}
