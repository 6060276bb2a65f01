"""Seminar representation, input and list arguments."""
import marshmallow as ma
from marshmallow import fields, validates_schema

from api.core.fields import (LanguageCode, LocalisedText, StrictBoolean, StrictInteger, Text, Timestamp, bounded_list,
                             unique_items)
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema
from api.organisations.fields import OrganisationId


class SpeakerSchema(BaseSchema):
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Anna Petrova"})
    organisation_id = OrganisationId()
    title = LocalisedText(max_length=300, metadata={"example": {"it": "Direttrice", "ru": "Директор"}})


class SeminarSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    title = LocalisedText(required=True, max_length=500)
    abstract = LocalisedText(max_length=10000)
    starts_at = Timestamp(required=True, metadata={"example": "2012-10-25T15:00:00+02:00"})
    ends_at = Timestamp(required=True, metadata={"example": "2012-10-25T18:00:00+02:00"})
    room = Text(max_length=200, metadata={"example": "Auditorium"})
    speakers = bounded_list(fields.Nested(SpeakerSchema), max_length=30)
    languages = bounded_list(LanguageCode(), max_length=10, validate=[unique_items], metadata={"example": ["it", "ru"]})
    interpretation = StrictBoolean(load_default=False, metadata={"description": "Simultaneous interpretation offered."})
    capacity = StrictInteger(minimum=0, maximum=100_000, metadata={
        "example": 120, "description": "Seats; registrations asking for the seminar once they are taken wait in "
                                       "line. Omitted: no limit. Lowered below the seats taken, it keeps the seats "
                                       "already given and seats nobody new until fewer are taken."})
    seats_taken = fields.Integer(dump_only=True, metadata={
        "description": "Live, set by the server: seats held by registrations (pending, confirmed or waitlisted ones; "
                       "cancelled ones free theirs). Changes without a new version, but changes the ETag.", "minimum": 0})
    waiting_list = fields.Integer(dump_only=True, metadata={
        "description": "Live, set by the server: registrations waiting for a seat, served first come first; a freed "
                       "seat or a raised capacity seats the first of them. Changes without a new version, but changes the ETag.",
        "minimum": 0})

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ma.ValidationError("Must be after starts_at.", "ends_at")


class SeminarQueryArgsSchema(ListArgsSchema):
    pass
