"""The store file: one process at a time, data kept across restarts, demo data once, export and backup, revisions
kept in the file rather than in memory."""
import gc
import json
import sqlite3
import subprocess
import sys

import pytest
from bson import json_util
from click.testing import CliRunner

from api.cli import main
from api.embedded.cold import CACHED_DOCUMENTS
from api.embedded.durable import StoreInUse
from api.extensions import embedded_store
from tests.conftest import account_token, organisation_body, store_account
from tests.store.server import ROOT

HOLD_STORE = """
import sys
from api import create_app
create_app({"EMBEDDED_DB": sys.argv[1], "LOAD_DEMO_DATA": False, "LOG_LEVEL": "ERROR"})
print("open", flush=True)
sys.stdin.read()
"""


ADMIN_SUB = f"user:{'a' * 24}"


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "taskforce.db")


@pytest.fixture
def make_app(make_app):
    """Apps whose store holds the admin account that `admin` signs for: a token acts only for a stored account."""
    def make(**config):
        app = make_app(**config)
        store_account(app, "admin", sub=ADMIN_SUB)
        return app
    return make


@pytest.fixture
def admin(app):
    return {"Authorization": f"Bearer {account_token(app, 'admin', sub=ADMIN_SUB)}"}


def test_a_second_process_on_the_same_file_is_refused_with_a_clear_message(make_app, db):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE, db], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreInUse, match=r"in use by another process \(pid \d+\).*1 worker"):
            make_app(EMBEDDED_DB=db)
    finally:
        holder.communicate("", timeout=30)
    make_app(EMBEDDED_DB=db)  # free again once the other process has ended


def test_a_write_is_there_after_a_restart(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db).test_client()
    created = client.post("/api/v1/organisations", json=organisation_body(name="Kept across restarts"), headers=admin)
    assert created.status_code == 201

    restarted = make_app(EMBEDDED_DB=db).test_client()

    found = restarted.get(f"/api/v1/organisations/{created.get_json()['id']}", headers=admin)
    assert found.status_code == 200
    assert found.get_json() == created.get_json()
    assert found.headers["ETag"] == created.headers["ETag"]


def test_memory_keeps_nothing_across_restarts(make_app, admin):
    client = make_app(EMBEDDED_DB=":memory:").test_client()
    created = client.post("/api/v1/organisations", json=organisation_body(), headers=admin)

    restarted = make_app(EMBEDDED_DB=":memory:").test_client()

    assert restarted.get(f"/api/v1/organisations/{created.get_json()['id']}").status_code == 404


def test_demo_data_is_loaded_into_an_empty_store_only(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db, LOAD_DEMO_DATA=True).test_client()
    demo = client.get("/api/v1/organisations?page_size=1").get_json()[0]
    assert client.delete(f"/api/v1/organisations/{demo['id']}", headers={**admin, "If-Match": '"1"'}).status_code == 204

    restarted = make_app(EMBEDDED_DB=db, LOAD_DEMO_DATA=True).test_client()

    assert restarted.get(f"/api/v1/organisations/{demo['id']}").status_code == 404


def test_export_writes_one_mongoimport_file_per_collection(make_app, admin, db, tmp_path):
    client = make_app(EMBEDDED_DB=db).test_client()
    created = client.post("/api/v1/organisations", json=organisation_body(name="Exported"), headers=admin).get_json()

    result = CliRunner().invoke(main, ["export-embedded", str(tmp_path / "dump"), "--db", db])

    assert result.exit_code == 0, result.output
    lines = (tmp_path / "dump" / "organisations.json").read_text().splitlines()
    documents = [json_util.loads(line) for line in lines]
    assert [str(d["_id"]) for d in documents] == [created["id"]]
    assert documents[0]["name"] == "Exported"
    assert json.loads(lines[0])["_id"] == {"$oid": created["id"]}  # canonical Extended JSON, as mongoimport reads it
    assert (tmp_path / "dump" / "revisions.json").exists()


def test_export_without_a_store_file_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDED_DB", str(tmp_path / "missing.db"))
    monkeypatch.delenv("MONGODB_URI", raising=False)

    result = CliRunner().invoke(main, ["export-embedded", str(tmp_path / "dump")])

    assert result.exit_code != 0
    assert "No embedded store file" in result.output
    assert not (tmp_path / "dump").exists()


def test_backup_is_a_consistent_copy_taken_while_the_store_is_open(make_app, admin, db, tmp_path):
    client = make_app(EMBEDDED_DB=db).test_client()
    created = client.post("/api/v1/organisations", json=organisation_body(name="Backed up"), headers=admin).get_json()
    make_app(EMBEDDED_DB=db)  # the store is open (and locked) in this process again

    result = CliRunner().invoke(main, ["backup-embedded", str(tmp_path / "copy.db"), "--db", db])

    assert result.exit_code == 0, result.output
    copy = make_app(EMBEDDED_DB=str(tmp_path / "copy.db")).test_client()
    assert copy.get(f"/api/v1/organisations/{created['id']}").get_json()["name"] == "Backed up"


def test_backup_refuses_to_overwrite_a_file(make_app, db, tmp_path):
    make_app(EMBEDDED_DB=db)
    (tmp_path / "copy.db").write_text("keep me")

    result = CliRunner().invoke(main, ["backup-embedded", str(tmp_path / "copy.db"), "--db", db])

    assert result.exit_code != 0
    assert (tmp_path / "copy.db").read_text() == "keep me"


def test_the_file_holds_bson_in_one_table_per_collection(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db).test_client()
    client.post("/api/v1/organisations", json=organisation_body(), headers=admin)

    tables = {name for (name,) in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")}

    assert {"taskforce.organisations", "taskforce.revisions"} <= tables


def test_a_write_the_file_cannot_take_answers_503_and_nothing_is_served_until_a_restart(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db).test_client()
    embedded_store().connection.close()  # the file fails under the store, as a full disk or an I/O error would

    failed = client.post("/api/v1/organisations", json=organisation_body(), headers=admin)

    assert failed.status_code == 503
    assert failed.headers["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/organisations").status_code == 503  # the unwritten change is never shown
    restarted = make_app(EMBEDDED_DB=db).test_client()
    assert restarted.get("/api/v1/organisations").get_json() == []


def test_a_store_file_in_a_folder_not_yet_made_is_created_with_it(make_app, admin, tmp_path):
    db = str(tmp_path / "instance" / "taskforce.db")  # as in a fresh clone, where instance/ does not exist yet

    client = make_app(EMBEDDED_DB=db).test_client()

    assert client.post("/api/v1/organisations", json=organisation_body(), headers=admin).status_code == 201


def patch_many_times(client, admin, organisation, count):
    url, tag = f"/api/v1/organisations/{organisation['id']}", etag_of(organisation)
    for number in range(count):
        response = client.patch(url, json={"city": f"Ancona {number}"},
                                headers={**admin, "If-Match": tag, "Content-Type": "application/merge-patch+json"})
        assert response.status_code == 200, response.get_json()
        tag = response.headers["ETag"]


def etag_of(representation):
    return f'"{representation["version"]}"'


def revisions_held_in_memory(resource_id):
    gc.collect()
    return sum(1 for value in gc.get_objects()
               if type(value) is dict and value.get("resource_id") == resource_id and "snapshot" in value)


def test_revisions_stay_in_the_file_not_in_memory(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db).test_client()
    organisation = client.post("/api/v1/organisations", json=organisation_body(), headers=admin).get_json()

    patch_many_times(client, admin, organisation, CACHED_DOCUMENTS + 100)

    history = client.get(f"/api/v1/organisations/{organisation['id']}/revisions?page_size=1", headers=admin)
    assert history.get_json()[0]["version"] == CACHED_DOCUMENTS + 101
    assert revisions_held_in_memory(organisation["id"]) <= CACHED_DOCUMENTS


def test_a_past_version_is_read_from_the_file_after_a_restart(make_app, admin, db):
    client = make_app(EMBEDDED_DB=db).test_client()
    organisation = client.post("/api/v1/organisations", json=organisation_body(), headers=admin).get_json()
    patch_many_times(client, admin, organisation, 3)

    restarted = make_app(EMBEDDED_DB=db).test_client()

    second = restarted.get(f"/api/v1/organisations/{organisation['id']}/revisions/2", headers=admin)
    assert second.status_code == 200
    assert second.get_json()["city"] == "Ancona 0"
