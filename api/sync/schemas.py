"""Schemas of the change feed, webhook subscriptions and their deliveries."""
import re

import marshmallow as ma
from marshmallow import fields, validate

from api.core import changes
from api.core.fields import FullMatch, ObjectIdString, StrictBoolean, Text, Timestamp, bounded_list, unique_items
from api.core.schemas import BaseSchema, ListArgsSchema, QueryArgsSchema, QueryInteger, VersionedSchema

MAX_FEED_PAGE = 1000
_CURSOR = re.compile(r"^[0-9]{1,18}$")
_EVENT = re.compile(r"^(\*|[a-z][a-z_-]{0,49}\.(\*|created|updated|deleted|restored))$")
EVENT_DESCRIPTION = ("`<resource_type>.<action>` (`organisations.updated`), `<resource_type>.*` or `*` for every "
                     "change; resource types as in the change feed, actions `created`, `updated`, `deleted`, "
                     "`restored`.")


def _resource_type(value):
    if value not in changes.resource_types():
        raise ma.ValidationError(f"Not a resource type; one of {', '.join(changes.resource_types())}.")


def _event(value):
    if not _EVENT.fullmatch(value):
        raise ma.ValidationError(f"Not an event type: {EVENT_DESCRIPTION}")
    resource_type = value.split(".", 1)[0]
    if resource_type != "*":
        _resource_type(resource_type)


class ChangeQueryArgsSchema(QueryArgsSchema):
    since = Text(max_length=18, validate=[FullMatch(_CURSOR, error=changes.NOT_A_CURSOR)], metadata={
        "description": "The `next_cursor` (or a change's `cursor`) of your last answer; omitted: from the start. "
                       "Opaque: send back what you were given.", "example": "1042"})
    limit = QueryInteger(load_default=100, validate=validate.Range(min=1, max=MAX_FEED_PAGE),
                         metadata={"description": f"Changes per answer, 1 to {MAX_FEED_PAGE}."})
    resource_type = Text(max_length=50, validate=[_resource_type],
                         metadata={"description": "Only changes of this collection (`organisations`, `tables`, …)."})
    session_id = ObjectIdString(metadata={"description": "Only changes of this session and what it holds."})


class ChangeSchema(BaseSchema):
    cursor = fields.String(metadata={"description": "This change's place in the feed (opaque).", "example": "1042",
                                     "maxLength": 18})
    resource_type = fields.String(metadata={"description": "The collection's path name.", "example": "organisations",
                                            "maxLength": 50})
    resource_id = fields.String(metadata={"example": "64b7f0c2a1e4b3d2c1a09f8e", "maxLength": 24})
    version = fields.Integer(metadata={"description": "The version this change made.", "example": 3})
    action = fields.String(validate=validate.OneOf(changes.ACTIONS), metadata={"enum": list(changes.ACTIONS)})
    changed_at = Timestamp()
    session_id = fields.String(allow_none=True, metadata={
        "description": "The session the resource belongs to (a session's own id for a session), else null.",
        "maxLength": 24})


class ChangePageSchema(BaseSchema):
    changes = fields.List(fields.Nested(ChangeSchema), metadata={"maxItems": MAX_FEED_PAGE})
    next_cursor = fields.String(metadata={
        "description": "Send it as `since` next time. Fewer changes than `limit`: you are up to date.",
        "example": "1042", "maxLength": 18})


class WebhookSchema(VersionedSchema):
    url = Text(required=True, min_length=1, max_length=2000, metadata={
        "description": "An http(s) URL in plain ASCII (percent-encode the rest, `xn--` host names) whose host "
                       "resolves to public addresses only (checked again at each delivery); redirects are not "
                       "followed.", "example": "https://crm.example.org/taskforce/events"})
    events = bounded_list(Text(max_length=60, validate=[_event]), max_length=50,
                          validate=[unique_items, validate.Length(min=1)],
                          metadata={"description": f"The event types to send: {EVENT_DESCRIPTION}",
                                    "example": ["organisations.updated", "registrations.*"]})
    session_id = ObjectIdString(metadata={"description": "Only changes of this session (one you may see)."})
    organisation_id = ObjectIdString(metadata={
        "description": "The organisation it is for: its partners see and manage it, and it gets only the changes "
                       "they may see. Required of partners; staff may leave it out (the changes staff see)."})
    active = StrictBoolean(load_default=True, metadata={
        "description": "Set back to true to resume a subscription the server disabled."})
    description = Text(max_length=500)
    secret = fields.String(dump_only=True, metadata={
        "description": "The signing secret (`whsec_…`), only in the response that creates the subscription or rotates "
                       "its secret: store it, it is never shown again.", "maxLength": 64})
    disabled_reason = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Why the server disabled it (its endpoint kept failing, its organisation was deleted or "
                       "got a new manager); null while it is fine.",
        "maxLength": 500})
    disabled_at = Timestamp(dump_only=True, allow_none=True)


class WebhookQueryArgsSchema(ListArgsSchema):
    organisation_id = ObjectIdString()
    active = fields.Boolean()


class DeliverySchema(BaseSchema):
    id = fields.String(metadata={"description": "The delivery's id, sent as `webhook-id`.", "maxLength": 24})
    type = fields.String(metadata={"description": "The event type.", "example": "organisations.updated",
                                   "maxLength": 60})
    cursor = fields.String(attribute="seq", metadata={"description": "The change's cursor in the feed.",
                                                      "maxLength": 18})
    status = fields.String(validate=validate.OneOf(("pending", "succeeded", "failed")),
                           metadata={"enum": ["pending", "succeeded", "failed"]})
    attempts = fields.Integer()
    response_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True, metadata={"maxLength": 500})
    created_at = Timestamp()
    updated_at = Timestamp()
    next_attempt_at = Timestamp(allow_none=True)
    delivered_at = Timestamp(allow_none=True)
