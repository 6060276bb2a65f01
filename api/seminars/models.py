"""Stored seminars: plenary talk slots of a session."""
import mongoengine as me

from api.core.documents import VersionedDocument


class Seminar(VersionedDocument):
    session_id = me.StringField(required=True)
    title = me.DictField(required=True)
    abstract = me.DictField()
    starts_at = me.DateTimeField(required=True)
    ends_at = me.DateTimeField(required=True)
    room = me.StringField()
    speakers = me.ListField(me.DictField())
    languages = me.ListField(me.StringField())
    interpretation = me.BooleanField(default=False)
    capacity = me.IntField(min_value=0)

    meta = {"collection": "seminars", "indexes": [
        ("session_id", "deleted_at", "id"),
        ("session_id", "deleted_at", "starts_at", "id"),  # the programme in time order
    ]}
