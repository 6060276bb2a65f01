"""Routes of /api/v1/sessions, of cloning one into the next edition, and of a session's programme as a calendar."""
from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core import resource as core
from api.core.calendar import CALENDAR
from api.core.http import json_response, negotiate
from api.core.idempotency import run_idempotent
from api.core.permissions import current_identity, refuse
from api.core.routes import (ETAG_HEADER, IDEMPOTENCY_KEY, LOCATION_HEADER, READ_SECURITY, WRITE_SECURITY, item_links,
                             linked_response, problems, register_resource)
from api.sessions import services
from api.sessions.programme import programme_ics
from api.sessions.resource import sessions
from api.sessions.schemas import SessionSchema

blp = Blueprint("sessions", __name__, url_prefix="/api/v1/sessions",
                description="Forum sessions: one convening of the task force.")
register_resource(blp, sessions, "")


@blp.route("/<session_id>/clone", endpoint="sessions_clone")
class Clone(MethodView):
    @blp.doc(summary="Create the next edition from a session", security=WRITE_SECURITY, parameters=[IDEMPOTENCY_KEY],
             operationId="cloneSession",
             description="Staff. A `draft` numbered after the highest existing session, following the latest edition: "
                         "hosted by the other country (Italy and Russia alternate; another host alternates with the "
                         "country of the latest edition before it held elsewhere), on the latest edition's dates 26 "
                         "weeks later (the same weekdays), in the city, region and time zone of the latest edition held "
                         "in that country. This session's title, description and languages are carried over (its Roman "
                         "numeral renumbered), and its tables and seminars copied as new resources (version 1, revision "
                         "reason `cloned from session N`) at the same local times on the same days of the new dates; "
                         "a table's per-session attributes (a sector table's `outcomes`) are left out. Registrations, "
                         "networking settings, meeting requests, schedules and releases are not copied. 409 when an "
                         "item cannot be copied under today's rules (its table kind is no longer installed).")
    @linked_response(blp, 201, item_links(sessions), schema=SessionSchema, success=True,
                     headers={**ETAG_HEADER, **LOCATION_HEADER}, description="The new session, a draft.")
    @problems(blp, 401, 403, 404, 409, 422)
    def post(self, session_id):
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)

        source = core.get_visible(sessions, session_id, identity)
        if not identity.is_staff:
            refuse(identity, "Only staff (editors, admins) may prepare the next edition.")

        def handler(reserved_id):
            created = services.clone_session(source, identity, reserved_id=reserved_id)
            representation, etag = core.present_with_etag(sessions, created, identity)
            location = url_for("sessions.sessions_item", session_id=str(created["_id"]))
            return json_response(representation, 201, {"ETag": etag, "Location": location})

        return run_idempotent(identity, handler)


@blp.route("/<session_id>/programme.ics", endpoint="session_programme")
class Programme(MethodView):
    @blp.doc(summary="Read a session's programme as a calendar", security=READ_SECURITY,
             operationId="readSessionProgramme",
             description="iCalendar (RFC 5545): a VEVENT for each table with a schedule and each seminar, in the "
                         "session's time zone (with its VTIMEZONE); SUMMARY is the title in the session's languages, "
                         "LOCATION the room, venue and city; UID stays the same across changes, SEQUENCE grows. "
                         "Visible as the programme is (a draft session → 404 but for staff). Another Accept → 406.",
             responses={200: {"description": "The programme.", "content": {CALENDAR: {"schema": {"type": "string"}}}}})
    @problems(blp, 404, 406)
    def get(self, session_id):
        identity = current_identity()
        session = core.get_visible(sessions, session_id, identity)
        negotiate(CALENDAR)
        response = current_app.response_class(programme_ics(session, identity), status=200, mimetype=CALENDAR)
        response.headers["Content-Disposition"] = f'attachment; filename="session-{session["number"]}.ics"'
        return response
