"""Routes of /api/v1/sessions."""
from flask_smorest import Blueprint

from api.core.routes import register_resource
from api.sessions.resource import sessions

blp = Blueprint("sessions", __name__, url_prefix="/api/v1/sessions",
                description="Forum sessions: one convening of the task force.")
register_resource(blp, sessions, "")
