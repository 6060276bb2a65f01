"""Seminars over HTTP: in the demo session, strict fields, dates within the session, speakers, search."""
import pytest

from tests.conftest import current_etag
from tests.seminars.conftest import seminar_body, seminar_url, seminars_url

MISSING_ID = "64b7f0c2a1e4b3d2c1a09f8e"


def post_seminar(client, session, headers, **overrides):
    return client.post(seminars_url(session), json=seminar_body(**overrides), headers=headers)


def error_paths(response):
    assert response.status_code == 422, response.get_json()
    return set(response.get_json()["errors"])


# The demo session ------------------------------------------------------------------------------------------


def test_lists_the_demo_seminars_in_time_order(client, demo_session):
    response = client.get(f"{seminars_url(demo_session)}?sort=starts_at")

    assert response.status_code == 200
    assert [s["title"]["it"] for s in response.get_json()] == [
        "Strumenti finanziari a supporto dell'internazionalizzazione delle Pmi nei reciproci mercati",
        "Promozione reciproca del settore turistico"]


def test_reads_a_demo_seminar_with_its_etag(client, demo_session):
    listed = client.get(seminars_url(demo_session)).get_json()[0]

    response = client.get(seminar_url(listed))

    assert response.status_code == 200
    assert response.get_json() == listed
    assert response.headers["ETag"].startswith(f'"{listed["version"]}-')  # its seats are live: a digest follows


def test_create_a_seminar_in_the_demo_session(client, admin, demo_session):
    response = post_seminar(client, demo_session, admin)

    assert response.status_code == 201, response.get_json()
    seminar = response.get_json()
    assert (seminar["session_id"], seminar["version"], seminar["capacity"]) == (demo_session["id"], 1, 120)
    assert seminar["starts_at"] == "2012-10-25T13:00:00+00:00"
    assert client.get(response.headers["Location"]).get_json() == seminar
    assert len(client.get(seminars_url(demo_session)).get_json()) == 3


def test_search_finds_a_seminar_by_a_word_of_its_russian_title(client, demo_session):
    response = client.get(f"{seminars_url(demo_session)}?q=туристической")

    assert [s["title"]["it"] for s in response.get_json()] == ["Promozione reciproca del settore turistico"]


def test_search_finds_a_seminar_by_a_speaker_written_in_cyrillic(client, demo_session):
    response = client.get(f"{seminars_url(demo_session)}?q=Соколов")

    assert [s["title"]["ru"] for s in response.get_json()] == [
        "Финансовые инструменты поддержки интернационализации МСП на рынках двух стран"]


# Validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [-1, 3.5, "10", True, 100_001])
def test_capacity_must_be_a_whole_number_at_least_zero(client, admin, session, capacity):
    response = post_seminar(client, session, admin, capacity=capacity)

    assert error_paths(response) == {"capacity"}


@pytest.mark.parametrize("capacity", [0, 100_000])
def test_capacity_bounds_are_accepted(client, admin, session, capacity):
    response = post_seminar(client, session, admin, capacity=capacity)

    assert response.status_code == 201
    assert response.get_json()["capacity"] == capacity


@pytest.mark.parametrize("interpretation", [1, 0, "true", "yes", None])
def test_interpretation_must_be_true_or_false(client, admin, session, interpretation):
    response = post_seminar(client, session, admin, interpretation=interpretation)

    assert error_paths(response) == {"interpretation"}


def test_interpretation_defaults_to_false(client, admin, session):
    body = seminar_body()
    del body["interpretation"]

    response = client.post(seminars_url(session), json=body, headers=admin)

    assert response.get_json()["interpretation"] is False


@pytest.mark.parametrize("ends_at", ["2012-10-25T15:00:00+02:00", "2012-10-25T14:00:00+02:00"])
def test_seminar_must_end_after_it_starts(client, admin, session, ends_at):
    response = post_seminar(client, session, admin, ends_at=ends_at)

    assert error_paths(response) == {"ends_at"}


def test_seminar_before_the_session_answers_422_at_starts_at(client, admin, session):
    response = post_seminar(client, session, admin, starts_at="2012-10-22T15:00:00+02:00")

    assert error_paths(response) == {"starts_at"}


def test_seminar_after_the_session_answers_422(client, admin, session):
    response = post_seminar(client, session, admin, starts_at="2012-10-27T09:00:00+02:00",
                            ends_at="2012-10-27T11:00:00+02:00")

    assert error_paths(response) == {"starts_at", "ends_at"}


def test_seminar_dates_are_those_of_the_session_time_zone(client, admin, session):
    # 23:30 UTC on the 26th is 01:30 on the 27th in Rome, after the session.
    response = post_seminar(client, session, admin, starts_at="2012-10-26T20:00:00Z", ends_at="2012-10-26T23:30:00Z")

    assert error_paths(response) == {"ends_at"}


def test_changing_the_start_after_the_end_answers_422_and_changes_nothing(client, admin, create_seminar):
    seminar = create_seminar()

    response = client.patch(seminar_url(seminar), json={"starts_at": "2012-10-25T19:00:00+02:00"},
                            headers={**admin, "If-Match": current_etag(client, seminar_url(seminar), admin)})

    assert error_paths(response) == {"ends_at"}
    assert client.get(seminar_url(seminar)).get_json() == seminar


def test_speaker_organisation_must_exist(client, admin, session):
    speakers = [{"name": "Anna Petrova", "organisation_id": MISSING_ID}]

    response = post_seminar(client, session, admin, speakers=speakers)

    assert error_paths(response) == {"speakers.0.organisation_id"}


def test_speaker_of_an_existing_organisation_is_accepted(client, admin, session, create_organisation):
    speakers = [{"name": "Anna Petrova", "organisation_id": create_organisation()["id"],
                 "title": {"it": "Direttrice", "ru": "Директор"}}]

    response = post_seminar(client, session, admin, speakers=speakers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["speakers"] == speakers


def delete_organisation(client, admin, organisation):
    url = f"/api/v1/organisations/{organisation['id']}"
    response = client.delete(url, headers={**admin, "If-Match": current_etag(client, url, admin)})
    assert response.status_code == 204


def test_a_seminar_whose_speakers_organisation_was_deleted_can_still_be_changed(client, admin, create_seminar,
                                                                                 create_organisation):
    organisation = create_organisation()
    speakers = [{"name": "Anna Petrova", "organisation_id": organisation["id"]}]
    seminar = create_seminar(speakers=speakers)
    delete_organisation(client, admin, organisation)

    response = client.patch(seminar_url(seminar), json={"room": "Sala Raffaello"},
                            headers={**admin, "If-Match": current_etag(client, seminar_url(seminar), admin)})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["speakers"] == speakers


def test_a_deleted_organisation_cannot_be_newly_named_as_a_speakers(client, admin, create_seminar, create_organisation):
    kept, deleted = create_organisation(), create_organisation(name="Ente cancellato")
    seminar = create_seminar(speakers=[{"name": "Anna Petrova", "organisation_id": kept["id"]}])
    delete_organisation(client, admin, deleted)

    response = client.patch(seminar_url(seminar),
                            json={"speakers": [{"name": "Anna Petrova", "organisation_id": deleted["id"]}]},
                            headers={**admin, "If-Match": current_etag(client, seminar_url(seminar), admin)})

    assert error_paths(response) == {"speakers.0.organisation_id"}
    assert client.get(seminar_url(seminar)).get_json()["speakers"][0]["organisation_id"] == kept["id"]


def test_speaker_needs_a_name(client, admin, session):
    response = post_seminar(client, session, admin, speakers=[{"name": ""}])

    assert error_paths(response) == {"speakers.0.name"}


def test_languages_must_be_iso_639_1(client, admin, session):
    response = post_seminar(client, session, admin, languages=["it", "zz"])

    assert error_paths(response) == {"languages.1"}


def test_unknown_field_answers_422(client, admin, session):
    response = post_seminar(client, session, admin, fee=50)

    assert error_paths(response) == {"fee"}


def test_title_is_required(client, admin, session):
    body = seminar_body()
    del body["title"]

    assert error_paths(client.post(seminars_url(session), json=body, headers=admin)) == {"title"}


# Nesting, visibility and writers -------------------------------------------------------------------------


def test_seminars_of_an_unknown_session_answer_404(client):
    assert client.get(f"/api/v1/sessions/{MISSING_ID}/seminars").status_code == 404


def test_seminars_of_a_draft_session_are_hidden_from_anonymous_callers(client, editor, create_session, create_seminar):
    draft = create_session(status="draft")
    seminar = create_seminar(in_session=draft)

    assert client.get(seminar_url(seminar)).status_code == 404
    assert client.get(seminar_url(seminar), headers=editor).status_code == 200


def test_partner_may_not_create_a_seminar(client, auth, session, create_organisation):
    partner = auth("partner", organisation_id=create_organisation()["id"])

    assert post_seminar(client, session, partner).status_code == 403


def test_anonymous_caller_may_not_create_a_seminar(client, session):
    assert post_seminar(client, session, {}).status_code == 401


def test_editor_changes_a_seminar_with_if_match(client, editor, create_seminar):
    seminar = create_seminar()

    response = client.patch(seminar_url(seminar), json={"capacity": 80},
                            headers={**editor, "If-Match": current_etag(client, seminar_url(seminar), editor)})

    assert response.status_code == 200
    assert (response.get_json()["capacity"], response.get_json()["version"]) == (80, 2)
    assert response.headers["ETag"].startswith('"2-')
