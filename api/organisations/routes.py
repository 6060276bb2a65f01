"""Routes of /api/v1/organisations: the directory, its CSV export and its bulk import."""
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core.http import json_response
from api.core.idempotency import run_idempotent
from api.core.permissions import current_identity, refuse
from api.core.routes import IDEMPOTENCY_KEY, WRITE_SECURITY, problems, register_resource
from api.core.tabular import CSV, XLSX, read_sheet, uploaded_sheet
from api.organisations.imports import export_csv, import_organisations
from api.organisations.resource import organisations
from api.organisations.schemas import (IMPORT_COLUMNS_DOC, MAX_IMPORT_ROWS, UPLOAD_LIMIT, ImportArgsSchema,
                                      ImportReportSchema)

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="The directory of organisations taking part in the forum.")
register_resource(blp, organisations, "", actions=("import",), csv_export=export_csv,
                  csv_description="`Accept: text/csv`: every organisation the same query arguments select (`page` and "
                                  "`page_size` do not apply), in the columns the import reads; contacts only for "
                                  "callers who see them. " + IMPORT_COLUMNS_DOC)

FILE = {"type": "string", "format": "binary", "maxLength": UPLOAD_LIMIT}
# The file is documented as a form upload only: Swagger UI then offers a file picker, and client generators
# (openapi-python-client) read no text/csv or XLSX body. The raw bodies are accepted all the same (API.md).
IMPORT_BODY = {"required": True, "description": f"The spreadsheet in the multipart field `file` (CSV or XLSX, told by the "
                                                f"part's type or the file name's `.csv`/`.xlsx`); or the file itself as "
                                                f"the body, with `Content-Type: {CSV}` or `{XLSX}`.",
               "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                              "properties": {"file": FILE},
                                                              "additionalProperties": False}}}}


@blp.route("/import", endpoint="organisations_import")
class Import(MethodView):
    @blp.doc(summary="Import organisations from a spreadsheet", operationId="importOrganisations",
             security=WRITE_SECURITY, parameters=[IDEMPOTENCY_KEY], requestBody=IMPORT_BODY,
             description=f"Creates or updates an organisation per row (at most {MAX_IMPORT_ROWS:,} rows, the body at most "
                         "MAX_CONTENT_LENGTH bytes: else 413), each validated and written exactly as the API "
                         "writes one, with its revision; a rejected row stores nothing. Staff and partners (a "
                         "partner's new organisations are managed by its own; it updates only those it may edit). "
                         "Not CSV/XLSX, or a file that is not what it claims → 415; unknown columns → 422. "
                         + IMPORT_COLUMNS_DOC)
    @blp.arguments(ImportArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @blp.alt_response(200, schema=ImportReportSchema, success=True,
                      description="What happened to each row (with `dry_run`, what would happen).")
    @problems(blp, 400, 401, 403, 409, 413, 415, 422)
    def post(self, args):
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)

        def handler(_reserved_id):
            report = import_organisations(lambda: read_sheet(*uploaded_sheet(), max_rows=MAX_IMPORT_ROWS), identity,
                                          dry_run=args["dry_run"])
            return json_response(report)

        return run_idempotent(identity, handler)
