"""Loading the demo data set (the XXI session, its programme, the directory) from api/data/demo.json.

The file names things by `key`; references to other entries ("organisation", "presenter", "contact",
"managed_by", "session") are keys that the loader turns into ids. Everything is created through the
same services as the API, so the demo data is validated like any request and has its revisions.
"""
import json
from importlib import resources

from api.core import resource as services
from api.core.permissions import ADMIN, Identity
from api.organisations.resource import organisations
from api.seminars.resource import seminars
from api.sessions.models import Session
from api.sessions.resource import sessions
from api.tables.resource import tables

DEMO_LOADER = Identity(sub="system:demo", roles=frozenset({ADMIN}))


def read_demo_file():
    return json.loads(resources.files("api").joinpath("data/demo.json").read_text(encoding="utf-8"))


class _Keys(dict):
    """Ids of the entries created so far, by key."""

    def ref(self, item, key_field, id_field):
        """Return item with item[key_field] (a key) replaced by item[id_field] (an id)."""
        item = dict(item)
        if key_field in item:
            item[id_field] = self[item.pop(key_field)]
        return item


def _body(item, *drop):
    return {k: v for k, v in item.items() if k not in ("key", *drop)}


def load_demo(data=None):
    """Create the demo resources; skip when the demo session is already there. Return counts by type."""
    data = data or read_demo_file()
    counts = {"sessions": 0, "organisations": 0, "tables": 0, "seminars": 0}
    if Session.objects(number__in=[s["number"] for s in data["sessions"]]).count():
        return counts
    ids = _Keys()
    # Managers first, so that managed_by references resolve.
    for item in sorted(data["organisations"], key=lambda o: "managed_by" in o):
        stored = services.create(organisations, _body(ids.ref(item, "managed_by", "managed_by")), DEMO_LOADER)
        ids[item["key"]] = str(stored["_id"])
        counts["organisations"] += 1
    parents = {}
    for item in data["sessions"]:
        parents[item["key"]] = services.create(sessions, _body(item), DEMO_LOADER)
        counts["sessions"] += 1
    for item in data.get("tables", []):
        body = _body(item, "session")
        body["co_chairs"] = [ids.ref(c, "organisation", "organisation_id") for c in body.get("co_chairs", [])]
        attributes = dict(body.get("attributes") or {})
        if "agenda_items" in attributes:
            attributes["agenda_items"] = [ids.ref(a, "presenter", "presenter_organisation_id")
                                          for a in attributes["agenda_items"]]
        if "projects" in attributes:
            attributes["projects"] = [ids.ref(p, "contact", "contact_organisation_id") for p in attributes["projects"]]
        body["attributes"] = attributes
        services.create(tables, body, DEMO_LOADER, parent=parents[item["session"]])
        counts["tables"] += 1
    for item in data.get("seminars", []):
        body = _body(item, "session")
        body["speakers"] = [ids.ref(s, "organisation", "organisation_id") for s in body.get("speakers", [])]
        services.create(seminars, body, DEMO_LOADER, parent=parents[item["session"]])
        counts["seminars"] += 1
    return counts
