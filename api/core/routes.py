"""The routes of a versioned resource, generated once from its declaration.

`register_resource(blp, resource, url)` adds the collection (list, create), the item (read,
PUT, PATCH, DELETE), the revisions list and snapshot, and restore, each documented in OpenAPI
with its errors; an immutable resource gets the collection and the read alone. Views stay thin: parse,
call a service in `api.core.resource`, answer.
"""
import json
import re

import marshmallow as ma
from http import HTTPStatus

from flask import current_app, request, stream_with_context, url_for
from flask.views import MethodView
from werkzeug.routing import BaseConverter

from api.core import resource as services
from api.core.http import (JSON, MERGE_PATCH, empty_response, evaluate_preconditions, json_response, negotiate,
                           read_json_body)
from api.core.idempotency import run_idempotent
from api.core.permissions import current_identity, refuse
from api.core.schemas import PageArgsSchema, RevisionSchema, merge_patch_schema, with_sort_fields
from api.core.tabular import CSV
from api.errors import Conflict, NotFound, ValidationFailed

ETAG_HEADER = {"ETag": {"description": "Strong entity tag of this representation: the quoted `version` (`\"3\"`). "
                                      "A representation with fields hidden from the caller (e.g. an organisation "
                                      "without `contacts` for an anonymous caller), or with live fields that change between versions "
                                      "(a seminar's seats), has its own tag: the version, a hyphen and a digest "
                                      "(`\"3-5f2a…\"`). Send back the tag you were given.",
                       "schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "URL of the created resource.", "schema": {"type": "string"}}}
PAGINATION_HEADERS = {
    "X-Pagination": {"description": "JSON: total, total_pages, first_page, last_page, page, previous_page?, next_page?; "
                                    "an empty list is one empty page (total_pages = last_page = 1).",
                     "schema": {"type": "string"}},
    "Link": {"description": "RFC 8288 links: first, last, prev, next; relative to the request's URL unless the "
                            "server is configured with its public base URL.", "schema": {"type": "string"}},
}
# Required: a write without it is refused with 428 Precondition Required (RFC 6585), the status made for
# "this server requires the request to be conditional".
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The current ETag of the representation you were given (`\"<version>\"`, or "
                           "`\"<version>-<digest>\"` when fields are hidden from you); missing → 428, stale → 412. "
                           "Checked before If-None-Match (RFC 9110 §13.2.2)."}
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                 "description": "An ETag you hold; when current → 304 with no body."}
READ_SECURITY = [{}, {"bearerAuth": []}]
# A version in a path: 1 up to what a stored integer holds (a larger one would fail to encode: the router's 404).
VERSION = f"int(min=1, max={2**53})"
WRITE_SECURITY = [{"bearerAuth": []}]
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
                   "description": "Retry safely: the same key and body within 24 h replays the first response. "
                                  "1 to 255 printable ASCII characters, e.g. a UUID."}


def problems(blp, *statuses):
    """Document problem+json error responses."""
    def decorator(func):
        for status in statuses:
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func
    return decorator


def linked_response(blp, status, links, **kwargs):
    """Document a response (as `blp.alt_response` does) together with its OpenAPI links.

    The links are merged into the same response object under the same status key, so the response keeps
    its description, content and headers: a separate `@blp.doc(responses={"201": ...})` keyed by a string
    would replace the whole response object that `alt_response` keys by the integer.
    """
    def decorator(func):
        func = blp.alt_response(status, **kwargs)(func)
        return blp.doc(responses={status: {"links": links}})(func) if links else func
    return decorator


def _camel(words):
    return "".join(word[:1].upper() + word[1:] for word in words.replace("-", " ").replace("_", " ").split())


def operation_ids(resource):
    """Return the operationId of each operation register_resource adds, by role."""
    noun = _camel(resource.label.removeprefix("an ").removeprefix("a "))
    return {"list": f"list{_camel(resource.name)}", "create": f"create{noun}", "read": f"read{noun}",
            "replace": f"replace{noun}", "update": f"update{noun}", "delete": f"delete{noun}",
            "revisions": f"list{noun}Revisions", "revision": f"read{noun}Revision", "restore": f"restore{noun}Revision"}


def _links(resource, ids, source, *roles):
    """OpenAPI links from one operation's response to the item operations named by role.

    `source` says where the item's id and ETag come from: "body" (a response carrying the resource) or
    "request" (a 204, which carries nothing: the id is the request's own).
    """
    path_params = [resource.path_param]
    parent = resource.parent
    while parent is not None:
        path_params.append(parent.path_param)
        parent = parent.parent
    descriptions = {"read": "Read it", "replace": "Replace it", "update": "Patch it", "delete": "Delete it",
                    "revisions": "List its revisions", "revision": "Read it as it was at this version",
                    "restore": "Restore it to this version"}
    links = {}
    for role in roles:
        parameters = {}
        for name in path_params:
            if name == resource.path_param and source == "body":
                parameters[f"path.{name}"] = f"$response.body#/{resource.key_attribute}"
            else:
                parameters[f"path.{name}"] = f"$request.path.{name}"
        if role in ("revision", "restore"):
            parameters["path.version"] = "$response.body#/version"
        if role in ("replace", "update", "delete", "restore"):
            parameters["header.If-Match"] = "$response.header.ETag"
        links[_camel(role)] = {"operationId": ids[role], "parameters": parameters, "description": descriptions[role]}
    return links


def item_roles(resource):
    """The item operations a resource offers besides its history: the read, and the writes unless immutable."""
    return ("read",) if resource.immutable else ("read", "replace", "update", "delete")


def item_links(resource):
    """OpenAPI links from a response carrying the resource to the operations on it."""
    return _links(resource, operation_ids(resource), "body", *item_roles(resource))


def pagination_headers(info):
    """Return X-Pagination and Link headers for a page."""
    links = []
    args = request.args.to_dict(flat=True)
    # Never the request's Host header, which the client chose: the configured public address, or a reference
    # relative to the request (RFC 8288 §3.1 resolves it against the request's URL).
    public_base = current_app.config["PUBLIC_BASE_URL"]
    base = f"{public_base}{request.path}" if public_base else f"{request.script_root}{request.path}"

    def link(page, rel):
        query = {**args, "page": page}
        links.append(f'<{base}?{"&".join(f"{k}={_quote(v)}" for k, v in query.items())}>; rel="{rel}"')

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


class ItemName(BaseConverter):
    """An item's path segment, but for the names of its collection's own actions (`organisations/import`).

    Else the item's route matches those paths too: `OPTIONS …/import` would answer the item's methods in `Allow`.
    """

    def __init__(self, url_map, *reserved):
        super().__init__(url_map)
        self.regex = f"(?!(?:{'|'.join(re.escape(name) for name in reserved)})$)[^/]+" if reserved else "[^/]+"


def item_name_schema(converter):
    return {"type": "string", "minLength": 1}


def register_converters(app, api):
    """Let routes use `<item("import"):id>`; call before registering blueprints."""
    app.url_map.converters["item"] = ItemName
    api.register_converter(ItemName, item_name_schema)


def csv_response(lines, filename):
    """Stream CSV lines as a download; the list it replaces is JSON for other Accept headers."""
    response = current_app.response_class(stream_with_context(lines), status=200, mimetype=CSV,
                                          headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    response.vary.add("Accept")
    return response


def load_parent(resource, path):
    """Return the visible parent document of a nested resource (404 when unknown or hidden)."""
    if resource.parent is None:
        return None
    identity = current_identity()
    return services.get_visible(resource.parent, path[resource.parent.path_param], identity,
                                parent=load_parent(resource.parent, path))


def register_resource(blp, resource, url, *, csv_export=None, csv_description="", actions=()):
    """Add the collection, item, revision and restore routes of a resource to a blueprint.

    csv_export(args, identity), when given, yields the list as CSV lines: the list then answers `Accept: text/csv`.
    actions: names of routes the collection has beside its items (`import`), which no item id may take.
    """
    schema = resource.schema
    label = resource.label
    plural = resource.name
    item_param = resource.path_param
    reserved = ",".join(f'"{name}"' for name in actions)
    item_url = f"{url}/<item({reserved}):{item_param}>" if actions else f"{url}/<{item_param}>"
    endpoint = resource.name.replace("-", "_")
    item_endpoint = f"{endpoint}_item"
    ids = operation_ids(resource)
    query_schema = with_sort_fields(resource.query_schema, resource.sort_fields)
    request_body = {"required": True, "content": {JSON: {"schema": schema}}}
    create_body = {"required": True, "content": {JSON: {"schema": resource.create_schema or schema}}}
    patch_schema = merge_patch_schema(schema)
    # A media type object has no description in OpenAPI: the request body carries it.
    # One media type documented, though `application/json` is accepted too (API.md): client generators given a
    # required body in two media types write code that does not import (openapi-python-client issue 1451).
    patch_body = {"required": True, "content": {MERGE_PATCH: {"schema": patch_schema}},
                  "description": "An RFC 7396 JSON merge patch, sent as `application/merge-patch+json` (also "
                                 "accepted as `application/json`)."}
    if resource.example:
        request_body["content"][JSON]["example"] = resource.example
        create_body["content"][JSON]["example"] = resource.example
        patch_example = dict(list(resource.example.items())[-1:])
        for media in patch_body["content"].values():
            media["example"] = patch_example
    nested_errors = (404,) if resource.parent else ()
    # Links lead from a created or read resource to its item operations. Not to its history: that outlives
    # a DELETE (admins read it, restore revives the resource), which generic link-following clients and
    # test tools take for a deleted resource still in use.
    roles = item_roles(resource)
    read_security = READ_SECURITY if resource.policy.anonymous_reads else WRITE_SECURITY
    read_errors = () if resource.policy.anonymous_reads else (401, 403)

    def require_token():
        """Refuse a caller without a token where the resource (or its history) is never public: 401."""
        identity = current_identity()
        if identity.is_anonymous:
            refuse(identity)
        return identity

    def answer(stored, status=200):
        representation, etag = services.present_with_etag(resource, stored, current_identity())
        headers = {"ETag": etag}
        if status == 201:
            headers["Location"] = url_for(f"{blp.name}.{item_endpoint}", _external=False,
                                          **{**request.view_args, item_param: resource.key_of(stored)})
        return json_response(representation, status, headers)

    def check_preconditions(stored):
        """Evaluate the request's preconditions against the ETag of the representation this caller gets."""
        return evaluate_preconditions(services.present_with_etag(resource, stored, current_identity())[1])

    list_description = (f"Paged list of {plural}; `X-Pagination` and `Link` headers describe the pages. "
                        "Each query parameter is given at most once (a repeated one → 422).")
    csv_doc = {}
    if csv_export is not None:
        list_description += f" JSON, or CSV: {csv_description} Another Accept → 406."
        csv_doc = {"responses": {200: {"content": {CSV: {"schema": {"type": "string"}}}}}}

    @blp.route(url, endpoint=endpoint)
    class Collection(MethodView):
        @blp.doc(summary=f"List {plural}", security=read_security, operationId=ids["list"],
                 description=list_description, **csv_doc)
        @blp.arguments(query_schema, location="query", as_kwargs=False, unknown=ma.RAISE)
        @blp.alt_response(200, schema=schema(many=True), success=True, headers=PAGINATION_HEADERS,
                          description=f"A page of {plural}.")
        @problems(blp, *read_errors, 422, *nested_errors, *((406,) if csv_export else ()))
        def get(self, args, **path):
            identity = current_identity() if resource.policy.anonymous_reads else require_token()
            parent = load_parent(resource, path)
            resource.policy.ensure_can_list(identity, parent)
            if csv_export is not None and negotiate(JSON, CSV) == CSV:
                return csv_response(csv_export(args, identity), f"{plural}.csv")
            docs, total = services.list_page(resource, args, identity, parent=parent)
            info = services.pagination(total, args["page"], args["page_size"])
            body = [services.present_listed(resource, doc, identity) for doc in docs]
            response = json_response(body, 200, pagination_headers(info))
            if csv_export is not None:
                response.vary.add("Accept")
            return response

        @blp.doc(summary=f"Create {label}", requestBody=create_body, security=WRITE_SECURITY, parameters=[IDEMPOTENCY_KEY],
                 operationId=ids["create"])
        @linked_response(blp, 201, _links(resource, ids, "body", *roles),
                         schema=schema, success=True, headers={**ETAG_HEADER, **LOCATION_HEADER},
                         description=f"The created {label}.")
        @problems(blp, 400, 401, 403, 409, 413, 415, 422, *nested_errors)
        def post(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            parent = load_parent(resource, path)
            if not resource.policy.can_create(identity, parent):
                refuse(identity)

            def handler(reserved_id):
                body = read_json_body()
                stored = services.create(resource, body, identity, parent=parent, reserved_id=reserved_id)
                return answer(stored, 201)

            def ensure_still_visible(resource_id):
                stored = resource.collection.find_one({"_id": resource_id})
                if stored is None:
                    raise NotFound()
                resource.policy.ensure_visible(identity, stored, parent)

            return run_idempotent(identity, handler, not_replayed=resource.shown_once_fields,
                                  ensure_still_visible=ensure_still_visible)

    def load_item(path, include_deleted=False):
        identity = current_identity()
        parent = load_parent(resource, path)
        stored = services.find_stored(resource, path[item_param], parent=parent, include_deleted=include_deleted)
        if stored.get("deleted_at") is not None and not identity.is_admin:
            raise NotFound()
        resource.policy.ensure_visible(identity, stored, parent)
        return stored, parent

    class ItemRead(MethodView):
        @blp.doc(summary=f"Read {label}", parameters=[IF_NONE_MATCH], security=read_security, operationId=ids["read"])
        @linked_response(blp, 200, _links(resource, ids, "body", *roles[1:]),
                         schema=schema, success=True, headers=ETAG_HEADER, description=f"The {label}.")
        @blp.alt_response(304, description="Not modified: your If-None-Match is current.")
        @problems(blp, *read_errors[:1], 404, 412)
        def get(self, **path):
            if not resource.policy.anonymous_reads:
                require_token()
            stored, _ = load_item(path)
            representation, etag = services.present_with_etag(resource, stored, current_identity())
            if evaluate_preconditions(etag):
                return empty_response(304, {"ETag": etag})
            return json_response(representation, 200, {"ETag": etag})

    if resource.immutable:
        blp.route(item_url, endpoint=item_endpoint)(ItemRead)
        return Collection, ItemRead

    @blp.route(item_url, endpoint=item_endpoint)
    class Item(ItemRead):
        @blp.doc(summary=f"Replace {label}", requestBody=request_body, parameters=[IF_MATCH], security=WRITE_SECURITY,
                 operationId=ids["replace"])
        @linked_response(blp, 200, _links(resource, ids, "body", "read", "update", "delete"),
                         schema=schema, success=True, headers=ETAG_HEADER, description="The new state.")
        @problems(blp, 400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
        def put(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            check_preconditions(stored)
            body = read_json_body()
            return answer(services.replace(resource, stored, body, identity, expected_version=stored["version"],
                                           parent=parent))

        @blp.doc(summary=f"Update {label} with a JSON merge patch", requestBody=patch_body, parameters=[IF_MATCH],
                 security=WRITE_SECURITY, operationId=ids["update"])
        @linked_response(blp, 200, _links(resource, ids, "body", "read", "replace", "delete"),
                         schema=schema, success=True, headers=ETAG_HEADER, description="The new state.")
        @problems(blp, 400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
        def patch(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            check_preconditions(stored)
            body = read_json_body((MERGE_PATCH, JSON))
            return answer(services.patch(resource, stored, body, identity, expected_version=stored["version"],
                                         parent=parent))

        @blp.doc(summary=f"Delete {label}", parameters=[IF_MATCH], security=WRITE_SECURITY, operationId=ids["delete"],
                 description="Soft delete: the resource then answers 404; admins can still read its history.")
        @linked_response(blp, 204, _links(resource, ids, "request", "read"),
                         description="Deleted.", success=True)
        @problems(blp, 401, 403, 404, 412, 428)
        def delete(self, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_item(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            check_preconditions(stored)
            services.delete(resource, stored, identity, expected_version=stored["version"], parent=parent)
            return empty_response(204)

    def load_history(path):
        identity = require_token()
        stored, parent = load_item(path, include_deleted=True)
        if not resource.policy.can_see_history(identity, stored, parent):
            refuse(identity, "Only staff may read this history.")
        return stored, parent

    @blp.route(f"{item_url}/revisions", endpoint=f"{endpoint}_revisions")
    class Revisions(MethodView):
        @blp.doc(summary=f"List the revisions of {label}", security=WRITE_SECURITY,
                 description="Newest first. Each query parameter is given at most once (a repeated one → 422).",
                 operationId=ids["revisions"])
        @blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=ma.RAISE)
        @blp.alt_response(200, schema=RevisionSchema(many=True), success=True, headers=PAGINATION_HEADERS,
                          description="Revisions, newest first.")
        @problems(blp, 401, 403, 404, 422)
        def get(self, args, **path):
            stored, _ = load_history(path)
            revisions, total = services.list_revisions(resource, stored, args)
            info = services.pagination(total, args["page"], args["page_size"])
            return json_response(RevisionSchema(many=True).dump(revisions), 200, pagination_headers(info))

    @blp.route(f"{item_url}/revisions/<{VERSION}:version>", endpoint=f"{endpoint}_revision")
    class RevisionSnapshot(MethodView):
        @blp.doc(summary=f"Read {label} as it was at a version", security=WRITE_SECURITY, operationId=ids["revision"])
        @blp.alt_response(200, schema=schema, success=True, description="The full representation at that version.")
        @problems(blp, 401, 403, 404)
        def get(self, version, **path):
            stored, _ = load_history(path)
            revision = services.get_revision(resource, stored, version)
            identity = current_identity()
            return json_response(resource.policy.redact(identity, revision["snapshot"], stored), 200)

    @blp.route(f"{item_url}/revisions/<{VERSION}:version>/restore", endpoint=f"{endpoint}_restore")
    class Restore(MethodView):
        @blp.doc(summary=f"Restore {label} to an earlier version", parameters=[IF_MATCH], security=WRITE_SECURITY,
                 description="Makes that version's state current as a new version (also undeletes).",
                 operationId=ids["restore"])
        @linked_response(blp, 200, _links(resource, ids, "body", "read", "update"),
                         schema=schema, success=True, headers=ETAG_HEADER, description="The new state.")
        @problems(blp, 401, 403, 404, 409, 412, 422, 428)
        def post(self, version, **path):
            identity = current_identity()
            if identity.is_anonymous:
                refuse(identity)
            stored, parent = load_history(path)
            services.ensure_can_modify(resource, stored, identity, parent)
            check_preconditions(stored)
            try:
                restored = services.restore(resource, stored, version, identity, expected_version=stored["version"],
                                            parent=parent)
            except ValidationFailed as error:
                # The request has nothing to fix: the old state no longer fits what changed since (its session's
                # dates, an organisation it names). That is a conflict with the current state.
                raise Conflict("That version cannot be made current: it breaks these rules as things stand now.",
                               errors=error.errors) from None
            return answer(restored)

    return Collection, Item
