"""Store benchmark: how the embedded store's costs grow with the directory, in one process (Flask test client).

    python -m bench.store                          # the embedded store and plain mongomock, N = 100, 1000, 10000
    python -m bench.store --store embedded --sizes 100 10000 --repeat 30

For each N, one process loads the demo data plus N generated organisations (each with its revisions:
created, then updated once) into a store in a temporary file; a fresh process opens that file (the cold
start), times each path (median over --repeat requests, after one warm-up) and reads its RSS. Plain
mongomock keeps nothing, so its process loads the same data itself before timing. It prints
one table per store and the ratio of each path's time at the largest N to its time at the smallest.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("GET one organisation", "sorted page of 20", "page sorted by -country", "filtered page (country=RU)", "q= page",
         "revisions of one item", "a session's tables", "PATCH with If-Match")
GOALS = {"GET one organisation": "≤ 1.5×", "PATCH with If-Match": "≤ 1.5×", "revisions of one item": "≤ 2×",
         "a session's tables": "≤ 2×", "sorted page of 20": "≤ 25 ms", "page sorted by -country": "≤ 25 ms",
         "filtered page (country=RU)": "≤ 25 ms", "q= page": "≤ 50 ms"}


def use_plain_mongomock():
    """Connect the app to mongomock's own store (today's main) instead of the embedded one."""
    import mongoengine
    import mongomock

    from api import extensions

    def connect_database(config):
        mongoengine.disconnect(extensions.DATABASE_ALIAS)
        mongoengine.connect(extensions.EMBEDDED_DATABASE, host="mongodb://localhost", alias=extensions.DATABASE_ALIAS,
                            mongo_client_class=mongomock.MongoClient, uuidRepresentation="standard")
        return "mongodb"

    import api
    api.connect_database = connect_database


def populate(app, count):
    from api.core import resource as services
    from api.demo import DEMO_LOADER
    from api.organisations.resource import organisations
    from bench.dataset import generated_organisations
    with app.app_context():
        for body in generated_organisations(count, seed=7):
            stored = services.create(organisations, body, DEMO_LOADER)
            services.patch(organisations, stored, {"city": body["city"] + " centro"}, DEMO_LOADER,
                            expected_version=stored["version"])


def config(db):
    return {"LOG_LEVEL": "ERROR", "RATE_LIMIT": "", "LOAD_DEMO_DATA": True, "EMBEDDED_DB": db}


def measure(store, count, repeat, db):
    """Time the paths; on the embedded store, in a process that only opened the file `db` (the cold start)."""
    import psutil

    from api import create_app
    from bench.accounts import admin_headers

    cold_start = None
    if store == "mongomock":
        use_plain_mongomock()
        app = create_app(config(db))
        populate(app, count)
    else:
        started = time.perf_counter()
        app = create_app(config(db))
        cold_start = time.perf_counter() - started
    client = app.test_client()
    headers = admin_headers(app)
    page = client.get("/api/v1/organisations?page_size=100&sort=name").get_json()
    ids = [item["id"] for item in page]
    session = client.get("/api/v1/sessions").get_json()[0]["id"]
    etags = {}

    def patch(number):
        target = ids[number % len(ids)]
        if target not in etags:
            etags[target] = client.get(f"/api/v1/organisations/{target}", headers=headers).headers["ETag"]
        response = client.patch(f"/api/v1/organisations/{target}", json={"city": f"Ancona {number}"},
                                headers={**headers, "If-Match": etags[target],
                                         "Content-Type": "application/merge-patch+json"})
        assert response.status_code == 200, response.get_json()
        etags[target] = response.headers["ETag"]

    calls = {
        "GET one organisation": lambda n: client.get(f"/api/v1/organisations/{ids[n % len(ids)]}"),
        "sorted page of 20": lambda n: client.get(f"/api/v1/organisations?sort=name&page_size=20&page={1 + n % 5}"),
        "page sorted by -country": lambda n: client.get(f"/api/v1/organisations?sort=-country&page_size=20&page={1 + n % 5}"),
        "filtered page (country=RU)": lambda n: client.get(f"/api/v1/organisations?country=RU&page_size=20&page={1 + n % 5}"),
        "q= page": lambda n: client.get("/api/v1/organisations?q=logist&page_size=20"),
        "revisions of one item": lambda n: client.get(f"/api/v1/organisations/{ids[n % len(ids)]}/revisions",
                                                      headers=headers),
        "a session's tables": lambda n: client.get(f"/api/v1/sessions/{session}/tables"),
        "PATCH with If-Match": patch,
    }
    times = {}
    for name, call in calls.items():
        response = call(0)
        if response is not None:
            assert response.status_code == 200, (name, response.status_code)
        samples = []
        for number in range(1, repeat + 1):
            started = time.perf_counter()
            call(number)
            samples.append(time.perf_counter() - started)
        times[name] = statistics.median(samples) * 1000
    rss = psutil.Process().memory_info().rss / 2**20
    return {"times": times, "rss": rss, "cold_start": cold_start}


def run_one(store, count, repeat):
    with tempfile.TemporaryDirectory(prefix="taskforce-store-") as directory:
        db = str(Path(directory) / "taskforce.db")
        if store == "embedded":
            subprocess.run([sys.executable, "-m", "bench.store", "--populate", str(count), "--db", db], cwd=ROOT,
                           check=True)
        command = [sys.executable, "-m", "bench.store", "--one", str(count), "--store", store, "--repeat", str(repeat),
                   "--db", db]
        output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def print_table(store, results):
    sizes = sorted(results)
    print(f"\n{store} store: median ms per request (Flask test client)")
    print(f"{'path':30}" + "".join(f"{f'N={n}':>12}" for n in sizes) + f"{'ratio':>9}  goal")
    for name in PATHS:
        values = [results[n]["times"][name] for n in sizes]
        ratio = values[-1] / values[0]
        print(f"{name:30}" + "".join(f"{v:12.2f}" for v in values) + f"{ratio:8.1f}×  {GOALS.get(name, '')}")
    print(f"{'RSS MB':30}" + "".join(f"{results[n]['rss']:12.0f}" for n in sizes) + f"{'':9}  < 300 MB")
    if all(results[n]["cold_start"] is not None for n in sizes):
        print(f"{'cold start s':30}" + "".join(f"{results[n]['cold_start']:12.2f}" for n in sizes) + f"{'':9}  ≤ 5 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=("embedded", "mongomock", "both"), default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate is not None:
        from api import create_app
        populate(create_app(config(args.db)), args.populate)
        return
    if args.one is not None:
        print(json.dumps(measure(args.store, args.one, args.repeat, args.db)))
        return
    stores = ("embedded", "mongomock") if args.store == "both" else (args.store,)
    for store in stores:
        print_table(store, {count: run_one(store, count, args.repeat) for count in args.sizes})


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    main()
