"""Routes of /api/v1/sessions/{session_id}/registrations and /api/v1/organisations/{organisation_id}/participations."""
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core import resource as core
from api.core.http import json_response
from api.core.permissions import current_identity, refuse
from api.core.routes import PAGINATION_HEADERS, WRITE_SECURITY, pagination_headers, problems, register_resource
from api.core.schemas import PageArgsSchema
from api.organisations.resource import organisations
from api.registrations import services
from api.organisations.policies import represented_organisations
from api.registrations.resource import registrations
from api.registrations.schemas import ParticipationSchema

blp = Blueprint("registrations", __name__, url_prefix="/api/v1/sessions/<session_id>/registrations",
                description="Who takes part in a session: an organisation's delegates, tables, seminars and "
                            "networking. Private to staff and to the partner acting for the organisation (its own or "
                            "one it manages); only staff delete. See `status` for who may make which step and what "
                            "closing registration or concluding the session does to pending ones.")
register_resource(blp, registrations, "")

participations_blp = Blueprint(
    "participations", __name__, url_prefix="/api/v1/organisations/<organisation_id>/participations",
    description="Every session an organisation registered for: memory across editions.")


@participations_blp.route("", endpoint="participations")
class Participations(MethodView):
    @participations_blp.doc(
        summary="List the sessions an organisation registered for", security=WRITE_SECURITY,
        operationId="listParticipations",
        description="Its registrations (cancelled ones too, deleted ones not), newest session first. Private like "
                    "registrations: staff and the partner acting for the organisation (its own or one it manages) "
                    "may read it; anonymous callers get 401, other partners 403.")
    @participations_blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @participations_blp.alt_response(200, schema=ParticipationSchema(many=True), success=True,
                                     headers=PAGINATION_HEADERS, description="Participations, newest session first.")
    @problems(participations_blp, 401, 403, 404, 422)
    def get(self, args, organisation_id):
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)
        organisation = core.get_visible(organisations, organisation_id, identity)
        if not identity.is_staff and str(organisation["_id"]) not in represented_organisations(identity):
            refuse(identity, "Only staff and the partner acting for this organisation may read its participations.")
        items, total = services.participations(str(organisation["_id"]), args["page"], args["page_size"])
        info = core.pagination(total, args["page"], args["page_size"])
        return json_response(ParticipationSchema(many=True).dump(items), 200, pagination_headers(info))
