"""Seminar seats: capacity counts seats held, the rest wait in order of arrival, a freed seat goes to the first."""
import pytest

from tests.conftest import current_etag
from tests.registrations.helpers import (assert_each_seat_given_once_and_freed_seats_in_order, delete_organisation,
                                         places_in, registration_url, seat_race)
from tests.seminars.conftest import seminar_body, seminar_url, seminars_url


@pytest.fixture
def seminar(client, admin, open_session):
    """A seminar of open_session with 2 seats."""
    response = client.post(seminars_url(open_session), json=seminar_body(capacity=2), headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def organisations(create_organisation):
    return [create_organisation(name=f"Impresa {i}")["id"] for i in range(4)]


def read(client, headers, registration):
    return client.get(registration_url(registration), headers=headers).get_json()


def test_a_registration_takes_a_free_seat(client, admin, seminar, organisations, registered):
    registration = registered(organisations[0], seminars=[seminar["id"]])

    assert registration["seminar_places"] == [{"seminar_id": seminar["id"], "status": "confirmed"}]


def test_a_registration_for_a_full_seminar_waits_in_order_of_arrival(client, admin, seminar, organisations, registered):
    for organisation in organisations[:2]:
        registered(organisation, seminars=[seminar["id"]])

    third = registered(organisations[2], seminars=[seminar["id"]])
    fourth = registered(organisations[3], seminars=[seminar["id"]])

    assert places_in(third, seminar) == [{"seminar_id": seminar["id"], "status": "waitlisted", "position": 1}]
    assert places_in(fourth, seminar) == [{"seminar_id": seminar["id"], "status": "waitlisted", "position": 2}]


def test_the_seminar_shows_its_seats_taken_and_its_waiting_list(client, seminar, organisations, registered):
    for organisation in organisations[:3]:
        registered(organisation, seminars=[seminar["id"]])

    shown = client.get(seminar_url(seminar)).get_json()

    assert (shown["capacity"], shown["seats_taken"], shown["waiting_list"]) == (2, 2, 1)


def test_seats_taken_sent_back_in_a_replace_are_ignored(client, admin, seminar, organisations, registered):
    registered(organisations[0], seminars=[seminar["id"]])
    shown = client.get(seminar_url(seminar)).get_json()

    response = client.put(seminar_url(seminar), json={**shown, "seats_taken": 0, "waiting_list": 5},
                          headers={**admin, "If-Match": current_etag(client, seminar_url(shown), admin)})

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["seats_taken"], response.get_json()["waiting_list"]) == (1, 0)


def test_a_cancellation_gives_the_seat_to_the_first_waiting(client, admin, seminar, organisations, registered):
    seated = [registered(o, seminars=[seminar["id"]]) for o in organisations[:2]]
    first_waiting, second_waiting = (registered(o, seminars=[seminar["id"]]) for o in organisations[2:])

    response = client.patch(registration_url(seated[0]), json={"status": "cancelled"},
                            headers={**admin, "If-Match": current_etag(client, registration_url(seated[0]), admin)})

    assert response.get_json()["seminar_places"] == []
    assert places_in(read(client, admin, first_waiting), seminar)[0]["status"] == "confirmed"
    assert places_in(read(client, admin, second_waiting), seminar)[0] == {
        "seminar_id": seminar["id"], "status": "waitlisted", "position": 1}


def test_leaving_a_seminar_in_a_patch_frees_its_seat(client, admin, seminar, organisations, registered):
    seated = [registered(o, seminars=[seminar["id"]]) for o in organisations[:2]]
    waiting = registered(organisations[2], seminars=[seminar["id"]])

    client.patch(registration_url(seated[1]), json={"seminars": []}, headers={**admin, "If-Match": current_etag(client, registration_url(seated[1]), admin)})

    assert places_in(read(client, admin, waiting), seminar)[0]["status"] == "confirmed"


def test_a_deleted_registration_frees_its_seat(client, admin, seminar, organisations, registered):
    seated = [registered(o, seminars=[seminar["id"]]) for o in organisations[:2]]
    waiting = registered(organisations[2], seminars=[seminar["id"]])

    client.delete(registration_url(seated[0]), headers={**admin, "If-Match": current_etag(client, registration_url(seated[0]), admin)})

    assert places_in(read(client, admin, waiting), seminar)[0]["status"] == "confirmed"


def test_a_deleted_organisations_seat_goes_to_the_first_waiting(client, admin, seminar, partner, organisations,
                                                                registered):
    registered(partner.managed["id"], headers=partner.headers, seminars=[seminar["id"]])
    registered(organisations[0], seminars=[seminar["id"]])
    first_waiting, second_waiting = (registered(o, seminars=[seminar["id"]]) for o in organisations[1:3])

    delete_organisation(client, partner.managed, partner.headers)

    assert places_in(read(client, admin, first_waiting), seminar)[0]["status"] == "confirmed"
    assert places_in(read(client, admin, second_waiting), seminar)[0] == {
        "seminar_id": seminar["id"], "status": "waitlisted", "position": 1}
    shown = client.get(seminar_url(seminar)).get_json()
    assert (shown["seats_taken"], shown["waiting_list"]) == (2, 1)


def test_a_raised_capacity_seats_the_first_waiting(client, admin, seminar, organisations, registered):
    for organisation in organisations[:2]:
        registered(organisation, seminars=[seminar["id"]])
    first_waiting, second_waiting = (registered(o, seminars=[seminar["id"]]) for o in organisations[2:])

    response = client.patch(seminar_url(seminar), json={"capacity": 3}, headers={**admin, "If-Match": current_etag(client, seminar_url(seminar), admin)})

    assert (response.get_json()["seats_taken"], response.get_json()["waiting_list"]) == (3, 1)
    assert places_in(read(client, admin, first_waiting), seminar)[0]["status"] == "confirmed"
    assert places_in(read(client, admin, second_waiting), seminar)[0]["status"] == "waitlisted"


def test_a_lowered_capacity_keeps_the_seats_given_and_seats_nobody_new(client, admin, seminar, organisations,
                                                                       registered):
    seated = [registered(o, seminars=[seminar["id"]]) for o in organisations[:2]]
    client.patch(seminar_url(seminar), json={"capacity": 1}, headers={**admin, "If-Match": current_etag(client, seminar_url(seminar), admin)})
    waiting = registered(organisations[2], seminars=[seminar["id"]])

    client.patch(registration_url(seated[0]), json={"status": "cancelled"},
                 headers={**admin, "If-Match": current_etag(client, registration_url(seated[0]), admin)})

    assert places_in(read(client, admin, seated[1]), seminar)[0]["status"] == "confirmed"
    assert places_in(read(client, admin, waiting), seminar)[0]["status"] == "waitlisted"


def test_concurrent_registrations_for_the_last_seats_give_each_seat_once_and_promote_in_order(app, admin,
                                                                                              monkeypatch):
    assert_each_seat_given_once_and_freed_seats_in_order(*seat_race(app, admin, monkeypatch))


def test_a_seat_taken_changes_the_seminars_etag_so_a_cached_copy_is_refreshed(client, seminar, organisations,
                                                                               registered):
    before = client.get(seminar_url(seminar))
    registered(organisations[0], seminars=[seminar["id"]])

    revalidated = client.get(seminar_url(seminar), headers={"If-None-Match": before.headers["ETag"]})

    assert revalidated.status_code == 200
    assert revalidated.get_json()["version"] == before.get_json()["version"]
    assert revalidated.get_json()["seats_taken"] == before.get_json()["seats_taken"] + 1
