"""Request bodies, addresses and the seat race of the registration tests (embedded store and real MongoDB)."""
import threading

from api.registrations import services
from tests.conftest import current_etag, organisation_body, send_together, session_body

OPEN_BOOK = services._open_book


def registrations_url(session):
    return f"/api/v1/sessions/{session['id']}/registrations"


def registration_url(registration):
    return f"/api/v1/sessions/{registration['session_id']}/registrations/{registration['id']}"


def delegate(**overrides):
    person = {"name": "Marco Santarelli", "role": "Responsabile export", "email": "m.santarelli@example.org",
              "phone": "+39 071 806 1234", "languages": ["it", "ru"]}
    person.update(overrides)
    return person


def registration_body(organisation_id, **overrides):
    body = {
        "organisation_id": organisation_id, "delegates": [delegate()], "tables": [], "seminars": [],
        "networking": True,
        "networking_profile": {
            "offers": {"it": "Componenti meccatronici su misura", "ru": "Мехатронные компоненты на заказ"},
            "seeks": {"ru": "Дистрибьюторы в Поволжье"}, "sectors": ["mechatronics"],
            "availability": [{"start": "14:00", "end": "16:00"}]},
    }
    body.update(overrides)
    return body


def readers_meet(monkeypatch, parties):
    """Hold each request's first read of a seat book until `parties` requests have read it too.

    They then all hold the same state of the book, so only its compare-and-set can tell them apart (left alone,
    threads through the test client rarely interleave between the read and the write).
    """
    barrier = threading.Barrier(parties)
    first_read = threading.local()

    def open_book_then_wait(seminar_id):
        book = OPEN_BOOK(seminar_id)
        if not getattr(first_read, "done", False):
            first_read.done = True
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return book

    monkeypatch.setattr(services, "_open_book", open_book_then_wait)


def places_in(registration, seminar):
    return [p for p in registration["seminar_places"] if p["seminar_id"] == seminar["id"]]


def seat_race(app, admin, monkeypatch):
    """20 organisations register at once for the last 5 seats of a seminar; then 2 of the seated cancel at once.

    Return (the 20 registrations after the race, the same after the cancellations, the seminar after each).
    """
    client = app.test_client()
    session = client.post("/api/v1/sessions", json=session_body(status="registration_open"), headers=admin).get_json()
    seminar = client.post(f"/api/v1/sessions/{session['id']}/seminars", headers=admin, json={
        "title": {"it": "Strumenti finanziari", "ru": "Финансовые инструменты"}, "capacity": 6,
        "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00"}).get_json()
    organisation_ids = [client.post("/api/v1/organisations", json=organisation_body(name=f"Racer {i}"),
                                    headers=admin).get_json()["id"] for i in range(21)]
    url = registrations_url(session)
    first = client.post(url, json=registration_body(organisation_ids[0], seminars=[seminar["id"]]), headers=admin)
    assert first.status_code == 201, first.get_json()

    readers_meet(monkeypatch, 20)
    responses = send_together(app, [
        lambda c, o=o: c.post(url, json=registration_body(o, seminars=[seminar["id"]]), headers=admin)
        for o in organisation_ids[1:]])
    assert [r.status_code for r in responses] == [201] * 20, [r.get_json() for r in responses]
    raced = [client.get(registration_url(r.get_json()), headers=admin).get_json() for r in responses]
    seminar_url = f"/api/v1/sessions/{session['id']}/seminars/{seminar['id']}"
    seminar_after_race = client.get(seminar_url).get_json()

    seated = [r for r in raced if places_in(r, seminar)[0]["status"] == "confirmed"][:2]
    tags = {r["id"]: current_etag(client, registration_url(r), admin) for r in seated}
    readers_meet(monkeypatch, 2)
    cancellations = send_together(app, [
        lambda c, r=r: c.patch(registration_url(r), json={"status": "cancelled"},
                               headers={**admin, "If-Match": tags[r["id"]]}) for r in seated])
    assert [r.status_code for r in cancellations] == [200, 200], [r.get_json() for r in cancellations]
    monkeypatch.setattr(services, "_open_book", OPEN_BOOK)
    after = [client.get(registration_url(r), headers=admin).get_json() for r in raced]
    return raced, after, seminar_after_race, client.get(seminar_url).get_json(), seminar


def assert_each_seat_given_once_and_freed_seats_in_order(raced, after, seminar_after_race, seminar_after, seminar):
    """What seat_race must end with: 5 seated and 15 waiting in line, then the first 2 waiting seated."""
    places = [places_in(r, seminar)[0] for r in raced]
    assert sorted(p["status"] for p in places) == ["confirmed"] * 5 + ["waitlisted"] * 15
    assert sorted(p["position"] for p in places if p["status"] == "waitlisted") == list(range(1, 16))
    assert (seminar_after_race["seats_taken"], seminar_after_race["waiting_list"]) == (6, 15)
    cancelled = {r["id"] for r in after if r["status"] == "cancelled"}
    first_two_waiting = {r["id"] for r, p in zip(raced, places) if p.get("position") in (1, 2)}
    seated_before = {r["id"] for r, p in zip(raced, places) if p["status"] == "confirmed"}
    seated_now = {r["id"] for r in after
                  if r["id"] not in cancelled and places_in(r, seminar)[0]["status"] == "confirmed"}
    assert seated_now == (seated_before - cancelled) | first_two_waiting
    assert (seminar_after["seats_taken"], seminar_after["waiting_list"]) == (6, 13)


def delete_organisation(client, organisation, headers):
    url = f"/api/v1/organisations/{organisation['id']}"
    return client.delete(url, headers={**headers, "If-Match": current_etag(client, url, headers)})
