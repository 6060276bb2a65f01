"""/api/v1/table-kinds: the installed kinds, and JSON Schemas of their attributes that agree with the API."""
import jsonschema
import pytest

from tests.tables.helpers import table_body, tables_url

ORGANISATION = "<an existing organisation's id>"

VALID_SECTOR_ATTRIBUTES = [
    {},
    {"nace_codes": []},
    {"nace_codes": ["H49", "H52", "C28"]},
    {"nace_codes": [f"C{n}" for n in range(10, 40)]},
    {"agenda_items": [{"title": {"it": "Porti dell'Adriatico", "ru": "Порты Адриатики"}}]},
    {"agenda_items": [{"title": {"en": "Rail freight"}, "presenter_organisation_id": ORGANISATION}]},
    {"outcomes": [{"it": "Accordo quadro firmato", "ru": "Подписано рамочное соглашение"}]},
    {"outcomes": [{"it": "x" * 2000}]},
    {"nace_codes": ["A01"], "agenda_items": [], "outcomes": []},
]

INVALID_SECTOR_ATTRIBUTES = [
    {"nace_codes": ["h49"]},
    {"nace_codes": ["V01"]},
    {"nace_codes": ["C2"]},
    {"nace_codes": ["C28", "C28"]},
    {"nace_codes": "C28"},
    {"nace_codes": ["C28", 28]},
    {"nace_codes": [f"C{n}" for n in range(10, 41)]},
    {"agenda_items": [{}]},
    {"agenda_items": [{"title": {"it": "Porti"}, "room": "Sala B"}]},
    {"agenda_items": [{"title": {"it": "Porti"}, "presenter_organisation_id": "not-an-id"}]},
    {"outcomes": [{}]},
    {"outcomes": [{"it": ""}]},
    {"outcomes": [{"it": "x" * 2001}]},
    {"outcomes": [{"ita": "Accordo"}]},
    {"outcomes": [{"IT": "Accordo"}]},
    {"outcomes": [{"zz": "Accordo"}]},
    {"outcomes": [["Accordo"]]},
    {"budget": 1000},
    ["H49"],
]


def api_accepts(client, headers, session, attributes):
    response = client.post(tables_url(session), json=table_body(attributes=attributes), headers=headers)
    assert response.status_code in (201, 422), response.get_json()
    return response.status_code == 201


def with_organisation(attributes, organisation_id):
    """Put a real organisation id where a case names one (the JSON Schema only sees its format)."""
    if isinstance(attributes, dict) and "agenda_items" in attributes:
        items = [{k: organisation_id if v == ORGANISATION else v for k, v in item.items()}
                 for item in attributes["agenda_items"]]
        return {**attributes, "agenda_items": items}
    return attributes


@pytest.fixture
def sector_validator(client):
    schema = client.get("/api/v1/table-kinds/sector").get_json()["attributes_schema"]
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# Listing and reading ------------------------------------------------------------------------------------


def test_lists_the_built_in_kinds(client):
    response = client.get("/api/v1/table-kinds")

    assert response.status_code == 200
    kinds = response.get_json()
    assert [kind["name"] for kind in kinds] == ["investment_desk", "sector"]
    assert all(set(kind) == {"name", "version", "label", "description", "attributes_schema"} for kind in kinds)


def test_reads_a_kind_by_name(client):
    kind = client.get("/api/v1/table-kinds/investment_desk").get_json()

    assert kind["version"] == 1
    assert kind["label"]["ru"] == "Инвестиционный стол"
    assert kind["attributes_schema"]["properties"]["projects"]["type"] == "array"


def test_unknown_kind_answers_404_problem(client):
    response = client.get("/api/v1/table-kinds/unknown")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.get_json())


@pytest.mark.parametrize("name", ["sector", "investment_desk"])
def test_attributes_schema_is_a_valid_draft_2020_12_schema(client, name):
    schema = client.get(f"/api/v1/table-kinds/{name}").get_json()["attributes_schema"]

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# The sector schema agrees with the API ----------------------------------------------------------------
# The schema checks an organisation id's format; whether that organisation exists is the API's to say
# (test_tables.py covers it), so every id below names an existing organisation or is malformed.


@pytest.mark.parametrize("attributes", VALID_SECTOR_ATTRIBUTES)
def test_sector_schema_and_api_both_accept(client, admin, session, sector_validator, create_organisation, attributes):
    attributes = with_organisation(attributes, create_organisation()["id"])

    assert (sector_validator.is_valid(attributes), api_accepts(client, admin, session, attributes)) == (True, True)


@pytest.mark.parametrize("attributes", INVALID_SECTOR_ATTRIBUTES)
def test_sector_schema_and_api_both_refuse(client, admin, session, sector_validator, attributes):
    assert (sector_validator.is_valid(attributes), api_accepts(client, admin, session, attributes)) == (False, False)


@pytest.mark.parametrize("attributes", [
    {"nace_codes": None},
    {"agenda_items": [{"title": {"it": "Porti"}, "presenter_organisation_id": None}]},
])
def test_sector_null_attributes_are_refused_like_the_schema_says(client, admin, session, sector_validator, attributes):
    assert (sector_validator.is_valid(attributes), api_accepts(client, admin, session, attributes)) == (False, False)


def test_sector_schema_refuses_nul_characters_like_the_api(client, admin, session, sector_validator):
    attributes = {"outcomes": [{"it": "Accordo\u0000firmato"}]}

    assert (sector_validator.is_valid(attributes), api_accepts(client, admin, session, attributes)) == (False, False)


# OpenAPI -------------------------------------------------------------------------------------------------------


@pytest.fixture
def schemas(client):
    return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]


def test_openapi_table_is_one_of_the_kinds_discriminated_by_kind(schemas):
    table = schemas["Table"]

    assert table["discriminator"] == {"propertyName": "kind", "mapping": {
        "investment_desk": "#/components/schemas/Table_investment_desk",
        "sector": "#/components/schemas/Table_sector"}}
    assert sorted(variant["$ref"] for variant in table["oneOf"]) == sorted(table["discriminator"]["mapping"].values())


@pytest.mark.parametrize("kind, attributes", [("sector", "SectorAttributes"),
                                              ("investment_desk", "InvestmentDeskAttributes")])
def test_openapi_kind_variant_references_its_attributes_schema(schemas, kind, attributes):
    own = schemas[f"Table_{kind}"]["allOf"][1]["properties"]

    assert own["kind"] == {"type": "string", "enum": [kind]}
    assert own["attributes"] == {"$ref": f"#/components/schemas/{attributes}"}
    assert schemas[f"Table_{kind}"]["allOf"][0] == {"$ref": "#/components/schemas/TableBase"}


def test_openapi_sector_attributes_match_the_published_json_schema(client, schemas):
    published = client.get("/api/v1/table-kinds/sector").get_json()["attributes_schema"]

    assert set(schemas["SectorAttributes"]["properties"]) == set(published["properties"])
    assert schemas["SectorAttributes"]["additionalProperties"] is False


@pytest.mark.parametrize("per_session", [("minutes",), "outcomes"])
def test_a_kind_s_per_session_attributes_must_be_attributes_of_its_schema(per_session):
    from api.tables.kinds import InvalidKind, TableKind
    from plugins.sector import SECTOR
    kind = TableKind(name="sector_copy", version=1, label=SECTOR.label, description=SECTOR.description,
                     schema=SECTOR.schema, per_session=per_session)

    with pytest.raises(InvalidKind, match="per_session"):
        kind.validate_declaration()
