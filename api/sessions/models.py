"""Stored forum sessions."""
import mongoengine as me

from api.core.documents import VersionedDocument

STATUSES = ("draft", "published", "registration_open", "registration_closed", "concluded", "archived")


class Session(VersionedDocument):
    number = me.IntField(required=True, min_value=1)
    title = me.DictField(required=True)
    host_country = me.StringField(required=True, max_length=2)
    host_region = me.StringField()
    city = me.StringField(required=True)
    venue = me.StringField()
    starts_on = me.StringField(required=True)
    ends_on = me.StringField(required=True)
    timezone = me.StringField(required=True)
    status = me.StringField(required=True, choices=STATUSES)
    description = me.DictField()
    languages = me.ListField(me.StringField())

    meta = {
        "collection": "sessions",
        "indexes": [
            {"fields": ["number"], "unique": True},
            ("status", "deleted_at", "id"),
            ("host_country", "deleted_at", "id"),
            ("deleted_at", "starts_on"),  # year: a range of start dates
        ],
    }
