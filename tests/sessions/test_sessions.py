"""Sessions over HTTP: the field rules, the forward-only lifecycle, draft visibility and who may write."""
import pytest

from tests.conftest import etag, session_body

SESSIONS = "/api/v1/sessions"


def url(session):
    return f"{SESSIONS}/{session['id']}"


def assert_invalid(response, field):
    """Assert a 422 whose errors are all at the field or inside it (`languages.0`, `title.it`)."""
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    paths = set(response.get_json()["errors"])
    assert paths, response.get_json()
    assert all(path == field or path.startswith(field + ".") for path in paths), paths


def post(client, headers, without=(), **overrides):
    body = {k: v for k, v in session_body(**overrides).items() if k not in without}
    return client.post(SESSIONS, json=body, headers=headers)


def total(client, headers):
    import json
    return json.loads(client.get(SESSIONS, headers=headers).headers["X-Pagination"])["total"]


# Field rules ------------------------------------------------------------------------------------


def test_a_valid_session_is_created_as_sent(client, admin):
    body = session_body(description={"it": "Descrizione", "ru": "Описание"})

    response = client.post(SESSIONS, json=body, headers=admin)

    assert response.status_code == 201
    assert {k: response.get_json()[k] for k in body} == body


def test_status_defaults_to_draft(client, admin):
    assert post(client, admin, without=["status"]).get_json()["status"] == "draft"


@pytest.mark.parametrize("country", ["XX", "it", "ITA", "Italy", ""])
def test_host_country_must_be_an_iso_3166_alpha_2_code(client, admin, country):
    assert_invalid(post(client, admin, host_country=country, without=["host_region"]), "host_country")


@pytest.mark.parametrize("region", ["IT-99", "Marche", "it-57", "IT57"])
def test_host_region_must_be_an_iso_3166_2_code(client, admin, region):
    assert_invalid(post(client, admin, host_region=region), "host_region")


def test_host_region_must_lie_in_the_host_country(client, admin):
    assert_invalid(post(client, admin, host_country="IT", host_region="RU-MOW"), "host_region")


def test_host_region_is_optional(client, admin):
    assert post(client, admin, without=["host_region"]).status_code == 201


@pytest.mark.parametrize("title", [{"xx": "Titolo"}, {"english": "Title"}, {"IT": "Titolo"}, {}, {"it": ""},
                                   "Titolo", ["Titolo"]])
def test_title_must_be_a_non_empty_map_of_iso_639_1_codes_to_text(client, admin, title):
    assert_invalid(post(client, admin, title=title), "title")


def test_an_error_in_one_language_is_keyed_by_that_language(client, admin):
    response = post(client, admin, title={"it": "Titolo", "ru": ""})

    assert set(response.get_json()["errors"]) == {"title.ru"}


def test_an_error_in_a_list_item_is_keyed_by_its_position(client, admin):
    response = post(client, admin, languages=["it", "xx"])

    assert set(response.get_json()["errors"]) == {"languages.1"}


def test_description_follows_the_localised_text_rules(client, admin):
    assert_invalid(post(client, admin, description={"xx": "Descrizione"}), "description")


def test_title_may_be_in_any_iso_639_1_language(client, admin):
    response = post(client, admin, title={"en": "Session", "de": "Sitzung", "zh": "会议"})

    assert response.status_code == 201


def test_ends_on_before_starts_on_is_invalid_at_ends_on(client, admin):
    assert_invalid(post(client, admin, starts_on="2012-10-26", ends_on="2012-10-23"), "ends_on")


def test_a_one_day_session_is_valid(client, admin):
    assert post(client, admin, starts_on="2012-10-23", ends_on="2012-10-23").status_code == 201


@pytest.mark.parametrize("date", ["2012-02-30", "23/10/2012", "2012-10-23T09:00:00", "20121023", "", 20121023])
def test_dates_must_be_real_calendar_dates_in_iso_format(client, admin, date):
    assert_invalid(post(client, admin, starts_on=date), "starts_on")


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "CEST", "europe/rome", ""])
def test_timezone_must_be_an_iana_zone(client, admin, zone):
    assert_invalid(post(client, admin, timezone=zone), "timezone")


@pytest.mark.parametrize("number", [3.5, "21", True, None, 0, -1, 2**63, 1e300])
def test_number_must_be_a_positive_strict_integer(client, admin, number):
    assert_invalid(post(client, admin, number=number), "number")


def test_number_written_with_a_zero_fraction_is_that_integer(client, admin):
    # JSON Schema's "integer" includes 21.0, so the OpenAPI document cannot say otherwise.
    response = post(client, admin, number=21.0)

    assert response.status_code == 201
    assert response.get_json()["number"] == 21


@pytest.mark.parametrize("languages", [["xx"], ["it", "it"], "it", [1]])
def test_languages_must_be_distinct_iso_639_1_codes(client, admin, languages):
    assert_invalid(post(client, admin, languages=languages), "languages")


@pytest.mark.parametrize("field", ["title", "host_country", "city", "starts_on", "ends_on", "timezone", "number"])
def test_required_fields(client, admin, field):
    assert_invalid(post(client, admin, without=[field]), field)


def test_unknown_field_is_invalid(client, admin):
    assert_invalid(post(client, admin, colour="blue"), "colour")


def test_an_invalid_session_is_not_created(client, admin):
    post(client, admin, host_country="XX")

    assert total(client, admin) == 0


# Unique numbers ---------------------------------------------------------------------------------


def test_duplicate_number_answers_409_and_creates_nothing(client, admin, create_session):
    existing = create_session()

    response = post(client, admin, number=existing["number"])

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert total(client, admin) == 1


def test_changing_the_number_to_a_taken_one_answers_409(client, admin, create_session):
    taken, session = create_session(), create_session()

    response = client.patch(url(session), json={"number": taken["number"]}, headers={**admin, "If-Match": etag(session)})

    assert response.status_code == 409
    assert client.get(url(session)).get_json()["number"] == session["number"]


def test_the_number_of_a_deleted_session_stays_taken(client, admin, create_session):
    session = create_session()
    client.delete(url(session), headers={**admin, "If-Match": etag(session)})

    assert post(client, admin, number=session["number"]).status_code == 409


# Lifecycle --------------------------------------------------------------------------------------


def change_status(client, session, status, headers):
    return client.patch(url(session), json={"status": status}, headers={**headers, "If-Match": etag(session)})


@pytest.mark.parametrize("before, after", [
    ("draft", "published"),
    ("published", "registration_open"),
    ("registration_open", "registration_closed"),
    ("registration_closed", "concluded"),
    ("concluded", "archived"),
])
def test_status_moves_forward(client, admin, create_session, before, after):
    session = create_session(status=before)

    response = change_status(client, session, after, admin)

    assert response.status_code == 200
    assert response.get_json()["status"] == after


@pytest.mark.parametrize("before, after", [
    ("published", "draft"),
    ("registration_open", "published"),
    ("archived", "concluded"),
])
def test_status_cannot_move_backwards(client, admin, create_session, before, after):
    session = create_session(status=before)

    assert_invalid(change_status(client, session, after, admin), "status")
    assert client.get(url(session), headers=admin).get_json()["status"] == before


def test_unknown_status_is_invalid(client, admin, create_session):
    session = create_session()

    assert_invalid(change_status(client, session, "cancelled", admin), "status")


def test_unknown_status_is_invalid_on_create(client, admin):
    assert_invalid(post(client, admin, status="cancelled"), "status")


def test_other_fields_change_without_touching_the_status(client, admin, create_session):
    session = create_session(status="concluded")

    response = client.patch(url(session), json={"venue": "Palazzo"}, headers={**admin, "If-Match": etag(session)})

    assert response.status_code == 200


# Drafts and visibility --------------------------------------------------------------------------


@pytest.fixture
def partner(auth, create_organisation):
    return auth("partner", organisation_id=create_organisation()["id"])


def test_anonymous_reads_a_published_session(client, create_session):
    session = create_session(status="published")

    response = client.get(url(session))

    assert response.status_code == 200
    assert response.get_json()["id"] == session["id"]


def test_anonymous_gets_404_on_a_draft(client, create_session):
    assert client.get(url(create_session(status="draft"))).status_code == 404


def test_partner_gets_404_on_a_draft(client, partner, create_session):
    assert client.get(url(create_session(status="draft")), headers=partner).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "partner"])
def test_drafts_are_not_listed_for_non_staff(client, partner, create_session, who):
    published = create_session(status="published")
    create_session(status="draft")
    headers = partner if who == "partner" else {}

    response = client.get(SESSIONS, headers=headers)

    assert [s["id"] for s in response.get_json()] == [published["id"]]
    assert total(client, headers) == 1


def test_drafts_do_not_show_up_in_non_staff_searches(client, create_session):
    create_session(status="draft", title={"it": "Sessione segreta"})

    assert client.get(SESSIONS, query_string={"q": "segreta"}).get_json() == []


def test_status_filter_cannot_reveal_drafts(client, partner, create_session):
    create_session(status="draft")

    assert client.get(f"{SESSIONS}?status=draft", headers=partner).get_json() == []


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_staff_see_drafts(client, auth, create_session, role):
    draft = create_session(status="draft")
    headers = auth(role)

    assert client.get(url(draft), headers=headers).status_code == 200
    assert draft["id"] in [s["id"] for s in client.get(SESSIONS, headers=headers).get_json()]


def test_a_published_draft_becomes_visible_to_anonymous(client, admin, create_session):
    draft = create_session(status="draft")
    change_status(client, draft, "published", admin)

    assert client.get(url(draft)).status_code == 200


# Who may write ----------------------------------------------------------------------------------


def test_anonymous_cannot_create_a_session(client):
    response = client.post(SESSIONS, json=session_body())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_partner_cannot_create_a_session(client, admin, partner):
    response = client.post(SESSIONS, json=session_body(), headers=partner)

    assert response.status_code == 403
    assert total(client, admin) == 0


def test_partner_cannot_change_a_published_session(client, partner, create_session):
    session = create_session(status="published")

    response = client.patch(url(session), json={"city": "Pesaro"}, headers={**partner, "If-Match": etag(session)})

    assert response.status_code == 403


def test_partner_cannot_read_session_history(client, partner, create_session):
    session = create_session(status="published")

    assert client.get(f"{url(session)}/revisions", headers=partner).status_code == 403


def test_editor_creates_and_changes_sessions(client, editor):
    created = client.post(SESSIONS, json=session_body(), headers=editor)
    assert created.status_code == 201

    response = client.patch(url(created.get_json()), json={"city": "Pesaro"},
                            headers={**editor, "If-Match": created.headers["ETag"]})

    assert response.status_code == 200
