"""Plugins over HTTP: a kind from an outside distribution, kind upgrades, broken plugins, selection, events, routes.

The distributions live in tests/plugin_dists/ and are installed by the `plugin_dists` marker (see conftest.py):
nothing in api/ or plugins/ knows about them.
"""
import importlib
import json
import logging
import threading

import pytest
from bson import ObjectId

from api.plugins import load_plugins
from api.tables.models import Table
from tests.conftest import etag
from tests.tables.helpers import table_body, table_url, tables_url

TOURISM = "tourism_showcase"


def showcase_body(**attributes):
    return table_body(kind=TOURISM, title={"it": "Vetrina Marche", "ru": "Витрина региона Марке"}, sectors=["tourism"],
                      attributes=attributes)


def report(app, name):
    return next(r for r in app.extensions["taskforce_plugins"].reports if r.name == name)


def kind_names(client):
    response = client.get("/api/v1/table-kinds")
    assert response.status_code == 200
    return [kind["name"] for kind in response.get_json()]


def stored_table(table_id):
    return Table._get_collection().find_one({"_id": ObjectId(table_id)})


# A kind from an outside distribution ------------------------------------------------------------


@pytest.mark.plugin_dists("tourism_v1")
def test_outside_kind_is_listed_with_its_label_version_and_attributes_schema(client):
    kinds = {kind["name"]: kind for kind in client.get("/api/v1/table-kinds").get_json()}

    showcase = kinds[TOURISM]
    assert showcase["version"] == 1
    assert showcase["label"] == {"it": "Vetrina turistica", "ru": "Туристическая витрина", "en": "Tourism showcase"}
    assert set(showcase["attributes_schema"]["properties"]) == {"destinations", "stands"}
    assert client.get(f"/api/v1/table-kinds/{TOURISM}").get_json() == showcase


@pytest.mark.plugin_dists("tourism_v1")
def test_outside_plugin_is_reported_loaded_from_its_distribution(app):
    loaded = report(app, TOURISM)

    assert (loaded.status, loaded.distribution, loaded.kinds) == ("loaded", "taskforce-tourism", [TOURISM])


@pytest.mark.plugin_dists("tourism_v1")
def test_create_a_table_of_the_outside_kind(client, admin, session):
    response = client.post(tables_url(session), json=showcase_body(destinations=["Loreto", "Urbino"]), headers=admin)

    assert response.status_code == 201, response.get_json()
    table = response.get_json()
    assert (table["kind"], table["kind_version"], table["kind_installed"]) == (TOURISM, 1, True)
    assert table["attributes"] == {"destinations": ["Loreto", "Urbino"], "stands": 0}
    assert client.get(response.headers["Location"]).get_json() == table


@pytest.mark.plugin_dists("tourism_v1")
def test_attributes_invalid_for_the_outside_kind_answer_422_under_attributes(client, admin, session):
    body = showcase_body(destinations=["Loreto", ""], stands=-1)

    response = client.post(tables_url(session), json=body, headers=admin)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"attributes.destinations.1", "attributes.stands"}


@pytest.mark.plugin_dists("tourism_v1")
def test_attribute_unknown_to_the_outside_kind_answers_422(client, admin, session):
    response = client.post(tables_url(session), json=showcase_body(booths=3), headers=admin)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["attributes.booths"]


@pytest.mark.plugin_dists("tourism_v1")
def test_list_filtered_by_the_outside_kind(client, session, create_table):
    create_table()
    showcases = [create_table(**showcase_body(stands=n)) for n in (1, 2)]

    response = client.get(f"{tables_url(session)}?kind={TOURISM}")

    assert response.status_code == 200
    assert sorted(t["id"] for t in response.get_json()) == sorted(t["id"] for t in showcases)


@pytest.mark.plugin_dists("tourism_v1")
def test_openapi_describes_the_outside_kind_attributes(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    assert schemas["Table"]["discriminator"]["mapping"][TOURISM] == "#/components/schemas/Table_tourism_showcase"
    assert set(schemas["TourismShowcaseAttributes"]["properties"]) == {"destinations", "stands"}


# Version 1 → 2: lazy upgrade on read, bulk upgrade from the command line ----------------------


def upgrade_tourism_plugin(app, plugin_installer):
    """Replace the installed tourism distribution 1.0 by 2.0 and let the running app discover plugins again.

    In production this is `pip install` and a restart on the same database. A restart here would lose the
    data: the embedded mongomock store lives only as long as its client, and every create_app() connects a
    new, empty one. So the test keeps the app and its store, swaps the distribution on sys.path and runs the
    same discovery a restart runs (load_plugins), which replaces the app's plugin registry.
    """
    plugin_installer.uninstall("tourism_v1")
    plugin_installer.install("tourism_v2")
    load_plugins(app)
    assert app.extensions["taskforce_plugins"].kind(TOURISM).version == 2


def revisions(client, admin, table):
    response = client.get(f"{table_url(table)}/revisions", headers=admin)
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.plugin_dists("tourism_v1")
def test_reading_a_table_stored_under_version_1_stores_its_upgrade_as_a_new_version(app, client, plugin_installer,
                                                                                     create_table):
    table = create_table(**showcase_body(destinations=["Loreto", "Urbino"], stands=4))
    upgrade_tourism_plugin(app, plugin_installer)

    response = client.get(table_url(table))

    assert response.status_code == 200
    shown = response.get_json()
    assert (shown["version"], shown["kind_version"]) == (2, 2)
    assert shown["attributes"] == {"destinations": [{"name": "Loreto"}, {"name": "Urbino"}], "stands": 4}
    assert response.headers["ETag"] == '"2"'
    raw = stored_table(table["id"])
    assert (raw["version"], raw["kind_version"], raw["attributes"]) == (2, 2, shown["attributes"])


@pytest.mark.plugin_dists("tourism_v1")
def test_a_kind_upgrade_changes_the_etag_so_the_old_one_is_not_revalidated(app, client, plugin_installer,
                                                                           create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)

    response = client.get(table_url(table), headers={"If-None-Match": etag(table)})

    assert response.status_code == 200
    assert response.get_json()["attributes"]["destinations"] == [{"name": "Loreto"}]


@pytest.mark.plugin_dists("tourism_v1")
def test_a_kind_upgrade_is_listed_as_a_revision_made_by_the_system(app, client, admin, plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)
    client.get(table_url(table))

    history = revisions(client, admin, table)

    assert [(r["version"], r["action"]) for r in history] == [(2, "updated"), (1, "created")]
    assert (history[0]["changed_by"], history[0]["reason"]) == ("system", "kind upgrade")
    assert history[0]["change"] == {"attributes": {"old": {"destinations": ["Loreto"], "stands": 0},
                                                   "new": {"destinations": [{"name": "Loreto"}], "stands": 0}}}
    assert "reason" not in history[1]


@pytest.mark.plugin_dists("tourism_v1")
def test_later_reads_of_an_upgraded_table_store_nothing_more(app, client, admin, plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)
    first = client.get(table_url(table))

    second = client.get(table_url(table), headers={"If-None-Match": first.headers["ETag"]})

    assert second.status_code == 304
    assert [r["version"] for r in revisions(client, admin, table)] == [2, 1]


@pytest.mark.plugin_dists("tourism_v1")
def test_a_list_stores_the_upgrade_of_the_tables_it_shows(app, client, admin, session, plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)

    listed = client.get(f"{tables_url(session)}?kind={TOURISM}").get_json()

    assert [(t["version"], t["kind_version"], t["attributes"]["destinations"]) for t in listed] == [
        (2, 2, [{"name": "Loreto"}])]
    assert client.get(table_url(table)).headers["ETag"] == '"2"'
    assert [r["version"] for r in revisions(client, admin, table)] == [2, 1]


@pytest.fixture
def readers_meet_after_upgrading(monkeypatch):
    """Hold each reader that has just upgraded a table in memory until another has too, so that both try to
    store the upgrade of the same version."""
    from api.tables.resource import tables
    both_upgraded = threading.Barrier(2)
    upgrade = tables.upgrade

    def upgrade_then_wait(stored):
        upgraded = upgrade(stored)
        if upgraded is not stored:
            try:
                both_upgraded.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return upgraded

    monkeypatch.setattr(tables, "upgrade", upgrade_then_wait)
    return both_upgraded


@pytest.mark.plugin_dists("tourism_v1")
def test_two_readers_upgrading_the_same_table_at_once_store_exactly_one_new_version(app, client, admin,
                                                                                    plugin_installer, create_table,
                                                                                    readers_meet_after_upgrading):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)
    responses = [None, None]

    def read(position):
        responses[position] = app.test_client().get(table_url(table))

    readers = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(timeout=30)

    assert not readers_meet_after_upgrading.broken, "the readers did not both upgrade the same version"
    assert [r.status_code for r in responses] == [200, 200]
    assert [r.headers["ETag"] for r in responses] == ['"2"', '"2"']
    assert responses[0].get_json() == responses[1].get_json()
    assert [r["version"] for r in revisions(client, admin, table)] == [2, 1]
    assert stored_table(table["id"])["version"] == 2


@pytest.mark.plugin_dists("tourism_v1")
def test_a_write_with_the_etag_from_before_the_upgrade_answers_412_with_the_new_one(app, client, admin,
                                                                                    plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)

    response = client.patch(table_url(table), json={"attributes": {"stands": 7}},
                            headers={**admin, "If-Match": etag(table)})

    assert response.status_code == 412
    assert response.headers["ETag"] == '"2"'
    assert stored_table(table["id"])["attributes"]["stands"] == 0


@pytest.mark.plugin_dists("tourism_v1")
def test_patching_an_upgraded_table_keeps_its_version_2_attributes(app, client, admin, plugin_installer,
                                                                   create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)
    upgraded = client.get(table_url(table), headers=admin)

    response = client.patch(table_url(table), json={"attributes": {"stands": 7}},
                            headers={**admin, "If-Match": upgraded.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    raw = stored_table(table["id"])
    assert (raw["version"], raw["kind_version"]) == (3, 2)
    assert raw["attributes"] == {"destinations": [{"name": "Loreto"}], "stands": 7}


@pytest.mark.plugin_dists("tourism_v1")
def test_restoring_a_version_1_revision_brings_its_attributes_to_version_2(app, client, admin, plugin_installer,
                                                                           create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    client.patch(table_url(table), json={"attributes": {"destinations": ["Urbino"]}},
                 headers={**admin, "If-Match": etag(table)})
    upgrade_tourism_plugin(app, plugin_installer)
    upgraded = client.get(table_url(table), headers=admin)

    response = client.post(f"{table_url(table)}/revisions/1/restore",
                           headers={**admin, "If-Match": upgraded.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["kind_version"], response.get_json()["attributes"]["destinations"]) == (
        2, [{"name": "Loreto"}])


@pytest.mark.plugin_dists("tourism_v1")
def test_after_the_upgrade_new_tables_must_have_version_2_attributes(app, client, admin, session, plugin_installer):
    upgrade_tourism_plugin(app, plugin_installer)

    response = client.post(tables_url(session), json=showcase_body(destinations=["Loreto"]), headers=admin)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["attributes.destinations.0"]


@pytest.mark.plugin_dists("tourism_v1")
def test_upgrade_tables_command_rewrites_old_tables_and_a_second_run_changes_nothing(app, plugin_installer,
                                                                                     create_table):
    showcases = [create_table(**showcase_body(destinations=[name])) for name in ("Loreto", "Urbino")]
    create_table()
    upgrade_tourism_plugin(app, plugin_installer)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["upgrade-tables"])
    second = runner.invoke(args=["upgrade-tables"])

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"upgraded": 2, "current": 1, "skipped": 0, "kind_not_installed": 0}
    assert [stored_table(t["id"])["attributes"]["destinations"] for t in showcases] == [[{"name": "Loreto"}],
                                                                                        [{"name": "Urbino"}]]
    assert {stored_table(t["id"])["kind_version"] for t in showcases} == {2}
    assert json.loads(second.stdout) == {"upgraded": 0, "current": 3, "skipped": 0, "kind_not_installed": 0}


@pytest.mark.plugin_dists("tourism_v1")
def test_bulk_upgrade_stores_a_new_version_with_its_revision(app, client, admin, plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    upgrade_tourism_plugin(app, plugin_installer)

    app.test_cli_runner().invoke(args=["upgrade-tables"])

    response = client.get(table_url(table), headers={"If-None-Match": etag(table)})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["attributes"]["destinations"] == [{"name": "Loreto"}]
    history = revisions(client, admin, table)
    assert [(r["version"], r["changed_by"], r.get("reason")) for r in history] == [
        (2, "system", "kind upgrade"), (1, history[1]["changed_by"], None)]


@pytest.mark.plugin_dists("tourism_v1")
def test_bulk_upgrade_leaves_a_deleted_table_deleted(app, client, admin, plugin_installer, create_table):
    table = create_table(**showcase_body(destinations=["Loreto"]))
    client.delete(table_url(table), headers={**admin, "If-Match": etag(table)})
    upgrade_tourism_plugin(app, plugin_installer)

    app.test_cli_runner().invoke(args=["upgrade-tables"])

    assert [(r["version"], r["action"]) for r in revisions(client, admin, table)] == [(2, "deleted"), (1, "created")]
    assert client.get(table_url(table), headers=admin).status_code == 404


# Broken plugins: reported, skipped, and the API keeps serving -------------------------------


@pytest.mark.plugin_dists("broken")
@pytest.mark.parametrize("name, reason", [
    ("broken_import", "cannot import taskforce_broken.import_error: ModuleNotFoundError"),
    ("broken_version", "invalid table kind: kind broken_version: version must be an integer ≥ 1"),
    ("broken_label", "invalid table kind: kind broken_label: label must map ISO 639-1 codes to text"),
    ("broken_upgrade", "invalid table kind: kind broken_upgrade: no upgrade function from version(s) [2]"),
    ("broken_duplicate", "duplicate table kind name 'sector' (already provided by plugin 'sector')"),
    ("broken_unknown_hook", "unknown hook 'register_table_kind'"),
    ("broken_signature", "invalid hook implementation: Plugin 'broken_signature' for hook 'table_created'"),
    ("broken_blueprint", "blueprint 'broken_outside' must have a url_prefix under /api/v1/"),
    ("broken_blueprint_name", "blueprint name(s) 'tables' already taken"),
    ("broken_blueprint_shadow", "route(s) GET /api/v1/table-kinds/sector already served by the core API"),
])
def test_broken_plugin_is_reported_failed_with_the_reason(app, name, reason):
    failed = report(app, name)

    assert failed.status == "failed"
    assert reason in failed.error
    assert failed.kinds == []


@pytest.mark.plugin_dists("broken")
def test_broken_plugins_are_skipped_and_the_built_in_kinds_keep_serving(client):
    assert kind_names(client) == ["investment_desk", "sector"]


@pytest.mark.plugin_dists("broken")
def test_a_duplicate_kind_does_not_replace_the_built_in_one(app, client, admin, session):
    response = client.post(tables_url(session), json=table_body(), headers=admin)

    assert report(app, "sector").status == "loaded"
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attributes"]["nace_codes"] == ["H49", "H52"]


@pytest.mark.plugin_dists("broken")
@pytest.mark.parametrize("url", ["/broken/ping", "/api/v1/tourism-tables/ping"])
def test_a_refused_blueprint_is_not_mounted(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.plugin_dists("broken")
def test_a_core_route_is_not_taken_over_by_a_plugin_route_at_its_address(client):
    response = client.get("/api/v1/table-kinds/sector")

    assert response.status_code == 200
    assert response.get_json()["name"] == "sector"


@pytest.mark.plugin_dists("broken")
def test_plugins_command_lists_each_failed_plugin_with_its_reason(app):
    result = app.test_cli_runner().invoke(args=["plugins"])

    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "failed" in lines["broken_version"] and "version must be an integer ≥ 1" in lines["broken_version"]
    assert lines["sector"].split()[1] == "loaded"


# Choosing plugins ---------------------------------------------------------------------------------


def test_plugins_setting_restricts_the_installed_kinds(make_app):
    app = make_app(PLUGINS=["sector"])

    assert kind_names(app.test_client()) == ["sector"]
    assert report(app, "investment_desk").status == "disabled"


def test_plugins_environment_variable_is_a_comma_separated_list(make_app, plugin_installer, monkeypatch):
    plugin_installer.install("tourism_v1")
    monkeypatch.setenv("PLUGINS", "investment_desk, tourism_showcase")

    app = make_app()

    assert kind_names(app.test_client()) == ["investment_desk", TOURISM]


@pytest.mark.app_settings(PLUGINS=["sector"])
def test_a_kind_left_out_by_the_plugins_setting_cannot_be_used(client, admin, session):
    response = client.post(tables_url(session), json=table_body(kind="investment_desk", attributes={}), headers=admin)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["kind"]


# Events and routes ------------------------------------------------------------------------------


def recorded_events():
    return importlib.import_module("taskforce_listeners.recorder").EVENTS


@pytest.mark.plugin_dists("listeners")
def test_table_created_hook_receives_the_new_table_and_its_session(create_table, session):
    table = create_table()

    assert recorded_events() == [("created", {"table": table, "session": session})]


@pytest.mark.plugin_dists("listeners")
def test_table_updated_hook_receives_the_new_and_the_previous_state(client, admin, create_table):
    table = create_table()
    response = client.patch(table_url(table), json={"title": {"it": "Logistica e porti"}},
                            headers={**admin, "If-Match": etag(table)})

    kind, event = recorded_events()[-1]
    assert kind == "updated"
    assert event["previous"] == table
    assert event["table"] == response.get_json()


@pytest.mark.plugin_dists("listeners")
def test_table_deleted_hook_receives_the_last_state(client, admin, create_table):
    table = create_table()
    response = client.delete(table_url(table), headers={**admin, "If-Match": etag(table)})

    assert response.status_code == 204
    kind, event = recorded_events()[-1]
    assert kind == "deleted"
    assert (event["table"]["id"], event["table"]["title"]) == (table["id"], table["title"])


@pytest.mark.plugin_dists("listeners")
def test_a_failing_hook_does_not_undo_the_write_and_is_logged(client, admin, session, caplog):
    with caplog.at_level(logging.ERROR, logger="api.plugins"):
        response = client.post(tables_url(session), json=table_body(), headers=admin)

    assert response.status_code == 201
    assert client.get(response.headers["Location"]).status_code == 200
    assert any("listener_failing failed in table_created" in r.getMessage() for r in caplog.records)


@pytest.mark.plugin_dists("listeners")
def test_a_failing_hook_does_not_keep_other_plugins_from_the_event(create_table):
    table = create_table()

    assert [(kind, event["table"]["id"]) for kind, event in recorded_events()] == [("created", table["id"])]


@pytest.mark.plugin_dists("listeners")
def test_a_plugin_blueprint_under_api_v1_answers_and_is_documented(client):
    response = client.get("/api/v1/tourism-desk/hours")

    assert response.status_code == 200
    assert response.get_json() == {"opens": "09:00", "closes": "18:00"}
    assert "/api/v1/tourism-desk/hours" in client.get("/api/v1/openapi.json").get_json()["paths"]
