"""Stored programme releases: a session's programme frozen under a name."""
import mongoengine as me

from api.core.documents import VersionedDocument


class Release(VersionedDocument):
    session_id = me.StringField(required=True)
    name = me.StringField(required=True)
    number = me.IntField(required=True, min_value=1)
    notes = me.DictField()
    # The public representations of the programme when it was released, as they were rendered then.
    session = me.DictField()
    tables = me.ListField(me.DictField())
    seminars = me.ListField(me.DictField())
    networking_schedule = me.DictField(null=True)  # {number, published_at} of the schedule published then
    meetings = me.ListField(me.DictField())

    meta = {"collection": "releases", "indexes": [
        {"fields": ["session_id", "name"], "unique": True},
        # Numbers count the session's releases: the previous release of one is the next number down.
        {"fields": ["session_id", "number"], "unique": True},
        ("session_id", "deleted_at", "number", "id"),  # the list, newest first: walked backwards
    ]}
