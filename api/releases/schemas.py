"""Release representation, input, list arguments and the diff between two releases."""
from marshmallow import fields

from api.core.fields import FullMatch, LocalisedText, Text
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema
from api.networking.schemas import MAX_SCHEDULED, ScheduledMeetingSchema
from api.seminars.schemas import SeminarSchema
from api.sessions.schemas import SessionSchema
from api.tables.schemas import TableSchema

NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$"
ITEM_TYPES = ("session", "tables", "seminars", "meetings")
MAX_TABLES, MAX_SEMINARS, MAX_MEETINGS = 10_000, 10_000, MAX_SCHEDULED
MAX_ITEMS = 1 + 2 * (MAX_TABLES + MAX_SEMINARS + MAX_MEETINGS)  # a diff lists each item of two releases at most


class Frozen(fields.Nested):
    """A representation stored as it was rendered when frozen: shown as it is, documented as its schema."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return nested_obj


class FrozenScheduleSchema(BaseSchema):
    number = fields.Integer(metadata={"minimum": 1})
    published_at = fields.String(metadata={"format": "date-time", "maxLength": 40})


class ReleaseSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    name = Text(required=True, max_length=64, validate=[FullMatch(NAME_PATTERN, error=(
        "Letters, digits, '.', '_' and '-', starting and ending with a letter or digit: 'v1.2' or 'final-programme'."))],
        metadata={"description": "Unique in the session; names the release in its URL.", "example": "v1.0",
                  "pattern": NAME_PATTERN})
    number = fields.Integer(dump_only=True, metadata={
        "description": "1, 2, … in the order the session's releases were made.", "minimum": 1})
    notes = LocalisedText(max_length=5000, metadata={"example": {"it": "Programma definitivo",
                                                                 "ru": "Окончательная программа"}})
    session = Frozen(SessionSchema, dump_only=True, metadata={"description": "The session as it was released."})
    tables = fields.List(Frozen(TableSchema), dump_only=True, metadata={
        "description": "Its tables as they were released, oldest first.", "maxItems": MAX_TABLES})
    seminars = fields.List(Frozen(SeminarSchema), dump_only=True, metadata={
        "description": "Its seminars as they were released, in time order (without the live seat counts).",
        "maxItems": MAX_SEMINARS})
    networking_schedule = fields.Nested(FrozenScheduleSchema, dump_only=True, allow_none=True, metadata={
        "description": "The networking schedule published when the release was made; null when none was."})
    meetings = fields.List(fields.Nested(ScheduledMeetingSchema), dump_only=True, metadata={
        "description": "The meetings of that schedule. Shown to staff only (who meets whom is private), and left "
                       "out of lists.", "maxItems": MAX_MEETINGS})


class ReleaseQueryArgsSchema(ListArgsSchema):
    pass


class NewItemSchema(BaseSchema):
    type = fields.String(metadata={"enum": list(ITEM_TYPES[1:])})
    id = fields.String(metadata={"description": "The table's or seminar's id; a meeting's request_id.",
                                 "maxLength": 24})
    item = fields.Dict(metadata={"description": "Its representation in the release.", "maxProperties": 100})


class FieldChangeSchema(BaseSchema):
    old = fields.Raw(metadata={"description": "The value in the previous release (absent: none)."})
    new = fields.Raw(metadata={"description": "The value in this release (absent: none)."})


class ChangedItemSchema(BaseSchema):
    type = fields.String(metadata={"enum": list(ITEM_TYPES)})
    id = fields.String(metadata={"maxLength": 24})
    moved = fields.Boolean(metadata={
        "description": "Its place or time changed: a seminar's starts_at, ends_at or room, a table's schedule, a "
                       "meeting's table, starts_at or ends_at."})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(FieldChangeSchema), metadata={
        "description": "The fields that differ: `{field: {old, new}}`.", "maxProperties": 100,
        "example": {"room": {"old": "Sala B", "new": "Auditorium"}}})


class ReleaseDiffSchema(BaseSchema):
    release = fields.String(metadata={"example": "v2", "maxLength": 64})
    previous = fields.String(allow_none=True, metadata={
        "description": "The release compared against: the session's release made just before; null for the first, "
                       "against which everything is new.", "example": "v1", "maxLength": 64})
    new = fields.List(fields.Nested(NewItemSchema), metadata={
        "description": "Tables, seminars and meetings in this release and not in the previous one.",
        "maxItems": MAX_ITEMS})
    changed = fields.List(fields.Nested(ChangedItemSchema), metadata={
        "description": "The session, tables, seminars and meetings in both, with the fields that differ.",
        "maxItems": MAX_ITEMS})
    cancelled = fields.List(fields.Nested(NewItemSchema), metadata={
        "description": "Tables, seminars and meetings of the previous release that are not in this one: deleted "
                       "since (tables and seminars have no status of their own), or a meeting the schedule "
                       "published since no longer holds. `item` is its representation in the previous release.",
        "maxItems": MAX_ITEMS})
