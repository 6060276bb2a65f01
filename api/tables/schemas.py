"""Table representation, input and list arguments; schedule and co-chair sub-objects."""
import marshmallow as ma
from marshmallow import fields, validates_schema

from api.core.fields import CountryCode, LocalisedText, Slug, Text, Timestamp, bounded_list, unique_items
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema
from api.organisations.fields import OrganisationId


MAX_ATTRIBUTES = 100


def _at_most_attributes(value):
    if len(value) > MAX_ATTRIBUTES:
        raise ma.ValidationError(f"At most {MAX_ATTRIBUTES} attributes.")


class ScheduleSchema(BaseSchema):
    starts_at = Timestamp(required=True, metadata={"example": "2012-10-24T09:30:00+02:00"})
    ends_at = Timestamp(required=True, metadata={"example": "2012-10-24T13:00:00+02:00"})
    room = Text(max_length=200, metadata={"example": "Sala Vanvitelli"})

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError("Must be after starts_at.", "ends_at")


class CoChairSchema(BaseSchema):
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Paolo Rossi"})
    organisation_id = OrganisationId()
    country = CountryCode(required=True)


class TableSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    kind = Slug(required=True, metadata={"description": "A table-kind name from /api/v1/table-kinds.", "example": "sector"})
    kind_version = fields.Integer(dump_only=True, metadata={"description": "Version of the kind's attribute schema."})
    kind_installed = fields.Boolean(dump_only=True, metadata={
        "description": "false when the kind's plugin is not installed: attributes are shown raw and writes are refused."})
    title = LocalisedText(required=True, max_length=500)
    description = LocalisedText(max_length=5000)
    sectors = bounded_list(Slug(), max_length=20, validate=[unique_items], metadata={"example": ["logistics"]})
    co_chairs = bounded_list(fields.Nested(CoChairSchema), max_length=10)
    schedule = fields.Nested(ScheduleSchema)
    attributes = fields.Dict(keys=fields.String(), load_default=dict, validate=[_at_most_attributes], metadata={
        "description": "Validated by the table kind: see /api/v1/table-kinds/{kind} for its JSON Schema.",
        "max_properties": MAX_ATTRIBUTES})


class TableQueryArgsSchema(ListArgsSchema):
    kind = Slug()
    sector = Slug()
