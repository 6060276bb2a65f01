"""Routes of /api/v1/sessions, and a session's programme as a calendar file."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core import resource as core
from api.core.calendar import CALENDAR
from api.core.http import negotiate
from api.core.permissions import current_identity
from api.core.routes import READ_SECURITY, problems, register_resource
from api.sessions.programme import programme_ics
from api.sessions.resource import sessions

blp = Blueprint("sessions", __name__, url_prefix="/api/v1/sessions",
                description="Forum sessions: one convening of the task force.")
register_resource(blp, sessions, "")


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
