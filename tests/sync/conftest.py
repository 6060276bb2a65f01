"""Fixtures of the webhook tests: a real receiver on 127.0.0.1, one round of the delivery worker, a subscriber."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.sync import delivery

WEBHOOKS = "/api/v1/webhooks"
RECEIVER_CONFIG = {"WEBHOOK_ALLOW_PRIVATE_URLS": True, "WEBHOOK_RETRY_BASE_SECONDS": 0, "WEBHOOK_MAX_ATTEMPTS": 5,
                   "WEBHOOK_DISABLE_AFTER": 3, "WEBHOOK_TIMEOUT_SECONDS": 5}


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records each request and answers the next planned status (then 204)."""

    def __init__(self):
        self.requests = []
        self.planned = []
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.planned.pop(0) if receiver.planned else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.received.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/taskforce?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def worker(app):
    """One round of the delivery worker, as `taskforce-api webhooks-worker --once` runs it."""
    def run():
        with app.app_context():
            return delivery.run_once()
    return run


@pytest.fixture
def subscribe(client, admin):
    def create(url, headers=None, **fields):
        body = {"url": url, "events": ["*"], **fields}
        response = client.post(WEBHOOKS, json=body, headers=headers or admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create
