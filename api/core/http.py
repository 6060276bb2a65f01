"""HTTP helpers every route shares: reading JSON bodies, ETags and conditional requests, JSON responses."""
import json
import re

from flask import current_app, request

from api.errors import (ApiError, MalformedJson, NotAcceptable, PreconditionFailed, PreconditionRequired,
                        UnsupportedMediaType)

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


def negotiate(*media_types):
    """Return the media type among these (the first is the default) that the request's Accept prefers; else 406."""
    accept = request.accept_mimetypes
    if not accept:
        return media_types[0]
    best = accept.best_match(media_types)
    if best is None:
        raise NotAcceptable(f"This resource is available as {', '.join(media_types)}.")
    return best


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


def cache_and_sniffing_headers(response):
    """Set the headers every response carries: `nosniff`, and how caches may keep it.

    An answer to a request that sent credentials (`Authorization`) is personal: it may show contacts, delegates,
    secrets, so no cache keeps it (`no-store`). Anonymous answers are public: a cache may keep one but asks
    again each time (`no-cache`), which its ETag makes cheap (304), so a change is never served stale. An
    anonymous answer that says otherwise itself (the token endpoint's `no-store`, the key set's `max-age`) keeps
    its own.
    """
    response.headers["X-Content-Type-Options"] = "nosniff"
    if "Authorization" in request.headers:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


def etag_for(version, variant=None):
    """The strong entity tag of a representation: its quoted version, plus a variant suffix when redacted."""
    return f'"{version}"' if variant is None else f'"{version}-{variant}"'


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


def evaluate_preconditions(current_etag):
    """Evaluate If-Match, then If-None-Match, against the caller's current ETag (RFC 9110 §13.2.2).

    Returns True when a GET or HEAD is to be answered 304 Not Modified. Raises 428 for a write without
    If-Match (this API requires writes to be conditional), and 412 when a precondition is false: a stale
    If-Match on any method, a matching If-None-Match on a write.
    """
    safe = request.method in ("GET", "HEAD")
    opaque = current_etag[1:-1]
    if_match = request.headers.get("If-Match", "").strip()
    if if_match:
        tags = _parse_etags(if_match)
        # Strong comparison: a weak tag never matches.
        if "*" not in tags and opaque not in tags:
            raise PreconditionFailed(
                f"The resource has changed: its current ETag is {current_etag}; fetch it again"
                + ("." if safe else f" and retry with If-Match: {current_etag}."),
                headers={"ETag": current_etag})
    elif not safe:
        raise PreconditionRequired()
    if_none_match = request.headers.get("If-None-Match", "").strip()
    if if_none_match:
        tags = _parse_etags(if_none_match)
        # Weak comparison (RFC 9110 §13.1.2).
        if "*" in tags or any(tag.removeprefix("W/") == opaque for tag in tags):
            if safe:
                return True
            raise ApiError("If-None-Match names the current ETag, so this write's precondition is false.",
                           status=412, headers={"ETag": current_etag})
    return False
