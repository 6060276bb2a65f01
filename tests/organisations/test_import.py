"""POST /api/v1/organisations/import: CSV and XLSX rows through the organisations resource."""
import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest

from tests.auth.helpers import problem
from tests.conftest import account_token, organisation_body
from tests.organisations.helpers import (CSV, HEADER, IMPORT, KALUGA, MARCHE, ORGS, XLSX, csv_text, declared_xlsx, row,
                                         send, statuses, xlsx_bytes)


def total(client, headers):
    return json.loads(client.get(ORGS, headers=headers).headers["X-Pagination"])["total"]


def organisation(client, headers, entry):
    return client.get(f"{ORGS}/{entry['id']}", headers=headers).get_json()


def test_a_csv_creates_each_row_with_its_cyrillic_text(client, admin):
    report = send(client, admin, csv_text(MARCHE, KALUGA)).get_json()

    assert (report["created"], statuses(report)) == (2, ["created", "created"])
    kaluga = organisation(client, admin, report["rows"][1])
    assert (kaluga["name"], kaluga["city"], kaluga["contacts"]) == (
        "Агентство развития Калужской области", "Калуга", [{"name": "Иван Петров", "email": "i.petrov@example.org"}])
    assert kaluga["sectors"] == ["logistics"] and kaluga["description"] == {"ru": "Инвестиции в логистику"}


def test_rows_are_numbered_as_the_spreadsheet_shows_them(client, admin):
    report = send(client, admin, csv_text(MARCHE, KALUGA)).get_json()

    assert [entry["row"] for entry in report["rows"]] == [2, 3]


def test_every_imported_organisation_has_its_revision_by_the_importer(client, admin):
    entry = send(client, admin, csv_text(MARCHE)).get_json()["rows"][0]

    revisions = client.get(f"{ORGS}/{entry['id']}/revisions", headers=admin).get_json()

    assert [(r["version"], r["change"]["name"]["new"]) for r in revisions] == [(1, "Confartigianato Marche")]


def test_a_semicolon_separated_csv_with_a_byte_order_mark_reads_the_same(client, admin):
    body = "\ufeff" + csv_text(MARCHE, KALUGA, delimiter=";")

    report = send(client, admin, body).get_json()

    assert statuses(report) == ["created", "created"]
    assert organisation(client, admin, report["rows"][0])["sectors"] == ["furniture", "mechanics"]


def test_an_xlsx_body_creates_each_row(client, admin):
    report = send(client, admin, xlsx_bytes(MARCHE, KALUGA), XLSX).get_json()

    assert statuses(report) == ["created", "created"]
    assert organisation(client, admin, report["rows"][1])["name_i18n"]["ru"] == "Агентство развития Калужской области"


def test_a_multipart_file_field_is_read_by_its_file_name(client, admin):
    upload = (io.BytesIO(xlsx_bytes(KALUGA)), "delegation.xlsx", "application/octet-stream")

    response = client.post(IMPORT, data={"file": upload}, headers=admin, content_type="multipart/form-data")

    assert statuses(response.get_json()) == ["created"]


def test_a_multipart_body_without_the_file_field_is_refused_at_file(client, admin):
    response = client.post(IMPORT, data={}, headers=admin, content_type="multipart/form-data")

    assert response.status_code == 422 and set(problem(response)["errors"]) == {"file"}


def test_a_multipart_field_beside_the_file_is_refused_by_name(client, admin):
    upload = (io.BytesIO(csv_text(MARCHE).encode()), "delegation.csv")

    response = client.post(IMPORT, data={"file": upload, "sheet": "2"}, headers=admin,
                           content_type="multipart/form-data")

    assert response.status_code == 422 and set(problem(response)["errors"]) == {"sheet"}
    assert total(client, admin) == 0


def test_options_on_the_import_allows_only_its_own_methods(client):
    assert set(client.options(IMPORT).headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_a_dry_run_reports_what_the_import_would_do_and_stores_nothing(client, admin):
    body = csv_text(MARCHE, row(KALUGA, country="XX"), row(MARCHE, external_id="A-3"))
    before = total(client, admin)

    dry = send(client, admin, body, query="?dry_run=true").get_json()

    assert total(client, admin) == before
    real = send(client, admin, body).get_json()
    assert [(e["row"], e["status"], e.get("errors")) for e in dry["rows"]] == \
        [(e["row"], e["status"], e.get("errors")) for e in real["rows"]]
    assert (dry["dry_run"], real["dry_run"]) == (True, False)


def test_importing_the_same_file_again_changes_nothing(client, admin):
    body = csv_text(MARCHE, KALUGA)
    first = send(client, admin, body).get_json()

    again = send(client, admin, body).get_json()

    assert statuses(again) == ["unchanged", "unchanged"]
    assert [e["id"] for e in again["rows"]] == [e["id"] for e in first["rows"]]
    assert organisation(client, admin, first["rows"][0])["version"] == 1


def test_a_changed_row_updates_the_organisation_its_external_id_names(client, admin):
    created = send(client, admin, csv_text(MARCHE)).get_json()["rows"][0]

    report = send(client, admin, csv_text(row(MARCHE, city="Pesaro", website=""))).get_json()

    assert report["rows"][0] == {"row": 2, "status": "updated", "id": created["id"]}
    updated = organisation(client, admin, created)
    assert (updated["city"], updated["version"], "website" in updated) == ("Pesaro", 2, False)


def test_a_row_without_external_id_finds_its_organisation_by_website_host(client, admin, create_organisation):
    existing = create_organisation(website="https://www.kaluga-agency.example/en/", name="Kaluga agency")

    report = send(client, admin, csv_text(row(KALUGA, external_id=""))).get_json()

    assert report["rows"][0]["status"] == "updated" and report["rows"][0]["id"] == existing["id"]


def test_a_row_with_an_id_updates_that_organisation(client, admin, create_organisation):
    existing = create_organisation()
    header = ["id", "city"]

    report = send(client, admin, csv_text([existing["id"], "Fermo"], header=header)).get_json()

    assert report["rows"][0]["status"] == "updated"
    assert organisation(client, admin, existing)["city"] == "Fermo"


def test_a_row_without_any_key_is_rejected(client, admin):
    report = send(client, admin, csv_text(row(MARCHE, external_id="", website=""))).get_json()

    assert report["rows"][0]["status"] == "rejected" and set(report["rows"][0]["errors"]) == {"external_id"}


def test_an_invalid_row_is_rejected_with_errors_by_column_and_stores_nothing(client, admin):
    bad = row(KALUGA, country="XX", contacts__0__email="not an e-mail")

    report = send(client, admin, csv_text(MARCHE, bad)).get_json()

    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["rows"][1]["status"] == "rejected" and "id" not in report["rows"][1]
    assert set(report["rows"][1]["errors"]) == {"country", "contacts.0.email"}
    assert client.get(ORGS, query_string={"q": "Калужской"}, headers=admin).get_json() == []


def test_a_rejected_update_leaves_the_organisation_as_it_was(client, admin):
    created = send(client, admin, csv_text(MARCHE)).get_json()["rows"][0]

    report = send(client, admin, csv_text(row(MARCHE, city="Pesaro", kind="spaceship"))).get_json()

    assert set(report["rows"][0]["errors"]) == {"kind"}
    kept = organisation(client, admin, created)
    assert (kept["city"], kept["version"]) == ("Ancona", 1)


def test_a_second_row_with_the_same_key_is_rejected_with_the_first_rows_number(client, admin):
    report = send(client, admin, csv_text(MARCHE, row(MARCHE, city="Pesaro"))).get_json()

    assert statuses(report) == ["created", "rejected"]
    assert report["rows"][1]["errors"] == {"external_id": ["Row 2 imports the same organisation."]}


def test_two_new_rows_with_the_same_website_are_one_organisation_twice(client, admin):
    report = send(client, admin, csv_text(MARCHE, row(MARCHE, external_id="A-9"))).get_json()

    assert statuses(report) == ["created", "rejected"]
    assert report["rows"][1]["errors"] == {"website": ["Row 2 imports the same organisation."]}


@pytest.mark.parametrize("formula", ["=1+1", "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "+7 495", "-2"])
def test_a_formula_in_a_csv_cell_is_stored_as_its_text(client, admin, formula):
    entry = send(client, admin, csv_text(row(MARCHE, city=formula))).get_json()["rows"][0]

    assert organisation(client, admin, entry)["city"] == formula


def test_a_formula_cell_of_a_workbook_is_stored_as_its_text_never_evaluated(client, admin):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(MARCHE)))
    workbook.active["H2"] = "=1+1"  # city
    out = io.BytesIO()
    workbook.save(out)

    entry = send(client, admin, out.getvalue(), XLSX).get_json()["rows"][0]

    assert organisation(client, admin, entry)["city"] == "=1+1"


def test_a_partners_import_creates_organisations_it_manages(client, auth, create_organisation):
    agency = create_organisation(name="Agenzia Marche Export")
    partner = auth("partner", organisation_id=agency["id"])

    entry = send(client, partner, csv_text(KALUGA)).get_json()["rows"][0]

    assert organisation(client, partner, entry)["managed_by"] == agency["id"]


def test_a_partners_import_cannot_change_an_organisation_it_does_not_manage(client, admin, auth, create_organisation):
    agency = create_organisation(name="Agenzia Marche Export", website="https://agency.example")
    other = create_organisation(name="Camera di commercio", website="https://camera.example")
    partner = auth("partner", organisation_id=agency["id"])

    report = send(client, partner, csv_text([other["id"], "Pesaro"], header=["id", "city"])).get_json()

    assert report["rows"][0]["status"] == "rejected" and set(report["rows"][0]["errors"]) == {"id"}
    assert organisation(client, admin, other)["city"] == "Ancona"


def test_external_ids_are_the_importers_own(client, auth, create_organisation):
    first = auth("partner", organisation_id=create_organisation(website="https://one.example")["id"])
    second = auth("partner", organisation_id=create_organisation(website="https://two.example")["id"])
    send(client, first, csv_text(MARCHE))

    report = send(client, second, csv_text(row(MARCHE, website="https://other.example"))).get_json()

    assert statuses(report) == ["created"]


def test_an_anonymous_import_is_refused_with_401(client):
    response = send(client, {}, csv_text(MARCHE))

    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_credential_may_not_import(client, auth, create_organisation):
    reader = auth("partner", organisation_id=create_organisation()["id"], scopes=("read",))

    assert send(client, reader, csv_text(MARCHE)).status_code == 403


def test_a_body_that_is_no_spreadsheet_is_refused_with_415(client, admin):
    response = client.post(IMPORT, json=[organisation_body()], headers=admin)

    assert response.status_code == 415 and problem(response)


def test_a_body_that_claims_xlsx_but_is_not_is_refused_with_415(client, admin):
    assert send(client, admin, csv_text(MARCHE), XLSX).status_code == 415


def test_a_csv_that_is_not_utf_8_is_refused_with_415(client, admin):
    assert send(client, admin, csv_text(KALUGA).encode("cp1251")).status_code == 415


def test_an_unknown_column_refuses_the_file_naming_it(client, admin):
    response = send(client, admin, csv_text(MARCHE + ["x"], header=HEADER + ["fax"]))

    assert response.status_code == 422 and set(problem(response)["errors"]) == {"fax"}
    assert total(client, admin) == 0


def test_a_body_over_the_limit_is_refused_with_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    headers = {"Authorization": f"Bearer {account_token(app, 'admin')}"}

    response = send(app.test_client(), headers, csv_text(*[row(MARCHE, external_id=str(n)) for n in range(20)]))

    assert response.status_code == 413 and problem(response)


def test_more_rows_than_the_limit_are_refused_with_413_and_nothing_stored(client, admin):
    rows = [[str(n), f"Org {n}", "company", "IT", f"https://o{n}.example"] for n in range(5001)]

    response = send(client, admin, csv_text(*rows, header=["external_id", "name", "kind", "country", "website"]))

    assert response.status_code == 413 and "5,000" in problem(response)["detail"]
    assert total(client, admin) == 0


def test_an_idempotency_key_replays_the_first_report(client, admin):
    headers = {**admin, "Idempotency-Key": "import-1"}
    first = send(client, headers, csv_text(MARCHE))

    replay = send(client, headers, csv_text(MARCHE))

    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json() == first.get_json()


def test_an_idempotency_key_of_a_dry_run_is_refused_for_the_real_import_with_422(client, admin):
    headers = {**admin, "Idempotency-Key": "import-3"}
    send(client, headers, csv_text(MARCHE), query="?dry_run=true")

    response = send(client, headers, csv_text(MARCHE), query="?dry_run=false")

    assert response.status_code == 422 and "Idempotency-Key" in problem(response)["errors"]
    assert total(client, admin) == 0


def zip_of(**parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("body, content_type", [
    pytest.param(b"", CSV, id="empty-csv"),
    pytest.param(b"\xef\xbb\xbf", CSV, id="only-a-bom"),
    pytest.param(b"\xff\xfe" + "name".encode("utf-16-le"), CSV, id="utf-16"),
    pytest.param(b"", XLSX, id="empty-xlsx"),
    pytest.param(b"PK\x03\x04 truncated", XLSX, id="truncated-zip"),
    pytest.param(zip_of(**{"hello.txt": "not a workbook"}), XLSX, id="zip-without-workbook"),
    pytest.param(zip_of(**{"xl/workbook.xml": "<not-closed"}), XLSX, id="broken-workbook-xml"),
    pytest.param(zip_of(**{"big.txt": "0" * (60 * 2**20)}), XLSX, id="zip-bomb"),
    pytest.param(b"<?xml version='1.0'?><x/>", "application/xml", id="xml"),
])
def test_a_hostile_file_is_refused_with_a_problem_and_stores_nothing(client, admin, body, content_type):
    response = send(client, admin, body, content_type)

    assert response.status_code in (413, 415, 422), response.data
    assert problem(response)
    assert total(client, admin) == 0


@pytest.mark.parametrize("body", [
    pytest.param(b'external_id,name,kind,country\r\n1,"unterminated,company,IT\r\n', id="unterminated-quote"),
    pytest.param(b"external_id,name,kind,country\r\n1,A\x00B,company,IT\r\n", id="nul-byte"),
    pytest.param(b"external_id,name,kind,country\r\n1,A,company,IT,extra,cells\r\n", id="cells-beyond-the-header"),
])
def test_a_damaged_row_is_rejected_and_stores_nothing(client, admin, body):
    report = send(client, admin, body).get_json()

    assert statuses(report) == ["rejected"] and report["rows"][0]["errors"]
    assert total(client, admin) == 0


def test_an_idempotency_key_replays_a_multipart_upload_sent_again_with_another_boundary(client, admin):
    headers = {**admin, "Idempotency-Key": "import-2"}

    def upload():
        return client.post(IMPORT, data={"file": (io.BytesIO(csv_text(MARCHE).encode()), "delegation.csv")},
                           headers=headers, content_type="multipart/form-data")

    first, replay = upload(), upload()

    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()


def test_a_partner_naming_another_manager_is_rejected_at_managed_by_in_a_dry_run_too(client, auth, create_organisation):
    agency = create_organisation(website="https://agency.example")
    other = create_organisation(website="https://other.example")
    partner = auth("partner", organisation_id=agency["id"])
    body = csv_text(KALUGA + [other["id"]], header=HEADER + ["managed_by"])

    reports = [send(client, partner, body, query=query).get_json() for query in ("?dry_run=true", "")]

    assert [set(report["rows"][0]["errors"]) for report in reports] == [{"managed_by"}, {"managed_by"}]


def test_workbook_rows_keep_their_numbers_across_blank_rows_and_empty_first_cells(client, admin):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["city", "external_id", "name", "kind", "country"])
    sheet.append([None, "B-1", "Consorzio Uno", "consortium", "IT"])  # row 2, its first cell empty
    for column, value in zip("ABCDE", ["Fermo", 17, "Consorzio Tre", "consortium", "IT"]):
        sheet[f"{column}5"] = value  # rows 3 and 4 left blank
    out = io.BytesIO()
    workbook.save(out)

    report = send(client, admin, out.getvalue(), XLSX).get_json()

    assert [(entry["row"], entry["status"]) for entry in report["rows"]] == [(2, "created"), (5, "created")]


def test_a_multipart_part_without_a_name_is_refused_with_422(client, admin):
    body = (b"--b0undary\r\nContent-Disposition: form-data\r\n\r\nnull\r\n"
            b"--b0undary\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b0undary--\r\n")

    response = send(client, admin, body, "multipart/form-data; boundary=b0undary")

    assert response.status_code == 422 and problem(response)


# A header and a row a dry run reads, in a sheet declaring itself 16,384 columns wide: read-only openpyxl pads each
# row to the declared width unless told to forget it.
DECLARED_WIDE = {"A1": "name", "B1": "kind", "C1": "country", "D1": "external_id"}


def peak_memory_of(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_workbook_declaring_a_sheet_16384_columns_wide_is_read_in_bounded_memory(client, admin):
    body = declared_xlsx("A1:XFD3000", {**DECLARED_WIDE, "A3000": "Far Away", "B3000": "company", "C3000": "IT", "D3000": "F-1"})

    response, peak = peak_memory_of(lambda: send(client, admin, body, XLSX, query="?dry_run=true"))

    assert [(entry["row"], entry["status"]) for entry in response.get_json()["rows"]] == [(3000, "created")]
    assert peak < 50 * 2**20


def test_a_workbook_whose_last_row_is_1048576_is_refused_with_413_in_bounded_memory(client, admin):
    body = declared_xlsx("A1:XFD1048576", {**DECLARED_WIDE, "A1048576": "X"})

    response, peak = peak_memory_of(lambda: send(client, admin, body, XLSX, query="?dry_run=true"))

    assert response.status_code == 413 and "6,001" in problem(response)["detail"]
    assert peak < 50 * 2**20


def test_a_multipart_workbook_whose_last_row_is_1048576_is_refused_with_413(client, admin):
    body = declared_xlsx("A1:XFD1048576", {**DECLARED_WIDE, "A1048576": "X"})

    response = client.post(IMPORT, data={"file": (io.BytesIO(body), "bomb.xlsx")}, headers=admin,
                           content_type="multipart/form-data")

    assert response.status_code == 413 and problem(response)


def test_a_workbook_cell_past_column_500_is_refused_with_413_and_nothing_stored(client, admin):
    body = declared_xlsx("A1:C2", {**DECLARED_WIDE, "A2": "Wide", "B2": "company", "C2": "IT", "SG2": "x"})

    response = send(client, admin, body, XLSX)

    assert response.status_code == 413 and "column 500" in problem(response)["detail"]
    assert total(client, admin) == 0


def test_blank_csv_lines_past_the_allowance_are_refused_with_413_and_nothing_stored(client, admin):
    body = csv_text(MARCHE) + "\r\n" * 7000 + csv_text(KALUGA, header=HEADER).split("\r\n", 1)[1]

    response = send(client, admin, body)

    assert response.status_code == 413 and "blank rows" in problem(response)["detail"]
    assert total(client, admin) == 0


def test_a_csv_cell_longer_than_10000_characters_refuses_the_file_with_422(client, admin):
    response = send(client, admin, csv_text(row(MARCHE, city="x" * 10_001)))

    assert response.status_code == 422 and "file" in problem(response)["errors"]
    assert total(client, admin) == 0
