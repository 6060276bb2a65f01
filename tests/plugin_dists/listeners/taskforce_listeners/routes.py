"""A plugin contributing a route under /api/v1/."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.plugin_api import hookimpl

blp = Blueprint("tourism_desk", __name__, url_prefix="/api/v1/tourism-desk",
                description="Opening hours of the tourism desk (a plugin's route).")


@blp.route("/hours")
class Hours(MethodView):
    def get(self):
        """Read the tourism desk's opening hours"""
        return {"opens": "09:00", "closes": "18:00"}


@hookimpl
def register_blueprints():
    return [blp]
