"""Suggestions, schedule runs and publication, agendas and their CSV and iCalendar renderings."""
import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from api.core import search
from api.core.calendar import ics
from api.core.documents import utcnow
from api.core.tabular import escape_formula
from api.errors import Conflict, NotFound, ValidationFailed
from api.networking import scheduler
from api.networking.models import MeetingRequest, NetworkingSettings, Schedule
from api.networking.slots import available_slots, slot_times
from api.organisations.models import Organisation
from api.registrations.models import Registration

PARTICIPANT_WITHDREW = "participant_withdrew"
SCHEDULE_ATTEMPTS = 20
# Suggestion weights: another country first (the forum is bilateral), then what answers needs.
OTHER_COUNTRY, SHARED_SECTOR, MATCHING_TERM, MAX_MATCHING_TERMS = 30, 10, 4, 5
STEM = 6
# Words too common in offers and seeks to tell two organisations apart once folded.
COMMON_TERMS = frozenset({"i", "e", "di", "da", "in", "per", "con", "il", "la", "le", "lo", "gli", "del", "della",
                          "dei", "delle", "v", "na", "s", "k", "po", "dlya", "ot", "iz", "and", "of", "the", "for",
                          "a", "to", "with", "in", "on"})


def _organisations(ids):
    return {str(doc["_id"]): doc for doc in Organisation._get_collection().find(
        {"_id": {"$in": [ObjectId(i) for i in ids if ObjectId.is_valid(i)]}},
        {"name": 1, "country": 1, "sectors": 1})}


def participants(session_id):
    """Return the session's networking registrations (not cancelled), by organisation id."""
    return {doc["organisation_id"]: doc for doc in Registration._get_collection().find(
        {"session_id": session_id, "deleted_at": None, "networking": True, "status": {"$ne": "cancelled"}},
        {"organisation_id": 1, "networking_profile": 1})}


def settings_of(session_id):
    """Return the session's stored networking settings, or raise 409: scheduling needs them."""
    settings = NetworkingSettings._get_collection().find_one({"session_id": session_id, "deleted_at": None})
    if settings is None:
        raise Conflict("This session has no networking settings yet: PUT …/networking first.")
    return settings


# Suggestions ------------------------------------------------------------------------------------


def _stems(localised):
    """Return {stem: word} of a localised text's folded words (as `q` folds them), common words left out.

    Folding makes the scripts meet, not the languages: Italian "logistica" folds to itself, Russian "Логистика"
    to "logistika". Two words match when they are equal or share their first STEM characters.
    """
    return {term[:STEM]: term for term in search.search_terms([localised])
            if term not in COMMON_TERMS and len(term) > 2}


def _matching(seeks, offers):
    return sorted(seeks[stem] for stem in seeks.keys() & offers.keys())


def suggestions(session_id, organisation_id):
    """Return the ranked counterparts for a participant it has no request with, each with score and reasons."""
    taking_part = participants(session_id)
    if organisation_id not in taking_part:
        raise ValidationFailed({"organisation_id": ["Not a networking participant of this session."]})
    asked = set()
    for doc in MeetingRequest._get_collection().find(
            {"session_id": session_id, "deleted_at": None,
             "$or": [{"from_organisation_id": organisation_id}, {"to_organisation_id": organisation_id}]},
            {"from_organisation_id": 1, "to_organisation_id": 1}):
        asked.update((doc["from_organisation_id"], doc["to_organisation_id"]))
    organisations = _organisations(taking_part)
    me = organisations.get(organisation_id, {})
    my_profile = taking_part[organisation_id].get("networking_profile") or {}
    my_sectors = set(my_profile.get("sectors") or me.get("sectors") or [])
    my_seeks, my_offers = _stems(my_profile.get("seeks")), _stems(my_profile.get("offers"))
    ranked = []
    for other_id, registration in taking_part.items():
        if other_id == organisation_id or other_id in asked or other_id not in organisations:
            continue
        other = organisations[other_id]
        profile = registration.get("networking_profile") or {}
        score, reasons = 0, []
        if other.get("country") != me.get("country"):
            score += OTHER_COUNTRY
            reasons.append({"code": "other_country", "text": f"From the other country ({other.get('country')})."})
        shared = sorted(my_sectors & set(profile.get("sectors") or other.get("sectors") or []))
        if shared:
            score += SHARED_SECTOR * len(shared)
            reasons.append({"code": "shared_sectors", "text": f"Shares the sectors {', '.join(shared)}."})
        for code, terms, label in (("offers_answer_seeks", _matching(my_seeks, _stems(profile.get("offers"))),
                                    "Its offers answer what you seek"),
                                   ("seeks_answered_by_offers", _matching(_stems(profile.get("seeks")), my_offers),
                                    "It seeks what you offer")):
            if terms:
                score += MATCHING_TERM * min(len(terms), MAX_MATCHING_TERMS)
                reasons.append({"code": code, "text": f"{label}: {', '.join(terms[:MAX_MATCHING_TERMS])}."})
        if score:
            ranked.append({"organisation_id": other_id, "name": other.get("name"), "score": score, "reasons": reasons})
    ranked.sort(key=lambda s: (-s["score"], s["name"] or "", s["organisation_id"]))
    return ranked


# Schedules --------------------------------------------------------------------------------------


def _schedules():
    return Schedule._get_collection()


def _local(day, minute, zone):
    date = dt.date.fromisoformat(day)
    return dt.datetime.combine(date, dt.time(minute // 60, minute % 60), tzinfo=zone).isoformat()


def published_schedule(session_id):
    """Return the schedule published last in the session, or None."""
    found = list(_schedules().find({"session_id": session_id, "published_at": {"$ne": None}})
                 .sort([("published_at", -1), ("number", -1)]).limit(1))
    return found[0] if found else None


def run_schedule(session, identity, *, reserved_id=None, time_limit=scheduler.DEFAULT_TIME_LIMIT):
    """Schedule the session's accepted requests and store the result as the next numbered schedule."""
    session_id = str(session["_id"])
    if reserved_id is not None:
        earlier = _schedules().find_one({"_id": reserved_id})
        if earlier is not None:
            return earlier
    settings = settings_of(session_id)
    zone = ZoneInfo(session["timezone"])
    slots = slot_times(settings)
    taking_part = participants(session_id)
    requests = MeetingRequest._get_collection()
    requested = requests.count_documents({"session_id": session_id, "deleted_at": None})
    accepted = list(requests.find({"session_id": session_id, "deleted_at": None, "status": "accepted"},
                                  {"from_organisation_id": 1, "to_organisation_id": 1, "priority": 1}))
    meetings, withdrew = [], []
    for doc in accepted:
        pair = (doc["from_organisation_id"], doc["to_organisation_id"])
        if all(side in taking_part for side in pair):
            meetings.append(scheduler.Meeting(str(doc["_id"]), *pair, weight=doc.get("priority") or 1))
        else:
            withdrew.append(str(doc["_id"]))
    availability = {}
    for organisation_id, registration in taking_part.items():
        intervals = (registration.get("networking_profile") or {}).get("availability")
        if intervals:
            availability[organisation_id] = available_slots(slots, intervals)
    published = published_schedule(session_id)
    previous = {}
    if published is not None:
        previous = {m["request_id"]: m["slot"] for m in published["meetings"] if m["slot"] < len(slots)}
    result = scheduler.schedule_meetings(meetings, len(slots), settings["tables"], availability=availability,
                                         cap=settings.get("max_meetings_per_participant"), previous=previous,
                                         time_limit=time_limit, requested=requested)
    pairs = {m.id: (m.a, m.b) for m in meetings}
    scheduled = [{"request_id": a.meeting_id, "organisation_ids": list(pairs[a.meeting_id]), "slot": a.slot,
                  "table": a.table, "starts_at": _local(settings["day"], slots[a.slot][0], zone),
                  "ends_at": _local(settings["day"], slots[a.slot][1], zone)}
                 for a in sorted(result.assignments, key=lambda a: (a.slot, a.table))]
    unscheduled = [{"request_id": u.meeting_id, "reason": u.reason} for u in result.unscheduled]
    unscheduled += [{"request_id": request_id, "reason": PARTICIPANT_WITHDREW} for request_id in withdrew]
    stats = {"requested": requested, "accepted": len(accepted), "scheduled": len(scheduled),
             "unscheduled": len(unscheduled), "score": result.score, "upper_bound": result.upper_bound,
             "optimal": result.optimal, "moved": result.moved,
             "previous_number": published["number"] if published else None}
    document = {"session_id": session_id, "created_at": utcnow(), "created_by": identity.sub,
                "published_at": None, "timezone": session["timezone"], "tables": settings["tables"], "room": settings.get("room"),
                "slots": [{"starts_at": _local(settings["day"], start, zone), "ends_at": _local(settings["day"], end, zone)}
                          for start, end in slots],
                "stats": stats, "meetings": scheduled, "unscheduled": unscheduled}
    for _ in range(SCHEDULE_ATTEMPTS):
        last = list(_schedules().find({"session_id": session_id}, {"number": 1}).sort([("number", -1)]).limit(1))
        document["number"] = last[0]["number"] + 1 if last else 1
        document["_id"] = reserved_id or ObjectId()
        try:
            _schedules().insert_one(document)
            return document
        except DuplicateKeyError:  # another run took the number meanwhile
            continue
    raise Conflict("Too many schedule runs at once for this session; retry.")


def find_schedule(session_id, number):
    schedule = _schedules().find_one({"session_id": session_id, "number": number})
    if schedule is None:
        raise NotFound(f"No schedule number {number} in this session.")
    return schedule


def list_schedules(session_id, page, page_size):
    """Return (one page of the session's schedules, newest first, without their meetings; total)."""
    query = {"session_id": session_id}
    total = _schedules().count_documents(query)
    cursor = (_schedules().find(query, {"meetings": 0, "unscheduled": 0, "slots": 0}).sort([("number", -1)])
              .skip((page - 1) * page_size).limit(page_size))
    return list(cursor), total


def publish_schedule(session_id, number):
    """Make this schedule the published one (the newest publication wins); return it."""
    schedule = find_schedule(session_id, number)
    now = utcnow()
    _schedules().update_one({"_id": schedule["_id"]}, {"$set": {"published_at": now}})
    schedule["published_at"] = now
    return schedule


def present_schedule(schedule, published_number, full=True):
    view = {"number": schedule["number"], "created_at": schedule["created_at"],
            "published": schedule["number"] == published_number, "published_at": schedule.get("published_at"),
            "stats": schedule["stats"]}
    if full:
        view["meetings"] = [{k: m[k] for k in ("request_id", "organisation_ids", "table", "starts_at", "ends_at")}
                            for m in schedule["meetings"]]
        view["unscheduled"] = schedule["unscheduled"]
    return view


def schedule_csv(schedule):
    """The schedule's meetings, one a row, with the two organisations' names."""
    names = _names(schedule)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["request_id", "starts_at", "ends_at", "table", "organisation_1_id", "organisation_1",
                     "organisation_2_id", "organisation_2", "status"])
    for m in schedule["meetings"]:
        a, b = m["organisation_ids"]
        writer.writerow([m["request_id"], m["starts_at"], m["ends_at"], m["table"], a, _cell(names.get(a)), b,
                         _cell(names.get(b)), "scheduled"])
    for u in schedule["unscheduled"]:
        writer.writerow([u["request_id"], "", "", "", "", "", "", "", u["reason"]])
    return out.getvalue()


def _cell(text):
    return escape_formula(text or "")


def _names(schedule):
    ids = {i for m in schedule["meetings"] for i in m["organisation_ids"]}
    return {i: doc.get("name") for i, doc in _organisations(ids).items()}


def grid(schedule):
    """The organiser's grid: for each slot, one cell per table."""
    by_cell = {(m["slot"], m["table"]): m for m in schedule["meetings"]}
    slots = []
    for index, slot in enumerate(schedule["slots"]):
        cells = []
        for table in range(1, schedule["tables"] + 1):
            meeting = by_cell.get((index, table))
            cells.append({"table": table, "request_id": meeting["request_id"] if meeting else None,
                          "organisation_ids": meeting["organisation_ids"] if meeting else []})
        slots.append({**slot, "tables": cells})
    return {"number": schedule["number"], "tables": schedule["tables"], "slots": slots}


def grid_csv(schedule):
    """The grid as CSV: a row per slot, a column per table, each cell the two organisations' names."""
    names = _names(schedule)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["starts_at", "ends_at", *(f"table {t}" for t in range(1, schedule["tables"] + 1))])
    for row in grid(schedule)["slots"]:
        writer.writerow([row["starts_at"], row["ends_at"],
                         *(_cell(" / ".join(names.get(i) or i for i in cell["organisation_ids"]))
                           for cell in row["tables"])])
    return out.getvalue()


# Agendas ----------------------------------------------------------------------------------------


def agenda(session_id, organisation_id):
    """Return the participant's meetings in the published schedule; 404 when none is published."""
    schedule = published_schedule(session_id)
    if schedule is None:
        raise NotFound("No schedule is published for this session yet: agendas come from the published one.")
    mine = [m for m in schedule["meetings"] if organisation_id in m["organisation_ids"]]
    if not mine and organisation_id not in participants(session_id):
        raise NotFound("This organisation takes no part in the session's networking.")
    counterparts = {next(i for i in m["organisation_ids"] if i != organisation_id) for m in mine}
    names = {i: doc.get("name") for i, doc in _organisations(counterparts).items()}
    meetings = []
    for m in mine:
        other = next(i for i in m["organisation_ids"] if i != organisation_id)
        meetings.append({"request_id": m["request_id"], "counterpart": {"organisation_id": other, "name": names.get(other)},
                         "table": m["table"], "starts_at": m["starts_at"], "ends_at": m["ends_at"]})
    return {"organisation_id": organisation_id, "schedule_number": schedule["number"], "timezone": schedule["timezone"],
            "room": schedule.get("room"), "meetings": meetings}


def agenda_ics(session, view):
    """The agenda as iCalendar: one VEVENT a meeting in the session's time zone, with its VTIMEZONE."""
    events = []
    for meeting in view["meetings"]:
        table = f"Table {meeting['table']}"
        events.append({
            # Stable across runs: the same request is the same meeting, moved or not.
            "uid": f"networking-{session['_id']}-{meeting['request_id']}-{view['organisation_id']}@taskforce-api",
            "start": meeting["starts_at"], "end": meeting["ends_at"],
            "summary": f"Networking: {meeting['counterpart']['name'] or meeting['counterpart']['organisation_id']}",
            "location": f"{view['room']}, {table.lower()}" if view.get("room") else table})
    return ics("Networking agenda", view["timezone"], events)
