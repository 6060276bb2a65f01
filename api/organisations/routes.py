"""Routes of /api/v1/organisations."""
from flask_smorest import Blueprint

from api.core.routes import register_resource
from api.organisations.resource import organisations

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="The directory of organisations taking part in the forum.")
register_resource(blp, organisations, "")
