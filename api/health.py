"""Liveness and readiness probes."""
from flask import Blueprint
from pymongo.errors import PyMongoError

from api.core.http import json_response
from api.errors import DATABASE_RETRY_AFTER
from api.extensions import database

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """200 while the process lives."""
    return json_response({"status": "ok"})


@blp.get("/readyz")
def readyz():
    """200 when the database answers, 503 with Retry-After when it does not."""
    try:
        database().command("ping")
    except PyMongoError:
        return json_response({"status": "unavailable", "database": "down"}, 503, {"Retry-After": DATABASE_RETRY_AFTER})
    return json_response({"status": "ready", "database": "up"})
