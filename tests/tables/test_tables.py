"""Thematic tables over HTTP: nesting in sessions, visibility, validation by kind, uninstalled kinds, versioning."""
import pytest

from tests.conftest import etag
from tests.tables.helpers import investment_desk_body, project, sector_attributes, table_body, table_url, tables_url

MISSING_ID = "64b7f0c2a1e4b3d2c1a09f8e"


def post_table(client, session, headers, **overrides):
    return client.post(tables_url(session), json=table_body(**overrides), headers=headers)


def error_paths(response):
    assert response.status_code == 422, response.get_json()
    return set(response.get_json()["errors"])


# Nesting and visibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("session_id", [MISSING_ID, "not-an-id"])
def test_tables_of_an_unknown_session_answer_404(client, session_id):
    response = client.get(f"/api/v1/sessions/{session_id}/tables")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("session_id", [MISSING_ID, "not-an-id"])
def test_creating_a_table_in_an_unknown_session_answers_404(client, admin, session_id):
    response = client.post(f"/api/v1/sessions/{session_id}/tables", json=table_body(), headers=admin)

    assert response.status_code == 404


def test_a_table_is_not_found_under_another_session(client, create_session, create_table):
    table = create_table()
    other = create_session()

    assert client.get(f"{tables_url(other)}/{table['id']}").status_code == 404


def test_table_id_that_is_not_an_object_id_answers_404(client, session):
    assert client.get(f"{tables_url(session)}/not-an-id").status_code == 404


def test_tables_of_a_draft_session_are_hidden_from_anonymous_callers(client, create_session, create_table):
    draft = create_session(status="draft")
    table = create_table(in_session=draft)

    assert client.get(tables_url(draft)).status_code == 404
    assert client.get(table_url(table)).status_code == 404


def test_tables_of_a_draft_session_are_visible_to_editors(client, editor, create_session, create_table):
    draft = create_session(status="draft")
    table = create_table(in_session=draft)

    assert [t["id"] for t in client.get(tables_url(draft), headers=editor).get_json()] == [table["id"]]
    assert client.get(table_url(table), headers=editor).status_code == 200


def test_anonymous_callers_read_tables_of_a_published_session(client, create_table):
    table = create_table()

    response = client.get(table_url(table))

    assert response.status_code == 200
    assert response.get_json() == table


# Creation and validation ----------------------------------------------------------------------


def test_create_a_sector_table(client, admin, session):
    response = post_table(client, session, admin)

    assert response.status_code == 201
    table = response.get_json()
    assert (table["kind"], table["kind_version"], table["kind_installed"], table["version"]) == ("sector", 1, True, 1)
    assert table["session_id"] == session["id"]
    assert table["attributes"] == sector_attributes()
    assert response.headers["Location"].endswith(table_url(table))
    assert response.headers["ETag"] == '"1"'


def test_unknown_kind_answers_422_at_kind(client, admin, session):
    response = post_table(client, session, admin, kind="tourism_showcase", attributes={})

    assert error_paths(response) == {"kind"}


@pytest.mark.parametrize("attributes, paths", [
    ({"nace_codes": ["h49"]}, {"attributes.nace_codes.0"}),
    ({"nace_codes": ["H49", "C2"]}, {"attributes.nace_codes.1"}),
    ({"nace_codes": ["H49", "H49"]}, {"attributes.nace_codes"}),
    ({"nace_codes": "H49"}, {"attributes.nace_codes"}),
    ({"agenda_items": [{"title": {"it": "Porti"}}, {}]}, {"attributes.agenda_items.1.title"}),
    ({"outcomes": [{}]}, {"attributes.outcomes.0"}),
])
def test_attributes_invalid_for_the_kind_answer_422_at_their_path(client, admin, session, attributes, paths):
    response = post_table(client, session, admin, attributes=attributes)

    assert error_paths(response) == paths


def test_unknown_attribute_answers_422(client, admin, session):
    response = post_table(client, session, admin, attributes=sector_attributes(budget=1000))

    assert error_paths(response) == {"attributes.budget"}


def test_attributes_that_are_not_an_object_answer_422(client, admin, session):
    response = post_table(client, session, admin, attributes=["H49"])

    assert error_paths(response) == {"attributes"}


def test_agenda_presenter_must_be_an_existing_organisation(client, admin, session):
    attributes = sector_attributes(agenda_items=[{"title": {"it": "Porti"}, "presenter_organisation_id": MISSING_ID}])

    response = post_table(client, session, admin, attributes=attributes)

    assert error_paths(response) == {"attributes.agenda_items.0.presenter_organisation_id"}


def test_schedule_before_the_session_answers_422_at_starts_at(client, admin, session):
    schedule = {"starts_at": "2012-10-22T09:30:00+02:00", "ends_at": "2012-10-23T13:00:00+02:00"}

    response = post_table(client, session, admin, schedule=schedule)

    assert error_paths(response) == {"schedule.starts_at"}


def test_schedule_after_the_session_answers_422_at_ends_at(client, admin, session):
    schedule = {"starts_at": "2012-10-26T22:30:00+02:00", "ends_at": "2012-10-27T00:30:00+02:00"}

    response = post_table(client, session, admin, schedule=schedule)

    assert error_paths(response) == {"schedule.ends_at"}


def test_schedule_is_checked_against_the_session_dates_in_its_time_zone(client, admin, session):
    # 22:30 UTC on the 22nd is 00:30 on the 23rd in Rome: the session's first day.
    schedule = {"starts_at": "2012-10-22T22:30:00Z", "ends_at": "2012-10-22T23:30:00Z"}

    response = post_table(client, session, admin, schedule=schedule)

    assert response.status_code == 201, response.get_json()


def test_schedule_ending_before_it_starts_answers_422_at_ends_at(client, admin, session):
    schedule = {"starts_at": "2012-10-25T13:00:00+02:00", "ends_at": "2012-10-25T09:30:00+02:00"}

    response = post_table(client, session, admin, schedule=schedule)

    assert error_paths(response) == {"schedule.ends_at"}


def test_schedule_without_an_offset_answers_422(client, admin, session):
    schedule = {"starts_at": "2012-10-25T09:30:00", "ends_at": "2012-10-25T13:00:00+02:00"}

    response = post_table(client, session, admin, schedule=schedule)

    assert error_paths(response) == {"schedule.starts_at"}


def test_kind_version_is_set_by_the_server_and_ignored_on_input(client, admin, session):
    response = post_table(client, session, admin, kind_version=99, kind_installed=False)

    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["kind_version"], response.get_json()["kind_installed"]) == (1, True)


def test_unknown_top_level_field_answers_422(client, admin, session):
    response = post_table(client, session, admin, budget=1000)

    assert error_paths(response) == {"budget"}


def test_co_chair_organisation_must_exist(client, admin, session):
    co_chairs = [{"name": "Paolo Rossi", "organisation_id": MISSING_ID, "country": "IT"}]

    response = post_table(client, session, admin, co_chairs=co_chairs)

    assert error_paths(response) == {"co_chairs.0.organisation_id"}


def test_co_chair_of_an_existing_organisation_is_accepted(client, admin, session, create_organisation):
    organisation = create_organisation()
    co_chairs = [{"name": "Paolo Rossi", "organisation_id": organisation["id"], "country": "IT"}]

    response = post_table(client, session, admin, co_chairs=co_chairs)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["co_chairs"] == co_chairs


# Lists ------------------------------------------------------------------------------------------


def test_list_filtered_by_kind(client, session, create_organisation, create_table):
    create_table()
    desk = create_table(**investment_desk_body(project(create_organisation()["id"])))

    listed = client.get(f"{tables_url(session)}?kind=investment_desk").get_json()

    assert [t["id"] for t in listed] == [desk["id"]]


def test_list_filtered_by_sector(client, session, create_table):
    create_table(sectors=["energy"])
    logistics = create_table(sectors=["logistics", "ports"])

    listed = client.get(f"{tables_url(session)}?sector=logistics").get_json()

    assert [t["id"] for t in listed] == [logistics["id"]]


def test_list_shows_only_the_tables_of_its_session(client, session, create_session, create_table):
    mine = create_table()
    create_table(in_session=create_session())

    assert [t["id"] for t in client.get(tables_url(session)).get_json()] == [mine["id"]]


def test_search_finds_a_table_by_a_word_of_its_russian_title(client, session, create_table):
    create_table(title={"it": "Energia", "ru": "Энергетика"})
    wood = create_table(title={"it": "Edilizia e legno", "ru": "Строительство и деревообработка"})

    listed = client.get(f"{tables_url(session)}?q=деревообработка").get_json()

    assert [t["id"] for t in listed] == [wood["id"]]


# A kind that is no longer installed -------------------------------------------------------------


@pytest.fixture
def uninstall_kind(app):
    """Remove a kind from the running app's registry, as if its plugin had been uninstalled."""
    def uninstall(name):
        del app.extensions["taskforce_plugins"].kinds[name]
    return uninstall


def test_table_of_an_uninstalled_kind_stays_readable_with_raw_attributes(client, create_table, uninstall_kind):
    attributes = sector_attributes(outcomes=[{"it": "Accordo sui porti", "ru": "Соглашение о портах"}])
    table = create_table(attributes=attributes)
    uninstall_kind("sector")

    response = client.get(table_url(table))

    assert response.status_code == 200
    shown = response.get_json()
    assert (shown["kind"], shown["kind_installed"], shown["kind_version"]) == ("sector", False, 1)
    assert shown["attributes"] == attributes


def test_table_of_an_uninstalled_kind_stays_listed(client, session, create_table, uninstall_kind):
    table = create_table()
    uninstall_kind("sector")

    listed = client.get(tables_url(session)).get_json()

    assert [(t["id"], t["kind_installed"]) for t in listed] == [(table["id"], False)]


@pytest.mark.parametrize("method, body", [
    ("patch", {"title": {"it": "Logistica e porti"}}),
    ("put", table_body(title={"it": "Logistica e porti"})),
    ("delete", None),
])
def test_writes_to_a_table_of_an_uninstalled_kind_answer_422_at_kind(client, admin, create_table, uninstall_kind,
                                                                     method, body):
    table = create_table()
    uninstall_kind("sector")

    response = getattr(client, method)(table_url(table), json=body, headers={**admin, "If-Match": etag(table)})

    assert error_paths(response) == {"kind"}
    assert "not installed" in response.get_json()["errors"]["kind"][0]
    assert client.get(table_url(table)).get_json()["version"] == 1


# Versioning ------------------------------------------------------------------------------------------


def test_patch_needs_if_match(client, admin, create_table):
    table = create_table()

    response = client.patch(table_url(table), json={"title": {"it": "Porti"}}, headers=admin)

    assert response.status_code == 428


def test_stale_if_match_answers_412_and_changes_nothing(client, admin, create_table):
    table = create_table()
    client.patch(table_url(table), json={"title": {"it": "Porti"}}, headers={**admin, "If-Match": etag(table)})

    response = client.patch(table_url(table), json={"title": {"it": "Logistica"}},
                            headers={**admin, "If-Match": etag(table)})

    assert response.status_code == 412
    assert client.get(table_url(table)).get_json()["title"]["it"] == "Porti"


def test_patch_merges_attributes_and_bumps_the_version(client, admin, create_table):
    table = create_table()

    response = client.patch(table_url(table), json={"attributes": {"nace_codes": ["H50"]}},
                            headers={**admin, "If-Match": etag(table), "Content-Type": "application/merge-patch+json"})

    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["attributes"] == sector_attributes(nace_codes=["H50"])


def test_patch_with_invalid_attributes_answers_422_and_changes_nothing(client, admin, create_table):
    table = create_table()

    response = client.patch(table_url(table), json={"attributes": {"nace_codes": ["Z99"]}},
                            headers={**admin, "If-Match": etag(table)})

    assert error_paths(response) == {"attributes.nace_codes.0"}
    assert client.get(table_url(table)).get_json() == table


def test_revisions_list_changes_newest_first(client, admin, create_table):
    table = create_table()
    client.patch(table_url(table), json={"attributes": {"nace_codes": ["H50"]}},
                 headers={**admin, "If-Match": etag(table)})

    revisions = client.get(f"{table_url(table)}/revisions", headers=admin).get_json()

    assert [r["version"] for r in revisions] == [2, 1]
    assert revisions[0]["change"] == {"attributes": {"old": sector_attributes(),
                                                     "new": sector_attributes(nace_codes=["H50"])}}


def test_restore_makes_an_earlier_version_current(client, admin, create_table):
    table = create_table()
    changed = client.patch(table_url(table), json={"title": {"it": "Porti"}},
                           headers={**admin, "If-Match": etag(table)}).get_json()

    response = client.post(f"{table_url(table)}/revisions/1/restore", headers={**admin, "If-Match": etag(changed)})

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["version"], response.get_json()["title"]) == (3, table["title"])


def test_deleted_table_answers_404_and_keeps_its_history_for_admins(client, admin, session, create_table):
    table = create_table()

    response = client.delete(table_url(table), headers={**admin, "If-Match": etag(table)})

    assert response.status_code == 204
    assert client.get(table_url(table), headers=admin).status_code == 404
    assert client.get(tables_url(session), headers=admin).get_json() == []
    revisions = client.get(f"{table_url(table)}/revisions", headers=admin).get_json()
    assert [(r["version"], r["action"]) for r in revisions] == [(2, "deleted"), (1, "created")]


# Who may write ------------------------------------------------------------------------------------


def test_partner_may_not_create_a_table(client, auth, session, create_organisation):
    partner = auth("partner", organisation_id=create_organisation()["id"])

    assert post_table(client, session, partner).status_code == 403


def test_anonymous_caller_may_not_create_a_table(client, session):
    response = post_table(client, session, {})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_partner_may_not_change_a_table(client, auth, create_organisation, create_table):
    table = create_table()
    partner = auth("partner", organisation_id=create_organisation()["id"])

    response = client.patch(table_url(table), json={"title": {"it": "Porti"}}, headers={**partner, "If-Match": etag(table)})

    assert response.status_code == 403


def test_anonymous_caller_may_not_delete_a_table(client, create_table):
    table = create_table()

    assert client.delete(table_url(table), headers={"If-Match": etag(table)}).status_code == 401


def test_editor_may_create_a_table(client, editor, session):
    assert post_table(client, session, editor).status_code == 201


# investment_desk ------------------------------------------------------------------------------------


@pytest.fixture
def contact(create_organisation):
    return create_organisation()["id"]


def test_create_an_investment_desk(client, admin, session, contact):
    response = client.post(tables_url(session), json=investment_desk_body(project(contact)), headers=admin)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attributes"] == {"projects": [project(contact)]}


@pytest.mark.parametrize("amount", [-1, 2.5, "2500000", True, None, 10**16])
def test_investment_amount_must_be_a_whole_number_at_least_zero(client, admin, session, contact, amount):
    body = investment_desk_body(project(contact, amount=amount))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.0.amount"}


def test_investment_amount_zero_is_accepted(client, admin, session, contact):
    body = investment_desk_body(project(contact, amount=0))

    assert client.post(tables_url(session), json=body, headers=admin).status_code == 201


@pytest.mark.parametrize("currency", ["eur", "EURO", "ZZZ", "€", 978])
def test_investment_currency_must_be_an_iso_4217_code(client, admin, session, contact, currency):
    body = investment_desk_body(project(contact, currency=currency))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.0.currency"}


@pytest.mark.parametrize("currency", ["RUB", "USD", "CHF"])
def test_investment_currency_accepts_iso_4217_codes(client, admin, session, contact, currency):
    body = investment_desk_body(project(contact, currency=currency))

    assert client.post(tables_url(session), json=body, headers=admin).status_code == 201


@pytest.mark.parametrize("stage", ["started", "Financing", ""])
def test_investment_stage_must_be_one_of_the_stages(client, admin, session, contact, stage):
    body = investment_desk_body(project(contact, stage=stage))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.0.stage"}


def test_investment_contact_must_be_an_existing_organisation(client, admin, session, contact):
    body = investment_desk_body(project(contact), project(MISSING_ID))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.1.contact_organisation_id"}


def test_investment_contact_that_was_deleted_is_refused(client, admin, session, create_organisation):
    organisation = create_organisation()
    client.delete(f"/api/v1/organisations/{organisation['id']}", headers={**admin, "If-Match": etag(organisation)})
    body = investment_desk_body(project(organisation["id"]))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.0.contact_organisation_id"}


def test_investment_project_region_must_be_iso_3166_2(client, admin, session, contact):
    body = investment_desk_body(project(contact, region="RU-XXX"))

    response = client.post(tables_url(session), json=body, headers=admin)

    assert error_paths(response) == {"attributes.projects.0.region"}
