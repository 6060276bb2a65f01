"""The slots of a networking day: consecutive meetings of the slot length from the start, resuming after breaks."""


def minutes(hh_mm):
    hours, mins = hh_mm.split(":")
    return int(hours) * 60 + int(mins)


def slot_times(settings):
    """Return [(start, end)] in minutes after midnight of every slot the settings give, in order."""
    length = settings["slot_minutes"]
    end = minutes(settings["end_time"])
    breaks = sorted((minutes(b["start"]), minutes(b["end"])) for b in settings.get("breaks") or [])
    slots = []
    start = minutes(settings["start_time"])
    while start + length <= end:
        overlapping = [b for b in breaks if b[0] < start + length and start < b[1]]
        if overlapping:
            start = max(b[1] for b in overlapping)
            continue
        slots.append((start, start + length))
        start += length
    return slots


def available_slots(slots, intervals):
    """Return the indices of the slots that lie within one of the intervals ({start, end} HH:MM)."""
    spans = [(minutes(i["start"]), minutes(i["end"])) for i in intervals]
    return {index for index, (start, end) in enumerate(slots)
            if any(low <= start and end <= high for low, high in spans)}
