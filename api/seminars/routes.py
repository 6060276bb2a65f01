"""Routes of /api/v1/sessions/{session_id}/seminars."""
from flask_smorest import Blueprint

from api.core.routes import register_resource
from api.seminars.resource import seminars

blp = Blueprint("seminars", __name__, url_prefix="/api/v1/sessions/<session_id>/seminars",
                description="Seminars of a session: plenary talks with speakers and capacity.")
register_resource(blp, seminars, "")
