"""Tables as a versioned resource nested in sessions, with attributes validated by their kind."""
import datetime as dt
import logging
from zoneinfo import ZoneInfo

import marshmallow as ma

from api.core.resource import Resource
from api.errors import ValidationFailed
from api.metrics import count_plugin_error
from api.plugins import registry
from api.sessions.resource import sessions
from api.tables.models import Table
from api.tables.schemas import TableQueryArgsSchema, TableSchema

log = logging.getLogger(__name__)


def within_session(moment, session):
    """True when a stored (naive UTC) moment falls on one of the session's days in its time zone."""
    local = moment.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(session["timezone"])).date().isoformat()
    return session["starts_on"] <= local <= session["ends_on"]


def check_schedule(starts_at, ends_at, session, prefix=""):
    """Return errors for a time span outside the session's dates."""
    errors = {}
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and not within_session(moment, session):
            errors[f"{prefix}{name}"] = [f"Must fall within the session, {session['starts_on']} to {session['ends_on']} "
                                         f"({session['timezone']})."]
    return errors


class TableResource(Resource):
    name = "tables"
    label = "a table"
    path_param = "table_id"
    model = Table
    schema = TableSchema
    query_schema = TableQueryArgsSchema
    parent = sessions
    parent_field = "session_id"
    search_fields = ("title", "description")
    server_fields = ("kind_version", "kind_installed")
    sort_fields = {"starts_at": "schedule.starts_at", "kind": "kind", "created_at": "created_at",
                   "updated_at": "updated_at"}
    upgrade_reason = "kind upgrade"
    example = {
        "kind": "sector", "title": {"it": "Logistica", "ru": "Логистика", "en": "Logistics"},
        "sectors": ["logistics"],
        "schedule": {"starts_at": "2012-10-25T09:30:00+02:00", "ends_at": "2012-10-25T13:00:00+02:00", "room": "Sala B"},
        "attributes": {"nace_codes": ["H49", "H52"], "agenda_items": [], "outcomes": []},
    }

    def represent(self, stored):
        representation = super().represent(stored)
        representation["kind_installed"] = registry().kind(stored["kind"]) is not None
        return representation

    def upgrade(self, stored):
        kind = registry().kind(stored["kind"])
        if kind is None or stored.get("kind_version", kind.version) >= kind.version:
            return stored
        try:
            attributes = kind.upgrade(stored.get("attributes") or {}, stored["kind_version"])
        except Exception:  # a plugin's upgrade function failing: show the table as stored
            log.exception("upgrading table %s from %s v%s failed", stored["_id"], kind.name, stored["kind_version"])
            count_plugin_error(f"kind:{kind.name}", "upgrade")
            return stored
        return {**stored, "attributes": attributes, "kind_version": kind.version}

    def ensure_writable(self, stored):
        if registry().kind(stored["kind"]) is None:
            raise ValidationFailed.field("kind", f"Table kind {stored['kind']!r} is not installed; this table is "
                                                 "read-only until its plugin is installed again.")

    def filters(self, args):
        query = {}
        if "kind" in args:
            query["kind"] = args["kind"]
        if "sector" in args:
            query["sectors"] = args["sector"]
        return query

    def prepare(self, state, *, old, parent):
        kind = registry().kind(state["kind"])
        if kind is None:
            raise ValidationFailed.field("kind", f"No installed table kind {state['kind']!r}; see /api/v1/table-kinds.")
        try:
            state["attributes"] = kind.load(state.get("attributes") or {})
        except ma.ValidationError as error:
            raise ValidationFailed(error.messages) from None
        state["kind_version"] = kind.version
        return state

    def check(self, state, *, old, parent):
        schedule = state.get("schedule")
        if schedule:
            errors = check_schedule(schedule.get("starts_at"), schedule.get("ends_at"), parent, "schedule.")
            if errors:
                raise ValidationFailed(errors)

    def after_write(self, action, stored, old, parent):
        hooks = {"created": "table_created", "updated": "table_updated", "restored": "table_updated",
                 "deleted": "table_deleted"}
        kwargs = {"table": self.represent(stored), "session": sessions.represent(parent)}
        if hooks[action] == "table_updated":
            kwargs["previous"] = self.represent(old)
        registry().fire(hooks[action], **kwargs)


tables = TableResource()
