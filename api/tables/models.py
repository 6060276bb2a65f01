"""Stored thematic tables: kind-specific attributes live in a sub-document, so kinds need no migrations."""
import mongoengine as me

from api.core.documents import VersionedDocument


class Table(VersionedDocument):
    session_id = me.StringField(required=True)
    kind = me.StringField(required=True)
    kind_version = me.IntField(required=True)
    title = me.DictField(required=True)
    description = me.DictField()
    sectors = me.ListField(me.StringField())
    co_chairs = me.ListField(me.DictField())
    schedule = me.DictField()
    attributes = me.DictField()

    meta = {
        "collection": "tables",
        "indexes": [
            ["session_id", "kind"],
            ["session_id", "sectors"],
            ["kind", "kind_version"],
        ],
    }
