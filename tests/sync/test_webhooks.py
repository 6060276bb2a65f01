"""Webhooks: subscriptions through the shared mechanism, SSRF refusals, and signed delivery to a real receiver."""
import base64
import hashlib
import hmac
import json

import pytest
import standardwebhooks

from api.sync import delivery
from tests.conftest import account_token, etag, organisation_body
from tests.sync.conftest import RECEIVER_CONFIG, WEBHOOKS


@pytest.fixture
def app(make_app):
    return make_app(**RECEIVER_CONFIG)


def verify(secret, request):
    """Check a delivery's signature with the secret and the documented algorithm only (docs/sync.md)."""
    headers = request["headers"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{request['body']}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers["webhook-signature"].split(" "))


def test_each_change_arrives_signed_with_the_secret(client, admin, subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url, events=["organisations.*"])
    org = create_organisation()
    client.patch(f"/api/v1/organisations/{org['id']}", json={"city": "Fano"}, headers={**admin, "If-Match": etag(org)})

    worker()

    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["organisations.created",
                                                                         "organisations.updated"]
    assert all(verify(hook["secret"], request) for request in receiver.requests)


def test_a_delivery_carries_the_change_entry_and_its_id(client, admin, subscribe, receiver, worker,
                                                        create_organisation):
    subscribe(receiver.url)
    org = create_organisation()

    worker()

    body = json.loads(receiver.requests[0]["body"])
    feed = client.get("/api/v1/changes", headers=admin).get_json()["changes"]
    assert body["data"] == next(c for c in feed if c["resource_id"] == org["id"])
    assert body["id"] == receiver.requests[0]["headers"]["webhook-id"]
    assert set(body) == {"id", "type", "created_at", "data"}


def test_the_standard_webhooks_library_verifies_a_delivery(subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url)
    create_organisation()

    worker()

    request = receiver.requests[0]
    verified = standardwebhooks.Webhook(hook["secret"]).verify(request["body"], request["headers"])
    assert verified["type"] == "organisations.created"


def test_a_tampered_body_fails_verification(subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url)
    create_organisation()
    worker()

    tampered = {**receiver.requests[0], "body": receiver.requests[0]["body"].replace("created", "deleted")}

    assert not verify(hook["secret"], tampered)


def test_a_receiver_failing_twice_then_succeeding_gets_the_event(subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url)
    receiver.planned = [500, 503]
    create_organisation()

    for _ in range(3):
        worker()

    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert verify(hook["secret"], receiver.requests[-1])


def test_the_delivery_log_shows_retries_and_the_final_success(client, admin, subscribe, receiver, worker,
                                                               create_organisation):
    hook = subscribe(receiver.url)
    receiver.planned = [500, 503]
    create_organisation()

    for _ in range(3):
        worker()

    [logged] = client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin).get_json()
    assert (logged["status"], logged["attempts"], logged["response_code"], logged["type"]) == (
        "succeeded", 3, 204, "organisations.created")
    assert "secret" not in json.dumps(logged)


def test_a_retry_waits_for_its_backoff(make_app, admin, receiver, create_organisation):
    app = make_app(**{**RECEIVER_CONFIG, "WEBHOOK_RETRY_BASE_SECONDS": 3600})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {account_token(app, 'admin')}"}
    client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"]}, headers=headers)
    client.post("/api/v1/organisations", json=organisation_body(), headers=headers)
    receiver.planned = [500]

    with app.app_context():
        delivery.run_once()
        delivery.run_once()

    assert len(receiver.requests) == 1


def test_a_receiver_that_always_fails_ends_up_disabled_with_a_reason(client, admin, subscribe, receiver, worker,
                                                                     create_organisation):
    hook = subscribe(receiver.url)
    receiver.planned = [500] * 10
    create_organisation()

    for _ in range(4):
        worker()

    current = client.get(f"{WEBHOOKS}/{hook['id']}", headers=admin).get_json()
    assert current["active"] is False
    assert "3 failed attempts in a row" in current["disabled_reason"] and current["disabled_at"]
    assert len(receiver.requests) == 3


def test_its_owner_reads_why_it_was_disabled_and_resumes_it(client, auth, subscribe, receiver, worker,
                                                            create_organisation):
    org = create_organisation()
    partner = auth("partner", organisation_id=org["id"])
    hook = subscribe(receiver.url, headers=partner, organisation_id=org["id"])
    receiver.planned = [500] * 3
    client.patch(f"/api/v1/organisations/{org['id']}", json={"city": "Fano"}, headers={**partner, "If-Match": etag(org)})
    for _ in range(3):
        worker()
    disabled = client.get(f"{WEBHOOKS}/{hook['id']}", headers=partner)
    assert disabled.get_json()["disabled_reason"]

    resumed = client.patch(f"{WEBHOOKS}/{hook['id']}", json={"active": True},
                           headers={**partner, "If-Match": disabled.headers["ETag"]})

    assert resumed.status_code == 200
    assert (resumed.get_json()["active"], resumed.get_json()["disabled_reason"]) == (True, None)


def test_a_partners_subscription_gets_only_what_the_partner_may_see(client, admin, auth, subscribe, receiver, worker,
                                                                    create_organisation, create_session):
    mine, theirs = create_organisation(name="Mia"), create_organisation(name="Altrui")
    partner = auth("partner", organisation_id=mine["id"])
    subscribe(receiver.url, headers=partner, organisation_id=mine["id"], events=["registrations.*"])
    session = create_session(status="registration_open")
    from tests.registrations.helpers import registration_body, registrations_url
    own = client.post(registrations_url(session), json=registration_body(mine["id"]), headers=admin).get_json()
    client.post(registrations_url(session), json=registration_body(theirs["id"]), headers=admin)

    worker()

    assert [json.loads(r["body"])["data"]["resource_id"] for r in receiver.requests] == [own["id"]]


def test_a_subscription_to_a_session_gets_only_its_changes(client, admin, subscribe, receiver, worker, create_session):
    session, other = create_session(), create_session()
    subscribe(receiver.url, session_id=session["id"])
    for target in (other, session):
        client.patch(f"/api/v1/sessions/{target['id']}", json={"city": "Pesaro"},
                     headers={**admin, "If-Match": etag(target)})

    worker()

    assert [json.loads(r["body"])["data"]["resource_id"] for r in receiver.requests] == [session["id"]]


def test_changes_before_the_subscription_are_not_sent(subscribe, receiver, worker, create_organisation):
    create_organisation()
    subscribe(receiver.url, events=["organisations.*"])

    worker()

    assert receiver.requests == []


def test_a_delivery_is_sent_once_even_when_the_worker_runs_again(subscribe, receiver, worker, create_organisation):
    subscribe(receiver.url)
    create_organisation()

    worker()
    worker()

    assert len(receiver.requests) == 1


def test_the_background_thread_delivers_and_stops(make_app, receiver):
    app = make_app(**{**RECEIVER_CONFIG, "WEBHOOK_WORKER_THREAD": True, "WEBHOOK_POLL_SECONDS": 0.05})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {account_token(app, 'admin')}"}
    client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"]}, headers=headers)
    client.post("/api/v1/organisations", json=organisation_body(), headers=headers)

    delivered = receiver.received.wait(timeout=10)
    app.extensions["webhooks_worker"].stop()

    assert delivered
    assert not app.extensions["webhooks_worker"].thread.is_alive()


def test_the_worker_command_runs_one_round(app, subscribe, receiver, create_organisation):
    subscribe(receiver.url)
    create_organisation()

    result = app.test_cli_runner().invoke(args=["webhooks-worker", "--once"])

    assert json.loads(result.output) == {"stored": 1, "attempted": 1}
    assert len(receiver.requests) == 1


def test_tests_run_without_the_background_thread(make_app):
    assert "webhooks_worker" not in make_app().extensions


# The subscription as a resource --------------------------------------------------------------------------------


def test_the_secret_is_shown_once(client, admin, subscribe, receiver):
    hook = subscribe(receiver.url)

    read = client.get(f"{WEBHOOKS}/{hook['id']}", headers=admin).get_json()

    assert hook["secret"].startswith("whsec_")
    assert "secret" not in read and "signing_secret" not in read


def test_a_rotated_secret_signs_the_next_deliveries(client, admin, subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url)

    rotated = client.post(f"{WEBHOOKS}/{hook['id']}/rotate-secret", headers={**admin, "If-Match": etag(hook)})
    create_organisation()
    worker()

    assert rotated.status_code == 200 and rotated.headers["Cache-Control"] == "no-store"
    assert verify(rotated.get_json()["secret"], receiver.requests[0])
    assert not verify(hook["secret"], receiver.requests[0])


def test_rotating_needs_if_match(client, admin, subscribe, receiver):
    hook = subscribe(receiver.url)

    assert client.post(f"{WEBHOOKS}/{hook['id']}/rotate-secret", headers=admin).status_code == 428


def test_a_partner_subscribes_for_its_own_organisation(client, auth, create_organisation, receiver):
    org = create_organisation()

    response = client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"], "organisation_id": org["id"]},
                           headers=auth("partner", organisation_id=org["id"]))

    assert response.status_code == 201


def test_a_partner_cannot_subscribe_for_another_organisation(client, auth, create_organisation, receiver):
    mine, theirs = create_organisation(name="Mia"), create_organisation(name="Altrui")

    response = client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"], "organisation_id": theirs["id"]},
                           headers=auth("partner", organisation_id=mine["id"]))

    assert response.status_code == 403


def test_a_partner_cannot_see_another_organisations_subscription(client, auth, subscribe, create_organisation,
                                                                 receiver):
    mine, theirs = create_organisation(name="Mia"), create_organisation(name="Altrui")
    hook = subscribe(receiver.url, organisation_id=theirs["id"])
    partner = auth("partner", organisation_id=mine["id"])

    assert client.get(f"{WEBHOOKS}/{hook['id']}", headers=partner).status_code == 404
    assert client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=partner).status_code == 404
    assert client.get(WEBHOOKS, headers=partner).get_json() == []


def test_a_partner_deletes_its_own_subscription(client, auth, subscribe, create_organisation, receiver):
    org = create_organisation()
    partner = auth("partner", organisation_id=org["id"])
    hook = subscribe(receiver.url, headers=partner, organisation_id=org["id"])

    response = client.delete(f"{WEBHOOKS}/{hook['id']}", headers={**partner, "If-Match": etag(hook)})

    assert response.status_code == 204


@pytest.mark.parametrize("method, path", [("get", WEBHOOKS), ("post", WEBHOOKS),
                                          ("get", f"{WEBHOOKS}/6b0cb1f6d4a3d67caee39e9f/deliveries")])
def test_anonymous_callers_get_401(client, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401


@pytest.mark.parametrize("fields, path", [
    ({"events": []}, "events"), ({"events": ["planets.*"]}, "events.0"), ({"events": ["organisations.eaten"]}, "events.0"),
    ({"url": "ftp://93.184.215.14/x"}, "url"), ({"url": "not a url"}, "url"),
    ({"url": "https://user:pw@93.184.215.14/"}, "url"), ({"session_id": "6b0cb1f6d4a3d67caee39e9f"}, "session_id"),
    ({"active": "yes"}, "active")], ids=str)
def test_bad_input_is_refused_at_its_field(client, admin, fields, path):
    body = {"url": "https://93.184.215.14/hook", "events": ["*"], **fields}

    response = client.post(WEBHOOKS, json=body, headers=admin)

    assert response.status_code == 422
    assert path in response.get_json()["errors"]
    assert client.get(WEBHOOKS, headers=admin).get_json() == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8080/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
    "http://172.16.5.4/hook", "http://169.254.169.254/latest/meta-data", "http://224.0.0.1/hook",
    "http://0.0.0.0/hook", "http://[::1]/hook", "http://[fe80::1]/hook", "http://[fc00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook", "http://[::ffff:10.0.0.1]/hook", "http://240.0.0.1/hook",
    "http://100.64.0.1/hook", "http://does-not-resolve.invalid/hook"])
def test_urls_that_do_not_reach_a_public_address_are_refused(make_app, url):
    app = make_app()
    response = app.test_client().post(WEBHOOKS, json={"url": url, "events": ["*"]},
                                      headers={"Authorization": f"Bearer {account_token(app, 'admin')}"})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]


def test_a_public_address_is_accepted(make_app):
    app = make_app()
    response = app.test_client().post(WEBHOOKS, json={"url": "https://93.184.215.14/hook", "events": ["*"]},
                                      headers={"Authorization": f"Bearer {account_token(app, 'admin')}"})

    assert response.status_code == 201


def test_an_address_allowed_when_subscribing_is_checked_again_at_delivery(app, client, admin, subscribe, receiver,
                                                                          worker, create_organisation):
    hook = subscribe(receiver.url)
    create_organisation()
    app.config["WEBHOOK_ALLOW_PRIVATE_URLS"] = False

    worker()

    [logged] = client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin).get_json()
    assert receiver.requests == []
    assert "public addresses only" in logged["error"]


def test_a_redirect_is_not_followed(client, admin, subscribe, receiver, worker, create_organisation):
    hook = subscribe(receiver.url)
    receiver.planned = [302]
    create_organisation()

    worker()

    [logged] = client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=admin).get_json()
    assert (logged["status"], logged["response_code"], len(receiver.requests)) == ("pending", 302, 1)


def test_the_subscriptions_changes_are_in_the_feed_for_its_owner_only(client, auth, subscribe, create_organisation,
                                                                      receiver):
    mine, theirs = create_organisation(name="Mia"), create_organisation(name="Altrui")
    hook = subscribe(receiver.url, organisation_id=mine["id"])

    def webhook_changes(headers):
        return [c["resource_id"] for c in client.get("/api/v1/changes", query_string={"resource_type": "webhooks"},
                                                     headers=headers).get_json()["changes"]]

    assert webhook_changes(auth("partner", organisation_id=mine["id"])) == [hook["id"]]
    assert webhook_changes(auth("partner", organisation_id=theirs["id"])) == []
    assert webhook_changes({}) == []
