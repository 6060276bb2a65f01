"""The `investment_desk` table kind: investment projects seeking partners."""
from functools import lru_cache

import marshmallow as ma
import pycountry
from marshmallow import Schema, fields, validate

from api.plugin_api import (LocalisedText, OrganisationId, RegionCode, Slug, StrictInteger, TableKind, Text,
                            bounded_list, hookimpl)

STAGES = ("idea", "feasibility", "seeking_partners", "financing", "execution")


@lru_cache(maxsize=1)
def _currencies():
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _currency(value):
    if value not in _currencies():
        raise ma.ValidationError("Not an ISO 4217 currency code.")


class ProjectSchema(Schema):
    title = LocalisedText(required=True, max_length=500)
    region = RegionCode(required=True)
    sector = Slug(required=True)
    amount = StrictInteger(required=True, minimum=0, maximum=10**15,
                           metadata={"description": "Investment sought, in whole units of the currency.", "example": 2500000})
    currency = Text(required=True, max_length=3, validate=[_currency],
                    metadata={"example": "EUR", "json_schema": {"enum": sorted(_currencies())}})
    stage = Text(required=True, max_length=20, validate=[validate.OneOf(STAGES)], metadata={"enum": list(STAGES)})
    contact_organisation_id = OrganisationId(required=True)


class InvestmentDeskAttributesSchema(Schema):
    """Attributes of an investment desk."""

    projects = bounded_list(fields.Nested(ProjectSchema), max_length=50, load_default=list)


INVESTMENT_DESK = TableKind(
    name="investment_desk",
    version=1,
    label={"it": "Sportello investimenti", "ru": "Инвестиционный стол", "en": "Investment desk"},
    description={"it": "Progetti d'investimento che cercano partner: regione, settore, importo, fase, contatto.",
                 "ru": "Инвестиционные проекты в поиске партнёров: регион, отрасль, сумма, стадия, контакт.",
                 "en": "Investment projects seeking partners: region, sector, amount, stage and contact."},
    schema=InvestmentDeskAttributesSchema,
)


@hookimpl
def register_table_kinds():
    return [INVESTMENT_DESK]
