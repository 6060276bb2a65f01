"""iCalendar files: events in one IANA time zone, with the VTIMEZONE calendar apps need to place them."""
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

CALENDAR = "text/calendar"


def as_utc(moment):
    """A stored instant (naive UTC, as the driver returns it) or an RFC 3339 text as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def ics(product, timezone, events, *, name=None):
    """Return an iCalendar file of events ({uid, start, end, summary, location?, stamp?, sequence?}) in timezone."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Taskforce API//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-timezone", timezone)
    if name:
        calendar.add("x-wr-calname", name)
    zone = ZoneInfo(timezone)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for item in events:
        event = icalendar.Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", as_utc(item.get("stamp") or now).replace(microsecond=0))
        if item.get("sequence") is not None:
            event.add("sequence", item["sequence"])
        event.add("dtstart", as_utc(item["start"]).astimezone(zone))
        event.add("dtend", as_utc(item["end"]).astimezone(zone))
        event.add("summary", item["summary"])
        if item.get("location"):
            event.add("location", item["location"])
        calendar.add_component(event)
    starts = [as_utc(item["start"]) for item in events]
    if starts:
        # Only the transitions around the events: a small file that calendar apps still resolve.
        first, last = min(starts), max(starts)
        calendar.add_missing_timezones(first_date=dt.date(first.year - 1, 1, 1), last_date=dt.date(last.year + 2, 1, 1))
    return calendar.to_ical()
