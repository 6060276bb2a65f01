"""The change feed: every write of every resource, in commit order, once, as far as the caller may see."""
import threading

import pytest

from api.core import changes
from api.core import resource as core
from api.core.documents import ChangeLease, utcnow
from tests.conftest import etag, organisation_body, send_together
from tests.registrations.helpers import registration_body, registrations_url
from tests.sync.helpers import CHANGES, follow, summary


def test_each_write_is_one_change_with_its_action_in_order(client, admin, create_organisation):
    org = create_organisation()
    url = f"/api/v1/organisations/{org['id']}"
    client.patch(url, json={"city": "Pesaro"}, headers={**admin, "If-Match": etag(org)})
    client.delete(url, headers={**admin, "If-Match": '"2"'})
    client.post(f"{url}/revisions/2/restore", headers={**admin, "If-Match": '"3"'})

    seen, _ = follow(client, headers=admin)

    assert summary(seen) == [("organisations", org["id"], 1, "created"), ("organisations", org["id"], 2, "updated"),
                             ("organisations", org["id"], 3, "deleted"), ("organisations", org["id"], 4, "restored")]
    assert [int(c["cursor"]) for c in seen] == sorted(int(c["cursor"]) for c in seen)


def test_a_write_that_changes_nothing_is_no_change(client, admin, create_organisation):
    org = create_organisation()
    _, cursor = follow(client, headers=admin)

    client.patch(f"/api/v1/organisations/{org['id']}", json={}, headers={**admin, "If-Match": etag(org)})

    assert follow(client, since=cursor, headers=admin)[0] == []


def test_a_refused_write_is_no_change(client, admin, create_organisation):
    org = create_organisation()
    _, cursor = follow(client, headers=admin)

    stale = client.patch(f"/api/v1/organisations/{org['id']}", json={"city": "Fano"},
                         headers={**admin, "If-Match": '"7"'})
    invalid = client.post("/api/v1/organisations", json=organisation_body(country="XX"), headers=admin)

    assert (stale.status_code, invalid.status_code) == (412, 422)
    assert follow(client, since=cursor, headers=admin)[0] == []
    assert ChangeLease.objects.count() == 0


def test_a_cursor_followed_page_by_page_sees_each_change_once(client, admin, create_organisation):
    created = [create_organisation(name=f"Impresa {n}")["id"] for n in range(5)]

    seen, _ = follow(client, headers=admin, limit=2)

    assert [c["resource_id"] for c in seen] == created


def test_next_cursor_of_a_full_page_is_its_last_change(client, admin, create_organisation):
    for n in range(3):
        create_organisation(name=f"Impresa {n}")

    body = client.get(CHANGES, query_string={"limit": 2}, headers=admin).get_json()

    assert body["next_cursor"] == body["changes"][-1]["cursor"]


def test_a_reader_following_writers_in_threads_sees_every_change_once_and_in_order(app, admin, create_organisation):
    orgs = [create_organisation(name=f"Impresa {n}") for n in range(4)]
    _, start = follow(app.test_client(), headers=admin)
    writers_left = [len(orgs) * 2]
    lock = threading.Lock()
    written = []

    def writer(org, creating):
        def send(client):
            made = []
            for step in range(8):
                if creating:
                    response = client.post("/api/v1/organisations", json=organisation_body(name=f"Nuova {step}"),
                                           headers=admin)
                else:
                    current = client.get(f"/api/v1/organisations/{org['id']}", headers=admin)
                    response = client.patch(f"/api/v1/organisations/{org['id']}", json={"city": f"Città {step}"},
                                            headers={**admin, "If-Match": current.headers["ETag"]})
                assert response.status_code in (200, 201), response.get_json()
                made.append((response.get_json()["id"], response.get_json()["version"]))
            with lock:
                written.extend(made)
                writers_left[0] -= 1
            return made
        return send

    def reader(client):
        seen, cursor = [], start
        while True:
            with lock:
                finished = writers_left[0] == 0
            page, cursor = follow(client, since=cursor, headers=admin)
            seen.extend(page)
            if finished:  # this read began after the last write was answered
                return seen

    senders = [writer(org, creating) for org in orgs for creating in (True, False)]
    *_, seen = send_together(app, senders + [reader])

    cursors = [int(c["cursor"]) for c in seen]
    assert cursors == sorted(set(cursors)), "a change seen twice or out of order"
    assert sorted((c["resource_id"], c["version"]) for c in seen) == sorted(written)


def test_a_change_that_commits_after_a_later_one_is_not_skipped(app, client, admin, create_organisation, monkeypatch):
    slow, fast = create_organisation(name="Lenta"), create_organisation(name="Rapida")
    _, start = follow(client, headers=admin)
    took_number, may_write = threading.Event(), threading.Event()
    take_sequence = changes.take_sequence

    def take_then_hold(resource_type, resource_id):
        lease = take_sequence(resource_type, resource_id)
        if str(resource_id) == slow["id"]:
            took_number.set()
            may_write.wait(timeout=10)
        return lease

    monkeypatch.setattr(changes, "take_sequence", take_then_hold)
    slow_writer = threading.Thread(target=lambda: app.test_client().patch(
        f"/api/v1/organisations/{slow['id']}", json={"city": "Urbino"}, headers={**admin, "If-Match": etag(slow)}))
    slow_writer.start()
    assert took_number.wait(timeout=10)
    assert client.patch(f"/api/v1/organisations/{fast['id']}", json={"city": "Fermo"},
                        headers={**admin, "If-Match": etag(fast)}).status_code == 200

    before, cursor = follow(client, since=start, headers=admin)
    may_write.set()
    slow_writer.join(timeout=10)
    after, _ = follow(client, since=cursor, headers=admin)

    assert before == []
    assert [(c["resource_id"], int(c["cursor"])) for c in after] == [
        (slow["id"], int(start) + 1), (fast["id"], int(start) + 2)]


def test_a_lease_left_by_a_writer_that_died_before_writing_is_dropped_once_stale(app, client, admin,
                                                                                create_organisation):
    with app.app_context():
        changes.take_sequence("organisations", "6b0cb1f6d4a3d67caee39e9f")  # never released: the writer died
    org = create_organisation()
    assert follow(client, headers=admin)[0] == []

    with app.app_context():
        ChangeLease._get_collection().update_many({}, {"$set": {"taken_at": utcnow().replace(year=2000)}})
    seen, _ = follow(client, headers=admin)

    assert [c["resource_id"] for c in seen] == [org["id"]]


def test_a_write_whose_revision_was_not_copied_appears_once_its_lease_is_stale(app, client, admin,
                                                                               create_organisation, monkeypatch):
    from pymongo.errors import AutoReconnect
    org = create_organisation()
    _, start = follow(client, headers=admin)

    materialise = core.materialise_revision

    def database_gone_after_the_write(resource, stored):
        if stored["version"] == 2:
            raise AutoReconnect("the database went away after the write")
        materialise(resource, stored)

    monkeypatch.setattr(core, "materialise_revision", database_gone_after_the_write)
    patched = client.patch(f"/api/v1/organisations/{org['id']}", json={"city": "Jesi"},
                           headers={**admin, "If-Match": etag(org)})
    monkeypatch.undo()
    assert patched.status_code == 200
    assert follow(client, since=start, headers=admin)[0] == []

    with app.app_context():
        ChangeLease._get_collection().update_many({}, {"$set": {"taken_at": utcnow().replace(year=2000)}})
    seen, _ = follow(client, since=start, headers=admin)

    assert summary(seen) == [("organisations", org["id"], 2, "updated")]


@pytest.mark.parametrize("query", [{"since": "abc"}, {"since": "-1"}, {"since": "1" * 19}, {"limit": 0},
                                   {"limit": 1001}, {"resource_type": "planets"}, {"session_id": "nope"},
                                   {"colour": "blue"}], ids=str)
def test_a_bad_query_is_refused(client, query):
    response = client.get(CHANGES, query_string=query)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == list(query)


def test_a_cursor_past_every_change_so_far_is_refused(client, admin, create_organisation):
    create_organisation()
    _, cursor = follow(client, headers=admin)

    response = client.get(CHANGES, query_string={"since": str(int(cursor) + 1)})

    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["since"]


def test_the_last_cursor_given_is_accepted_by_every_caller(client, admin, create_organisation):
    create_organisation()
    _, cursor = follow(client, headers=admin)

    response = client.get(CHANGES, query_string={"since": cursor})

    assert response.status_code == 200 and response.get_json() == {"changes": [], "next_cursor": cursor}


def test_resource_type_filters_the_changes(client, admin, create_organisation, create_session):
    create_organisation()
    session = create_session()

    seen, _ = follow(client, headers=admin, resource_type="sessions")

    assert summary(seen) == [("sessions", session["id"], 1, "created")]


def test_session_id_filters_the_changes_to_the_session_and_what_it_holds(client, admin, create_session):
    session, other = create_session(), create_session()
    seminar = client.post(f"/api/v1/sessions/{session['id']}/seminars", headers=admin, json={
        "title": {"it": "Turismo"}, "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00",
        "capacity": 10}).get_json()
    client.post(f"/api/v1/sessions/{other['id']}/seminars", headers=admin, json={
        "title": {"it": "Energia"}, "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00",
        "capacity": 10})

    seen, _ = follow(client, headers=admin, session_id=session["id"])

    assert summary(seen) == [("sessions", session["id"], 1, "created"), ("seminars", seminar["id"], 1, "created")]
    assert {c["session_id"] for c in seen} == {session["id"]}


# Visibility ---------------------------------------------------------------------------------------------------


@pytest.fixture
def private_world(client, admin, auth, create_organisation, create_session):
    """A published session open for registration, a draft one, two organisations each registered, a user."""
    mine, theirs = create_organisation(name="Mia"), create_organisation(name="Altrui")
    session = create_session(status="registration_open")
    draft = create_session(status="draft")
    registrations = {}
    for org in (mine, theirs):
        response = client.post(registrations_url(session), json=registration_body(org["id"]), headers=admin)
        assert response.status_code == 201, response.get_json()
        registrations[org["id"]] = response.get_json()["id"]
    user = client.post("/api/v1/users", json={"email": "staff@example.org", "password": "a long passphrase",
                                               "roles": ["editor"]}, headers=admin).get_json()
    return {"mine": mine["id"], "theirs": theirs["id"], "session": session["id"], "draft": draft["id"],
            "registrations": registrations, "user": user["id"], "partner": auth("partner", organisation_id=mine["id"])}


def test_anonymous_callers_see_the_directory_and_published_sessions_only(client, private_world):
    seen = {(c["resource_type"], c["resource_id"]) for c in follow(client)[0]}

    assert seen == {("organisations", private_world["mine"]), ("organisations", private_world["theirs"]),
                    ("sessions", private_world["session"])}


def test_a_partner_also_sees_its_own_registration_not_another_organisations(client, private_world):
    seen = {(c["resource_type"], c["resource_id"]) for c in follow(client, headers=private_world["partner"])[0]}

    assert ("registrations", private_world["registrations"][private_world["mine"]]) in seen
    assert ("registrations", private_world["registrations"][private_world["theirs"]]) not in seen
    assert ("users", private_world["user"]) not in seen
    assert ("sessions", private_world["draft"]) not in seen


def test_staff_see_every_change(client, admin, private_world):
    seen = {(c["resource_type"], c["resource_id"]) for c in follow(client, headers=admin)[0]}

    assert {("users", private_world["user"]), ("sessions", private_world["draft"]),
            *(("registrations", r) for r in private_world["registrations"].values())} <= seen


def test_a_draft_sessions_changes_become_visible_when_it_is_published(client, admin, create_session):
    draft = create_session(status="draft")
    client.post(f"/api/v1/sessions/{draft['id']}/seminars", headers=admin, json={
        "title": {"it": "Turismo"}, "starts_at": "2012-10-25T15:00:00+02:00", "ends_at": "2012-10-25T18:00:00+02:00",
        "capacity": 10})
    assert follow(client)[0] == []

    client.patch(f"/api/v1/sessions/{draft['id']}", json={"status": "published"},
                 headers={**admin, "If-Match": etag(draft)})

    assert [(c["resource_type"], c["version"]) for c in follow(client)[0]] == [
        ("sessions", 1), ("seminars", 1), ("sessions", 2)]


def test_a_deleted_items_change_stays_visible_to_who_could_see_it(client, admin, private_world):
    registration = private_world["registrations"][private_world["mine"]]
    url = f"{registrations_url({'id': private_world['session']})}/{registration}"
    client.delete(url, headers={**admin, "If-Match": client.get(url, headers=admin).headers["ETag"]})

    seen = follow(client, headers=private_world["partner"])[0]

    assert ("registrations", registration, "deleted") in {(c["resource_type"], c["resource_id"], c["action"])
                                                           for c in seen}


def test_a_cascade_by_the_system_is_in_the_feed(client, admin, private_world):
    org = client.get(f"/api/v1/organisations/{private_world['theirs']}", headers=admin)
    _, cursor = follow(client, headers=admin)

    client.delete(f"/api/v1/organisations/{private_world['theirs']}", headers={**admin, "If-Match": org.headers["ETag"]})

    assert summary(follow(client, since=cursor, headers=admin)[0]) == [
        ("organisations", private_world["theirs"], 2, "deleted"),
        ("registrations", private_world["registrations"][private_world["theirs"]], 2, "updated")]


def test_rotating_a_client_secret_is_a_change(client, admin, private_world):
    credential = client.post("/api/v1/clients", json={"name": "CRM", "organisation_id": private_world["mine"]},
                             headers=admin).get_json()
    _, cursor = follow(client, headers=admin)

    client.post(f"/api/v1/clients/{credential['id']}/rotate-secret", headers={**admin, "If-Match": etag(credential)})

    assert summary(follow(client, since=cursor, headers=admin)[0]) == [("clients", credential["id"], 2, "updated")]
    assert follow(client, since=cursor, headers=private_world["partner"])[0] == []


@pytest.fixture
def count_revisions_examined(monkeypatch):
    """Start counting the revisions the store's matcher looks at from now on; return the list of their ids."""
    from mongomock import filtering

    def start():
        examined = []
        filter_applies = filtering.filter_applies

        def counting(spec, document):
            if "snapshot" in document:
                examined.append(document["_id"])
            return filter_applies(spec, document)

        monkeypatch.setattr(filtering, "filter_applies", counting)
        return examined
    return start


def test_a_poll_from_a_recent_cursor_reads_only_the_new_revisions(client, admin, create_organisation,
                                                                  count_revisions_examined):
    for n in range(40):
        create_organisation(name=f"Impresa {n}")
    _, cursor = follow(client, headers=admin)
    newest = create_organisation(name="Ultima")
    examined = count_revisions_examined()
    seen, _ = follow(client, since=cursor, headers=admin)

    assert [c["resource_id"] for c in seen] == [newest["id"]]
    assert len(examined) <= 2, f"{len(examined)} revisions examined for one new change"


def test_an_anonymous_poll_reads_none_of_the_changes_hidden_from_it(client, admin, create_organisation,
                                                                    count_revisions_examined):
    create_organisation(name="Prima")
    _, cursor = follow(client)
    user = client.post("/api/v1/users", json={"email": "staff@example.org", "password": "a long passphrase",
                                               "roles": ["editor"]}, headers=admin).get_json()
    for version in range(1, 31):
        response = client.patch(f"/api/v1/users/{user['id']}", json={"display_name": f"Segreteria {version}"},
                                headers={**admin, "If-Match": f'"{version}"'})
        assert response.status_code == 200, response.get_json()
    newest = create_organisation(name="Ultima")
    examined = count_revisions_examined()
    seen, _ = follow(client, since=cursor)

    assert [c["resource_id"] for c in seen] == [newest["id"]]
    assert len(examined) <= 2, f"{len(examined)} revisions examined for one visible change"


def test_a_lease_left_in_the_embedded_store_by_a_stopped_server_is_settled_at_the_next_start(make_app, tmp_path):
    from tests.conftest import account_token
    db = str(tmp_path / "taskforce.db")
    first = make_app(EMBEDDED_DB=db)
    headers = {"Authorization": f"Bearer {account_token(first, 'admin')}"}
    created = first.test_client().post("/api/v1/organisations", json=organisation_body(), headers=headers).get_json()
    with first.app_context():
        changes.take_sequence("organisations", created["id"])  # a write in flight when the server stopped

    restarted = make_app(EMBEDDED_DB=db)
    headers = {"Authorization": f"Bearer {account_token(restarted, 'admin')}"}
    client = restarted.test_client()
    after = client.post("/api/v1/organisations", json=organisation_body(name="Dopo"), headers=headers).get_json()
    seen, _ = follow(client, headers=headers)

    assert [c["resource_id"] for c in seen] == [created["id"], after["id"]]


def test_changes_stored_before_audience_keys_existed_are_keyed_at_the_next_start(make_app, tmp_path):
    from api.core.documents import Revision
    from tests.conftest import account_token
    db = str(tmp_path / "taskforce.db")
    first = make_app(EMBEDDED_DB=db)
    headers = {"Authorization": f"Bearer {account_token(first, 'admin')}"}
    created = first.test_client().post("/api/v1/organisations", json=organisation_body(), headers=headers).get_json()
    with first.app_context():
        Revision._get_collection().update_many({}, {"$unset": {"audience_keys": ""}})
    assert follow(first.test_client())[0] == []

    restarted = make_app(EMBEDDED_DB=db)

    assert [c["resource_id"] for c in follow(restarted.test_client())[0]] == [created["id"]]
