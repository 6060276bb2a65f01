"""On a real MongoDB, seminar seats under concurrent registrations: each seat given once, freed seats in order."""
import pytest

from tests.registrations.helpers import assert_each_seat_given_once_and_freed_seats_in_order, seat_race

pytestmark = pytest.mark.realmongo


def test_concurrent_registrations_for_the_last_seats_give_each_seat_once_and_promote_in_order(real_app, real_admin,
                                                                                             monkeypatch):
    assert_each_seat_given_once_and_freed_seats_in_order(*seat_race(real_app, real_admin, monkeypatch))
