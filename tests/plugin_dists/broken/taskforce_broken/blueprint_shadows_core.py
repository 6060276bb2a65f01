"""A plugin contributing a route at an address a core route answers (the `sector` table kind's), which
Werkzeug would give to the plugin: a literal segment wins over the core route's variable one."""
from flask_smorest import Blueprint

from api.plugin_api import hookimpl

blp = Blueprint("shadowing", __name__, url_prefix="/api/v1/table-kinds")


@blp.route("/sector", methods=["GET"])
def sector():
    return {"shadowed": True}


@hookimpl
def register_blueprints():
    return [blp]
