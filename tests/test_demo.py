"""The demo data set: the XXI session with its programme and a directory of both countries, loaded once."""
import json
import re

import pycountry
import pytest

from api.organisations.models import KINDS

CYRILLIC = re.compile("[\u0400-\u04ff]")

ANNOUNCED_SECTOR_TABLES = [
    "Energie e tecnologie da fonti tradizionali e alternative",
    "Beni di consumo, meccanica, meccatronica, apparecchiature elettromedicali, nano e biotecnologie",
    "Edilizia, legno, arredo e domotica",
    "Logistica",
]


def get_all(client, url, headers=None, **filters):
    response = client.get(url, query_string={"page_size": 100, **filters}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total_pages"] <= 1
    return response.get_json()


@pytest.fixture
def session(client, demo):
    sessions = get_all(client, "/api/v1/sessions")
    assert len(sessions) == 1
    return sessions[0]


@pytest.fixture
def organisations(client, admin, demo):
    return get_all(client, "/api/v1/organisations", admin)


def test_demo_has_one_session_number_21(session):
    assert (session["number"], session["starts_on"], session["ends_on"]) == (21, "2012-10-23", "2012-10-26")
    assert session["city"] == "Ancona"


def test_demo_directory_has_at_least_30_organisations_of_every_kind(organisations):
    assert len(organisations) >= 30
    assert {o["kind"] for o in organisations} == set(KINDS)


def test_demo_organisations_have_italian_and_russian_names(organisations):
    assert all({"it", "ru"} <= set(o["name_i18n"]) for o in organisations)
    assert all(CYRILLIC.search(o["name_i18n"]["ru"]) for o in organisations)
    cyrillic_names = [o["name"] for o in organisations if CYRILLIC.search(o["name"])]
    assert cyrillic_names and len(cyrillic_names) < len(organisations)


def test_demo_organisations_come_from_both_countries_in_valid_regions(organisations):
    assert {o["country"] for o in organisations} == {"IT", "RU"}
    for organisation in organisations:
        region = pycountry.subdivisions.get(code=organisation["region"])
        assert region is not None, organisation["region"]
        assert region.country_code == organisation["country"]


def test_demo_session_has_the_four_announced_sector_tables(client, session):
    tables = get_all(client, f"/api/v1/sessions/{session['id']}/tables", kind="sector")

    assert sorted(t["title"]["it"] for t in tables) == sorted(ANNOUNCED_SECTOR_TABLES)
    assert all(t["title"]["ru"] for t in tables)


def test_demo_session_has_one_investment_desk_with_projects(client, session):
    desks = get_all(client, f"/api/v1/sessions/{session['id']}/tables", kind="investment_desk")

    assert len(desks) == 1
    assert desks[0]["attributes"]["projects"]


def test_demo_session_has_two_seminars(client, session):
    seminars = get_all(client, f"/api/v1/sessions/{session['id']}/seminars")

    assert sorted(s["title"]["it"] for s in seminars) == [
        "Promozione reciproca del settore turistico",
        "Strumenti finanziari a supporto dell'internazionalizzazione delle Pmi nei reciproci mercati"]


def test_demo_references_resolve_to_demo_organisations(client, session, organisations):
    ids = {o["id"] for o in organisations}
    tables = get_all(client, f"/api/v1/sessions/{session['id']}/tables")
    seminars = get_all(client, f"/api/v1/sessions/{session['id']}/seminars")

    referenced = {c["organisation_id"] for t in tables for c in t["co_chairs"] if "organisation_id" in c}
    referenced |= {s["organisation_id"] for seminar in seminars for s in seminar["speakers"] if "organisation_id" in s}
    assert referenced and referenced <= ids


def test_load_demo_command_loads_into_an_empty_store(runner, client):
    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 0, result.output
    assert "1 sessions" in result.output and "5 tables" in result.output and "2 seminars" in result.output
    assert [s["number"] for s in client.get("/api/v1/sessions").get_json()] == [21]


def test_load_demo_command_loads_nothing_when_the_demo_is_there(runner, client, demo):
    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "The demo data is already there; nothing loaded."
    assert len(client.get("/api/v1/sessions").get_json()) == 1


def test_an_app_on_the_embedded_store_starts_with_the_demo(make_app):
    app = make_app(LOAD_DEMO_DATA=True)

    result = app.test_cli_runner().invoke(args=["load-demo"])

    assert result.output.strip() == "The demo data is already there; nothing loaded."


def test_demo_session_has_registrations_of_both_countries_with_networking_profiles(client, admin, session,
                                                                                   organisations):
    registrations = get_all(client, f"/api/v1/sessions/{session['id']}/registrations", admin)
    countries = {o["id"]: o["country"] for o in organisations}

    assert {r["status"] for r in registrations} == {"confirmed", "waitlisted", "cancelled"}
    assert {countries[r["organisation_id"]] for r in registrations if r["status"] == "confirmed"} == {"IT", "RU"}
    assert len([r for r in registrations if r["networking"] and r["networking_profile"]["availability"]]) >= 5


def test_demo_session_lists_its_confirmed_participants_publicly(client, admin, session):
    registrations = get_all(client, f"/api/v1/sessions/{session['id']}/registrations", admin, status="confirmed")

    participants = get_all(client, "/api/v1/organisations", session_id=session["id"])

    assert sorted(o["id"] for o in participants) == sorted(r["organisation_id"] for r in registrations)
    assert all("contacts" not in o for o in participants)


def test_demo_session_is_concluded_after_taking_its_registrations(session):
    assert session["status"] == "concluded"


def test_demo_has_a_published_networking_schedule_with_agendas(client, admin, session):
    schedules = client.get(f"/api/v1/sessions/{session['id']}/networking/schedules", headers=admin).get_json()
    assert [s["published"] for s in schedules] == [True]
    meetings = client.get(f"/api/v1/sessions/{session['id']}/networking/schedules/1", headers=admin).get_json()["meetings"]
    organisation_id = meetings[0]["organisation_ids"][0]
    agenda = client.get(f"/api/v1/sessions/{session['id']}/networking/agenda/{organisation_id}", headers=admin)
    assert agenda.get_json()["meetings"]
