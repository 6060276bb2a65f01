"""Our app as bench/load.py serves it: demo data, generated organisations managed by partners, and
partner credentials written to BENCH_FIXTURE for the load generator."""
import json
import os

from api import create_app
from api.auth.bootstrap import create_partner_client
from api.core import resource as services
from api.demo import DEMO_LOADER
from api.organisations.resource import organisations
from bench.dataset import generated_organisations

PARTNERS = 5


def build():
    app = create_app()
    with app.app_context():
        agencies = [doc for doc in organisations.collection.find({"kind": {"$in": ["promotion_agency", "region"]}})][:PARTNERS]
        partners = []
        for agency in agencies:
            client_id, secret = create_partner_client(str(agency["_id"]), f"bench {agency['name'][:40]}")
            partners.append({"organisation_id": str(agency["_id"]), "client_id": client_id, "client_secret": secret})
        bodies = generated_organisations(int(os.environ.get("BENCH_ORGANISATIONS", "1000")))
        for number, body in enumerate(bodies):
            partner = partners[number % len(partners)]
            services.create(organisations, {**body, "managed_by": partner["organisation_id"]}, DEMO_LOADER)
    with open(os.environ["BENCH_FIXTURE"], "w") as out:
        json.dump({"partners": partners}, out)
    return app


app = build() if os.environ.get("BENCH_SERVE") == "ours" else None
