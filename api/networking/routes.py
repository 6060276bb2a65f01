"""Routes of /api/v1/sessions/{session_id}/networking: settings, requests, suggestions, schedules, agendas."""
import marshmallow as ma
from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.core import resource as core
from api.core.http import JSON, empty_response, evaluate_preconditions, json_response, negotiate, read_json_body
from api.core.idempotency import run_idempotent
from api.core.permissions import current_identity, refuse
from api.core.routes import (ETAG_HEADER, IDEMPOTENCY_KEY, IF_MATCH, IF_NONE_MATCH, LOCATION_HEADER, PAGINATION_HEADERS,
                             READ_SECURITY, WRITE_SECURITY, pagination_headers, problems, register_resource)
from api.core.schemas import PageArgsSchema
from api.errors import NotFound, PreconditionFailed, PreconditionRequired, ValidationFailed
from api.networking import services
from api.networking.resource import meeting_requests, networking_settings
from api.networking.schemas import NetworkingAgendaSchema, NetworkingGridSchema, NetworkingSettingsSchema, NetworkingScheduleSchema, \
    NetworkingScheduleSummarySchema, SuggestionArgsSchema, SuggestionSchema
from api.organisations.policies import represented_organisations
from api.sessions.resource import sessions

CSV = "text/csv"
CALENDAR = "text/calendar"
TEXT_BODY = {"schema": {"type": "string"}}
SETTINGS_PATH = "/api/v1/sessions/<session_id>/networking"

blp = Blueprint("networking", __name__, url_prefix=SETTINGS_PATH,
                description="The Networking Open Space: settings (public with the session), meeting requests "
                            "(private to staff and the partners acting for either side), suggestions, schedules "
                            "(staff) and each participant's agenda (staff and the partner acting for it).")
register_resource(blp, meeting_requests, "/requests")


def _alternative(media_type, description):
    """Document another media type of a 200 response, beside its JSON."""
    return blp.doc(responses={200: {"content": {media_type: TEXT_BODY}, "description": description}})


def _session(session_id):
    return core.get_visible(sessions, session_id, current_identity())


def _require_staff():
    identity = current_identity()
    if not identity.is_staff:
        refuse(identity, "Only staff (editors, admins) may do this.")
    return identity


def _require_acting_for(organisation_id):
    """Refuse anonymous callers (401); hide an organisation the partner does not act for (404)."""
    identity = current_identity()
    if identity.is_anonymous:
        refuse(identity)
    if not identity.is_staff and organisation_id not in represented_organisations(identity):
        raise NotFound()
    return identity


def _text(body, media_type, filename):
    response = current_app.response_class(body, status=200, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("", endpoint="networking_settings")
class Settings(MethodView):
    @blp.doc(summary="Read the networking settings", security=READ_SECURITY, parameters=[IF_NONE_MATCH],
             operationId="readNetworkingSettings",
             description="Public like the session they belong to. 404 until staff create them.")
    @blp.alt_response(200, schema=NetworkingSettingsSchema, success=True, headers=ETAG_HEADER,
                      description="The settings.")
    @blp.alt_response(304, description="Not modified: your If-None-Match is current.")
    @problems(blp, 404)
    def get(self, session_id):
        session = _session(session_id)
        stored = _stored_settings(session)
        if stored is None:
            raise NotFound("This session has no networking settings yet.")
        representation, etag = core.present_with_etag(networking_settings, stored, current_identity())
        if evaluate_preconditions(etag):
            return empty_response(304, {"ETag": etag})
        return json_response(representation, 200, {"ETag": etag})

    @blp.doc(summary="Create or replace the networking settings", security=WRITE_SECURITY,
             operationId="replaceNetworkingSettings",
             requestBody={"required": True, "content": {JSON: {"schema": NetworkingSettingsSchema,
                                                               "example": networking_settings.example}}},
             parameters=[{**IF_MATCH, "required": False, "description": "Required once the settings exist: their "
                          "current ETag (missing → 428, stale → 412)."},
                         {**IF_NONE_MATCH, "description": "`*` to create the settings when the session has none yet "
                          "(neither header then → 428; settings already there → 412)."}],
             description="Staff only. Creating: `If-None-Match: *` → 201. Replacing: `If-Match` → 200. Revisions "
                         "are kept like every versioned resource's.")
    @blp.alt_response(200, schema=NetworkingSettingsSchema, success=True, headers=ETAG_HEADER,
                      description="The new settings.")
    @blp.alt_response(201, schema=NetworkingSettingsSchema, headers={**ETAG_HEADER, **LOCATION_HEADER},
                      description="The settings, created.")
    @problems(blp, 400, 401, 403, 404, 412, 413, 415, 422, 428)
    def put(self, session_id):
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)
        session = _session(session_id)
        stored = _stored_settings(session)
        if stored is None:
            return _create_settings(session, identity)
        core.ensure_can_modify(networking_settings, stored, identity, session)
        if request.headers.get("If-None-Match", "").strip() == "*":
            raise PreconditionFailed("The settings exist already: replace them with If-Match.")
        evaluate_preconditions(core.present_with_etag(networking_settings, stored, identity)[1])
        new = core.replace(networking_settings, stored, read_json_body(), identity, expected_version=stored["version"],
                           parent=session)
        representation, etag = core.present_with_etag(networking_settings, new, identity)
        return json_response(representation, 200, {"ETag": etag})


def _stored_settings(session):
    return networking_settings.collection.find_one({"session_id": str(session["_id"]), "deleted_at": None})


def _create_settings(session, identity):
    if not networking_settings.policy.can_create(identity, session):
        refuse(identity)
    if request.headers.get("If-Match", "").strip():
        raise PreconditionFailed("There are no settings to match yet: create them with If-None-Match: *.")
    if request.headers.get("If-None-Match", "").strip() != "*":
        raise PreconditionRequired("The session has no networking settings yet: create them with If-None-Match: *.")
    try:
        stored = core.create(networking_settings, read_json_body(), identity, parent=session)
    except DuplicateKeyError:
        raise PreconditionFailed("Another request created the settings first; fetch them and retry with If-Match.") \
            from None
    representation, etag = core.present_with_etag(networking_settings, stored, identity)
    location = url_for("networking.networking_settings", session_id=str(session["_id"]))
    return json_response(representation, 201, {"ETag": etag, "Location": location})


@blp.route("/suggestions", endpoint="networking_suggestions")
class Suggestions(MethodView):
    @blp.doc(summary="Suggest counterparts for a participant", security=WRITE_SECURITY,
             operationId="listNetworkingSuggestions",
             description="Other networking participants that neither asked nor were asked by it, best first: "
                         "another country, shared sectors, offers answering its seeks and the reverse (words "
                         "matched across languages and scripts, folded as `q` folds them). Staff, and partners for "
                         "the organisations they act for (others → 404).")
    @blp.arguments(SuggestionArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @blp.alt_response(200, schema=SuggestionSchema(many=True), success=True, headers=PAGINATION_HEADERS,
                      description="A page of suggestions, best first.")
    @problems(blp, 401, 404, 422)
    def get(self, args, session_id):
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)
        session = _session(session_id)
        if "organisation_id" not in args:
            raise ValidationFailed({"organisation_id": ["Missing data for required field."]})
        _require_acting_for(args["organisation_id"])
        ranked = services.suggestions(str(session["_id"]), args["organisation_id"])
        page, size = args["page"], args["page_size"]
        info = core.pagination(len(ranked), page, size)
        body = SuggestionSchema(many=True).dump(ranked[(page - 1) * size:page * size])
        return json_response(body, 200, pagination_headers(info))


@blp.route("/schedules", endpoint="networking_schedules")
class Schedules(MethodView):
    @blp.doc(summary="List the schedules", security=WRITE_SECURITY, operationId="listNetworkingSchedules",
             description="Staff only. Newest first, without their meetings.")
    @blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @blp.alt_response(200, schema=NetworkingScheduleSummarySchema(many=True), success=True, headers=PAGINATION_HEADERS,
                      description="A page of schedules.")
    @problems(blp, 401, 403, 404, 422)
    def get(self, args, session_id):
        _require_staff()
        session_id = str(_session(session_id)["_id"])
        items, total = services.list_schedules(session_id, args["page"], args["page_size"])
        published = services.published_schedule(session_id)
        number = published["number"] if published else None
        body = NetworkingScheduleSummarySchema(many=True).dump([services.present_schedule(s, number, full=False) for s in items])
        return json_response(body, 200, pagination_headers(core.pagination(total, args["page"], args["page_size"])))

    @blp.doc(summary="Run the scheduler", security=WRITE_SECURITY, parameters=[IDEMPOTENCY_KEY],
             operationId="runNetworkingScheduler",
             description="Staff only. Schedules the accepted requests into the settings' slots and tables, within "
                         "each participant's availability and the per-participant maximum, maximising the total "
                         "priority; stores the result as the next numbered schedule. When a schedule is published, "
                         "its meetings keep their slots unless moving them schedules more (`stats.moved`). "
                         "No settings → 409.")
    @blp.alt_response(201, schema=NetworkingScheduleSchema, success=True, headers=LOCATION_HEADER, description="The new schedule.")
    @problems(blp, 401, 403, 404, 409, 422)
    def post(self, session_id):
        identity = _require_staff()
        networking_settings.policy.ensure_write_scope(identity)

        def handler(reserved_id):
            session = _session(session_id)
            schedule = services.run_schedule(session, identity, reserved_id=reserved_id)
            location = url_for("networking.networking_schedule", session_id=str(session["_id"]),
                               number=schedule["number"])
            return json_response(_schedule_body(schedule), 201, {"Location": location})

        return run_idempotent(identity, handler)


def _schedule_body(schedule):
    """The JSON of a schedule, saying whether it is the session's published one."""
    published = services.published_schedule(schedule["session_id"])
    return NetworkingScheduleSchema().dump(services.present_schedule(schedule, published and published["number"]))


def _schedule(session_id, number):
    _require_staff()
    return services.find_schedule(str(_session(session_id)["_id"]), number)


@blp.route("/schedules/<int(min=1, max=1000000):number>", endpoint="networking_schedule")
class ScheduleByNumber(MethodView):
    @blp.doc(summary="Read a schedule", security=WRITE_SECURITY, operationId="readNetworkingSchedule",
             description="Staff only. JSON, or CSV (`Accept: text/csv`: a row a meeting, then a row an unscheduled "
                         "request). Another Accept → 406.")
    @blp.alt_response(200, schema=NetworkingScheduleSchema, success=True, description="The schedule.")
    @_alternative(CSV, "The schedule.")
    @problems(blp, 401, 403, 404, 406)
    def get(self, session_id, number):
        schedule = _schedule(session_id, number)
        media_type = negotiate(JSON, CSV)
        if media_type == CSV:
            return _text(services.schedule_csv(schedule), CSV, f"schedule-{number}.csv")
        return json_response(_schedule_body(schedule))


@blp.route("/schedules/<int(min=1, max=1000000):number>/grid", endpoint="networking_schedule_grid")
class ScheduleGrid(MethodView):
    @blp.doc(summary="Read a schedule's grid of slots and tables", security=WRITE_SECURITY,
             operationId="readNetworkingScheduleGrid",
             description="Staff only: the organiser's sheet. JSON, or CSV (`Accept: text/csv`: a row a slot, a column "
                         "a table, each cell the two organisations' names). Another Accept → 406.")
    @blp.alt_response(200, schema=NetworkingGridSchema, success=True, description="The grid.")
    @_alternative(CSV, "The grid.")
    @problems(blp, 401, 403, 404, 406)
    def get(self, session_id, number):
        schedule = _schedule(session_id, number)
        media_type = negotiate(JSON, CSV)
        if media_type == CSV:
            return _text(services.grid_csv(schedule), CSV, f"schedule-{number}-grid.csv")
        return json_response(NetworkingGridSchema().dump(services.grid(schedule)))


@blp.route("/schedules/<int(min=1, max=1000000):number>/publish", endpoint="networking_schedule_publish")
class PublishSchedule(MethodView):
    @blp.doc(summary="Publish a schedule", security=WRITE_SECURITY, operationId="publishNetworkingSchedule",
             description="Staff only. Agendas then come from this schedule; the schedule published last is the "
                         "published one.")
    @blp.alt_response(200, schema=NetworkingScheduleSchema, success=True, description="The published schedule.")
    @problems(blp, 401, 403, 404)
    def post(self, session_id, number):
        identity = _require_staff()
        networking_settings.policy.ensure_write_scope(identity)
        schedule = services.publish_schedule(str(_session(session_id)["_id"]), number)
        return json_response(NetworkingScheduleSchema().dump(services.present_schedule(schedule, schedule["number"])))


@blp.route("/agenda/<organisation_id>", endpoint="networking_agenda")
class Agenda(MethodView):
    @blp.doc(summary="Read a participant's agenda", security=WRITE_SECURITY, operationId="readNetworkingAgenda",
             description="Its meetings in the published schedule, times in the session's time zone. JSON, or "
                         "iCalendar (`Accept: text/calendar`: a VEVENT a meeting with a VTIMEZONE); another Accept "
                         "→ 406. Staff, and partners for the organisations they act for (others → 404). No "
                         "published schedule, or an organisation that takes no part in the session's networking → 404; "
                         "a participant without meetings has an empty agenda.")
    @blp.alt_response(200, schema=NetworkingAgendaSchema, success=True, description="The agenda.")
    @_alternative(CALENDAR, "The agenda.")
    @problems(blp, 401, 404, 406)
    def get(self, session_id, organisation_id):
        _require_acting_for(organisation_id)
        session = _session(session_id)
        view = services.agenda(str(session["_id"]), organisation_id)
        media_type = negotiate(JSON, CALENDAR)
        if media_type == CALENDAR:
            return _text(services.agenda_ics(session, view), CALENDAR, f"agenda-{organisation_id}.ics")
        return json_response(NetworkingAgendaSchema().dump(view))
