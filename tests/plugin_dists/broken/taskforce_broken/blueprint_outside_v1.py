"""A plugin contributing a blueprint outside /api/v1/ (and a kind, which must not be installed either)."""
from flask_smorest import Blueprint

from api.plugin_api import TableKind, hookimpl
from taskforce_broken import NotesAttributes

blp = Blueprint("broken_outside", __name__, url_prefix="/broken")


@blp.route("/ping")
def ping():
    return {"pong": True}


@hookimpl
def register_table_kinds():
    return [TableKind(name="broken_blueprint", version=1, label={"en": "Broken"}, description={"en": "Outside v1."},
                      schema=NotesAttributes)]


@hookimpl
def register_blueprints():
    return [blp]
