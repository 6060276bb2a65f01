"""Deterministic benchmark data: the demo organisations plus generated Italian and Russian ones."""
import random

from api.demo import read_demo_file

ITALIAN_PREFIXES = ["Officine", "Mobilificio", "Meccanica", "Consorzio", "Tecnologie", "Studio", "Cantieri", "Laboratori"]
ITALIAN_NAMES = ["Adriatica", "del Conero", "Marchigiana", "Picena", "di Fabriano", "Pesarese", "dell'Esino", "Città di Jesi"]
RUSSIAN_PREFIXES = ["ООО «", "АО «", "ЗАО «", "ПАО «"]
RUSSIAN_NAMES = ["Волга", "Урал", "Кама", "Север", "Ладога", "Сибирь", "Кубань", "Ока"]
RUSSIAN_SUFFIXES = ["Логистика", "Мебель", "Энерго", "Мехатроника", "Медтехника", "Строй", "Технологии"]
SECTORS = ["energy", "renewables", "consumer_goods", "mechanics", "mechatronics", "electromedical", "construction",
           "wood", "furniture", "home_automation", "logistics", "tourism", "agrifood", "ict"]
ITALIAN_REGIONS = ["IT-57", "IT-25", "IT-45", "IT-34", "IT-52"]
RUSSIAN_REGIONS = ["RU-MOW", "RU-SPE", "RU-TA", "RU-SVE", "RU-KDA", "RU-NIZ", "RU-KLU"]


def generated_organisations(count, seed=21):
    """Return `count` organisation bodies as the API accepts them."""
    rng = random.Random(seed)
    bodies = []
    for number in range(count):
        if number % 2:
            name = f"{rng.choice(RUSSIAN_PREFIXES)}{rng.choice(RUSSIAN_NAMES)} {rng.choice(RUSSIAN_SUFFIXES)} {number}»"
            country, region, city = "RU", rng.choice(RUSSIAN_REGIONS), "Москва"
        else:
            name = f"{rng.choice(ITALIAN_PREFIXES)} {rng.choice(ITALIAN_NAMES)} {number} S.r.l."
            country, region, city = "IT", rng.choice(ITALIAN_REGIONS), "Ancona"
        bodies.append({
            "name": name, "name_i18n": {"it": name, "ru": name}, "kind": "company", "country": country,
            "region": region, "city": city, "website": f"https://company{number}.example.org",
            "sectors": rng.sample(SECTORS, 2),
            "description": {"it": "Impresa che cerca partner per la cooperazione industriale.",
                            "ru": "Компания ищет партнёров для промышленного сотрудничества."},
            "contacts": [{"name": f"Contatto {number}", "email": f"info{number}@example.org", "phone": "+39 071 000000"}],
        })
    return bodies


def organisations_for_baseline(count):
    """The demo organisations (without their cross-references) plus the generated ones."""
    demo = [{k: v for k, v in o.items() if k not in ("key", "managed_by")} for o in read_demo_file()["organisations"]]
    return demo + generated_organisations(count)
