"""A plugin contributing a route at the address of a core one (an organisation's), which it would shadow."""
from flask_smorest import Blueprint

from api.hookspecs import hookimpl

blp = Blueprint("shadowing", __name__, url_prefix="/api/v1/organisations")


@blp.route("/<organisation_id>", methods=["GET"])
def read(organisation_id):
    return {"shadowed": organisation_id}


@hookimpl
def register_blueprints():
    return [blp]
