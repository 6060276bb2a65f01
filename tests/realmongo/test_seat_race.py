"""On a real MongoDB, seminar seats under concurrent registrations: each seat given once, freed seats in order."""
import pytest

from tests.registrations.helpers import places_in, seat_race

pytestmark = pytest.mark.realmongo


def test_concurrent_registrations_for_the_last_seats_give_each_seat_once_and_promote_in_order(real_app, real_admin,
                                                                                             monkeypatch):
    raced, after, seminar_after_race, seminar_after, seminar = seat_race(real_app, real_admin, monkeypatch)

    places = [places_in(r, seminar)[0] for r in raced]
    assert sorted(p["status"] for p in places) == ["confirmed"] * 5 + ["waitlisted"] * 15
    assert (seminar_after_race["seats_taken"], seminar_after_race["waiting_list"]) == (6, 15)
    cancelled = {r["id"] for r in after if r["status"] == "cancelled"}
    first_two_waiting = {r["id"] for r, p in zip(raced, places) if p.get("position") in (1, 2)}
    seated_before = {r["id"] for r, p in zip(raced, places) if p["status"] == "confirmed"}
    seated_now = {r["id"] for r in after if r["id"] not in cancelled and places_in(r, seminar)[0]["status"] == "confirmed"}
    assert seated_now == (seated_before - cancelled) | first_two_waiting
    assert (seminar_after["seats_taken"], seminar_after["waiting_list"]) == (6, 13)
