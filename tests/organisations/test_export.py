"""GET /api/v1/organisations with Accept: text/csv: the filtered directory in the import's columns."""
import csv
import io

from tests.auth.helpers import problem
from tests.organisations.helpers import CSV, KALUGA, MARCHE, ORGS, csv_text, send, statuses

AS_CSV = {"Accept": CSV}


def export(client, headers=None, **query):
    response = client.get(ORGS, query_string=query, headers={**(headers or {}), **AS_CSV})
    assert response.status_code == 200, response.data
    assert response.mimetype == CSV
    return response.get_data(as_text=True)


def rows(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_export_lists_what_the_same_query_lists_as_json(client, admin, demo):
    exported = rows(export(client, admin, country="RU", sort="name"))

    listed = client.get(ORGS, query_string={"country": "RU", "sort": "name", "page_size": 100}, headers=admin).get_json()
    assert [r["id"] for r in exported] == [o["id"] for o in listed]
    assert {r["country"] for r in exported} == {"RU"}


def test_the_export_has_no_contacts_for_anonymous_callers(client, demo):
    header = next(csv.reader(io.StringIO(export(client).removeprefix("\ufeff"))))

    assert not [column for column in header if column.startswith("contacts")]


def test_the_export_has_the_contacts_for_an_authenticated_caller(client, admin, create_organisation):
    create_organisation()

    exported = rows(export(client, admin))

    assert exported[0]["contacts.0.email"] == "g.bianchi@example.org"


def test_cells_a_spreadsheet_would_evaluate_are_escaped(client, admin, create_organisation):
    create_organisation(city="=HYPERLINK(\"http://evil.example\")", name="@SUM(A1)")

    exported = rows(export(client, admin))[0]

    assert (exported["city"], exported["name"]) == ("'=HYPERLINK(\"http://evil.example\")", "'@SUM(A1)")
    assert exported["contacts.0.phone"] == "'+39 071 1234567"


def test_the_export_imports_back_unchanged(client, admin, demo, create_organisation):
    create_organisation(city="=1+1", website="https://formula.example")
    text = export(client, admin)

    report = send(client, admin, text).get_json()

    assert set(statuses(report)) == {"unchanged"} and report["unchanged"] == len(rows(text))


def test_a_list_asked_for_in_another_media_type_is_refused_with_406(client):
    response = client.get(ORGS, headers={"Accept": "application/xml"})

    assert response.status_code == 406 and problem(response)


def test_the_export_shows_the_callers_own_external_ids_only(client, admin, auth, create_organisation):
    partner = auth("partner", organisation_id=create_organisation(website="https://agency.example")["id"])
    send(client, admin, csv_text(MARCHE))
    send(client, partner, csv_text(KALUGA))

    seen = {role: {r["name"]: r["external_id"] for r in rows(export(client, headers))}
            for role, headers in (("staff", admin), ("partner", partner), ("anonymous", {}))}

    assert seen["staff"]["Confartigianato Marche"] == "A-1" and seen["staff"][KALUGA[1]] == ""
    assert seen["partner"]["Confartigianato Marche"] == "" and seen["partner"][KALUGA[1]] == "A-2"
    assert set(seen["anonymous"].values()) == {""}
