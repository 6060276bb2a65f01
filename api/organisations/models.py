"""Stored directory entries."""
import mongoengine as me

from api.core.documents import VersionedDocument

KINDS = ("ministry", "region", "promotion_agency", "trade_association", "federation", "confederation",
         "consortium", "university", "technology_park", "chamber_of_commerce", "trade_fair", "company", "bank", "other")


class Organisation(VersionedDocument):
    name = me.StringField(required=True)
    name_i18n = me.DictField()
    kind = me.StringField(required=True, choices=KINDS)
    country = me.StringField(required=True, max_length=2)
    region = me.StringField()
    city = me.StringField()
    website = me.StringField()
    sectors = me.ListField(me.StringField())
    description = me.DictField()
    contacts = me.ListField(me.DictField())
    managed_by = me.StringField()

    meta = {
        "collection": "organisations",
        "indexes": [
            ("kind", "deleted_at", "id"),
            ("country", "deleted_at", "id"),
            ("region", "deleted_at", "id"),
            ("sectors", "deleted_at", "id"),
            ("managed_by", "deleted_at", "id"),
            ("deleted_at", "name", "id"),  # the directory in alphabetical order
        ],
    }


class ExternalKey(me.Document):
    """An id an importer gives an organisation in its own records: `external_id` of the import files.

    Scoped to who imports (a partner's organisation, or the staff together), so two agencies may both use "17".
    The organisation's id is reserved here before the organisation is created, so an import that stopped in
    between creates that very organisation on its next run, not a second one.
    """

    scope = me.StringField(required=True)
    external_id = me.StringField(required=True, max_length=200)
    organisation_id = me.ObjectIdField(required=True)

    meta = {
        "collection": "organisation_external_keys",
        "strict": False,
        "indexes": [
            {"fields": ["scope", "external_id"], "unique": True},
            ("scope", "organisation_id"),
        ],
    }
