"""Routes of /api/v1/changes and /api/v1/webhooks (with each subscription's deliveries and secret rotation)."""
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api.core import changes
from api.core import resource as services
from api.core.http import evaluate_preconditions, json_response
from api.core.permissions import current_identity, refuse
from api.core.routes import (ETAG_HEADER, IF_MATCH, PAGINATION_HEADERS, READ_SECURITY, WRITE_SECURITY,
                             pagination_headers, problems, register_resource)
from api.core.schemas import PageArgsSchema
from api.sync.models import WebhookDelivery
from api.sync.schemas import ChangePageSchema, ChangeQueryArgsSchema, ChangeSchema, DeliverySchema
from api.sync.webhooks import rotate_secret, webhooks

changes_blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes",
                        description="The change feed: every create, update, delete and restore of every resource, in "
                                    "commit order. Follow it with the cursor it gives you. See docs/sync.md.")
webhooks_blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                         description="Signed webhook subscriptions: the change feed pushed to your endpoint. Staff, and "
                                     "partners for their own organisation. See docs/sync.md.")
register_resource(webhooks_blp, webhooks, "")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
NO_STORE_HEADER = {"Cache-Control": {"description": "`no-store`: the response carries a secret.",
                                     "schema": {"type": "string"}}}


@changes_blp.route("", endpoint="changes")
class Changes(MethodView):
    @changes_blp.doc(
        summary="Follow the change feed", security=READ_SECURITY, operationId="listChanges",
        description="Changes after `since`, oldest first. Store `next_cursor` and send it as `since` next time: you "
                    "miss nothing and see nothing twice, also while writers are busy (a change is shown once every "
                    "change before it has committed). An answer with fewer than `limit` changes means you are up to "
                    "date. Anonymous callers see changes to what they may read (published sessions and their "
                    "programme, the directory); partners also those of their organisations' registrations, meeting "
                    "requests and webhooks; staff everything. Each query parameter is given at most once.")
    @changes_blp.arguments(ChangeQueryArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @changes_blp.alt_response(200, schema=ChangePageSchema, success=True, description="A page of changes.")
    @problems(changes_blp, 422)
    def get(self, args):
        found, next_cursor = changes.read_changes(
            current_identity(), int(args.get("since") or 0), args["limit"],
            resource_type=args.get("resource_type"), session_id=args.get("session_id"))
        body = {"changes": ChangeSchema(many=True).dump([changes.entry(change) for change in found]),
                "next_cursor": str(next_cursor)}
        return json_response(body, 200)


def _visible_webhook(webhook_id):
    identity = current_identity()
    if identity.is_anonymous:
        refuse(identity)
    return identity, services.get_visible(webhooks, webhook_id, identity)


@webhooks_blp.route(f"/<{webhooks.path_param}>/deliveries", endpoint="webhooks_deliveries")
class Deliveries(MethodView):
    @webhooks_blp.doc(summary="List the deliveries of a webhook", security=WRITE_SECURITY,
                      operationId="listWebhookDeliveries",
                      description="Newest first: each change sent (or to send), its status, attempts, the endpoint's "
                                  "last response code and error. Each query parameter is given at most once.")
    @webhooks_blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
    @webhooks_blp.alt_response(200, schema=DeliverySchema(many=True), success=True, headers=PAGINATION_HEADERS,
                               description="Deliveries, newest first.")
    @problems(webhooks_blp, 401, 404, 422)
    def get(self, args, webhook_id):
        _, stored = _visible_webhook(webhook_id)
        query = {"webhook_id": str(stored["_id"])}
        collection = WebhookDelivery._get_collection()
        total = collection.count_documents(query)
        page, page_size = args["page"], args["page_size"]
        items = list(collection.find(query).sort([("webhook_id", 1), ("created_at", -1), ("_id", 1)])
                     .skip((page - 1) * page_size).limit(page_size))
        for item in items:
            item["id"] = str(item["_id"])
        info = services.pagination(total, page, page_size)
        return json_response(DeliverySchema(many=True).dump(items), 200, pagination_headers(info))


@webhooks_blp.route(f"/<{webhooks.path_param}>/rotate-secret", endpoint="webhooks_rotate_secret")
class RotateWebhookSecret(MethodView):
    @webhooks_blp.doc(summary="Give a webhook a new signing secret", parameters=[IF_MATCH], security=WRITE_SECURITY,
                      operationId="rotateWebhookSecret",
                      description="Stores a new secret as a new version (its revision names no secret, `reason` is "
                                  "`secret rotated`); deliveries are signed with it from now on.")
    @webhooks_blp.alt_response(200, schema=webhooks.schema, success=True, headers={**ETAG_HEADER, **NO_STORE_HEADER},
                               description="The webhook with its new `secret`, shown this once.")
    @problems(webhooks_blp, 401, 403, 404, 412, 428)
    def post(self, webhook_id):
        identity, stored = _visible_webhook(webhook_id)
        services.ensure_can_modify(webhooks, stored, identity)
        evaluate_preconditions(services.present_with_etag(webhooks, stored, identity)[1])
        rotated = rotate_secret(stored, identity, expected_version=stored["version"])
        representation, etag = services.present_with_etag(webhooks, rotated, identity)
        return json_response(representation, 200, {"ETag": etag, **NO_STORE})
