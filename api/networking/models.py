"""Stored networking settings, meeting requests and schedules of a session's Networking Open Space."""
import mongoengine as me

from api.core.documents import VersionedDocument

REQUEST_STATUSES = ("pending", "accepted", "declined", "withdrawn")
OPEN_STATUSES = ("pending", "accepted")


class NetworkingSettings(VersionedDocument):
    session_id = me.StringField(required=True)
    day = me.StringField(required=True)
    start_time = me.StringField(required=True)
    end_time = me.StringField(required=True)
    slot_minutes = me.IntField(required=True)
    breaks = me.ListField(me.DictField())
    tables = me.IntField(required=True)
    max_meetings_per_participant = me.IntField()
    max_open_requests_per_participant = me.IntField()
    room = me.StringField()

    meta = {"collection": "networking_settings", "indexes": [
        # One settings document per session: it is never deleted, so the session alone is the key.
        {"fields": ["session_id"], "unique": True},
    ]}


class MeetingRequest(VersionedDocument):
    session_id = me.StringField(required=True)
    from_organisation_id = me.StringField(required=True)
    to_organisation_id = me.StringField(required=True)
    message = me.StringField()
    priority = me.IntField(required=True)
    status = me.StringField(required=True, choices=REQUEST_STATUSES)
    # "<session>:<organisation>:<organisation>" (ids sorted) while the request is open and not deleted: the
    # unique sparse index makes one open request per pair hold across processes (MeetingRequestResource.live_keys).
    open_pair = me.StringField()

    meta = {"collection": "meeting_requests", "indexes": [
        {"fields": ["open_pair"], "unique": True, "sparse": True},
        ("session_id", "deleted_at", "id"),
        ("session_id", "status", "deleted_at", "id"),
        ("session_id", "from_organisation_id", "deleted_at", "id"),
        ("session_id", "to_organisation_id", "deleted_at", "id"),
        ("session_id", "deleted_at", "priority", "id"),  # sort=priority
    ]}


class Schedule(me.Document):
    """One run of the scheduler: a numbered snapshot, never changed but for its publication."""

    session_id = me.StringField(required=True)
    number = me.IntField(required=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField()
    # The newest publication wins: the published schedule is the one published last.
    published_at = me.DateTimeField()
    timezone = me.StringField()
    tables = me.IntField()
    room = me.StringField()
    slots = me.ListField(me.DictField())  # {starts_at, ends_at} in the session's time zone
    stats = me.DictField()
    meetings = me.ListField(me.DictField())  # {request_id, organisation_ids, slot, table, starts_at, ends_at}
    unscheduled = me.ListField(me.DictField())  # {request_id, reason}

    meta = {"collection": "networking_schedules", "strict": False, "indexes": [
        {"fields": ["session_id", "number"], "unique": True},
        ("session_id", "published_at"),
    ]}
