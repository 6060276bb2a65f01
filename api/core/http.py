"""HTTP helpers every route shares: reading JSON bodies, ETags and conditional requests, JSON responses."""
import json
import re

from flask import current_app, request

from api.errors import MalformedJson, PreconditionFailed, PreconditionRequired, UnsupportedMediaType

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
_ETAG_ITEM = re.compile(r'\s*(W/)?"([^"]*)"\s*')


# Liveness and readiness probes, metrics scrapes and CORS preflights: answered without looking at
# credentials, and never counted by the rate limit.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")


def is_probe_or_preflight():
    return request.path in PROBE_PATHS or request.method == "OPTIONS"


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def read_json_body(content_types=(JSON,)):
    """Return the request's JSON body, refusing other content types, malformed and over-deep JSON."""
    mimetype = request.mimetype
    if mimetype not in content_types:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(content_types)}.")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("Send the body encoded as UTF-8.")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedJson("The JSON body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedJson(f"The body is not valid JSON: {str(error)[:200]}") from None
    if "\\u" in text and _has_lone_surrogate(body):
        # A "\ud800" escape decodes to text no UTF-8 response or BSON document can carry.
        raise MalformedJson("The JSON body escapes a lone UTF-16 surrogate: not valid Unicode text.")
    return body


def _has_lone_surrogate(value):
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_response(data, status=200, headers=None):
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status, mimetype=JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def empty_response(status, headers=None):
    return current_app.response_class(status=status, headers=headers or {})


def drop_content_type_of_bodiless(response):
    """Send no Content-Type with a 204: there is no content for it to describe (RFC 9110 §8.3).

    Flask gives every response its default `text/html`; Werkzeug drops it from a 304 itself, not from a 204.
    """
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def etag_for(version):
    return f'"{version}"'


def _parse_etags(header):
    """Return the entity tags of an If-Match / If-None-Match header, weak ones marked."""
    if header.strip() == "*":
        return ["*"]
    tags = []
    for item in header.split(","):
        match = _ETAG_ITEM.fullmatch(item)
        if match:
            tags.append(("W/" if match.group(1) else "") + match.group(2))
    return tags


def not_modified(version):
    """True when If-None-Match names the current version (weak comparison, RFC 9110 §13.1.2)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = _parse_etags(header)
    return "*" in tags or any(tag.removeprefix("W/") == str(version) for tag in tags)


def require_if_match(current_version):
    """Return the version If-Match names, or raise 428 when it is missing and 412 when it is stale."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired()
    tags = _parse_etags(header)
    if "*" in tags:
        return current_version
    # Strong comparison: a weak tag never matches.
    if str(current_version) in tags:
        return current_version
    raise PreconditionFailed(
        f"The resource is at version {current_version}; fetch it again and retry with If-Match: {etag_for(current_version)}.",
        headers={"ETag": etag_for(current_version)})
