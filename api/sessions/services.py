"""The next edition of the forum: a draft session cloned from an earlier one, with its programme."""
import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

from bson import ObjectId

from api.core import resource as core
from api.errors import Conflict, ValidationFailed
from api.plugins import registry
from api.seminars.resource import seminars
from api.sessions.resource import roman, sessions
from api.tables.resource import tables

# The task force meets every six months; 26 weeks keep the weekdays of the previous edition.
EDITION_INTERVAL = dt.timedelta(weeks=26)
# Autumn in Italy, spring in Russia.
ALTERNATING_HOSTS = {"IT": "RU", "RU": "IT"}
# Carried into the next edition; the rest is the editor's to fill (or, for dates and place, proposed).
CARRIED_FIELDS = ("title", "description", "languages")


def _latest(query=None):
    """Return the live session with the highest number matching the query, or None."""
    found = list(sessions.collection.find({"deleted_at": None, **(query or {})}).sort([("number", -1)]).limit(1))
    return found[0] if found else None


def _highest_number():
    # Deleted sessions keep their numbers: a new session cannot take one.
    return next(sessions.collection.find({}, {"number": 1}).sort([("number", -1)]).limit(1))["number"]


def next_host_country(previous):
    """Return the host of the edition after `previous`: Italy and Russia alternate.

    A session hosted elsewhere alternates with the country that hosted the latest edition before it held in
    another country; with none in the series, the same country hosts again (the editor changes it).
    """
    country = previous["host_country"]
    if country in ALTERNATING_HOSTS:
        return ALTERNATING_HOSTS[country]
    other = _latest({"number": {"$lt": previous["number"]}, "host_country": {"$ne": country}})
    return other["host_country"] if other else country


def _place(country, source):
    """The city, region and time zone of the latest edition in that country; the source's when none was."""
    last = _latest({"host_country": country}) or source
    place = {"city": last["city"], "timezone": last["timezone"]}
    if last["host_country"] == country and last.get("host_region"):
        place["host_region"] = last["host_region"]
    return place


def _renumbered(text, old, new):
    """A localised text with the Roman numeral of one session (XXI) made the next one's (XXII)."""
    pattern = re.compile(rf"\b{roman(old).upper()}\b")
    return {language: pattern.sub(roman(new).upper(), value) for language, value in text.items()}


def next_edition(source):
    """Return the body of the session after the latest one, carrying over the source's title and texts.

    The new session follows the latest live edition (highest number), whichever session it is cloned from:
    the next number, the other host country, the latest one's dates 26 weeks later.
    """
    previous = _latest()
    number = _highest_number() + 1
    country = next_host_country(previous)
    try:
        starts_on, ends_on = (dt.date.fromisoformat(previous[name]) + EDITION_INTERVAL for name in ("starts_on", "ends_on"))
    except OverflowError:
        raise Conflict("No next edition can be proposed: its dates would fall after 9999.") from None
    body = {name: source[name] for name in CARRIED_FIELDS if source.get(name)}
    for name in ("title", "description"):
        if name in body:
            body[name] = _renumbered(body[name], source["number"], number)
    return {**body, "number": number, "host_country": country, **_place(country, source),
            "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "status": "draft"}


def _shifted(moment, source, target):
    """An instant of the source's programme moved to the same local time on the same day of the target."""
    days = dt.date.fromisoformat(target["starts_on"]) - dt.date.fromisoformat(source["starts_on"])
    local = dt.datetime.fromisoformat(moment).astimezone(ZoneInfo(source["timezone"])).replace(tzinfo=None)
    return (local + days).replace(tzinfo=ZoneInfo(target["timezone"])).isoformat()


def _table_copy(table, source, target):
    body = core.editable_view(tables, table)
    kind = registry().kind(table["kind"])
    if kind is not None:
        body["attributes"] = {k: v for k, v in body.get("attributes", {}).items() if k not in kind.per_session}
    if body.get("schedule"):
        body["schedule"] = {**body["schedule"], **{name: _shifted(body["schedule"][name], source, target)
                                                   for name in ("starts_at", "ends_at")}}
    return body


def _seminar_copy(seminar, source, target):
    body = core.editable_view(seminars, seminar)
    return {**body, **{name: _shifted(body[name], source, target) for name in ("starts_at", "ends_at")}}


def _copies(source, target):
    """Return (resource, body) of each table and seminar to copy into the target, in the source's order."""
    return ([(tables, _table_copy(t, source, target)) for t in core.live_items(tables, source)]
            + [(seminars, _seminar_copy(s, source, target)) for s in core.live_items(seminars, source)])


def _copy_id(session_id, position):
    """The id of the n-th copy into a new session: the same on every retry, in the source's order."""
    digest = hashlib.sha256(session_id.binary).digest()
    return ObjectId(session_id.binary[:4] + digest[:5] + position.to_bytes(3, "big"))


def _validate(copies, target):
    """Raise 409 when a copy would break today's rules (a table kind no longer installed), before storing."""
    errors, positions = {}, {}
    for resource, body in copies:
        position = positions[resource.name] = positions.get(resource.name, -1) + 1
        try:
            state = resource.prepare(core.load_state(resource, body), old=None, parent=target)
            resource.check(state, old=None, parent=target)
        except ValidationFailed as error:
            errors.update({f"{resource.name}.{position}.{path}": messages for path, messages in error.errors.items()})
    if errors:
        raise Conflict("This session's programme cannot be copied as it is: these items break today's rules.",
                       errors=errors)


def clone_session(source, identity, *, reserved_id=None):
    """Store the next edition as a draft with copies of the source's tables and seminars; return it.

    A retry with the same reserved id (Idempotency-Key) finds the session and the copies already stored
    and stores only what is missing.
    """
    reason = f"cloned from session {source['number']}"
    session_id = reserved_id or ObjectId()
    target = sessions.collection.find_one({"_id": session_id})
    if target is None:
        body = next_edition(source)
        copies = _copies(source, body)
        _validate(copies, body)
        try:
            target = core.create(sessions, body, identity, reserved_id=session_id, reason=reason)
        except ValidationFailed as error:
            raise Conflict("No next edition can be proposed from this session.", errors=error.errors) from None
    else:
        copies = _copies(source, target)
    for position, (resource, body) in enumerate(copies):
        core.create(resource, body, identity, parent=target, reserved_id=_copy_id(session_id, position), reason=reason)
    return target
