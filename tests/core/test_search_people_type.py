"""Search as people type it: any case, no accents, either script, the usual romanisations of Russian.

Each case is a query and a name the demo data's answer must include (the demo: 47 organisations of the
XXI Italian-Russian session). Cities are written in one script only (Latin for Italian organisations,
Cyrillic for Russian ones), so a city query is a true cross-script match.
"""
import pytest

from api.core.search import fold

ORGS = "/api/v1/organisations"
SESSIONS = "/api/v1/sessions"


def found(client, q, url=ORGS, key="name"):
    response = client.get(url, query_string={"q": q, "page_size": 100})
    assert response.status_code == 200, response.get_json()
    return [item[key] for item in response.get_json()]


TPP = "Торгово-промышленная палата Российской Федерации"
VOLGA_LOGISTIKA = "ООО «Волга Логистика»"

ORGANISATION_CASES = [
    # Latin finds Cyrillic
    ("moskva", TPP),
    ("Moskva", "Технопарк «Сколково»"),
    ("torgovo-promyshlennaya palata", TPP),
    ("Volga", VOLGA_LOGISTIKA),
    ("Nizhny Novgorod", VOLGA_LOGISTIKA),
    ("Nizhniy Novgorod", "ПАО «Банк Волга-Кредит»"),
    ("Nizhnij Novgorod", VOLGA_LOGISTIKA),
    ("Nizhni", VOLGA_LOGISTIKA),
    ("Yekaterinburg", "ООО «Уралэнергосервис»"),
    ("Ekaterinburg", "Уральская конфедерация промышленников и предпринимателей"),
    ("Krasnodar", "Консорциум мебельщиков Кубани"),
    ("Obninsk", "ООО «Калужские мехатронные системы»"),
    ("Sankt-Peterburg", "ООО «Умный дом Петербург»"),
    ("Kazan", "Казанский (Приволжский) федеральный университет"),
    ("Kazan'", "ЗАО «Медтехника-Казань»"),
    ("Lipetsk", "ООО «Липецкмашкомплект»"),
    ("Lipeck", "ООО «Липецкмашкомплект»"),
    ("Kaluga", "Правительство Калужской области"),
    ("Skolkovo", "Технопарк «Сколково»"),
    ("Expocentr", "ЗАО «Экспоцентр»"),
    ("Ekspocentr", "ЗАО «Экспоцентр»"),
    # Cyrillic finds Latin
    ("Верона", "Associazione Conoscere Eurasia"),
    ("Модена", "Meccatronica Appennino S.p.A."),
    ("Ливорно", "Energie Rinnovabili Tirreno S.r.l."),
    ("Милано", "FederlegnoArredo"),
    ("Фабриано", "Domotica Fabriano S.p.A."),
    ("Марке", "Regione Marche"),
    # Cyrillic as typed, with its hyphens and without ё
    ("торгово-промышленная", TPP),
    ("Торгово промышленная палата", TPP),
    ("Волга", "ПАО «Банк Волга-Кредит»"),
    ("экспортерам", "Camera di Commercio di Ancona"),
    ("клееный брус", "ООО «Калужский деревообрабатывающий комбинат»"),
    ("партнер по взаимному", "Федерация рестораторов и отельеров России"),
    # Case and accents
    ("citta", "Polo Tecnologico Città di Fabriano"),
    ("CITTA", "Mobilificio Città di Pesaro S.r.l."),
    ("Città", "Polo Tecnologico Città di Fabriano"),
    ("universita politecnica", "Università Politecnica delle Marche"),
    ("Societa italiana", "SIMEST – Società italiana per le imprese all'estero"),
    ("REGIONE MARCHE", "Regione Marche"),
    ("rEgIoNe", "Regione Marche"),
    ("ЛОГИСТИКА", VOLGA_LOGISTIKA),
    ("лОгИсТиКа", VOLGA_LOGISTIKA),
]


@pytest.mark.parametrize("q, name", ORGANISATION_CASES, ids=[q for q, _ in ORGANISATION_CASES])
def test_a_query_as_people_type_it_finds_the_organisation(client, demo, q, name):
    assert name in found(client, q)


@pytest.mark.parametrize("q, same_as", [
    ("CITTÀ", "citta"),
    ("Città", "CITTA"),
    ("МОСКВА", "moskva"),
    ("Moskva", "москва"),
    ("Торгово-Промышленная", "torgovo promyshlennaya"),
    ("Nizhny", "Нижний"),
    ("Yekaterinburg", "Екатеринбург"),
    ("Экспоцентр", "Expocentr"),
])
def test_spellings_of_one_word_find_the_same_organisations(client, demo, q, same_as):
    results = found(client, q)

    assert results
    assert results == found(client, same_as)


def test_moskva_finds_only_organisations_in_moscow(client, demo):
    results = client.get(ORGS, query_string={"q": "moskva", "page_size": 100}).get_json()

    assert len(results) >= 5
    assert all(org["city"] == "Москва" or "Moskva" in org["name"] for org in results)


@pytest.mark.parametrize("q, absent", [
    ("arche", "Regione Marche"),  # word prefixes, not infixes
    ("moskva ancona", TPP),  # every word must match
    ("Volgograd", VOLGA_LOGISTIKA),  # a longer word is not a prefix of a shorter one
])
def test_a_query_does_not_find_what_it_does_not_say(client, demo, q, absent):
    assert absent not in found(client, q)


def test_a_session_is_found_by_a_word_of_its_description_typed_without_yo(client, demo):
    # The Russian description says «посвящённом» and «партнёрами».
    assert found(client, "посвященном партнерами", SESSIONS, key="number") == [21]


def test_a_table_is_found_by_a_word_typed_without_yo(client, demo):
    session = client.get(SESSIONS).get_json()[0]
    tables = f"{SESSIONS}/{session['id']}/tables"

    assert found(client, "распределенной генерации", tables, key="kind") == ["sector"]


# Names people type in several spellings ---------------------------------------------------------


@pytest.fixture
def named(create_organisation):
    """An organisation whose name and city exist only in Cyrillic, with ё and йо in them."""
    return create_organisation(name="ООО «Алексей Максимов и Фёдор Пётр»", city="Йошкар-Ола",
                               name_i18n={"ru": "ООО «Алексей Максимов и Фёдор Пётр»"},
                               description={"ru": "Филиалы в Щёлково и Орёл"})


@pytest.mark.parametrize("q", [
    "Alexei", "Alexey", "Aleksei", "Aleksey", "Алексей",
    "Maximov", "Maksimov",
    "Fyodor", "Fedor", "Фёдор", "Федор",
    "Pyotr", "Petr", "Пётр", "Петр",
    "Yoshkar-Ola", "Йошкар-Ола",
    "Shchyolkovo", "Shchelkovo", "Щелково",
    "Oryol", "Orel", "Орел",
])
def test_common_spellings_of_russian_names_find_them(client, named, q):
    assert [o["id"] for o in client.get(ORGS, query_string={"q": q}).get_json()] == [named["id"]]


@pytest.mark.parametrize("spellings", [
    ("Пётр", "Петр", "Pyotr", "Petr"),
    ("Фёдор", "Федор", "Fyodor", "Fedor"),
    ("Орёл", "Орел", "Oryol", "Orel"),
    ("Щёлково", "Щелково", "Shchyolkovo", "Shchelkovo"),
    ("Йошкар", "Yoshkar"),
    ("Алексей", "Alexei", "Alexey", "Aleksei"),
    ("Максим", "Maxim", "Maksim"),
    ("Ксения", "Xenia", "Ksenia"),
    ("Экспо", "Expo", "Ekspo"),
])
def test_spellings_fold_to_one_word(spellings):
    assert len({fold(spelling) for spelling in spellings}) == 1


def test_reindex_search_brings_words_stored_by_an_older_folding_up_to_date(app, runner, client, named):
    from api.organisations.models import Organisation
    with app.app_context():  # as an earlier release stored them: ё transliterated as "io"
        Organisation._get_collection().update_many({}, {"$set": {"search_terms": ["fiodor", "piotr"]}})
    assert found(client, "Fedor") == []

    result = runner.invoke(args=["reindex-search"])

    assert result.exit_code == 0, result.output
    assert '"organisations": 1' in result.output
    assert found(client, "Fedor") == [named["name"]]
    assert found(client, "Йошкар-Ола") == [named["name"]]
