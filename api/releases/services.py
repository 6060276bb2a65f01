"""Freezing a session's programme into a release, and what changed between two releases."""
import datetime as dt

from api.core import resource as core
from api.core.permissions import ANONYMOUS
from api.releases.models import Release

KEYS = {"tables": "id", "seminars": "id", "meetings": "request_id"}
# The fields whose change means an item moved: another time or another place.
MOVE_FIELDS = {"tables": ("schedule",), "seminars": ("starts_at", "ends_at", "room"),
               "meetings": ("table", "starts_at", "ends_at")}
# What says which version of an item was released, not what the item is: never a change by itself.
VERSION_FIELDS = frozenset(core.META_FIELDS)


def next_number(session):
    """Return the number the session's next release takes."""
    last = list(Release._get_collection().find({"session_id": str(session["_id"])}, {"number": 1})
                .sort([("number", -1)]).limit(1))
    return last[0]["number"] + 1 if last else 1


def _public(resource, stored):
    """The representation anyone who may read the programme gets, without live fields (seats taken)."""
    representation = core.present(resource, stored, ANONYMOUS)
    return {k: v for k, v in representation.items() if k not in resource.live_fields}


def freeze_programme(session):
    """Return the session's programme now: the session, its tables and seminars, its published meetings."""
    from api.networking.services import published_schedule
    from api.seminars.resource import seminars
    from api.sessions.resource import sessions
    from api.tables.resource import tables
    seminar_items = sorted((_public(seminars, doc) for doc in core.live_items(seminars, session)),
                           key=lambda s: (s["starts_at"], s["id"]))
    schedule = published_schedule(str(session["_id"]))
    meetings = []
    if schedule is not None:
        meetings = [{k: m[k] for k in ("request_id", "organisation_ids", "table", "starts_at", "ends_at")}
                    for m in schedule["meetings"]]
    published = None if schedule is None else {
        "number": schedule["number"], "published_at": schedule["published_at"].replace(tzinfo=dt.timezone.utc).isoformat()}
    return {"session": _public(sessions, session),
            "tables": [_public(tables, doc) for doc in core.live_items(tables, session)],
            "seminars": seminar_items, "networking_schedule": published, "meetings": meetings}


def previous_release(release):
    """Return the session's release made just before this one, or None."""
    found = list(Release._get_collection().find({"session_id": release["session_id"],
                                                 "number": {"$lt": release["number"]}})
                 .sort([("number", -1)]).limit(1))
    return found[0] if found else None


def _changes(old, new):
    names = [name for name in {**old, **new} if name not in VERSION_FIELDS]
    changes = {}
    for name in names:
        if old.get(name) != new.get(name):
            change = {}
            if name in old:
                change["old"] = old[name]
            if name in new:
                change["new"] = new[name]
            changes[name] = change
    return changes


def diff(current, previous):
    """Return what is new, changed and cancelled in one release's representation since another's (or None)."""
    previous = previous or {}
    result = {"new": [], "changed": [], "cancelled": []}
    if previous.get("session") is not None:
        changes = _changes(previous["session"], current["session"])
        if changes:
            result["changed"].append({"type": "session", "id": current["session"]["id"], "moved": False,
                                      "changes": changes})
    # Item types the caller may not see (meetings, for all but staff) are in neither representation.
    for item_type, key in KEYS.items():
        if item_type not in current:
            continue
        before = {item[key]: item for item in previous.get(item_type) or []}
        after = {item[key]: item for item in current[item_type]}
        for item_id, item in after.items():
            if item_id not in before:
                result["new"].append({"type": item_type, "id": item_id, "item": item})
                continue
            changes = _changes(before[item_id], item)
            if changes:
                result["changed"].append({"type": item_type, "id": item_id, "changes": changes,
                                          "moved": any(name in changes for name in MOVE_FIELDS[item_type])})
        result["cancelled"] += [{"type": item_type, "id": item_id, "item": item}
                                for item_id, item in before.items() if item_id not in after]
    return result
