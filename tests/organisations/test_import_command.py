"""`taskforce-api import-organisations FILE`: the same import from the server's command line."""
from tests.organisations.helpers import KALUGA, MARCHE, csv_text, row, xlsx_bytes

ORGS = "/api/v1/organisations"


def test_the_command_imports_a_workbook_and_prints_the_counts(runner, client, admin, tmp_path):
    path = tmp_path / "delegation.xlsx"
    path.write_bytes(xlsx_bytes(MARCHE, KALUGA))

    result = runner.invoke(args=["import-organisations", str(path)])

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2 created, 0 updated, 0 unchanged, 0 rejected"
    assert len(client.get(ORGS, headers=admin).get_json()) == 2


def test_the_command_prints_why_a_row_was_rejected(runner, tmp_path):
    path = tmp_path / "delegation.csv"
    path.write_text(csv_text(MARCHE, row(KALUGA, country="XX")), encoding="utf-8")

    result = runner.invoke(args=["import-organisations", str(path)])

    assert "row 3: country:" in result.output


def test_a_dry_run_of_the_command_stores_nothing(runner, client, tmp_path):
    path = tmp_path / "delegation.csv"
    path.write_text(csv_text(MARCHE), encoding="utf-8")

    result = runner.invoke(args=["import-organisations", "--dry-run", str(path)])

    assert "Dry run, nothing stored: 1 created" in result.output
    assert client.get(ORGS).get_json() == []


def test_the_command_shows_its_progress_as_plain_lines_off_a_terminal(runner, tmp_path):
    path = tmp_path / "delegation.csv"
    path.write_text(csv_text(MARCHE, KALUGA), encoding="utf-8")

    result = runner.invoke(args=["import-organisations", str(path)])

    assert "Importing rows: 2/2, done" in result.stderr
