"""`taskforce-api run` as a real server process on 127.0.0.1 (gunicorn), its stderr collected line by line."""
import http.client
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CLI = str(Path(sys.executable).with_name("taskforce-api"))


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(**overrides):
    """The environment of a server on a throwaway embedded store, with test-friendly limits."""
    env = {**os.environ, "EMBEDDED_DB": ":memory:", "LOAD_DEMO_DATA": "false", "RATE_LIMIT": "",
           "TOKEN_RATE_LIMIT": "1000/minute", "LOG_LEVEL": "INFO", **overrides}
    env.pop("MONGODB_URI", None)
    return env


class RunningServer:
    """`taskforce-api run ARGS` on a free port; every stderr line is kept in `lines`."""

    def __init__(self, *args, **env):
        self.port = free_port()
        self.process = subprocess.Popen([CLI, "run", "--port", str(self.port), *args], cwd=ROOT, env=server_env(**env),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.lines = []
        self._new_lines = queue.Queue()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            self.lines.append(line)
            self._new_lines.put(line)

    def wait_ready(self, timeout=60):
        """Poll /healthz until the server answers (the only waiting on time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("server exited:\n" + "".join(self.lines[-30:]))
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("server did not start")

    def wait_for_line(self, text, timeout=30):
        """Return the next stderr line not looked at yet that contains `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._new_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if text in line:
                return line
        raise AssertionError(f"no log line with {text!r}:\n" + "".join(self.lines[-30:]))

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self, timeout=60):
        """SIGTERM, then wait for the exit; return the exit status and every stderr line."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
            raise AssertionError("server did not stop on SIGTERM") from None
        self._reader.join(timeout)
        return status, self.lines
