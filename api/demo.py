"""Loading the demo data set (the XXI session, its programme, the directory) from api/data/demo.json."""
import json
from importlib import resources

from api.core import resource as services
from api.core.permissions import ADMIN, Identity
from api.organisations.resource import organisations
from api.sessions.models import Session
from api.sessions.resource import sessions

DEMO_LOADER = Identity(sub="system:demo", roles=frozenset({ADMIN}))


def read_demo_file():
    return json.loads(resources.files("api").joinpath("data/demo.json").read_text(encoding="utf-8"))


def _strip(item, *names):
    return {k: v for k, v in item.items() if k not in ("key", *names)}


def load_demo(data=None):
    """Create the demo resources through the same services as the API; skip when already loaded."""
    data = data or read_demo_file()
    counts = {"sessions": 0, "organisations": 0}
    numbers = [s["number"] for s in data["sessions"]]
    if Session.objects(number__in=numbers).count():
        return counts
    ids = {}
    # Managers first, so that managed_by references resolve.
    for item in sorted(data["organisations"], key=lambda o: "managed_by" in o):
        body = _strip(item, "managed_by")
        if "managed_by" in item:
            body["managed_by"] = ids[item["managed_by"]]
        stored = services.create(organisations, body, DEMO_LOADER)
        ids[item["key"]] = str(stored["_id"])
        counts["organisations"] += 1
    for item in data["sessions"]:
        stored = services.create(sessions, _strip(item), DEMO_LOADER)
        ids[item["key"]] = str(stored["_id"])
        counts["sessions"] += 1
    for loader in DEMO_EXTENSIONS:
        counts.update(loader(data, ids))
    return counts


# Later features (tables, seminars, networking) add loaders: callables (data, ids) -> {name: count}.
DEMO_EXTENSIONS = []
