"""The `sector` table kind: the announcement's thematic tables (a sector group's working table).

A template for outside plugins: one marshmallow schema for the attributes, one TableKind, one hook.
"""
from marshmallow import Schema, fields

from api.plugin_api import FullMatch, LocalisedText, OrganisationId, TableKind, Text, bounded_list, hookimpl, unique_items

NACE_CODE = r"^[A-U][0-9]{2}$"


class AgendaItemSchema(Schema):
    title = LocalisedText(required=True, max_length=500)
    presenter_organisation_id = OrganisationId(metadata={"description": "The organisation presenting the item."})


class SectorAttributesSchema(Schema):
    """Attributes of a sector table."""

    nace_codes = bounded_list(
        Text(max_length=3, validate=[FullMatch(NACE_CODE, error="Not a NACE Rev. 2 division such as 'C28'.")],
             metadata={"json_schema": {"pattern": NACE_CODE}}),
        max_length=30, validate=[unique_items], load_default=list,
        metadata={"description": "NACE Rev. 2 divisions the table covers.", "example": ["H49", "H52"]})
    agenda_items = bounded_list(fields.Nested(AgendaItemSchema), max_length=50, load_default=list)
    outcomes = bounded_list(LocalisedText(max_length=2000), max_length=50, load_default=list,
                            metadata={"description": "Agreed outcomes, recorded after the session."})


SECTOR = TableKind(
    name="sector",
    version=1,
    label={"it": "Tavolo tematico settoriale", "ru": "Тематический отраслевой стол", "en": "Sector table"},
    description={"it": "Tavolo di lavoro su un gruppo di settori, con co-presidenti dei due Paesi, agenda ed esiti.",
                 "ru": "Рабочий стол по группе отраслей с сопредседателями от обеих стран, повесткой и итогами.",
                 "en": "A working table on a group of sectors, co-chaired by both countries, with agenda and outcomes."},
    schema=SectorAttributesSchema,
    per_session=("outcomes",),  # the next edition's table starts with its agenda, not this one's outcomes
)


@hookimpl
def register_table_kinds():
    return [SECTOR]
