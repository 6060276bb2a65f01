"""A field for references to organisations of the directory, for any resource or plugin."""
import marshmallow as ma
from bson import ObjectId

from api.core.fields import ObjectIdString, already_held
from api.organisations.models import Organisation


def organisation_exists(organisation_id):
    return Organisation.objects(id=ObjectId(organisation_id), deleted_at=None).only("id").first() is not None


class OrganisationId(ObjectIdString):
    """The id of an existing (not deleted) organisation, or one the changed document already names; anything
    else → 422 at this field."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if ObjectId.is_valid(value) and not already_held(value) and not organisation_exists(value):
            raise ma.ValidationError("No organisation with this id.")
        return value
