"""Fixed-window rate limits counted in the database, so that every API process shares the counts."""
import datetime as dt
import math
import re
import time

import mongoengine as me
from pymongo import ReturnDocument

from api.errors import RATE_LIMITED, ApiError, Unauthorized

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class RateLimited(ApiError):
    status = 429
    type = RATE_LIMITED


class RateCounter(me.Document):
    """Requests counted for one key in one window; expires with the window."""

    key = me.StringField(required=True)
    window = me.IntField(required=True)
    count = me.IntField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "rate_counters",
        "indexes": [
            {"fields": ["key", "window"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }


class Limit:
    """`count` requests per `seconds`, parsed from text like "10/minute" or "600/2 minutes"."""

    def __init__(self, text):
        match = _LIMIT.fullmatch(text or "")
        if not match:
            raise ValueError(f"Not a rate limit: {text!r} (use e.g. '10/minute')")
        self.count = int(match.group(1))
        self.seconds = int(match.group(2) or 1) * _UNIT_SECONDS[match.group(3)]
        self.text = text

    @classmethod
    def parse(cls, text):
        return cls(text) if text and text.strip() else None

    def policy_header(self):
        return f"{self.count};w={self.seconds}"


def hit(limit, key, now=None):
    """Count one request for key; raise 429 with Retry-After when over the limit. Return headers."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    window_end = (window + 1) * limit.seconds
    # The counter outlives its window by one more window, so that it cannot expire between the update
    # and the read of its count (a slow request near the end of a short window).
    expires_at = dt.datetime.fromtimestamp(window_end + limit.seconds, dt.timezone.utc).replace(tzinfo=None)
    counter = RateCounter._get_collection().find_one_and_update(
        {"key": key, "window": window}, {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires_at}},
        upsert=True, return_document=ReturnDocument.AFTER)
    count = counter["count"] if counter else 1
    remaining = max(limit.count - count, 0)
    reset = max(math.ceil(window_end - now), 1)
    headers = {"RateLimit-Policy": limit.policy_header(),
               "RateLimit": f"limit={limit.count}, remaining={remaining}, reset={reset}"}
    if count > limit.count:
        raise RateLimited(f"Limit of {limit.text} reached; retry in {reset} s.",
                          headers={**headers, "Retry-After": str(reset)})
    return headers


def init_request_limit(app):
    """Apply RATE_LIMIT to every request, per access token subject or, when anonymous, per IP.

    A request with a bad token counts against its IP, so that guessing tokens is rate-limited too. Call
    before the auth layer registers its own authentication, so that this runs first.
    """
    limit = Limit.parse(app.config["RATE_LIMIT"])
    if limit is None:
        return

    from flask import g, request

    from api.auth.tokens import attach_identity
    from api.core.http import is_probe_or_preflight
    from api.core.permissions import current_identity

    @app.before_request
    def count_request():
        g.pop("rate_limit_headers", None)  # g outlives a request inside a shared app context
        if is_probe_or_preflight():
            return
        try:
            attach_identity()
        except Unauthorized:
            g.rate_limit_headers = hit(limit, f"req:ip:{request.remote_addr}")
            raise
        identity = current_identity()
        key = f"req:{identity.sub}" if not identity.is_anonymous else f"req:ip:{request.remote_addr}"
        g.rate_limit_headers = hit(limit, key)

    @app.after_request
    def add_headers(response):
        for name, value in (getattr(g, "rate_limit_headers", None) or {}).items():
            response.headers.setdefault(name, value)
        return response
