"""A real server process on the embedded store (werkzeug, threaded, 127.0.0.1) for the store's tests."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
ADMIN = ("store-admin@example.org", "store admin password")
SERVE = """
import sys
from werkzeug.serving import run_simple
from api import create_app
run_simple("127.0.0.1", int(sys.argv[1]), create_app(), threaded=True)
"""


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db):
        self.port = free_port()
        env = {**os.environ, "EMBEDDED_DB": str(db), "LOAD_DEMO_DATA": "false", "RATE_LIMIT": "", "LOG_LEVEL": "ERROR",
               "TOKEN_RATE_LIMIT": "1000/minute", "ADMIN_EMAIL": ADMIN[0], "ADMIN_PASSWORD": ADMIN[1]}
        env.pop("MONGODB_URI", None)
        self.process = subprocess.Popen([sys.executable, "-c", SERVE, str(self.port)], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self, timeout=60):
        """Poll the health endpoint until the server answers (the only waiting on time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if self.request("GET", "/api/v1/organisations?page_size=1")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("server did not start")

    def request(self, method, path, body=None, headers=None, connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection(HOST, self.port, timeout=30)
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            payload = response.read()
        finally:
            if own:
                connection.close()
        return response.status, dict(response.getheaders()), json.loads(payload) if payload else None

    def admin_token(self):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        connection.request("POST", "/api/v1/auth/token", headers={"Content-Type": "application/x-www-form-urlencoded"},
                           body=urlencode({"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]}))
        response = connection.getresponse()
        payload = json.loads(response.read())
        connection.close()
        assert response.status == 200, payload
        return payload["access_token"]

    def kill(self):
        self.process.kill()
        self.process.wait(30)
        self.process.stderr.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.process.stderr.close()
