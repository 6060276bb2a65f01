"""Request bodies and addresses for the table tests."""


def tables_url(session):
    return f"/api/v1/sessions/{session['id']}/tables"


def table_url(table):
    return f"/api/v1/sessions/{table['session_id']}/tables/{table['id']}"


def sector_attributes(**overrides):
    attributes = {"nace_codes": ["H49", "H52"], "agenda_items": [], "outcomes": []}
    attributes.update(overrides)
    return attributes


def table_body(**overrides):
    """A valid `sector` table inside the test sessions' dates (2012-10-23..26, Europe/Rome)."""
    body = {
        "kind": "sector",
        "title": {"it": "Logistica", "ru": "Логистика", "en": "Logistics"},
        "sectors": ["logistics"],
        "schedule": {"starts_at": "2012-10-25T09:30:00+02:00", "ends_at": "2012-10-25T13:00:00+02:00",
                     "room": "Sala del Lazzaretto"},
        "attributes": sector_attributes(),
    }
    body.update(overrides)
    return body


def project(contact_organisation_id, **overrides):
    """A valid project of an `investment_desk` table."""
    item = {"title": {"it": "Piattaforma logistica di Kaluga", "ru": "Логистическая платформа в Калуге"},
            "region": "RU-KLU", "sector": "logistics", "amount": 2_500_000, "currency": "EUR",
            "stage": "seeking_partners", "contact_organisation_id": contact_organisation_id}
    item.update(overrides)
    return item


def investment_desk_body(*projects, **overrides):
    return table_body(kind="investment_desk", title={"it": "Sportello investimenti", "ru": "Инвестиционный стол"},
                      sectors=["finance"], attributes={"projects": list(projects)}, **overrides)
