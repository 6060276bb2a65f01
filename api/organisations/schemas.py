"""Organisation representation, input and list arguments."""
from marshmallow import fields, validate

from api.core.fields import (CountryCode, FullMatch, LocalisedText, ObjectIdString, RegionCode, Slug, Text, bounded_list,
                             unique_items)
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema
from api.organisations.models import KINDS


class ContactSchema(BaseSchema):
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Giulia Bianchi"})
    role = Text(max_length=200, metadata={"example": "Responsabile internazionalizzazione"})
    email = fields.Email(validate=[validate.Length(max=254)], metadata={"example": "g.bianchi@example.org"})
    phone = Text(max_length=40, validate=[FullMatch(r"^\+?[0-9 ()./-]{4,40}$", error="Not a valid phone number.")],
                 metadata={"example": "+39 071 806 1"})


class OrganisationSchema(VersionedSchema):
    name = Text(required=True, min_length=1, max_length=200,
                metadata={"description": "The name in the organisation's own language.", "example": "Regione Marche"})
    name_i18n = LocalisedText(max_length=200, metadata={"example": {"it": "Regione Marche", "ru": "Область Марке"}})
    kind = Text(required=True, max_length=40, validate=[validate.OneOf(KINDS)], metadata={"enum": list(KINDS)})
    country = CountryCode(required=True)
    region = RegionCode()
    city = Text(max_length=200, metadata={"example": "Ancona"})
    website = fields.URL(schemes={"http", "https"}, validate=[validate.Length(max=500)],
                         metadata={"example": "https://www.regione.marche.it"})
    sectors = bounded_list(Slug(), max_length=20, validate=[unique_items],
                           metadata={"example": ["logistics", "mechatronics"]})
    description = LocalisedText(max_length=5000)
    contacts = bounded_list(fields.Nested(ContactSchema), max_length=20,
                            metadata={"description": "Hidden from anonymous callers."})
    managed_by = ObjectIdString(metadata={"description": "Id of the organisation (a partner) that manages this entry."})


class OrganisationQueryArgsSchema(ListArgsSchema):
    kind = Text(max_length=40, validate=[validate.OneOf(KINDS)], metadata={"enum": list(KINDS)})
    country = CountryCode()
    region = RegionCode()
    sector = Slug()
    managed_by = ObjectIdString()
    session_id = ObjectIdString(metadata={"description": "Organisations with a confirmed registration for this session: "
                                                         "its public participant directory."})
