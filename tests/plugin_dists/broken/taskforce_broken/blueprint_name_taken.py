"""A plugin contributing a blueprint named like a core one ("tables"), which Flask cannot register twice."""
from flask_smorest import Blueprint

from api.plugin_api import hookimpl

blp = Blueprint("tables", __name__, url_prefix="/api/v1/tourism-tables")


@blp.route("/ping")
def ping():
    return {"pong": True}


@hookimpl
def register_blueprints():
    return [blp]
