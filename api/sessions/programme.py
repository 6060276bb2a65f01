"""A session's programme as a calendar: its tables and seminars that have a time, one event each."""
from api.core import resource as core
from api.core.calendar import ics
from api.seminars.resource import seminars
from api.tables.resource import tables


def _in_languages(text, languages):
    """A localised text in the session's languages, in their order, joined: «Logistica / Логистика»."""
    text = text or {}
    chosen = [text[language] for language in languages if text.get(language)]
    return " / ".join(dict.fromkeys(chosen or list(text.values())[:1]))


def _place(room, session):
    return ", ".join(part for part in (room, session.get("venue"), session.get("city")) if part)


def programme_ics(session, identity):
    """The session's scheduled tables and seminars the caller may see, as iCalendar in the session's time zone."""
    languages = session.get("languages") or []
    events = []
    for resource, kind in ((tables, "table"), (seminars, "seminar")):
        query = core.list_query(resource, {}, identity, parent=session)
        for stored in resource.collection.find(query).sort([("_id", 1)]):
            timing = stored.get("schedule") if kind == "table" else stored
            if not timing or not timing.get("starts_at") or not timing.get("ends_at"):
                continue
            events.append({"uid": f"{kind}-{stored['_id']}@taskforce-api", "start": timing["starts_at"],
                           "end": timing["ends_at"], "stamp": stored["updated_at"], "sequence": stored["version"] - 1,
                           "summary": _in_languages(stored.get("title"), languages),
                           "location": _place(timing.get("room"), session)})
    events.sort(key=lambda event: (event["start"], event["uid"]))
    name = _in_languages(session.get('title'), languages)
    return ics("Session programme", session["timezone"], events, name=name)
