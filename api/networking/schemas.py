"""Representations and inputs of the Networking Open Space: settings, requests, suggestions, schedules, agendas."""
import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from api.core.fields import IsoDate, IsoTime, ObjectIdString, StrictInteger, Text, Timestamp, bounded_list
from api.core.schemas import BaseSchema, ListArgsSchema, PageArgsSchema, VersionedSchema
from api.networking.models import REQUEST_STATUSES
from api.organisations.fields import OrganisationId

MAX_BREAKS = 10
MAX_SLOTS = 24 * 60 // 5  # a whole day of the shortest slots
MAX_SCHEDULED = 100_000  # far above any venue: 1000 tables × every slot of a day would need more
MAX_TABLES = 1000
MAX_MEETINGS = 100
MAX_OPEN_REQUESTS = 1000
DEFAULT_OPEN_REQUESTS = 20
REQUEST_STATUS_DESCRIPTION = (
    "`pending` → `accepted` / `declined` / `withdrawn`; `accepted` → `declined` / `withdrawn`.\n\n"
    "- A request is created `pending`.\n"
    "- The target's side (the partner acting for `to_organisation_id`, or staff) accepts or declines it, also "
    "declines it after accepting; the requester's side withdraws it, also after it was accepted.\n"
    "- Only the requester's side changes `message` and `priority`. `declined` and `withdrawn` are final.\n"
    "- A step by the other side → 403; a step that does not exist → 422.")


class NetworkingBreakSchema(BaseSchema):
    start = IsoTime(required=True, metadata={"example": "16:00", "maxLength": 5})
    end = IsoTime(required=True, metadata={"example": "16:30", "maxLength": 5})

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ma.ValidationError("Must be after start.", "end")


class NetworkingSettingsSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    day = IsoDate(required=True, metadata={"example": "2012-10-23", "maxLength": 10,
                                           "description": "The networking day: one of the session's dates."})
    start_time = IsoTime(required=True, metadata={"example": "14:00", "maxLength": 5,
                                                  "description": "First slot starts (session's time zone)."})
    end_time = IsoTime(required=True, metadata={"example": "18:00", "maxLength": 5,
                                                "description": "No slot ends later (after start_time)."})
    slot_minutes = StrictInteger(required=True, minimum=5, maximum=240, metadata={
        "example": 20, "description": "Length of one meeting; at least one slot must fit the window."})
    breaks = bounded_list(fields.Nested(NetworkingBreakSchema), max_length=MAX_BREAKS, load_default=list, metadata={
        "description": "Pauses inside the window, not overlapping; slots resume at a break's end."})
    tables = StrictInteger(required=True, minimum=1, maximum=MAX_TABLES, metadata={
        "example": 25, "description": "Number of meeting tables (meetings held at once)."})
    max_meetings_per_participant = StrictInteger(required=True, minimum=1, maximum=MAX_MEETINGS, metadata={
        "example": 8})
    max_open_requests_per_participant = StrictInteger(
        minimum=1, maximum=MAX_OPEN_REQUESTS, load_default=DEFAULT_OPEN_REQUESTS, metadata={
            "example": DEFAULT_OPEN_REQUESTS,
            "description": "How many `pending` requests one organisation may have sent at once (more → 409)."})
    room = Text(max_length=200, metadata={"example": "Sala Vanvitelli, piano terra",
                                          "description": "Where the meeting tables stand (shown in agendas)."})


class MeetingRequestSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    from_organisation_id = OrganisationId(required=True, metadata={
        "description": "The requester: a networking participant of this session (a partner's own organisation "
                       "or one it manages). Cannot change."})
    to_organisation_id = OrganisationId(required=True, metadata={
        "description": "The organisation asked: another networking participant of this session. Cannot change."})
    message = Text(max_length=2000, load_default="", metadata={"example": "Vorremmo presentarvi i nostri componenti."})
    priority = StrictInteger(minimum=1, maximum=3, load_default=2, metadata={
        "example": 3, "description": "How much the requester wants it: 1 (low) to 3 (high); the scheduler "
                                     "maximises the total priority of the meetings it places."})
    status = Text(max_length=20, load_default="pending", validate=[validate.OneOf(REQUEST_STATUSES)],
                  metadata={"enum": list(REQUEST_STATUSES), "description": REQUEST_STATUS_DESCRIPTION})


class MeetingRequestQueryArgsSchema(ListArgsSchema):
    status = Text(max_length=20, validate=[validate.OneOf(REQUEST_STATUSES)], metadata={"enum": list(REQUEST_STATUSES)})
    organisation_id = ObjectIdString(metadata={"description": "Requests this organisation sent or received."})


class SuggestionArgsSchema(PageArgsSchema):
    # Required, but checked after the session: an unknown session answers 404 whatever the query says.
    organisation_id = ObjectIdString(metadata={"description": "Required: the networking participant to suggest "
                                                              "counterparts for."})


class SuggestionReasonSchema(BaseSchema):
    code = fields.String(metadata={"enum": ["other_country", "shared_sectors", "offers_answer_seeks",
                                            "seeks_answered_by_offers"], "maxLength": 40})
    text = fields.String(metadata={"maxLength": 500})


class SuggestionSchema(BaseSchema):
    organisation_id = fields.String(metadata={"maxLength": 24})
    name = fields.String(metadata={"maxLength": 200})
    score = fields.Integer(metadata={"minimum": 0})
    reasons = fields.List(fields.Nested(SuggestionReasonSchema), metadata={"maxItems": 10})


class NetworkingScheduleStatsSchema(BaseSchema):
    requested = fields.Integer(metadata={"description": "Meeting requests made in the session (any status)."})
    accepted = fields.Integer(metadata={"description": "Accepted requests the scheduler was given."})
    scheduled = fields.Integer()
    unscheduled = fields.Integer()
    score = fields.Integer(metadata={"description": "Total priority of the scheduled meetings."})
    upper_bound = fields.Integer(metadata={"description": "A proven bound: no schedule reaches a higher score."})
    optimal = fields.Boolean()
    moved = fields.Integer(metadata={"description": "Meetings of the schedule published when this one was made "
                                                    "that got another slot (0 when none was published)."})
    previous_number = fields.Integer(allow_none=True, metadata={
        "description": "The published schedule this run kept meetings of, if any."})


class ScheduledMeetingSchema(BaseSchema):
    request_id = fields.String(metadata={"maxLength": 24})
    organisation_ids = fields.List(fields.String(metadata={"maxLength": 24}), metadata={"maxItems": 2})
    table = fields.Integer(metadata={"minimum": 1})
    starts_at = fields.String(metadata={"format": "date-time", "maxLength": 40})
    ends_at = fields.String(metadata={"format": "date-time", "maxLength": 40})


class UnscheduledMeetingSchema(BaseSchema):
    request_id = fields.String(metadata={"maxLength": 24})
    reason = fields.String(metadata={
        "enum": ["no_common_slot", "no_common_free_slot", "participant_at_cap", "no_free_table",
                 "participant_withdrew"],
        "description": "`no_common_slot`: the two are never available at once; `no_common_free_slot`: their "
                       "common slots are taken by other meetings; `participant_at_cap`: one has its maximum of "
                       "meetings; `no_free_table`: every table is taken in their common free slots; "
                       "`participant_withdrew`: one no longer takes part in networking."})


class NetworkingScheduleSummarySchema(BaseSchema):
    number = fields.Integer(metadata={"minimum": 1})
    created_at = Timestamp()
    published = fields.Boolean(metadata={"description": "True for the one schedule published last."})
    published_at = Timestamp(allow_none=True)
    stats = fields.Nested(NetworkingScheduleStatsSchema)


class NetworkingScheduleSchema(NetworkingScheduleSummarySchema):
    meetings = fields.List(fields.Nested(ScheduledMeetingSchema), metadata={"maxItems": MAX_SCHEDULED})
    unscheduled = fields.List(fields.Nested(UnscheduledMeetingSchema), metadata={"maxItems": MAX_SCHEDULED})


class NetworkingGridCellSchema(BaseSchema):
    table = fields.Integer(metadata={"minimum": 1})
    request_id = fields.String(allow_none=True, metadata={"maxLength": 24})
    organisation_ids = fields.List(fields.String(metadata={"maxLength": 24}), metadata={"maxItems": 2})


class NetworkingGridSlotSchema(BaseSchema):
    starts_at = fields.String(metadata={"format": "date-time", "maxLength": 40})
    ends_at = fields.String(metadata={"format": "date-time", "maxLength": 40})
    tables = fields.List(fields.Nested(NetworkingGridCellSchema), metadata={"description": "One cell per table, in order.",
                                                                           "maxItems": MAX_TABLES})


class NetworkingGridSchema(BaseSchema):
    number = fields.Integer()
    tables = fields.Integer()
    slots = fields.List(fields.Nested(NetworkingGridSlotSchema), metadata={"maxItems": MAX_SLOTS})


class NetworkingCounterpartSchema(BaseSchema):
    organisation_id = fields.String(metadata={"maxLength": 24})
    name = fields.String(metadata={"maxLength": 200})


class NetworkingAgendaMeetingSchema(BaseSchema):
    request_id = fields.String(metadata={"maxLength": 24})
    counterpart = fields.Nested(NetworkingCounterpartSchema)
    table = fields.Integer(metadata={"minimum": 1})
    starts_at = fields.String(metadata={"format": "date-time", "maxLength": 40})
    ends_at = fields.String(metadata={"format": "date-time", "maxLength": 40})


class NetworkingAgendaSchema(BaseSchema):
    organisation_id = fields.String(metadata={"maxLength": 24})
    schedule_number = fields.Integer()
    timezone = fields.String(metadata={"maxLength": 64})
    room = fields.String(allow_none=True, metadata={"maxLength": 200})
    meetings = fields.List(fields.Nested(NetworkingAgendaMeetingSchema), metadata={"maxItems": MAX_MEETINGS})
