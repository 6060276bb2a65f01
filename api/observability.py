"""What operators watch: one JSON log line per request and the Prometheus metrics served at /metrics."""
import hmac
import logging
import os
import re
import time

from flask import Blueprint, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from api.auth.tokens import authenticated_identity
from api.errors import Unauthorized
from api.metrics import IN_PROGRESS, LATENCY, REQUESTS

request_log = logging.getLogger("api.request")

# Labels are bounded: a route template, never a path with ids in it; a method outside HTTP's usual ones and an
# address no route serves each count under one value.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
NO_ROUTE = "unmatched"
_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def route_template(rule):
    """The matched route without its converters (`/api/v1/organisations/<organisation_id>`); None when none matched."""
    return None if rule is None else _CONVERTER.sub(r"<\1>", rule.rule)


def init_request_observation(app):
    """Time, count and log every request. Register before any other request hook, so that it sees them all."""

    @app.before_request
    def start_observing():
        request.environ["taskforce.started"] = time.perf_counter()
        IN_PROGRESS.inc()

    @app.after_request
    def observe(response):
        started = request.environ.pop("taskforce.started", None)
        if started is None:  # not counted in: a response to a request the hook never saw start
            return response
        IN_PROGRESS.dec()
        seconds = time.perf_counter() - started
        route = route_template(request.url_rule)
        method = request.method if request.method in METHODS else OTHER_METHOD
        REQUESTS.labels(method=method, route=route or NO_ROUTE, status=str(response.status_code)).inc()
        LATENCY.labels(method=method, route=route or NO_ROUTE).observe(seconds)
        # The path and query string are left out: a client may put a secret in either (a token in `?access_token=`).
        request_log.info("request", extra={"fields": {
            "method": method,
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 3),
            "request_id": getattr(g, "request_id", None),
            "sub": _caller_sub(),
        }})
        return response


def _caller_sub():
    identity = authenticated_identity()
    return None if identity is None else identity.sub


blp = Blueprint("metrics", __name__)


@blp.get("/metrics")
def metrics():
    """The Prometheus text format; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`."""
    expected = current_app.config["METRICS_TOKEN"]
    if expected:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            raise Unauthorized("/metrics needs the METRICS_TOKEN as a Bearer token.")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Several worker processes: each writes its values to that folder; a scrape adds them up.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return current_app.response_class(generate_latest(registry), mimetype=None,
                                      headers={"Content-Type": CONTENT_TYPE_LATEST})
