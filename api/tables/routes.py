"""Routes of /api/v1/sessions/{session_id}/tables and /api/v1/table-kinds."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core.http import json_response
from api.core.jsonschema import json_schema
from api.core.routes import problems, register_resource
from api.errors import NotFound
from api.plugins import registry
from api.tables.resource import tables
from api.tables.schemas import BaseSchema
from marshmallow import fields

blp = Blueprint("tables", __name__, url_prefix="/api/v1/sessions/<session_id>/tables",
                description="Thematic tables of a session; their attributes are validated by the table kind.")
register_resource(blp, tables, "")

kinds_blp = Blueprint("table_kinds", __name__, url_prefix="/api/v1/table-kinds",
                      description="Installed table kinds, each with the JSON Schema of its attributes.")


class TableKindSchema(BaseSchema):
    name = fields.String(metadata={"example": "sector", "maxLength": 40})
    version = fields.Integer(metadata={"example": 1})
    label = fields.Dict(metadata={"example": {"it": "Tavolo settoriale", "ru": "Отраслевой стол"},
                                  "maxProperties": 200})  # keys are ISO 639-1 codes: fewer than 200 exist
    description = fields.Dict(metadata={"maxProperties": 200})
    attributes_schema = fields.Dict(metadata={"description": "JSON Schema (draft 2020-12) of `attributes`.",
                                              "maxProperties": 20})


def describe(kind):
    return {"name": kind.name, "version": kind.version, "label": kind.label, "description": kind.description,
            "attributes_schema": json_schema(kind.schema, title=f"{kind.name} attributes")}


@kinds_blp.route("", endpoint="table_kinds")
class TableKinds(MethodView):
    @kinds_blp.doc(summary="List the installed table kinds", security=[{}, {"bearerAuth": []}], operationId="listTableKinds")
    @kinds_blp.alt_response(200, schema=TableKindSchema(many=True), success=True, description="Installed kinds.")
    @problems(kinds_blp, 429)
    def get(self):
        return json_response([describe(kind) for _, kind in sorted(registry().kinds.items())])


@kinds_blp.route("/<name>", endpoint="table_kind")
class TableKindByName(MethodView):
    @kinds_blp.doc(summary="Read a table kind with its attributes' JSON Schema", security=[{}, {"bearerAuth": []}],
                   operationId="readTableKind")
    @kinds_blp.alt_response(200, schema=TableKindSchema, success=True, description="The kind.")
    @problems(kinds_blp, 404)
    def get(self, name):
        kind = registry().kind(name)
        if kind is None:
            raise NotFound(f"No installed table kind {name!r}.")
        return json_response(describe(kind))
