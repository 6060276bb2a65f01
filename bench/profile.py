"""Profile the hot paths in one process with pyinstrument: where a request's time goes, ours or the baseline's.

    python -m bench.profile                   # our app: each hot path, 300 requests, top 12 functions by own time
    python -m bench.profile --app baseline    # the afternoon baseline's same paths
    python -m bench.profile --path "PATCH partner" --top 20

Each app is built as bench/load.py serves it (demo data plus --organisations generated ones) and called
through Flask's test client, so the profile shows the application's own cost without the server and the
network. It prints, per path, the mean time per request and the functions where most time is spent
(own time, summed over all calls), then the share of the time spent inside the embedded store (mongomock).
"""
import argparse
import json
import os
import random
import tempfile
from collections import Counter
from pathlib import Path

from pyinstrument import Profiler

PATHS = ("GET item anonymous", "GET item partner", "GET list anonymous", "PATCH partner")


def build(app_name, organisations):
    """Return (test client, partners with tokens and managed ids, all organisation ids)."""
    os.environ["BENCH_ORGANISATIONS"] = str(organisations)
    if app_name == "baseline":
        from bench.baseline_app import create_app
        client = create_app().test_client()
        return client, [], _all_ids(client)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["RATE_LIMIT"] = "1000000/minute"  # as bench/load.py runs it: counted, never reached
    os.environ["EMBEDDED_DB"] = ":memory:"
    os.environ["BENCH_FIXTURE"] = str(Path(tempfile.mkdtemp(prefix="taskforce-profile-")) / "fixture.json")
    from bench.serve_ours import build as build_ours
    client = build_ours().test_client()
    partners = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text())["partners"]
    for partner in partners:
        answer = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                          "client_id": partner["client_id"],
                                                          "client_secret": partner["client_secret"]})
        partner["token"] = answer.get_json()["access_token"]
        managed = client.get("/api/v1/organisations", query_string={"managed_by": partner["organisation_id"],
                                                                     "page_size": 100})
        partner["managed"] = [item["id"] for item in managed.get_json()]
    return client, partners, _all_ids(client)


def _all_ids(client):
    ids, page = [], 1
    while True:
        items = client.get("/api/v1/organisations", query_string={"page": page, "page_size": 100}).get_json()
        if not items:
            return ids
        ids.extend(item["id"] for item in items)
        page += 1


def request_maker(client, path, partners, ids, rng):
    """Return a function sending one request of the path (ours when partners are given, else the baseline's)."""
    etags = {}

    def call():
        partner = rng.choice(partners) if partners else None
        headers = {"Authorization": f"Bearer {partner['token']}"} if partner and "partner" in path else {}
        if path.startswith("GET item"):
            return client.get(f"/api/v1/organisations/{rng.choice(ids)}", headers=headers)
        if path.startswith("GET list"):
            return client.get("/api/v1/organisations", query_string={"page": rng.randint(1, 10), "page_size": 20})
        body = {"city": f"Ancona {rng.randint(1, 999)}"}
        if not partner:
            return client.patch(f"/api/v1/organisations/{rng.choice(ids)}", json=body)
        target = rng.choice(partner["managed"])
        if target not in etags:
            etags[target] = client.get(f"/api/v1/organisations/{target}", headers=headers).headers["ETag"]
        response = client.patch(f"/api/v1/organisations/{target}", json=body,
                                headers={**headers, "If-Match": etags[target]})
        etags[target] = response.headers.get("ETag", etags[target])
        return response
    return call


def own_times(frame, totals, store, under_store=False):
    """Sum each function's own time over the frame tree, and the time spent under mongomock (store[0])."""
    in_store = "mongomock" in (frame.file_path or "")
    if in_store and not under_store:
        store[0] += frame.time
    if frame.function and frame.file_path:
        totals[f"{frame.function}  {frame.file_path_short}:{frame.line_no}"] += frame.total_self_time
    for child in frame.children:
        own_times(child, totals, store, under_store or in_store)


def profile(call, requests):
    for _ in range(20):  # warm caches (token verification, representations) as a running server has them
        call()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    statuses = Counter(call().status_code for _ in range(requests))
    profiler.stop()
    root = profiler.last_session.root_frame()
    totals, store = Counter(), [0.0]
    own_times(root, totals, store)
    return root.time, statuses, totals, store[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("ours", "baseline"), default="ours")
    parser.add_argument("--path", choices=PATHS, action="append", help="a hot path (default: all)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)

    client, partners, ids = build(args.app, args.organisations)
    for path in args.path or PATHS:
        call = request_maker(client, path, partners if args.app == "ours" else [], ids, random.Random(7))
        elapsed, statuses, totals, in_store = profile(call, args.requests)
        print(f"\n{args.app} · {path}: {elapsed / args.requests * 1000:.2f} ms per request "
              f"({args.requests} requests, statuses {dict(statuses)}); in mongomock {in_store / elapsed:.0%}")
        for location, seconds in totals.most_common(args.top):
            print(f"  {seconds / elapsed:6.1%}  {location}")


if __name__ == "__main__":
    main()
