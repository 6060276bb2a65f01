"""Webhooks against endpoints and callers that misbehave: slow endpoints, too many subscriptions, organisations
deleted or handed over, unusual URLs, and what a refusal may reveal."""
import json
import socket
import threading
import time

import pytest

from api.core.documents import utcnow
from api.organisations.models import Organisation
from api.sync.models import Webhook
from tests.conftest import account_token, etag, organisation_body
from tests.registrations.helpers import registration_body, registrations_url
from tests.sync.conftest import RECEIVER_CONFIG, WEBHOOKS

ORGS = "/api/v1/organisations"


@pytest.fixture
def app(make_app):
    return make_app(**{**RECEIVER_CONFIG, "WEBHOOK_TIMEOUT_SECONDS": 1})


class Dribbler:
    """An endpoint that reads the request, then sends its answer's status line and headers a byte every 50 ms, for
    at most `seconds` (each connection on its own thread)."""

    def __init__(self, seconds=6.0):
        self.seconds = seconds
        self.connections = 0
        self.closing = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closing.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._dribble, args=(connection,), daemon=True).start()

    def _dribble(self, connection):
        with connection:
            connection.recv(65536)
            answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000
            for byte in answer[:int(self.seconds / 0.05)]:
                if self.closing.wait(0.05):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self):
        self.closing.set()
        self.server.close()


@pytest.fixture
def dribbler():
    dribbler = Dribbler()
    yield dribbler
    dribbler.close()


def deliveries(client, hook, headers):
    return client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=headers).get_json()


# F2: a slow endpoint -------------------------------------------------------------------------------------------


def test_an_endpoint_answering_a_byte_at_a_time_fails_the_attempt_at_its_deadline(client, admin, subscribe, dribbler,
                                                                                 worker, create_organisation):
    hook = subscribe(dribbler.url)
    create_organisation()

    started = time.monotonic()
    worker()
    elapsed = time.monotonic() - started

    [logged] = deliveries(client, hook, admin)
    assert (logged["status"], logged["attempts"], logged["response_code"]) == ("pending", 1, None)
    assert logged["error"].startswith("TimeoutError")
    assert elapsed < 3  # the 1 s deadline and the round's own work; the endpoint would dribble for 6 s


def test_a_slow_endpoint_gets_one_attempt_a_round_and_the_others_their_deliveries(client, admin, subscribe, dribbler,
                                                                                receiver, worker,
                                                                                create_organisation):
    subscribe(dribbler.url)
    create_organisation(name="Prima")
    create_organisation(name="Seconda")
    subscribe(receiver.url)
    create_organisation(name="Terza")

    worker()

    assert dribbler.connections == 1
    assert len(receiver.requests) == 1


def test_an_organisation_has_at_most_the_configured_number_of_subscriptions(make_app, receiver):
    app = make_app(**{**RECEIVER_CONFIG, "WEBHOOK_MAX_PER_ORGANISATION": 2})
    client = app.test_client()
    admin = {"Authorization": f"Bearer {account_token(app, 'admin')}"}
    org_id = client.post(ORGS, json=organisation_body(), headers=admin).get_json()["id"]
    partner = {"Authorization": f"Bearer {account_token(app, 'partner', organisation_id=org_id)}"}
    body = {"url": receiver.url, "events": ["*"], "organisation_id": org_id}
    for _ in range(2):
        assert client.post(WEBHOOKS, json=body, headers=partner).status_code == 201

    refused = client.post(WEBHOOKS, json=body, headers=partner)

    assert refused.status_code == 409
    assert "the most allowed (2)" in refused.get_json()["detail"]
    assert len(client.get(WEBHOOKS, headers=partner).get_json()) == 2


def test_staff_subscriptions_without_organisation_are_capped_too(make_app, receiver):
    app = make_app(**{**RECEIVER_CONFIG, "WEBHOOK_MAX_PER_ORGANISATION": 1})
    client = app.test_client()
    admin = {"Authorization": f"Bearer {account_token(app, 'admin')}"}
    body = {"url": receiver.url, "events": ["*"]}
    assert client.post(WEBHOOKS, json=body, headers=admin).status_code == 201

    refused = client.post(WEBHOOKS, json=body, headers=admin)

    assert refused.status_code == 409
    assert len(client.get(WEBHOOKS, headers=admin).get_json()) == 1


# F3: the organisation goes or changes hands --------------------------------------------------------------------


def test_deleting_an_organisation_disables_its_subscriptions(client, admin, auth, subscribe, receiver, worker,
                                                            create_organisation):
    org = create_organisation()
    hook = subscribe(receiver.url, headers=auth("partner", organisation_id=org["id"]), organisation_id=org["id"])

    assert client.delete(f"{ORGS}/{org['id']}", headers={**admin, "If-Match": etag(org)}).status_code == 204
    worker()

    current = client.get(f"{WEBHOOKS}/{hook['id']}", headers=admin).get_json()
    assert (current["active"], current["disabled_reason"]) == (False, "The organisation was deleted.")
    assert receiver.requests == []
    revisions = client.get(f"{WEBHOOKS}/{hook['id']}/revisions", headers=admin).get_json()
    assert max(revisions, key=lambda revision: revision["version"])["reason"] == "disabled: organisation deleted"


def test_a_new_manager_stops_the_former_managers_subscription(client, admin, auth, subscribe, receiver, worker,
                                                             create_organisation, create_session):
    former, successor = create_organisation(name="Prima"), create_organisation(name="Seconda")
    former_partner = auth("partner", organisation_id=former["id"])
    managed = create_organisation(headers=former_partner, name="Gestita", managed_by=former["id"])
    hook = subscribe(receiver.url, headers=former_partner, organisation_id=managed["id"], events=["registrations.*"])

    moved = client.patch(f"{ORGS}/{managed['id']}", json={"managed_by": successor["id"]},
                         headers={**admin, "If-Match": etag(managed)})
    session = create_session(status="registration_open")
    client.post(registrations_url(session), json=registration_body(managed["id"]), headers=admin)
    worker()

    assert moved.status_code == 200
    assert receiver.requests == []
    current = client.get(f"{WEBHOOKS}/{hook['id']}", headers=admin).get_json()
    assert current["active"] is False and "new manager may re-enable it" in current["disabled_reason"]


def test_an_edit_that_keeps_the_manager_leaves_subscriptions_alone(client, admin, subscribe, receiver,
                                                                   create_organisation):
    org = create_organisation()
    hook = subscribe(receiver.url, organisation_id=org["id"])

    client.patch(f"{ORGS}/{org['id']}", json={"city": "Fano"}, headers={**admin, "If-Match": etag(org)})

    assert client.get(f"{WEBHOOKS}/{hook['id']}", headers=admin).get_json()["active"] is True


def test_a_subscription_whose_organisation_is_gone_gets_nothing_even_if_still_active(app, client, subscribe, receiver,
                                                                                    worker, create_organisation):
    org = create_organisation(name="Mia")
    subscribe(receiver.url, organisation_id=org["id"])
    with app.app_context():  # gone without the cascade, as if it had failed half-way
        Organisation._get_collection().update_one({"name": "Mia"}, {"$set": {"deleted_at": utcnow()}})
    create_organisation(name="Altra")

    worker()

    assert receiver.requests == []


# F4: URLs http.client cannot send; any error of an attempt ------------------------------------------------------


@pytest.mark.parametrize("url", ["http://93.184.215.14/é", "http://93.184.215.14/?q=ü", "http://bücher.example/hook",
                                 "http://93.184.215.14/a b", "http://93.184.215.14/\x7f"])
def test_a_url_that_is_not_plain_ascii_is_refused(client, admin, url):
    response = client.post(WEBHOOKS, json={"url": url, "events": ["*"]}, headers=admin)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]
    assert client.get(WEBHOOKS, headers=admin).get_json() == []


def test_a_url_that_cannot_be_sent_is_a_failed_attempt_and_the_round_goes_on(app, client, admin, subscribe, receiver,
                                                                            worker, create_organisation):
    broken = subscribe(receiver.url, events=["organisations.*"])
    with app.app_context():  # stored before such URLs were refused
        Webhook._get_collection().update_one({"url": receiver.url}, {"$set": {"url": receiver.url + "/é"}})
    subscribe(receiver.url)
    create_organisation()

    assert worker() == (2, 2)

    [logged] = deliveries(client, broken, admin)
    assert (logged["status"], logged["attempts"]) == ("pending", 1) and logged["error"]
    assert len(receiver.requests) == 1


# F6: a session the caller may not see ------------------------------------------------------------------------


def test_a_draft_session_is_refused_to_a_partner_like_a_missing_one(client, auth, create_organisation, create_session,
                                                                   receiver):
    org = create_organisation()
    partner = auth("partner", organisation_id=org["id"])
    draft = create_session(status="draft")

    def refusal(session_id):
        response = client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"], "organisation_id": org["id"],
                                               "session_id": session_id}, headers=partner)
        body = response.get_json()
        return response.status_code, body["errors"], body["detail"]

    assert refusal(draft["id"]) == refusal("6b0cb1f6d4a3d67caee39e9f")
    assert refusal(draft["id"])[0] == 422


def test_staff_subscribe_to_a_draft_session(client, admin, create_session, receiver):
    draft = create_session(status="draft")

    response = client.post(WEBHOOKS, json={"url": receiver.url, "events": ["*"], "session_id": draft["id"]},
                           headers=admin)

    assert response.status_code == 201


# F8: what a refusal tells --------------------------------------------------------------------------------------


def test_a_refused_host_gets_the_same_answer_whether_it_is_private_or_does_not_resolve(make_app):
    app = make_app()
    admin = {"Authorization": f"Bearer {account_token(app, 'admin')}"}

    def refusal(url):
        return app.test_client().post(WEBHOOKS, json={"url": url, "events": ["*"]}, headers=admin).get_json()["errors"]

    private, unresolved = refusal("http://localhost/hook"), refusal("http://does-not-resolve.invalid/hook")

    assert private == unresolved
    assert "127.0.0.1" not in json.dumps(private) and "localhost" not in json.dumps(private)


def test_a_delivery_refused_at_its_address_does_not_name_the_address(app, client, admin, subscribe, receiver, worker,
                                                                    create_organisation):
    hook = subscribe(receiver.url)
    create_organisation()
    app.config["WEBHOOK_ALLOW_PRIVATE_URLS"] = False

    worker()

    [logged] = deliveries(client, hook, admin)
    assert "public addresses only" in logged["error"] and "127.0.0.1" not in logged["error"]


# F10: IPv6 transition and deprecated ranges --------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://[2002:7f00:1::]/hook", "http://[2002:5db8:d70e::1]/hook", "http://[fec0::1]/hook",
    "http://[64:ff9b::7f00:1]/hook", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook"])
def test_ipv6_tunnels_and_site_local_addresses_are_refused(make_app, url):
    app = make_app()
    response = app.test_client().post(WEBHOOKS, json={"url": url, "events": ["*"]},
                                      headers={"Authorization": f"Bearer {account_token(app, 'admin')}"})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]
