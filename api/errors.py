"""Domain exceptions and the one handler that turns every error into RFC 9457 problem+json."""
import logging
from http import HTTPStatus

import marshmallow as ma
from flask import g, has_request_context, json, make_response, request
from mongoengine.errors import NotUniqueError
from pymongo.errors import DuplicateKeyError, PyMongoError, ConnectionFailure, ServerSelectionTimeoutError, ExecutionTimeout, WTimeoutError, NetworkTimeout
from werkzeug.exceptions import HTTPException

from api.metrics import count_database_error

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
DATABASE_RETRY_AFTER = "5"
# A problem document stays small whatever the request: a body with a hundred thousand bad fields is not
# answered with a hundred thousand messages, and no text the client sent is echoed at length.
MAX_DETAIL = 1000
MAX_ERROR_PATHS = 100
MAX_MESSAGES = 20


# RFC 9457 §3.1.3: a problem type's title does not change from occurrence to occurrence, so it belongs to the
# type, here, not to the place that raises it. `about:blank` is titled with the HTTP status phrase (§4.2.1).
VALIDATION = "urn:taskforce:problem:validation"
MALFORMED_JSON = "urn:taskforce:problem:malformed-json"
CONFLICT = "urn:taskforce:problem:conflict"
STALE_VERSION = "urn:taskforce:problem:stale-version"
IF_MATCH_REQUIRED = "urn:taskforce:problem:if-match-required"
DATABASE_UNAVAILABLE = "urn:taskforce:problem:database-unavailable"
RATE_LIMITED = "urn:taskforce:problem:rate-limited"
PROBLEM_TITLES = {
    VALIDATION: "Invalid fields",
    MALFORMED_JSON: "Malformed JSON",
    CONFLICT: "Conflict",
    STALE_VERSION: "Stale If-Match",
    IF_MATCH_REQUIRED: "If-Match required",
    DATABASE_UNAVAILABLE: "Database unavailable",
    RATE_LIMITED: "Too many requests",
}


def problem_title(type_, status):
    """Return the one title of a problem type."""
    return HTTPStatus(status).phrase if type_ == "about:blank" else PROBLEM_TITLES[type_]


class ApiError(Exception):
    """An error the API answers with a problem document."""

    status = 400
    type = "about:blank"

    def __init__(self, detail=None, *, errors=None, headers=None, status=None):
        super().__init__(detail)
        if status is not None:
            self.status = status
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}

    @property
    def title(self):
        return problem_title(self.type, self.status)


class BadRequest(ApiError):
    status = 400


class MalformedJson(BadRequest):
    type = MALFORMED_JSON


class Unauthorized(ApiError):
    status = 401

    def __init__(self, detail="A valid Bearer access token is required.", **kw):
        headers = {"WWW-Authenticate": 'Bearer realm="taskforce-api"', **kw.pop("headers", {})}
        super().__init__(detail, headers=headers, **kw)


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404

    def __init__(self, detail="No resource at this address, or it is not visible to you.", **kw):
        super().__init__(detail, **kw)


class Conflict(ApiError):
    status = 409
    type = CONFLICT


class PreconditionFailed(ApiError):
    status = 412
    type = STALE_VERSION


class PreconditionRequired(ApiError):
    status = 428
    type = IF_MATCH_REQUIRED

    def __init__(self, detail="This write needs an If-Match header carrying the resource's current ETag.", **kw):
        super().__init__(detail, **kw)


class NotAcceptable(ApiError):
    status = 406


class UnsupportedMediaType(ApiError):
    status = 415


class ContentTooLarge(ApiError):
    """413 for content within the byte limit that is still too much: too many rows, an oversized unpacked file."""

    status = 413


class ValidationFailed(ApiError):
    status = 422
    type = VALIDATION

    def __init__(self, errors, detail="Some fields are invalid; see errors.", **kw):
        super().__init__(detail, errors=errors, **kw)

    @classmethod
    def field(cls, path, message):
        return cls({path: [message]})


class ServiceUnavailable(ApiError):
    status = 503
    type = DATABASE_UNAVAILABLE


def flatten_errors(messages, prefix=""):
    """Flatten marshmallow's nested messages into {dotted.path: [messages]}."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix or "_schema"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                for sub_path, sub_messages in flatten_errors(value, path).items():
                    flat.setdefault(sub_path, []).extend(sub_messages)
            else:
                flat.setdefault(path, []).extend(_as_messages(value))
    else:
        flat[prefix or "_schema"] = _as_messages(messages)
    return flat


def _as_messages(value):
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(_as_messages(item) if isinstance(item, (list, tuple, dict)) else [str(item)])
        return out
    if isinstance(value, dict):
        return [str(m) for msgs in flatten_errors(value).values() for m in msgs]
    return [str(value)]


def problem_response(status, detail=None, *, type="about:blank", errors=None, headers=None):
    """Build a problem+json response, titled by its type."""
    detail = detail or HTTPStatus(status).description
    if errors is not None and len(errors) > MAX_ERROR_PATHS:
        detail = f"{detail} The first {MAX_ERROR_PATHS} of {len(errors)} invalid fields are listed."
    body = {
        "type": type,
        "title": problem_title(type, status),
        "status": status,
        "detail": _clip(detail),
    }
    if errors is not None:
        body["errors"] = bounded_errors(errors)
    request_id = getattr(g, "request_id", None) if has_request_context() else None
    if request_id:
        body["instance"] = f"urn:request:{request_id}"
    response = make_response(json.dumps(body, ensure_ascii=False), status)
    response.headers["Content-Type"] = PROBLEM_CONTENT_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _clip(text, limit=MAX_DETAIL):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bounded_errors(errors):
    """At most MAX_ERROR_PATHS paths of at most MAX_MESSAGES messages each, every text clipped."""
    bounded = {}
    for path, messages in errors.items():
        if len(bounded) == MAX_ERROR_PATHS:
            break
        messages = messages if isinstance(messages, (list, tuple)) else [messages]
        bounded[_clip(path, 200)] = [_clip(message) for message in messages[:MAX_MESSAGES]]
    return bounded


def handle_api_error(error):
    return problem_response(error.status, error.detail, type=error.type, errors=error.errors, headers=error.headers)


def handle_http_exception(error):
    """Werkzeug and flask-smorest errors (router 404/405, 413, webargs 422) as problems."""
    status = error.code or 500
    headers = {}
    errors = None
    detail = error.description
    data = getattr(error, "data", None) or {}
    if "messages" in data or "errors" in data:
        raw = data.get("errors") or data.get("messages")
        # webargs nests messages under the location ("json", "query"): the contract wants field paths.
        if isinstance(raw, dict) and set(raw) <= {"json", "query", "querystring", "headers", "form", "files", "view_args", "path"}:
            merged = {}
            for location_messages in raw.values():
                merged.update(flatten_errors(location_messages))
            errors = merged
        else:
            errors = flatten_errors(raw)
        detail = "Some fields are invalid; see errors."
    if data.get("message"):
        detail = data["message"]
    headers.update(data.get("headers") or {})
    # Keep headers the exception carries itself (e.g. Allow on 405).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            headers[name] = value
    type_ = VALIDATION if status == 422 else "about:blank"
    return problem_response(status, detail, type=type_, errors=errors, headers=headers)


def handle_validation_error(error):
    return problem_response(422, "Some fields are invalid; see errors.", type=VALIDATION,
                            errors=flatten_errors(error.messages))


def handle_duplicate(error):
    return problem_response(409, "A resource with the same unique value already exists.", type=CONFLICT)


DATABASE_DOWN_ERRORS = (ConnectionFailure, ServerSelectionTimeoutError, ExecutionTimeout, WTimeoutError, NetworkTimeout)


def handle_database_error(error):
    if isinstance(error, (DuplicateKeyError,)):
        return handle_duplicate(error)
    count_database_error(error)
    if isinstance(error, DATABASE_DOWN_ERRORS):
        log.warning("database unavailable: %s", type(error).__name__)
        return problem_response(503, "The database does not answer; retry later.", type=DATABASE_UNAVAILABLE,
                                headers={"Retry-After": DATABASE_RETRY_AFTER})
    log.exception("database error")
    return problem_response(500, "The server failed to process the request.")


def handle_unexpected(error):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "The server failed to process the request.")


def register_error_handlers(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ma.ValidationError, handle_validation_error)
    app.register_error_handler(NotUniqueError, handle_duplicate)
    app.register_error_handler(PyMongoError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(required=True, metadata={"example": "about:blank", "maxLength": 200, "description": (
        "`about:blank` (titled with the HTTP status phrase) or one of: "
        + ", ".join(f"`{type_}` ({title})" for type_, title in PROBLEM_TITLES.items())
        + "; RFC 6749 errors of the token endpoints are `urn:ietf:rfc:6749#<error>`.")})
    title = ma.fields.String(required=True, metadata={"example": "Not Found", "maxLength": 200,
                                                      "description": "The same for every problem of a type."})
    status = ma.fields.Integer(required=True, metadata={"example": 404})
    detail = ma.fields.String(required=True, metadata={"example": "No resource at this address, or it is not visible to you.",
                                                       "maxLength": MAX_DETAIL})
    instance = ma.fields.String(metadata={"maxLength": 200})
    errors = ma.fields.Dict(keys=ma.fields.String(),
                            values=ma.fields.List(ma.fields.String(metadata={"maxLength": MAX_DETAIL}),
                                                  metadata={"maxItems": MAX_MESSAGES}),
                            metadata={"description": "On 422: messages by dotted field path (or query parameter name); "
                                                     f"the first {MAX_ERROR_PATHS} paths when there are more.",
                                      "maxProperties": MAX_ERROR_PATHS})
