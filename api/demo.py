"""Loading the demo data set (the XXI session, its programme, the directory) from api/data/demo.json.

The file names things by `key`; references to other entries ("organisation", "presenter", "contact",
"managed_by", "session", and a registration's tables and seminars) are keys that the loader turns into ids.
Everything is created through the same services as the API, so the demo data is validated like any request and
has its revisions. Registrations are only taken while a session is open for them: a session with registrations
is created open, takes them, then moves on to its status in the file, as it would have in real life.
"""
import json
from importlib import resources

from api.core import resource as services
from api.core.permissions import ADMIN, Identity
from api.networking import services as networking
from api.networking.resource import meeting_requests, networking_settings
from api.organisations.resource import organisations
from api.registrations.resource import registrations
from api.seminars.resource import seminars
from api.sessions.models import Session
from api.sessions.resource import sessions
from api.tables.resource import tables

DEMO_LOADER = Identity(sub="system:demo", roles=frozenset({ADMIN}))
# The demo's few meetings are solved exactly well within this.
DEMO_SCHEDULER_SECONDS = 0.5


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


def load_demo(data=None, progress=None):
    """Create the demo resources; skip when the demo session is already there. Return counts by type.

    `progress(items, label, total)` wraps each long loop, to show how far along it is (api.cli.progress).
    """
    progress = progress or _unobserved
    data = data or read_demo_file()
    counts = {"sessions": 0, "organisations": 0, "tables": 0, "seminars": 0, "registrations": 0,
              "meeting_requests": 0, "networking_schedules": 0}
    if Session.objects(number__in=[s["number"] for s in data["sessions"]]).count():
        return counts
    ids = _Keys()
    # Managers first, so that managed_by references resolve.
    for item in progress(sorted(data["organisations"], key=lambda o: "managed_by" in o), "organisations"):
        stored = services.create(organisations, _body(ids.ref(item, "managed_by", "managed_by")), DEMO_LOADER)
        ids[item["key"]] = str(stored["_id"])
        counts["organisations"] += 1
    parents = {}
    registering = {item["session"] for item in data.get("registrations", [])}
    for item in data["sessions"]:
        body = _body(item)
        if item["key"] in registering:
            body["status"] = "registration_open"
        parents[item["key"]] = services.create(sessions, body, DEMO_LOADER)
        counts["sessions"] += 1
    for item in progress(data.get("tables", []), "tables"):
        body = _body(item, "session")
        body["co_chairs"] = [ids.ref(c, "organisation", "organisation_id") for c in body.get("co_chairs", [])]
        attributes = dict(body.get("attributes") or {})
        if "agenda_items" in attributes:
            attributes["agenda_items"] = [ids.ref(a, "presenter", "presenter_organisation_id")
                                          for a in attributes["agenda_items"]]
        if "projects" in attributes:
            attributes["projects"] = [ids.ref(p, "contact", "contact_organisation_id") for p in attributes["projects"]]
        body["attributes"] = attributes
        ids[item["key"]] = str(services.create(tables, body, DEMO_LOADER, parent=parents[item["session"]])["_id"])
        counts["tables"] += 1
    for item in progress(data.get("seminars", []), "seminars"):
        body = _body(item, "session")
        body["speakers"] = [ids.ref(s, "organisation", "organisation_id") for s in body.get("speakers", [])]
        ids[item["key"]] = str(services.create(seminars, body, DEMO_LOADER, parent=parents[item["session"]])["_id"])
        counts["seminars"] += 1
    for item in progress(data.get("registrations", []), "registrations"):
        _register(item, ids, parents[item["session"]])
        counts["registrations"] += 1
    counts.update(_load_networking(data, ids, parents))
    for item in data["sessions"]:
        stored = parents[item["key"]]
        if stored["status"] != item["status"]:
            services.patch(sessions, stored, {"status": item["status"]}, DEMO_LOADER,
                           expected_version=stored["version"])
    return counts


def _unobserved(items, label, total=None):
    return items


def _register(item, ids, session):
    """Create a registration; a status nobody registers with (cancelled) is reached by a change after it."""
    body = ids.ref(_body(item, "session"), "organisation", "organisation_id")
    body["tables"] = [ids[key] for key in body.get("tables", [])]
    body["seminars"] = [ids[key] for key in body.get("seminars", [])]
    status = body.get("status", "pending")
    if status == "cancelled":
        body["status"] = "pending"
    stored = services.create(registrations, body, DEMO_LOADER, parent=session)
    if stored["status"] != status:
        services.patch(registrations, stored, {"status": status}, DEMO_LOADER, expected_version=stored["version"],
                       parent=session)


def _load_networking(data, ids, parents):
    """Create the networking settings, the meeting requests (stepped to their status), then run and publish schedules."""
    counts = {"meeting_requests": 0, "networking_schedules": 0}
    for item in data.get("networking", []):
        services.create(networking_settings, _body(item, "session"), DEMO_LOADER, parent=parents[item["session"]])
    for item in data.get("meeting_requests", []):
        session = parents[item["session"]]
        body = {"from_organisation_id": ids[item["from"]], "to_organisation_id": ids[item["to"]],
                "message": item.get("message", ""), "priority": item["priority"]}
        stored = services.create(meeting_requests, body, DEMO_LOADER, parent=session)
        if item["status"] != stored["status"]:
            services.patch(meeting_requests, stored, {"status": item["status"]}, DEMO_LOADER,
                           expected_version=stored["version"], parent=session)
        counts["meeting_requests"] += 1
    for item in data.get("networking_schedules", []):
        session = parents[item["session"]]
        schedule = networking.run_schedule(session, DEMO_LOADER, time_limit=DEMO_SCHEDULER_SECONDS)
        if item.get("publish"):
            networking.publish_schedule(str(session["_id"]), schedule["number"])
        counts["networking_schedules"] += 1
    return counts
