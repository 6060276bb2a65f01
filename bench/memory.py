"""Memory check: RSS of one API process with 10,000 organisations and their revisions loaded."""
import os

import psutil

from api import create_app
from api.core import resource as services
from api.demo import DEMO_LOADER
from api.organisations.resource import organisations
from bench.dataset import generated_organisations

COUNT = int(os.environ.get("BENCH_MEMORY_ORGANISATIONS", "10000"))


def main():
    app = create_app({"LOG_LEVEL": "WARNING", "RATE_LIMIT": "", "EMBEDDED_DB": ":memory:"})
    with app.app_context():
        for body in generated_organisations(COUNT, seed=7):
            services.create(organisations, body, DEMO_LOADER)
        client = app.test_client()
        client.get("/api/v1/organisations?page_size=100&q=marche")
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"memory: {COUNT} organisations (+ demo) and their revisions loaded: RSS {rss:.0f} MB "
          f"(goal < 300 MB) {'ok' if rss < 300 else 'MISSED'}")


if __name__ == "__main__":
    main()
