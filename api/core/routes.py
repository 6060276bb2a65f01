"""The routes of a versioned resource, generated once from its declaration.

`register_resource(blp, resource, url)` adds the collection (list, create), the item (read,
PUT, PATCH, DELETE), the revisions list and snapshot, and restore, each documented in OpenAPI
with its errors. Views stay thin: parse, call a service in `api.core.resource`, answer.
"""
import json

import marshmallow as ma
from http import HTTPStatus

from flask import request, url_for
from flask.views import MethodView

from api.core import resource as services
from api.core.http import JSON, MERGE_PATCH, empty_response, etag_for, json_response, not_modified, read_json_body, require_if_match
from api.core.idempotency import run_idempotent
from api.core.permissions import current_identity, refuse
from api.core.schemas import PageArgsSchema, RevisionSchema
from api.errors import NotFound

ETAG_HEADER = {"ETag": {"description": "Strong entity tag: the quoted `version`.", "schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "URL of the created resource.", "schema": {"type": "string"}}}
PAGINATION_HEADERS = {
    "X-Pagination": {"description": "JSON: total, total_pages, first_page, last_page, page, previous_page?, next_page?",
                     "schema": {"type": "string"}},
    "Link": {"description": "RFC 8288 links: first, last, prev, next.", "schema": {"type": "string"}},
}
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The current ETag (`\"<version>\"`); missing → 428, stale → 412."}
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                 "description": "An ETag you hold; when current → 304 with no body."}
READ_SECURITY = [{}, {"bearerAuth": []}]
WRITE_SECURITY = [{"bearerAuth": []}]
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "maxLength": 255},
                   "description": "Retry safely: the same key and body within 24 h replays the first response."}


def problems(blp, *statuses):
    """Document problem+json error responses."""
    def decorator(func):
        for status in statuses:
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func
    return decorator


def pagination_headers(info):
    """Return X-Pagination and Link headers for a page."""
    links = []
    args = request.args.to_dict(flat=True)

    def link(page, rel):
        query = {**args, "page": page}
        links.append(f'<{request.base_url}?{"&".join(f"{k}={_quote(v)}" for k, v in query.items())}>; rel="{rel}"')

    link(info["first_page"], "first")
    if "previous_page" in info:
        link(info["previous_page"], "prev")
    if "next_page" in info:
        link(info["next_page"], "next")
    link(info["last_page"], "last")
    return {"X-Pagination": json.dumps(info), "Link": ", ".join(links)}


def _quote(value):
    from urllib.parse import quote
    return quote(str(value), safe="")


def load_parent(resource, path):
    """Return the visible parent document of a nested resource (404 when unknown or hidden)."""
    if resource.parent is None:
        return None
    identity = current_identity()
    return services.get_visible(resource.parent, path[resource.parent.path_param], identity,
                                parent=load_parent(resource.parent, path))


def register_resource(blp, resource, url):
    """Add the collection, item, revision and restore routes of a resource to a blueprint."""
    schema = resource.schema
    label = resource.label
    plural = resource.name
    item_param = resource.path_param
    item_url = f"{url}/<{item_param}>"
    endpoint = resource.name.replace("-", "_")
    item_endpoint = f"{endpoint}_item"
    request_body = {"required": True, "content": {JSON: {"schema": schema}}}
    if resource.example:
        request_body["content"][JSON]["example"] = resource.example
    patch_body = {"required": True, "content": {
        MERGE_PATCH: {"schema": {"type": "object"}, "description": "RFC 7396 JSON merge patch."},
        JSON: {"schema": {"type": "object"}}}}
    nested_errors = (404,) if resource.parent else ()

    def item_headers(stored, status=200):
        headers = {"ETag": etag_for(stored["version"])}
        if status == 201:
            headers["Location"] = url_for(f"{blp.name}.{item_endpoint}", _external=False,
                                          **{**request.view_args, item_param: str(stored["_id"])})
        return headers

    def answer(stored, status=200):
        identity = current_identity()
        return json_response(services.present(resource, stored, identity), status, item_headers(stored, status))

    @blp.route(url, endpoint=endpoint)
    class Collection(MethodView):
        @blp.doc(summary=f"List {plural}", security=READ_SECURITY,
                 description=f"Paged list of {plural}; `X-Pagination` and `Link` headers describe the pages.")
        @blp.arguments(resource.query_schema, location="query", as_kwargs=False, unknown=ma.RAISE)
        @blp.alt_response(200, schema=schema(many=True), success=True, headers=PAGINATION_HEADERS,
                          description=f"A page of {plural}.")
        @problems(blp, 422, *nested_errors)
        def get(self, args, **path):
            identity = current_identity()
            parent = load_parent(resource, path)
            resource.policy.ensure_can_list(identity, parent)
            docs, total = services.list_page(resource, args, identity, parent=parent)
            info = services.pagination(total, args["page"], args["page_size"])
            body = [services.present(resource, doc, identity) for doc in docs]
            return json_response(body, 200, pagination_headers(info))

        @blp.doc(summary=f"Create {label}", requestBody=request_body, security=WRITE_SECURITY, parameters=[IDEMPOTENCY_KEY])
        @blp.alt_response(201, schema=schema, success=True, headers={**ETAG_HEADER, **LOCATION_HEADER},
                          description=f"The created {label}.")
        @problems(blp, 400, 401, 403, 409, 413, 415, 422, *nested_errors)
        def post(self, **path):
            identity = current_identity()

            def handler():
                parent = load_parent(resource, path)
                if not resource.policy.can_create(identity, parent):
                    refuse(identity)
                body = read_json_body()
                stored = services.create(resource, body, identity, parent=parent)
                return answer(stored, 201)

            if identity.is_anonymous:
                refuse(identity)
            return run_idempotent(identity, handler, not_replayed=resource.shown_once_fields)

    def load_item(path, include_deleted=False):
        identity = current_identity()
        parent = load_parent(resource, path)
        stored = services.find_stored(resource, path[item_param], parent=parent, include_deleted=include_deleted)
        if stored.get("deleted_at") is not None and not identity.is_admin:
            raise NotFound()
        resource.policy.ensure_visible(identity, stored, parent)
        return stored, parent

    @blp.route(item_url, endpoint=item_endpoint)
    class Item(MethodView):
        @blp.doc(summary=f"Read {label}", parameters=[IF_NONE_MATCH], security=READ_SECURITY)
        @blp.alt_response(200, schema=schema, success=True, headers=ETAG_HEADER, description=f"The {label}.")
        @blp.alt_response(304, description="Not modified: your If-None-Match is current.")
        @problems(blp, 404)
        def get(self, **path):
            stored, _ = load_item(path)
            if not_modified(stored["version"]):
                return empty_response(304, {"ETag": etag_for(stored["version"])})
            return answer(stored)

        @blp.doc(summary=f"Replace {label}", requestBody=request_body, parameters=[IF_MATCH], security=WRITE_SECURITY)
        @blp.alt_response(200, schema=schema, success=True, headers=ETAG_HEADER, description=f"The new state.")
        @problems(blp, 400, 401, 403, 404, 412, 413, 415, 422, 428)
        def put(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            version = require_if_match(stored["version"])
            body = read_json_body()
            return answer(services.replace(resource, stored, body, identity, expected_version=version, parent=parent))

        @blp.doc(summary=f"Update {label} with a JSON merge patch", requestBody=patch_body, parameters=[IF_MATCH],
                 security=WRITE_SECURITY)
        @blp.alt_response(200, schema=schema, success=True, headers=ETAG_HEADER, description=f"The new state.")
        @problems(blp, 400, 401, 403, 404, 412, 413, 415, 422, 428)
        def patch(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            version = require_if_match(stored["version"])
            body = read_json_body((MERGE_PATCH, JSON))
            return answer(services.patch(resource, stored, body, identity, expected_version=version, parent=parent))

        @blp.doc(summary=f"Delete {label}", parameters=[IF_MATCH], security=WRITE_SECURITY,
                 description="Soft delete: the resource then answers 404; admins can still read its history.")
        @blp.alt_response(204, description="Deleted.", success=True)
        @problems(blp, 401, 403, 404, 412, 428)
        def delete(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            version = require_if_match(stored["version"])
            services.delete(resource, stored, identity, expected_version=version, parent=parent)
            return empty_response(204)

    def load_history(path):
        identity = current_identity()
        stored, parent = load_item(path, include_deleted=True)
        if not resource.policy.can_see_history(identity, stored, parent):
            refuse(identity, "Only staff may read this history.")
        return stored, parent

    @blp.route(f"{item_url}/revisions", endpoint=f"{endpoint}_revisions")
    class Revisions(MethodView):
        @blp.doc(summary=f"List the revisions of {label}", description="Newest first.", security=WRITE_SECURITY)
        @blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
        @blp.alt_response(200, schema=RevisionSchema(many=True), success=True, headers=PAGINATION_HEADERS,
                          description="Revisions, newest first.")
        @problems(blp, 401, 403, 404, 422)
        def get(self, args, **path):
            stored, _ = load_history(path)
            revisions, total = services.list_revisions(resource, stored, args)
            info = services.pagination(total, args["page"], args["page_size"])
            return json_response(RevisionSchema(many=True).dump(revisions), 200, pagination_headers(info))

    @blp.route(f"{item_url}/revisions/<int:version>", endpoint=f"{endpoint}_revision")
    class RevisionSnapshot(MethodView):
        @blp.doc(summary=f"Read {label} as it was at a version", security=WRITE_SECURITY)
        @blp.alt_response(200, schema=schema, success=True, description="The full representation at that version.")
        @problems(blp, 401, 403, 404)
        def get(self, version, **path):
            stored, _ = load_history(path)
            revision = services.get_revision(resource, stored, version)
            identity = current_identity()
            return json_response(resource.policy.redact(identity, revision["snapshot"], stored), 200)

    @blp.route(f"{item_url}/revisions/<int:version>/restore", endpoint=f"{endpoint}_restore")
    class Restore(MethodView):
        @blp.doc(summary=f"Restore {label} to an earlier version", parameters=[IF_MATCH], security=WRITE_SECURITY,
                 description="Makes that version's state current as a new version (also undeletes).")
        @blp.alt_response(200, schema=schema, success=True, headers=ETAG_HEADER, description="The new state.")
        @problems(blp, 401, 403, 404, 412, 422, 428)
        def post(self, version, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_history(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            expected = require_if_match(stored["version"])
            restored = services.restore(resource, stored, version, identity, expected_version=expected, parent=parent)
            return answer(restored)

    return Collection, Item
