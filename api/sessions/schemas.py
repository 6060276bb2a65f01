"""Session representation, input and list arguments."""
from marshmallow import validate

from api.core.fields import (CountryCode, IsoDate, LanguageCode, LocalisedText, RegionCode, StrictInteger, Text,
                             TimeZoneName, bounded_list, unique_items)
from api.core.schemas import ListArgsSchema, QueryInteger, VersionedSchema
from api.sessions.models import STATUSES


class SessionSchema(VersionedSchema):
    number = StrictInteger(required=True, minimum=1, maximum=10_000,
                           metadata={"description": "Ordinal of the session: 21 is the XXI session.", "example": 21})
    title = LocalisedText(required=True, max_length=500)
    host_country = CountryCode(required=True)
    host_region = RegionCode(metadata={"description": "ISO 3166-2 code of the host region.", "example": "IT-57"})
    city = Text(required=True, min_length=1, max_length=200, metadata={"example": "Ancona"})
    venue = Text(max_length=500, metadata={"example": "Mole Vanvitelliana"})
    starts_on = IsoDate(required=True, metadata={"example": "2012-10-23"})
    ends_on = IsoDate(required=True, metadata={"example": "2012-10-26"})
    timezone = TimeZoneName(required=True)
    status = Text(load_default="draft", max_length=30, validate=[validate.OneOf(STATUSES)],
                  metadata={"description": "Lifecycle, forward only: " + " → ".join(STATUSES) + ".",
                            "enum": list(STATUSES)})
    description = LocalisedText(max_length=5000)
    languages = bounded_list(LanguageCode(), max_length=10, validate=[unique_items],
                             metadata={"description": "ISO 639-1 working languages.", "example": ["it", "ru"]})


class SessionQueryArgsSchema(ListArgsSchema):
    status = Text(max_length=30, validate=[validate.OneOf(STATUSES)], metadata={"enum": list(STATUSES)})
    host_country = CountryCode()
    year = QueryInteger(validate=validate.Range(min=1900, max=9999), metadata={"description": "Sessions starting in this year."})
