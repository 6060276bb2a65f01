"""Organisation representation, input and list arguments."""
from marshmallow import fields, validate

from api.core.fields import (CountryCode, FullMatch, LocalisedText, ObjectIdString, RegionCode, Slug, Text, bounded_list,
                             unique_items)
from api.config import DEFAULTS
from api.core.schemas import BaseSchema, ListArgsSchema, QueryArgsSchema, VersionedSchema
from api.errors import MAX_DETAIL, MAX_ERROR_PATHS, MAX_MESSAGES
from api.organisations.models import KINDS

MAX_IMPORT_ROWS = 5000
UPLOAD_LIMIT = DEFAULTS["MAX_CONTENT_LENGTH"]


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


class ImportArgsSchema(QueryArgsSchema):
    dry_run = fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"},
                             metadata={"description": "`true`: validate every row and answer the same report, "
                                                      "storing nothing."})


class ImportRowSchema(BaseSchema):
    row = fields.Integer(required=True, metadata={"description": "The row's number as the spreadsheet shows it "
                                                                 "(the header is row 1).", "minimum": 2})
    status = fields.String(required=True, metadata={"enum": ["created", "updated", "unchanged", "rejected"]})
    id = fields.String(metadata={"description": "The organisation's id (not for a dry run's new ones).",
                                 "maxLength": 24})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String(metadata={"maxLength": MAX_DETAIL}),
                                                                  metadata={"maxItems": MAX_MESSAGES}), metadata={
        "description": "Why the row was rejected: messages by column name (the dotted paths of a 422); "
                       "`_schema` for the row as a whole.", "maxProperties": MAX_ERROR_PATHS})


class ImportReportSchema(BaseSchema):
    created = fields.Integer(required=True, metadata={"minimum": 0})
    updated = fields.Integer(required=True, metadata={"minimum": 0})
    unchanged = fields.Integer(required=True, metadata={"minimum": 0})
    rejected = fields.Integer(required=True, metadata={"minimum": 0})
    dry_run = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(ImportRowSchema), required=True, metadata={"maxItems": MAX_IMPORT_ROWS})


IMPORT_COLUMNS_DOC = (
    "**Columns** (the first row names them, in any order; any subset): `id` (the API's id: updates that "
    "organisation), `external_id` (your own id for it, up to 200 characters, kept per partner organisation or for "
    "the staff together), `name`, `name_i18n.<language>` (e.g. `name_i18n.ru`), `kind`, `country`, `region`, "
    "`city`, `website`, `sectors` (codes separated by commas), `description.<language>`, "
    "`contacts.<n>.name|role|email|phone` (`n` from 0), `managed_by`. A row finds its organisation by `id`, else "
    "by `external_id`, else by its website's host (without `www.`); none found → created. A column a row leaves "
    "empty removes that value (an empty `managed_by` leaves it as it is; a partner's new organisations are managed "
    "by its own). CSV: UTF-8 with or without BOM, `,` or `;` between cells (as Excel writes it). XLSX: the first "
    "sheet; a formula is stored as its text, never evaluated. A cell starting with `'` followed by `=`, `+`, `-`, "
    "`@`, tab or CR is read without the `'` (the export writes such cells so against formula injection).")
