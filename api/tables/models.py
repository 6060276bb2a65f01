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
            ("session_id", "deleted_at", "id"),
            ("session_id", "kind", "deleted_at", "id"),
            ("session_id", "sectors", "deleted_at", "id"),
            ("session_id", "deleted_at", "schedule.starts_at", "id"),  # the programme in time order
            ["kind", "kind_version"],  # upgrade-tables
        ],
    }
