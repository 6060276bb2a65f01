"""Stored registrations (an organisation's participation in a session) and the seat books of seminars."""
import mongoengine as me

from api.core.documents import VersionedDocument

STATUSES = ("pending", "confirmed", "waitlisted", "cancelled")


class Registration(VersionedDocument):
    session_id = me.StringField(required=True)
    session_number = me.IntField()
    organisation_id = me.StringField(required=True)
    delegates = me.ListField(me.DictField())
    tables = me.ListField(me.StringField())
    seminars = me.ListField(me.StringField())
    networking = me.BooleanField(default=False)
    networking_profile = me.DictField()
    status = me.StringField(required=True, choices=STATUSES)

    meta = {
        "collection": "registrations",
        "indexes": [
            # One live registration per organisation and session: a deleted one carries its deletion time,
            # so it no longer collides (two deletions in the same millisecond aside).
            {"fields": ["session_id", "organisation_id", "deleted_at"], "unique": True},
            ("session_id", "deleted_at", "id"),
            ("session_id", "organisation_id", "deleted_at", "id"),  # filter, and a partner's own ones
            ("session_id", "status", "deleted_at", "id"),
            ("session_id", "status", "deleted_at", "organisation_id"),  # the session's participant directory
            ("organisation_id", "deleted_at", "session_number", "id"),  # participations, newest session first
        ],
    }


class SeatBook(me.Document):
    """Who holds a seat of one seminar and who waits for one, in order of arrival.

    One document per seminar, so that taking, freeing and handing on a seat is one compare-and-set of
    one document (`rev`): without multi-document transactions, the only way to never give a seat twice.
    """

    id = me.StringField(primary_key=True)  # the seminar's id
    session_id = me.StringField(required=True)
    capacity = me.IntField()  # None: no limit
    capacity_version = me.IntField(required=True)  # the seminar version the capacity was read from
    confirmed = me.ListField(me.StringField())  # registration ids holding a seat
    waiting = me.ListField(me.StringField())  # registration ids waiting, first come first
    rev = me.IntField(required=True)

    meta = {"collection": "seminar_seats", "strict": False}
