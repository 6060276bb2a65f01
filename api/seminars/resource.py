"""Seminars as a versioned resource nested in sessions."""
from api.core.resource import CACHED_REPRESENTATION, Resource
from api.errors import ValidationFailed
from api.registrations import services as seats
from api.seminars.models import Seminar
from api.seminars.schemas import SeminarQueryArgsSchema, SeminarSchema
from api.sessions.resource import sessions
from api.tables.resource import check_schedule


class SeminarResource(Resource):
    name = "seminars"
    label = "a seminar"
    path_param = "seminar_id"
    model = Seminar
    schema = SeminarSchema
    query_schema = SeminarQueryArgsSchema
    parent = sessions
    parent_field = "session_id"
    search_fields = ("title", "abstract", "speakers")
    server_fields = ("seats_taken", "waiting_list")
    live_fields = ("seats_taken", "waiting_list")
    sort_fields = {"starts_at": "starts_at", "created_at": "created_at", "updated_at": "updated_at"}
    example = {
        "title": {"it": "Promozione reciproca del settore turistico", "ru": "Взаимное продвижение туризма"},
        "starts_at": "2012-10-26T09:30:00+02:00", "ends_at": "2012-10-26T12:30:00+02:00", "room": "Auditorium",
        "languages": ["it", "ru"], "interpretation": True, "capacity": 150,
    }

    def represent(self, stored):
        view = dict(stored)
        view["id"] = str(stored["_id"])
        view["seats_taken"], view["waiting_list"] = seats.seat_counts(view["id"])
        return self.schema_instance.dump(view)

    def after_write(self, action, stored, old, parent):
        seats.follow_capacity(stored)
        # A new capacity may have seated some of those waiting: the response shows the counts after that.
        stored.pop(CACHED_REPRESENTATION, None)

    def check(self, state, *, old, parent):
        errors = check_schedule(state["starts_at"], state["ends_at"], parent)
        if errors:
            raise ValidationFailed(errors)


seminars = SeminarResource()
