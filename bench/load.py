"""Load benchmark: our API against the afternoon baseline, same data, same store, same server settings.

    python -m bench.load                 # defaults: 50 clients, 6000 requests per app, ≤ 120 s each
    python -m bench.load --requests 20000 --clients 50
    python -m bench.load --store-protocol --organisations 10000   # the embedded store's req/s, 3 runs

Starts each app under gunicorn on 127.0.0.1 (embedded store with the demo data plus 1,000 generated
organisations), drives a mix of 80 % anonymous and partner reads and 20 % partner writes (PATCH with
If-Match, POST with Idempotency-Key), prints per endpoint requests/s, p50/p95/p99 and errors, each hot
path as a ratio to the baseline's same path, the lost-update check (successful writes == revisions
created) and the memory check (bench/memory.py). Only loopback traffic; bounded in count and time.
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ADMIN = ("bench-admin@example.org", "bench admin password")
CONNECTION_ERROR = -1  # the client could not complete the exchange (no HTTP status)

# Each operation: (share of requests, name). Reads 80 %, writes 20 %.
MIX = [
    (0.30, "GET item anonymous"),
    (0.20, "GET item partner"),
    (0.20, "GET list anonymous"),
    (0.10, "GET list partner"),
    (0.15, "PATCH partner"),
    (0.05, "POST partner"),
]
# Our path -> the baseline's same path and the goal for the ratio. Each is also measured alone (after the
# mixed run) so that its ratio is not blurred by the cost of the other paths.
HOT_PATHS = {
    "GET item anonymous": ("GET item anonymous", 0.80),
    "GET item partner": ("GET item anonymous", 0.70),
    "GET list anonymous": ("GET list anonymous", 0.80),
    "PATCH partner": ("PATCH partner", 0.60),
}


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One app under gunicorn (1 worker, 8 threads: the embedded store lives in one process)."""

    def __init__(self, target, module, env):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8",
                   "--backlog", "256", "-b", f"{HOST}:{self.port}", "--log-level", "warning", module]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, "BENCH_SERVE": target},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self, path, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                status, _, _ = request(self.port, "GET", path)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("server did not start in time")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(port, method, path, body=None, headers=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"} if data is not None else {}
    all_headers.update(headers or {})
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    payload = response.read()
    if own:
        connection.close()
    return response.status, dict(response.getheaders()), payload


def token(port, form):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("POST", "/api/v1/auth/token", body=urlencode(form),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"token request failed: {payload}")
    return payload["access_token"]


def all_ids(port, headers=None):
    ids, page = [], 1
    while True:
        status, _, payload = request(port, "GET", f"/api/v1/organisations?page={page}&page_size=100", headers=headers)
        items = json.loads(payload) if status == 200 else []
        if not items:
            return ids
        ids.extend(item["id"] for item in items)
        page += 1


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = {}
        self.server_errors = 0
        self.connection_errors = 0
        self.writes_ok = 0
        self.written_ids = set()

    def record(self, name, seconds, ok, status):
        with self.lock:
            self.latencies.setdefault(name, []).append(seconds)
            if not ok:
                self.errors[name] = self.errors.get(name, 0) + 1
            if status == CONNECTION_ERROR:
                self.connection_errors += 1
            elif status >= 500:
                self.server_errors += 1


class Workload:
    """What one app is asked to do; `ours` adds tokens, ETags and idempotency keys."""

    def __init__(self, port, ours, partners, ids, managed, admin_headers=None):
        self.port, self.ours, self.partners, self.ids, self.managed = port, ours, partners, ids, managed
        self.admin_headers = admin_headers
        self.versions = {}
        self.versions_lock = threading.Lock()

    def run(self, name, rng, connection, stats):
        partner = rng.choice(self.partners) if self.partners else None
        headers = {"Authorization": f"Bearer {partner['token']}"} if (self.ours and partner and "partner" in name) else {}
        started = time.perf_counter()
        if name.startswith("GET item"):
            status, _, _ = request(self.port, "GET", f"/api/v1/organisations/{rng.choice(self.ids)}", headers=headers,
                                   connection=connection)
            ok = status == 200
        elif name == "GET sorted page":
            status, _, _ = request(self.port, "GET", f"/api/v1/organisations?sort=name&page={rng.randint(1, 10)}&page_size=20",
                                   connection=connection)
            ok = status == 200
        elif name.startswith("GET list"):
            status, _, _ = request(self.port, "GET", f"/api/v1/organisations?page={rng.randint(1, 10)}&page_size=20",
                                   headers=headers, connection=connection)
            ok = status == 200
        elif name == "PATCH partner":
            status, ok = self._patch(rng, partner, headers, connection, stats)
        else:
            status, ok = self._post(rng, partner, headers, connection, stats)
        stats.record(name, time.perf_counter() - started, ok, status)

    def _patch(self, rng, partner, headers, connection, stats):
        if self.admin_headers:
            headers = self.admin_headers
        pool = self.managed.get(partner["organisation_id"]) if (self.ours and partner) else self.ids
        target = rng.choice(pool)
        body = {"city": rng.choice(["Ancona", "Pesaro", "Macerata", "Fermo", "Urbino"]) + f" {rng.randint(1, 999)}"}
        if not self.ours:
            status, _, _ = request(self.port, "PATCH", f"/api/v1/organisations/{target}", body, connection=connection)
            if status == 200:
                with stats.lock:
                    stats.writes_ok += 1
            return status, status == 200
        with self.versions_lock:
            version = self.versions.get(target)
        if version is None:
            _, response_headers, _ = request(self.port, "GET", f"/api/v1/organisations/{target}", headers=headers,
                                             connection=connection)
            version = response_headers.get("ETag")
        status, response_headers, _ = request(
            self.port, "PATCH", f"/api/v1/organisations/{target}", body,
            {**headers, "If-Match": version, "Content-Type": "application/merge-patch+json"}, connection=connection)
        with self.versions_lock:
            self.versions[target] = response_headers.get("ETag")
        # A patch that sets the city it already has stores nothing (same ETag): not a write to count.
        if status == 200 and response_headers.get("ETag") != version:
            with stats.lock:
                stats.writes_ok += 1
                stats.written_ids.add(target)
        # 412 is the API doing its job (another client changed it first), not an error.
        return status, status in (200, 412)

    def _post(self, rng, partner, headers, connection, stats):
        number = rng.randint(1, 10**9)
        body = {"name": f"Bench company {number}", "kind": "company", "country": "IT", "region": "IT-57",
                "sectors": ["mechanics"]}
        if self.ours:
            body["managed_by"] = partner["organisation_id"]
            headers = {**headers, "Idempotency-Key": uuid.UUID(int=rng.getrandbits(128)).hex}
        status, response_headers, payload = request(self.port, "POST", "/api/v1/organisations", body, headers,
                                                    connection=connection)
        if status == 201 and response_headers.get("Idempotent-Replayed") != "true":
            with stats.lock:
                stats.writes_ok += 1
                if self.ours:
                    stats.written_ids.add(json.loads(payload)["id"])
        return status, status == 201


def drive(workload, clients, total, max_seconds, seed, mix=MIX):
    stats = Stats()
    names = [name for _, name in mix]
    weights = [share for share, _ in mix]
    counter = iter(range(total))
    counter_lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def client(index):
        rng = random.Random(seed * 1000 + index)
        connection = http.client.HTTPConnection(HOST, workload.port, timeout=30)
        while time.monotonic() < deadline:
            with counter_lock:
                if next(counter, None) is None:
                    break
            name = rng.choices(names, weights)[0]
            try:
                workload.run(name, rng, connection, stats)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, workload.port, timeout=30)
                stats.record(name, 0.0, False, CONNECTION_ERROR)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.perf_counter() - started


def summarise(stats, elapsed):
    rows = {}
    for name, values in stats.latencies.items():
        values = sorted(values)
        cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        rows[name] = {"count": len(values), "rps": len(values) / elapsed, "p50": cuts[49] * 1000,
                      "p95": cuts[94] * 1000, "p99": cuts[98] * 1000, "errors": stats.errors.get(name, 0)}
    return rows


def print_rows(title, rows, elapsed):
    print(f"\n{title}  ({sum(r['count'] for r in rows.values())} requests in {elapsed:.1f} s)")
    print(f"{'endpoint':22} {'count':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, row in sorted(rows.items()):
        print(f"{name:22} {row['count']:6d} {row['rps']:8.1f} {row['p50']:8.1f} {row['p95']:8.1f} {row['p99']:8.1f} "
              f"{row['errors']:7d}")


def isolated(workload, args, names, into=None):
    """Run each named path alone; return {name: req/s}. Its writes count in `into` (the lost-update check)."""
    rates = {}
    for name in sorted(names):
        stats, elapsed = drive(workload, args.clients, args.isolated_requests, args.max_seconds, args.seed + 1,
                               mix=[(1.0, name)])
        rates[name] = len(stats.latencies.get(name, [])) / elapsed
        if into is not None:
            into.writes_ok += stats.writes_ok
            into.written_ids |= stats.written_ids
            into.server_errors += stats.server_errors
            into.connection_errors += stats.connection_errors
    return rates


def revisions_created(port, admin_token, ids, since):
    headers = {"Authorization": f"Bearer {admin_token}"}
    count = 0
    for organisation_id in ids:
        page = 1
        while True:
            status, _, payload = request(port, "GET", f"/api/v1/organisations/{organisation_id}/revisions?page={page}"
                                                      "&page_size=100", headers=headers)
            items = json.loads(payload) if status == 200 else []
            count += sum(1 for r in items if r["changed_at"] >= since and r["changed_by"].startswith("client:"))
            if len(items) < 100:
                break
            page += 1
    return count


def prepare_baseline(server):
    server.wait("/api/v1/organisations?page_size=1")
    return Workload(server.port, False, [], all_ids(server.port), {})


def prepare_ours(server, env):
    server.wait("/readyz")
    partners = json.loads(Path(env["BENCH_FIXTURE"]).read_text())["partners"]
    for partner in partners:
        partner["token"] = token(server.port, {"grant_type": "client_credentials", "client_id": partner["client_id"],
                                               "client_secret": partner["client_secret"]})
    managed = {}
    for partner in partners:
        _, _, payload = request(server.port, "GET", f"/api/v1/organisations?managed_by={partner['organisation_id']}"
                                                    "&page_size=100")
        managed[partner["organisation_id"]] = [item["id"] for item in json.loads(payload)]
    return Workload(server.port, True, partners, all_ids(server.port), managed)


def compare(args, env):
    """Both servers run side by side; each phase runs on one, then at once on the other, so that a
    change in the machine's load affects both alike."""
    baseline_server = Server("baseline", "bench.baseline_app:app", env)
    ours_server = Server("ours", "bench.serve_ours:app", env)
    try:
        baseline = prepare_baseline(baseline_server)
        ours = prepare_ours(ours_server, env)
        admin_token = token(ours_server.port, {"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]})
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
        base_stats, base_elapsed = drive(baseline, args.clients, args.requests, args.max_seconds, args.seed)
        our_stats, our_elapsed = drive(ours, args.clients, args.requests, args.max_seconds, args.seed)
        rates = {}
        for round_number in range(args.rounds):
            for name, (base_name, _) in HOT_PATHS.items():
                # Alternate which app goes first, so neither always runs on a warmer or quieter machine.
                runs = [("baseline", baseline, base_name, None), ("ours", ours, name, our_stats)]
                for side, workload, path, into in (runs if round_number % 2 == 0 else runs[::-1]):
                    rates.setdefault((side, path), []).append(isolated(workload, args, [path], into)[path])
        revisions = revisions_created(ours_server.port, admin_token, our_stats.written_ids, since)
    finally:
        baseline_server.stop()
        ours_server.stop()
    return (summarise(base_stats, base_elapsed), base_elapsed, summarise(our_stats, our_elapsed), our_elapsed,
            our_stats, revisions, rates)


STORE_PATHS = {"GET by id": "GET item anonymous", "sorted page of 20": "GET sorted page", "PATCH": "PATCH partner"}
STORE_GOALS = {"GET by id": 400, "sorted page of 20": 250, "PATCH": 150}


def server_rss(server):
    """RSS in MB of the gunicorn worker (the process holding the store)."""
    import psutil
    process = psutil.Process(server.process.pid)
    return max(p.memory_info().rss for p in [process, *process.children()]) / 2**20


def store_protocol(args, env, workdir):
    """The embedded store under HTTP load: one server on a file holding the demo data plus --organisations,
    each path alone from --clients clients for --seconds, --runs times: req/s and the worker's RSS."""
    db = workdir / "taskforce.db"
    subprocess.run([sys.executable, "-m", "bench.store", "--populate", str(args.organisations), "--db", str(db)],
                   cwd=ROOT, env={**os.environ, **env}, check=True)
    server = Server("store", "wsgi:app", {**env, "EMBEDDED_DB": str(db), "RATE_LIMIT": ""})
    try:
        server.wait("/readyz")
        admin = token(server.port, {"grant_type": "password", "username": ADMIN[0], "password": ADMIN[1]})
        workload = Workload(server.port, True, [], all_ids(server.port), {},
                            admin_headers={"Authorization": f"Bearer {admin}"})
        print(f"embedded store, {len(workload.ids)} organisations, gunicorn 1 worker 8 threads, {args.clients} clients,"
              f" {args.seconds:.0f} s per path and run")
        print(f"{'path':20}" + "".join(f"{f'run {n + 1}':>10}" for n in range(args.runs)) + "   goal req/s")
        rates = {name: [] for name in STORE_PATHS}
        for _ in range(args.runs):
            for name, path in STORE_PATHS.items():
                stats, elapsed = drive(workload, args.clients, 10**9, args.seconds, args.seed, mix=[(1.0, path)])
                rates[name].append(len(stats.latencies.get(path, [])) / elapsed)
                if stats.server_errors or stats.errors.get(path):
                    print(f"  {name}: {stats.errors.get(path, 0)} errors, {stats.server_errors} 5xx")
        for name, values in rates.items():
            print(f"{name:20}" + "".join(f"{v:10.0f}" for v in values) + f"   ≥ {STORE_GOALS[name]}")
        print(f"{'RSS MB':20}{server_rss(server):10.0f}   < 300")
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests per app")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--isolated-requests", type=int, default=1500, help="requests per hot path measured alone")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the hot paths measured alone")
    parser.add_argument("--max-seconds", type=float, default=120, help="time cap per run")
    parser.add_argument("--organisations", type=int, default=1000, help="generated organisations")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--store-protocol", action="store_true",
                        help="only the embedded store's protocol: GET by id, sorted page, PATCH, each alone")
    parser.add_argument("--seconds", type=float, default=20, help="seconds per path and run (--store-protocol)")
    parser.add_argument("--runs", type=int, default=3, help="runs (--store-protocol)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="taskforce-bench-"))
    keys = workdir / "keys"
    keys.mkdir()
    sys.path.insert(0, str(ROOT))
    from api.auth.keys import write_private_key
    write_private_key(keys / "bench.pem")
    env = {"BENCH_ORGANISATIONS": str(args.organisations), "BENCH_FIXTURE": str(workdir / "fixture.json"),
           "JWT_KEYS_DIR": str(keys), "ADMIN_EMAIL": ADMIN[0], "ADMIN_PASSWORD": ADMIN[1],
           "RATE_LIMIT": "1000000/minute", "TOKEN_RATE_LIMIT": "1000/minute", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT), "EMBEDDED_DB": ":memory:"}
    if args.store_protocol:
        store_protocol(args, env, workdir)
        return

    baseline, baseline_elapsed, ours, ours_elapsed, stats, revisions, rates = compare(args, env)
    print(f"{args.clients} concurrent clients; mixed run: {args.requests} requests per app; "
          f"each hot path alone: {args.isolated_requests} requests")
    print_rows("baseline (flask-smorest + mongoengine CRUD), mixed run", baseline, baseline_elapsed)
    print_rows("taskforce-api, mixed run", ours, ours_elapsed)

    print(f"\nhot paths measured alone ({args.rounds} rounds, median), req/s: ours / baseline")
    for name, (base_name, goal) in HOT_PATHS.items():
        ours_rates, base_rates = rates[("ours", name)], rates[("baseline", base_name)]
        ratios = [o / b for o, b in zip(ours_rates, base_rates)]
        ratio = statistics.median(ratios)
        print(f"  {name:20} {statistics.median(ours_rates):7.1f} / {base_name:20} {statistics.median(base_rates):7.1f}"
              f" = {ratio:4.2f} (goal ≥ {goal:.2f}) {'ok' if ratio >= goal else 'MISSED'}"
              f"   rounds: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"\n5xx responses: ours {stats.server_errors}; connection errors: {stats.connection_errors}")
    print(f"lost-update check: successful writes {stats.writes_ok}, revisions created {revisions} -> "
          f"{'ok' if stats.writes_ok == revisions else 'MISMATCH'}")
    if not args.skip_memory:
        subprocess.run([sys.executable, "-m", "bench.memory"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       check=False)


if __name__ == "__main__":
    main()
