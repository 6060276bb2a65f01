"""Suggestions: other participants not yet asked, ranked by country, sectors and offers answering seeks."""
from tests.networking.helpers import settings_url


def suggestions_url(session):
    return f"{settings_url(session)}/suggestions"


def profile(offers, seeks, sectors=("mechatronics",)):
    return {"offers": offers, "seeks": seeks, "sectors": list(sectors), "availability": []}


def suggest(client, session, organisation_id, headers, **query):
    return client.get(suggestions_url(session), query_string={"organisation_id": organisation_id, **query},
                      headers=headers)


def test_an_italian_offer_answers_a_russian_seek_across_scripts(client, admin, open_session, participant,
                                                                create_organisation):
    seeker = participant(create_organisation(name="Seeker", country="RU", region="RU-MOW")["id"],
                         networking_profile=profile({"ru": "Станки"}, {"ru": "Логистика"}, ["tourism"]))
    offerer = participant(create_organisation(name="Offerer", sectors=["wine"])["id"],
                          networking_profile=profile({"it": "Servizi di logistica"}, {"it": "Vino"}, ["wine"]))
    participant(create_organisation(name="Bystander", sectors=["wine"])["id"],
                networking_profile=profile({"it": "Vino rosso"}, {"it": "Turismo"}, ["wine"]))
    body = suggest(client, open_session, seeker, admin).get_json()
    assert body[0]["organisation_id"] == offerer
    assert "offers_answer_seeks" in [reason["code"] for reason in body[0]["reasons"]]


def test_the_other_country_ranks_first(client, admin, open_session, participant, create_organisation):
    me = participant(create_organisation(name="Me")["id"])
    compatriot = participant(create_organisation(name="Compatriot")["id"])
    foreign = participant(create_organisation(name="Foreign", country="RU", region="RU-MOW")["id"])
    ranked = [s["organisation_id"] for s in suggest(client, open_session, me, admin).get_json()]
    assert ranked.index(foreign) < ranked.index(compatriot)


def test_counterparts_already_asked_are_left_out(client, admin, asked, open_session, world):
    asked(world.russian, world.own)
    ranked = [s["organisation_id"] for s in suggest(client, open_session, world.own, admin).get_json()]
    assert world.russian not in ranked
    assert world.stranger in ranked


def test_the_participant_itself_is_never_suggested(client, admin, open_session, world):
    ranked = [s["organisation_id"] for s in suggest(client, open_session, world.own, admin).get_json()]
    assert world.own not in ranked


def test_suggestions_are_paged(client, admin, open_session, world):
    response = suggest(client, open_session, world.own, admin, page_size=1)
    assert len(response.get_json()) == 1
    assert '"total": 3' in response.headers["X-Pagination"]


def test_a_partner_reads_suggestions_for_an_organisation_it_manages(client, open_session, partner, world):
    assert suggest(client, open_session, world.managed, partner.headers).status_code == 200


def test_a_partner_gets_404_for_an_organisation_it_does_not_act_for(client, open_session, partner, world):
    assert suggest(client, open_session, world.russian, partner.headers).status_code == 404


def test_anonymous_callers_get_401(client, open_session, world):
    assert suggest(client, open_session, world.own, {}).status_code == 401


def test_a_non_participant_is_422(client, admin, open_session, create_organisation, world):
    response = suggest(client, open_session, create_organisation(name="Assente")["id"], admin)
    assert response.status_code == 422
    assert "organisation_id" in response.get_json()["errors"]


def test_organisation_id_is_required(client, admin, open_session):
    response = client.get(suggestions_url(open_session), headers=admin)
    assert response.status_code == 422
    assert "organisation_id" in response.get_json()["errors"]
