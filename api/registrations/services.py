"""Seminar seats, the effects of a session's status on its registrations, and an organisation's participations.

Seats: each seminar has one seat book (api.registrations.models.SeatBook). Asking for a seminar joins the end
of its queue; one rule then fills free seats from the head of the queue. Every change of a book (a claim, a
release, a new capacity) is read, changed and written back as one compare-and-set on the book's `rev`, retried
when another change landed first: two requests can never both take the last seat, and a freed seat goes to
the first one waiting in the same write that frees it.
"""
import copy
import logging

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from api.core import resource as core
from api.core.permissions import ADMIN, Identity
from api.errors import PreconditionFailed, ServiceUnavailable
from api.registrations.models import Registration, SeatBook
from api.seminars.models import Seminar
from api.sessions.models import STATUSES as SESSION_STATUSES, Session

log = logging.getLogger(__name__)

SYSTEM = Identity(sub="system:registrations", roles=frozenset({ADMIN}))
MAX_ATTEMPTS = 1000


def _books():
    return SeatBook._get_collection()


def _open_book(seminar_id):
    """Return the seminar's seat book, creating it (from the seminar's capacity) on first use."""
    book = _books().find_one({"_id": seminar_id})
    if book is not None:
        return book
    seminar = Seminar._get_collection().find_one({"_id": ObjectId(seminar_id)}, {"capacity": 1, "version": 1,
                                                                                "session_id": 1})
    book = {"_id": seminar_id, "session_id": seminar["session_id"], "capacity": seminar.get("capacity"),
            "capacity_version": seminar["version"], "confirmed": [], "waiting": [], "rev": 0}
    try:
        _books().insert_one(book)
    except DuplicateKeyError:  # opened at the same moment by another request
        return _books().find_one({"_id": seminar_id})
    return book


def _fill_seats(book):
    """Give free seats to the first ones waiting."""
    capacity = book["capacity"]
    while book["waiting"] and (capacity is None or len(book["confirmed"]) < capacity):
        book["confirmed"].append(book["waiting"].pop(0))


def _change_book(seminar_id, change):
    """Apply change(book) (which edits the book and returns whether it changed anything) as one compare-and-set."""
    for _ in range(MAX_ATTEMPTS):
        current = _open_book(seminar_id)
        book = copy.deepcopy(current)
        if not change(book):
            return current
        _fill_seats(book)
        book["rev"] = current["rev"] + 1
        if _books().replace_one({"_id": seminar_id, "rev": current["rev"]}, book).matched_count == 1:
            return book
    raise ServiceUnavailable("Too many simultaneous changes of this seminar's seats; retry.")


def claim_places(registration_id, seminar_ids):
    """Queue the registration for each seminar: it gets a seat if one is free and nobody waits before it."""
    def join(book):
        if registration_id in book["confirmed"] or registration_id in book["waiting"]:
            return False
        book["waiting"].append(registration_id)
        return True

    for seminar_id in seminar_ids:
        _change_book(seminar_id, join)


def release_places(registration_id, seminar_ids):
    """Give up the registration's seat or waiting place in each seminar; a freed seat goes to the next in line."""
    def leave(book):
        if registration_id in book["confirmed"]:
            book["confirmed"].remove(registration_id)
        elif registration_id in book["waiting"]:
            book["waiting"].remove(registration_id)
        else:
            return False
        return True

    for seminar_id in seminar_ids:
        if _books().find_one({"_id": seminar_id}, {"_id": 1}) is not None:
            _change_book(seminar_id, leave)


def follow_capacity(seminar):
    """Take a seminar's stored capacity into its seat book; a raised capacity seats the first ones waiting."""
    seminar_id = str(seminar["_id"])

    def resize(book):
        # Writes of the seminar may reach here out of order: only a newer version's capacity counts.
        if seminar["version"] <= book["capacity_version"]:
            return False
        book["capacity"], book["capacity_version"] = seminar.get("capacity"), seminar["version"]
        return True

    if _books().find_one({"_id": seminar_id}, {"_id": 1}) is not None:
        _change_book(seminar_id, resize)


def seat_counts(seminar_id):
    """Return (seats taken, length of the waiting list) of a seminar."""
    book = _books().find_one({"_id": seminar_id}, {"confirmed": 1, "waiting": 1})
    if book is None:
        return 0, 0
    return len(book["confirmed"]), len(book["waiting"])


def places_of(registration_id, seminar_ids):
    """Return the registration's seat or waiting place in each of these seminars, in their order."""
    books = {book["_id"]: book for book in _books().find({"_id": {"$in": list(seminar_ids)}})}
    places = []
    for seminar_id in seminar_ids:
        book = books.get(seminar_id)
        if book is None:
            continue
        if registration_id in book["confirmed"]:
            places.append({"seminar_id": seminar_id, "status": "confirmed"})
        elif registration_id in book["waiting"]:
            places.append({"seminar_id": seminar_id, "status": "waitlisted",
                           "position": book["waiting"].index(registration_id) + 1})
    return places


def cancel_pending(session):
    """Cancel the session's registrations still pending (it concluded without accepting them)."""
    from api.registrations.resource import registrations
    query = {"session_id": str(session["_id"]), "status": "pending", "deleted_at": None}
    for stored in registrations.collection.find(query):
        _cancel(stored, session, ("pending",))


def cancel_registrations_of(organisation_id):
    """Cancel the deleted organisation's registrations that hold places in sessions not yet concluded.

    Nobody may act for a deleted organisation any more, so nobody else could free the seats it holds. Registrations
    of concluded sessions stay: they record who took part, and their seats no longer matter.
    """
    from api.registrations.resource import HOLDS_PLACES, registrations
    under_way = SESSION_STATUSES[:SESSION_STATUSES.index("concluded")]
    query = {"organisation_id": organisation_id, "status": {"$in": list(HOLDS_PLACES)}, "deleted_at": None}
    for stored in registrations.collection.find(query):
        session = Session._get_collection().find_one(
            {"_id": ObjectId(stored["session_id"]), "deleted_at": None, "status": {"$in": list(under_way)}})
        if session is not None:
            _cancel(stored, session, HOLDS_PLACES)


def _cancel(stored, session, cancellable):
    """Cancel a stored registration as the system, unless it left the cancellable statuses meanwhile."""
    from api.registrations.resource import registrations
    for _ in range(MAX_ATTEMPTS):
        state = {**core.editable_view(registrations, stored), "status": "cancelled"}
        try:
            core.replace(registrations, stored, state, SYSTEM, expected_version=stored["version"], parent=session)
            return
        except PreconditionFailed:  # changed meanwhile: look again
            stored = registrations.collection.find_one({"_id": stored["_id"]})
            if stored is None or stored["status"] not in cancellable or stored.get("deleted_at") is not None:
                return


def participations(organisation_id, page, page_size):
    """Return (registrations of the organisation, newest session first, one page; total)."""
    query = {"organisation_id": organisation_id, "deleted_at": None}
    collection = Registration._get_collection()
    total = collection.count_documents(query)
    cursor = (collection.find(query).sort([("session_number", -1), ("_id", -1)])
              .skip((page - 1) * page_size).limit(page_size))
    return [{"registration_id": str(doc["_id"]), **doc} for doc in cursor], total
