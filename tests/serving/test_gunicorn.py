"""`taskforce-api run`: gunicorn on the embedded store, one process, a graceful stop."""
import http.client
import json
import socket
import subprocess
import time
from urllib.parse import urlencode

from prometheus_client.parser import text_string_to_metric_families

from tests.serving.server import CLI, HOST, ROOT, RunningServer, free_port, server_env

ADMIN = ("serving-admin@example.org", "serving admin password")


def requests_in_progress(server):
    _, _, body = server.request("GET", "/metrics")
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "taskforce_http_requests_in_progress":
            return family.samples[0].value
    raise AssertionError("no taskforce_http_requests_in_progress in /metrics")


def wait_until_in_progress(server, count, timeout=30):
    """Scrape /metrics until `count` requests are being answered (the scrape is one of them)."""
    deadline = time.monotonic() + timeout
    while requests_in_progress(server) < count:
        assert time.monotonic() < deadline, "the slow request never reached the app"
        time.sleep(0.05)


def test_sigterm_lets_a_request_in_flight_finish_then_the_server_exits():
    server = RunningServer("--threads", "4", ADMIN_EMAIL=ADMIN[0], ADMIN_PASSWORD=ADMIN[1]).wait_ready()
    body = urlencode({"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]}).encode()
    slow = socket.create_connection((HOST, server.port), timeout=30)
    # A client slow to send its body: the app has begun answering, and waits for the rest of it.
    slow.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body[:20])
    wait_until_in_progress(server, 2)

    server.process.terminate()
    server.wait_for_line("Handling signal: term")
    slow.sendall(body[20:])
    response = http.client.HTTPResponse(slow)
    response.begin()
    answer = json.loads(response.read())
    slow.close()

    assert response.status == 200
    assert answer["token_type"] == "Bearer"
    assert server.stop()[0] == 0


def test_more_than_one_worker_on_the_embedded_store_is_refused():
    result = subprocess.run([CLI, "run", "--workers", "2", "--port", str(free_port())], cwd=ROOT, env=server_env(),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "2 worker processes asked for" in result.stderr
    assert "run 1 worker" in result.stderr
