"""Sessions as a versioned resource: rules, visibility, filters."""
from api.core.fields import check_region_in_country
from api.core.permissions import Policy
from api.core.resource import Resource
from api.errors import Conflict, ValidationFailed
from api.sessions.models import STATUSES, Session
from api.sessions.schemas import SessionQueryArgsSchema, SessionSchema

ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
         (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def roman(number):
    out = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


class SessionPolicy(Policy):
    """Drafts are for staff only; everyone else reads published sessions."""

    def visible_query(self, identity, parent=None):
        return {} if identity.is_staff else {"status": {"$ne": "draft"}}

    def can_see(self, identity, state, parent=None):
        return identity.is_staff or state.get("status") != "draft"


class SessionResource(Resource):
    name = "sessions"
    label = "a session"
    path_param = "session_id"
    model = Session
    schema = SessionSchema
    query_schema = SessionQueryArgsSchema
    policy = SessionPolicy()
    search_fields = ("title", "description", "city", "venue")
    sort_fields = {"number": "number", "starts_on": "starts_on", "created_at": "created_at", "updated_at": "updated_at"}
    example = {
        "number": 22, "title": {"it": "XXII Sessione della Task Force italo-russa", "ru": "XXII сессия Рабочей группы"},
        "host_country": "RU", "host_region": "RU-MOW", "city": "Москва", "starts_on": "2013-04-15",
        "ends_on": "2013-04-17", "timezone": "Europe/Moscow", "status": "draft", "languages": ["it", "ru"],
    }

    def search_texts(self, state):
        number = state.get("number")
        extra = [str(number), roman(number)] if isinstance(number, int) and number > 0 else []
        return super().search_texts(state) + extra

    def filters(self, args):
        query = {}
        if "status" in args:
            query["status"] = args["status"]
        if "host_country" in args:
            query["host_country"] = args["host_country"]
        if "year" in args:
            query["starts_on"] = {"$gte": f"{args['year']:04d}-01-01", "$lte": f"{args['year']:04d}-12-31"}
        return query

    def check(self, state, *, old, parent):
        errors = check_region_in_country(state.get("host_region"), state.get("host_country"), "host_region")
        if state["ends_on"] < state["starts_on"]:
            errors["ends_on"] = ["Must be on or after starts_on."]
        if old is not None and STATUSES.index(state["status"]) < STATUSES.index(old["status"]):
            errors["status"] = [f"Cannot go back from {old['status']} to {state['status']}; "
                                f"the lifecycle is {' → '.join(STATUSES)}."]
        if errors:
            raise ValidationFailed(errors)
        if old is None or old["number"] != state["number"]:
            if Session.objects(number=state["number"]).only("id").first() is not None:
                raise Conflict(f"Session number {state['number']} already exists.")

    def after_write(self, action, stored, old, parent):
        concluded = STATUSES.index("concluded")
        if old is not None and stored.get("deleted_at") is None \
                and STATUSES.index(old["status"]) < concluded <= STATUSES.index(stored["status"]):
            from api.registrations.services import cancel_pending  # registrations are built on sessions
            cancel_pending(stored)


sessions = SessionResource()
