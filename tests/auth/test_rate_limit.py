"""Rate limits: the token endpoint per IP and account, the general limit per caller, counted in the database."""
import base64
import time
import types

import pytest

from api.core import ratelimit
from api.core.ratelimit import RateCounter
from tests.auth.helpers import PASSWORD, TOKEN_URL, problem

KNOWN = "known@example.org"


@pytest.fixture(autouse=True)
def mid_window(monkeypatch):
    """Pin the limiter's clock to the middle of a minute so that no test straddles two fixed windows.

    The middle of the next minute: the counters' TTL index compares with the real clock, so the
    pinned window must not have ended already.
    """
    now = time.time() // 60 * 60 + 90.0
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))


def attempt(client, username, ip="127.0.0.1", password="not the password!"):
    return client.post(TOKEN_URL, data={"grant_type": "password", "username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_fourth_token_request_from_one_ip_is_429(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    statuses = [attempt(client, f"user{n}@example.org").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_token_429_is_a_problem_with_retry_after(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for n in range(3):
        attempt(client, f"user{n}@example.org")
    response = attempt(client, "user3@example.org")
    assert response.status_code == 429
    problem(response)
    assert int(response.headers["Retry-After"]) == 30
    assert response.headers["RateLimit-Policy"] == "3;w=60"
    assert response.headers["RateLimit"] == "limit=3, remaining=0, reset=30"


def test_token_limit_counts_per_username_across_ips(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    statuses = [attempt(client, "target@example.org", ip=f"10.0.0.{n}").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_other_ips_are_not_limited(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for n in range(4):
        attempt(client, f"user{n}@example.org", ip="10.0.0.1")
    assert attempt(client, "fresh@example.org", ip="10.0.0.2").status_code == 400


def test_correct_password_is_limited_too(make_app):
    app = make_app(TOKEN_RATE_LIMIT="3/minute", ADMIN_EMAIL=KNOWN, ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()
    statuses = [attempt(client, KNOWN, password=PASSWORD).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_malformed_token_requests_are_counted_too(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for _ in range(3):
        client.post(TOKEN_URL, data="grant_type=password", content_type="text/plain")
    assert attempt(client, "user@example.org").status_code == 429


def test_malformed_basic_credentials_are_counted_too(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for _ in range(3):
        client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!"})
    assert attempt(client, "user@example.org").status_code == 429


def test_token_counts_are_stored_in_the_database(make_app):
    app = make_app(TOKEN_RATE_LIMIT="3/minute")
    client = app.test_client()
    attempt(client, "a@example.org", ip="10.1.2.3")
    attempt(client, "b@example.org", ip="10.1.2.3")
    with app.app_context():
        counters = {doc["key"]: doc["count"] for doc in RateCounter._get_collection().find()}
    assert counters["token:ip:10.1.2.3"] == 2
    assert counters["token:user:a@example.org"] == 1


def test_failed_logins_answer_alike_for_known_and_unknown_accounts(make_app):
    app = make_app(TOKEN_RATE_LIMIT="3/minute", ADMIN_EMAIL=KNOWN, ADMIN_PASSWORD=PASSWORD)
    client = app.test_client()

    def answers(username, ip):
        out = []
        for _ in range(4):
            response = attempt(client, username, ip=ip)
            body = response.get_json()
            body.pop("instance", None)
            headers = sorted((k, v) for k, v in response.headers.items() if k != "X-Request-ID")
            out.append((response.status_code, body, headers))
        return out

    known, unknown = answers(KNOWN, "10.0.0.1"), answers("nobody@example.org", "10.0.0.2")
    assert [status for status, _, _ in known] == [400, 400, 400, 429]
    assert known == unknown


# The general limit ------------------------------------------------------------------------------------


def test_sixth_anonymous_request_is_429(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    statuses = [client.get("/api/v1/sessions").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_general_429_is_a_problem_with_retry_after(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    for _ in range(5):
        client.get("/api/v1/sessions")
    response = client.get("/api/v1/organisations")
    assert response.status_code == 429
    problem(response)
    assert int(response.headers["Retry-After"]) > 0


def test_responses_under_the_limit_carry_ratelimit_headers(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    client.get("/api/v1/sessions")
    response = client.get("/api/v1/sessions")
    assert response.headers["RateLimit"] == "limit=5, remaining=3, reset=30"
    assert response.headers["RateLimit-Policy"] == "5;w=60"


def test_anonymous_callers_are_counted_per_ip(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    for _ in range(6):
        client.get("/api/v1/sessions", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert client.get("/api/v1/sessions", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_authenticated_callers_are_counted_per_token_subject(make_app, auth):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    for _ in range(6):
        client.get("/api/v1/sessions")
    assert client.get("/api/v1/sessions", headers=auth("editor")).status_code == 200


def test_requests_with_a_bad_token_are_counted_against_their_ip(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    guess = {"Authorization": "Bearer not.a.token"}

    statuses = [client.get("/api/v1/sessions", headers=guess, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                for _ in range(6)]
    other_address = client.get("/api/v1/sessions", headers=guess, environ_base={"REMOTE_ADDR": "10.0.0.2"})

    assert statuses == [401] * 5 + [429]
    assert other_address.status_code == 401
    assert other_address.headers["RateLimit"].startswith("limit=5, remaining=4")


def test_an_address_that_guessed_tokens_spent_its_anonymous_allowance_too(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    for _ in range(5):
        client.get("/api/v1/sessions", headers={"Authorization": "Bearer not.a.token"})

    response = client.get("/api/v1/sessions")

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_healthz_is_never_limited(make_app):
    client = make_app(RATE_LIMIT="5/minute").test_client()
    for _ in range(6):
        client.get("/api/v1/sessions")
    statuses = {client.get("/healthz").status_code for _ in range(10)}
    assert statuses == {200}


@pytest.mark.parametrize("method, path", [("GET", "/healthz"), ("GET", "/readyz"), ("OPTIONS", "/api/v1/sessions")])
def test_probes_and_preflights_ignore_credentials_so_they_cannot_test_tokens_uncounted(make_app, method, path):
    client = make_app(RATE_LIMIT="3/minute").test_client()
    guess = {"Authorization": "Bearer not.a.token"}

    statuses = {client.open(path, method=method, headers=guess).status_code for _ in range(6)}

    assert statuses == {200}
    assert client.get("/api/v1/sessions").status_code == 200  # the address has not spent its allowance


def test_a_probe_inside_a_shared_app_context_carries_no_counted_headers(make_app):
    app = make_app(RATE_LIMIT="5/minute")
    client = app.test_client()
    with app.app_context():
        client.get("/api/v1/sessions")
        probe = client.get("/healthz")

    assert "RateLimit" not in probe.headers


# The account a token request counts against --------------------------------------------------------


def guess(client, ip, headers=None, **params):
    """A wrong password for the password grant, plus whatever else is given, from one address."""
    return client.post(TOKEN_URL, data={"grant_type": "password", "password": "not the password!", **params},
                       headers=headers or {}, environ_base={"REMOTE_ADDR": ip})


def basic(client_id, secret="whatever"):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_guesses_with_spaces_or_another_case_count_against_the_same_account(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    spellings = ["target@example.org", "  target@example.org", "TARGET@example.org \t", " Target@Example.org "]
    statuses = [guess(client, f"10.0.1.{n}", username=name).status_code for n, name in enumerate(spellings)]
    assert statuses == [400, 400, 400, 429]


def test_a_stray_client_id_does_not_open_a_fresh_budget(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    statuses = [guess(client, f"10.0.2.{n}", username="target@example.org", client_id=f"tf_stray{n}").status_code
                for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_a_stray_basic_header_does_not_open_a_fresh_budget(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    statuses = [guess(client, f"10.0.3.{n}", headers=basic(f"tf_stray{n}"), username="target@example.org").status_code
                for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_spaces_a_stray_client_id_and_a_stray_basic_header_share_one_budget(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    guess(client, "10.0.4.1", username=" target@example.org ")
    guess(client, "10.0.4.2", username="target@example.org", client_id="tf_stray")
    guess(client, "10.0.4.3", headers=basic("tf_stray"), username="target@example.org")
    assert guess(client, "10.0.4.4", username="TARGET@example.org").status_code == 429


def test_a_client_id_counts_alike_from_basic_or_the_body(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()

    def attempt_as_client(ip, headers=None, **params):
        return client.post(TOKEN_URL, data={"grant_type": "client_credentials", **params}, headers=headers or {},
                           environ_base={"REMOTE_ADDR": ip}).status_code

    statuses = [attempt_as_client("10.0.5.1", client_id="tf_target", client_secret="wrong"),
                attempt_as_client("10.0.5.2", headers=basic("tf_target")),
                attempt_as_client("10.0.5.3", headers=basic("tf_target"), username="stray@example.org"),
                attempt_as_client("10.0.5.4", client_id="tf_target", client_secret="wrong")]
    assert statuses == [401, 401, 401, 429]


def test_parameters_a_grant_does_not_read_count_against_nobody(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for n in range(4):
        client.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": "stolen?",
                                     "username": "target@example.org"},
                    environ_base={"REMOTE_ADDR": f"10.0.6.{n}"})
    assert guess(client, "10.0.6.9", username="target@example.org").status_code == 400


# Lock-out: held off for the rest of a window, no longer --------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, pinned mid-window like mid_window's, that a test moves forward by hand."""
    now = [time.time() // 60 * 60 + 90.0]
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now[0]))

    def advance(seconds):
        now[0] += seconds
    return advance


@pytest.fixture
def owner_locked_out(make_app, clock):
    """A stranger spends the owner's budget from other addresses; return the client and the owner's 429."""
    client = make_app(TOKEN_RATE_LIMIT="3/minute", ADMIN_EMAIL=KNOWN, ADMIN_PASSWORD=PASSWORD).test_client()
    for n in range(3):
        guess(client, f"10.0.7.{n}", username=KNOWN)
    locked_out = attempt(client, KNOWN, ip="192.0.2.1", password=PASSWORD)
    assert locked_out.status_code == 429
    return client, locked_out


def test_the_owner_locked_out_by_a_stranger_gets_in_as_soon_as_the_window_ends(owner_locked_out, clock):
    client, locked_out = owner_locked_out

    clock(int(locked_out.headers["Retry-After"]))

    assert attempt(client, KNOWN, ip="192.0.2.1", password=PASSWORD).status_code == 200


def test_the_owner_is_still_held_off_a_second_before_the_window_ends(owner_locked_out, clock):
    client, locked_out = owner_locked_out

    clock(int(locked_out.headers["Retry-After"]) - 1)

    assert attempt(client, KNOWN, ip="192.0.2.1", password=PASSWORD).status_code == 429


# Behind reverse proxies --------------------------------------------------------------------------------


def from_behind_proxy(client, forwarded_for, username):
    return client.post(TOKEN_URL, data={"grant_type": "password", "username": username, "password": "wrong password!"},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.9.9.9"})


def test_with_one_trusted_proxy_two_clients_behind_it_are_counted_apart(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute", TRUSTED_PROXIES="1").test_client()
    first = [from_behind_proxy(client, "203.0.113.1", f"user{n}@example.org").status_code for n in range(4)]
    second = from_behind_proxy(client, "203.0.113.2", "other@example.org")
    assert first == [400, 400, 400, 429]
    assert second.status_code == 400


def test_with_one_trusted_proxy_addresses_the_client_wrote_itself_are_not_believed(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute", TRUSTED_PROXIES="1").test_client()
    for n in range(3):
        from_behind_proxy(client, f"198.51.100.{n}, 203.0.113.1", f"user{n}@example.org")
    assert from_behind_proxy(client, "198.51.100.9, 203.0.113.1", "other@example.org").status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app):
    client = make_app(TOKEN_RATE_LIMIT="3/minute").test_client()
    for n in range(3):
        from_behind_proxy(client, f"203.0.113.{n}", f"user{n}@example.org")
    assert from_behind_proxy(client, "203.0.113.9", "other@example.org").status_code == 429


def test_the_general_limit_sees_the_client_behind_a_trusted_proxy(make_app):
    client = make_app(RATE_LIMIT="3/minute", TRUSTED_PROXIES="1").test_client()
    proxy = {"REMOTE_ADDR": "10.9.9.9"}
    for _ in range(4):
        client.get("/api/v1/sessions", headers={"X-Forwarded-For": "203.0.113.1"}, environ_base=proxy)
    other = client.get("/api/v1/sessions", headers={"X-Forwarded-For": "203.0.113.2"}, environ_base=proxy)
    assert other.status_code == 200
