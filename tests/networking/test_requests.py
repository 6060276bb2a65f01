"""Meeting requests: who may ask whom, the duplicate and cap rules, each status step by its side."""
from tests.conftest import creators_meet_after_check, current_etag, send_together
from tests.networking.helpers import request_url, requests_url
from tests.registrations.helpers import registration_url


def patch(client, meeting_request, headers, **body):
    return client.patch(request_url(meeting_request), json=body,
                        headers={**headers, "If-Match": f'"{meeting_request["version"]}"'})


def test_a_partner_asks_for_a_meeting_for_its_organisation(ask, partner, world):
    response = ask(world.own, world.russian, headers=partner.headers)
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"
    assert response.headers["Location"].endswith(response.get_json()["id"])


def test_a_partner_may_not_ask_for_an_organisation_it_does_not_act_for(ask, partner, world):
    assert ask(world.russian, world.stranger, headers=partner.headers).status_code == 403


def test_anonymous_callers_may_not_ask(ask, world):
    assert ask(world.own, world.russian, headers={}).status_code == 401


def test_a_read_only_credential_may_not_ask(ask, auth, partner, world):
    headers = auth("partner", organisation_id=partner.organisation["id"], scopes=("read",))
    assert ask(world.own, world.russian, headers=headers).status_code == 403


def test_asking_oneself_is_422(ask, world):
    response = ask(world.own, world.own)
    assert response.status_code == 422
    assert "to_organisation_id" in response.get_json()["errors"]


def test_asking_an_organisation_not_in_networking_is_422(ask, world, registered, create_organisation):
    outsider = create_organisation(name="Solo seminari")["id"]
    registered(outsider, networking=False)
    response = ask(world.own, outsider)
    assert response.status_code == 422
    assert "to_organisation_id" in response.get_json()["errors"]


def test_asking_from_a_cancelled_registration_is_422(client, admin, ask, world, registered, create_organisation):
    gone = create_organisation(name="Ritirata")["id"]
    registration = registered(gone)
    cancelled = client.patch(registration_url(registration), json={"status": "cancelled"},
                             headers={**admin, "If-Match": current_etag(client, registration_url(registration), admin)})
    assert cancelled.status_code == 200
    response = ask(gone, world.russian)
    assert response.status_code == 422
    assert "from_organisation_id" in response.get_json()["errors"]


def test_asking_an_unknown_organisation_is_422(ask, world):
    response = ask(world.own, "64b7f0c2a1e4b3d2c1a09f8e")
    assert response.status_code == 422
    assert "to_organisation_id" in response.get_json()["errors"]


def test_priority_out_of_range_is_422(ask, world):
    response = ask(world.own, world.russian, priority=4)
    assert response.status_code == 422
    assert "priority" in response.get_json()["errors"]


def test_a_new_request_cannot_start_accepted(ask, world):
    response = ask(world.own, world.russian, status="accepted")
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_a_duplicate_request_is_409(ask, asked, world):
    asked(world.own, world.russian)
    assert ask(world.own, world.russian).status_code == 409


def test_a_request_in_the_other_direction_is_a_duplicate_too(ask, asked, world):
    asked(world.own, world.russian)
    assert ask(world.russian, world.own).status_code == 409


def test_after_a_decline_the_pair_may_ask_again(client, admin, ask, asked, world):
    first = asked(world.own, world.russian)
    assert patch(client, first, admin, status="declined").status_code == 200
    assert ask(world.russian, world.own).status_code == 201


def test_two_requests_for_one_pair_checked_at_once_store_one(app, admin, open_session, world, monkeypatch):
    from api.networking.resource import meeting_requests
    creators_meet_after_check(monkeypatch, meeting_requests)

    def asking(from_id, to_id):
        body = {"from_organisation_id": from_id, "to_organisation_id": to_id, "priority": 2}
        return lambda client: client.post(requests_url(open_session), json=body, headers=admin)
    responses = send_together(app, [asking(world.own, world.russian), asking(world.russian, world.own)])

    assert sorted(r.status_code for r in responses) == [201, 409]
    monkeypatch.undo()
    listed = app.test_client().get(requests_url(open_session), headers=admin).get_json()
    assert len(listed) == 1


def test_after_a_delete_the_pair_may_ask_again(client, admin, ask, asked, world):
    first = asked(world.own, world.russian)
    deleted = client.delete(request_url(first), headers={**admin, "If-Match": f'"{first["version"]}"'})
    assert deleted.status_code == 204
    assert ask(world.russian, world.own).status_code == 201


def test_restoring_a_deleted_request_while_the_pair_has_an_open_one_is_409(client, admin, asked, world):
    first = asked(world.own, world.russian)
    deleted = client.delete(request_url(first), headers={**admin, "If-Match": f'"{first["version"]}"'})
    assert deleted.status_code == 204
    asked(world.russian, world.own)

    response = client.post(f"{request_url(first)}/revisions/1/restore", headers={**admin, "If-Match": '"2"'})

    assert response.status_code == 409, response.get_json()
    assert client.get(request_url(first), headers=admin).status_code == 404


def test_the_open_request_cap_is_409_naming_the_cap(ask, asked, world, configured):
    configured(max_open_requests_per_participant=2)
    asked(world.own, world.russian)
    asked(world.own, world.stranger)
    response = ask(world.own, world.managed)
    assert response.status_code == 409
    assert "cap is 2" in response.get_json()["detail"]


def test_the_target_accepts(client, asked, other_partner, world):
    meeting_request = asked(world.own, world.russian)
    response = patch(client, meeting_request, other_partner.headers, status="accepted")
    assert response.status_code == 200
    assert response.get_json()["status"] == "accepted"


def test_the_requester_may_not_accept(client, asked, partner, world):
    meeting_request = asked(world.own, world.russian)
    assert patch(client, meeting_request, partner.headers, status="accepted").status_code == 403


def test_the_target_may_not_withdraw(client, asked, other_partner, world):
    meeting_request = asked(world.own, world.russian)
    assert patch(client, meeting_request, other_partner.headers, status="withdrawn").status_code == 403


def test_the_requester_withdraws(client, asked, partner, world):
    meeting_request = asked(world.own, world.russian)
    assert patch(client, meeting_request, partner.headers, status="withdrawn").get_json()["status"] == "withdrawn"


def test_the_target_may_not_change_the_priority(client, asked, other_partner, world):
    meeting_request = asked(world.own, world.russian)
    assert patch(client, meeting_request, other_partner.headers, priority=3).status_code == 403


def test_an_impossible_step_is_422(client, admin, asked, world):
    meeting_request = asked(world.own, world.russian)
    withdrawn = patch(client, meeting_request, admin, status="withdrawn").get_json()
    response = patch(client, withdrawn, admin, status="accepted")
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_an_impossible_step_by_a_partner_is_422(client, asked, partner, world):
    meeting_request = asked(world.own, world.russian)
    withdrawn = patch(client, meeting_request, partner.headers, status="withdrawn").get_json()
    response = patch(client, withdrawn, partner.headers, status="accepted")
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_changing_a_side_is_422(client, admin, asked, world):
    meeting_request = asked(world.own, world.russian)
    response = patch(client, meeting_request, admin, to_organisation_id=world.stranger)
    assert response.status_code == 422
    assert "to_organisation_id" in response.get_json()["errors"]


def test_a_step_without_if_match_is_428(client, admin, asked, world):
    meeting_request = asked(world.own, world.russian)
    assert client.patch(request_url(meeting_request), json={"status": "declined"}, headers=admin).status_code == 428


def test_a_step_with_a_stale_if_match_is_412(client, admin, asked, world):
    meeting_request = asked(world.own, world.russian)
    response = client.patch(request_url(meeting_request), json={"status": "declined"},
                            headers={**admin, "If-Match": '"9"'})
    assert response.status_code == 412


def test_a_partner_of_neither_side_gets_404(client, asked, auth, create_organisation, world):
    outsider = auth("partner", organisation_id=create_organisation(name="Estranea")["id"])
    meeting_request = asked(world.own, world.russian)
    assert client.get(request_url(meeting_request), headers=outsider).status_code == 404


def test_a_partner_of_neither_side_may_not_step(client, asked, auth, create_organisation, world):
    outsider = auth("partner", organisation_id=create_organisation(name="Estranea")["id"])
    meeting_request = asked(world.own, world.russian)
    assert patch(client, meeting_request, outsider, status="declined").status_code == 404


def test_anonymous_callers_may_not_list_requests(client, open_session):
    assert client.get(requests_url(open_session)).status_code == 401


def test_partners_list_only_the_requests_of_their_organisations(client, asked, partner, open_session, world):
    mine = asked(world.managed, world.russian)
    asked(world.russian, world.stranger)
    listed = client.get(requests_url(open_session), headers=partner.headers).get_json()
    assert [r["id"] for r in listed] == [mine["id"]]


def test_the_organisation_filter_takes_either_side(client, admin, asked, open_session, world):
    sent = asked(world.own, world.russian)
    received = asked(world.stranger, world.own)
    asked(world.russian, world.stranger)
    listed = client.get(requests_url(open_session), query_string={"organisation_id": world.own}, headers=admin)
    assert {r["id"] for r in listed.get_json()} == {sent["id"], received["id"]}


def test_the_status_filter(client, admin, asked, open_session, world):
    asked(world.own, world.russian)
    declined = asked(world.own, world.stranger)
    patch(client, declined, admin, status="declined")
    listed = client.get(requests_url(open_session), query_string={"status": "declined"}, headers=admin)
    assert [r["id"] for r in listed.get_json()] == [declined["id"]]


def test_an_unknown_status_filter_is_422(client, admin, open_session):
    response = client.get(requests_url(open_session), query_string={"status": "maybe"}, headers=admin)
    assert response.status_code == 422
