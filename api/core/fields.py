"""Marshmallow fields shared by every resource: localised text, ISO codes, ids, bounded strings."""
import contextvars
import datetime as dt
import re
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import available_timezones

import marshmallow as ma
import pycountry
from bson import ObjectId
from marshmallow import fields, validate

MAX_NAME = 200
MAX_TEXT = 5000
MAX_SHORT = 500
MAX_LIST = 100
SLUG_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
# Dates and instants the API keeps: from 1900 to 9999 (an instant's year counted in UTC, where it is stored).
FIRST_YEAR, LAST_YEAR = 1900, 9999
YEAR_PATTERN = r"(19\d{2}|[2-9]\d{3})"
OUT_OF_RANGE = "Out of range: from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59Z."


@lru_cache(maxsize=1)
def _language_codes():
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1)
def _country_codes():
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _subdivision_codes():
    return frozenset(s.code for s in pycountry.subdivisions)


@lru_cache(maxsize=1)
def _timezones():
    return frozenset(available_timezones())


def is_language(code):
    return code in _language_codes()


class Text(fields.String):
    """A string with a documented maximum length; NUL bytes are refused."""

    def __init__(self, *, max_length=MAX_SHORT, min_length=0, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ma.ValidationError("NUL characters are not allowed.")
        return value


class StrictInteger(fields.Integer):
    """An integer that refuses fractions, booleans and numeric strings, bounded to fit MongoDB's int64.

    `2.0` is the integer 2, as in JSON Schema (which cannot tell the two apart): it is accepted and stored as 2.
    """

    def __init__(self, *, minimum=-(2**53), maximum=2**53, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ma.ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """true or false only: 0, 1 and "yes" are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ma.ValidationError("Not a valid boolean.")
        return value


class Slug(Text):
    def __init__(self, **kwargs):
        super().__init__(max_length=40, validate=[FullMatch(SLUG_PATTERN, error="Must be a lowercase code like 'home_automation'.")], **kwargs)


class LocalisedText(fields.Dict):
    """A map from ISO 639-1 language code to text, with at least one entry."""

    def __init__(self, *, max_length=MAX_TEXT, **kwargs):
        self.max_length = max_length
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", {"it": "Logistica", "ru": "Логистика"})
        super().__init__(keys=fields.String(validate=validate.Length(equal=2)),
                         values=Text(max_length=max_length, min_length=1), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict) and len(value) > 20:
            raise ma.ValidationError("At most 20 languages.")
        try:
            result = super()._deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as error:
            raise ma.ValidationError(_by_language(error.messages)) from None
        if not result:
            raise ma.ValidationError("Give the text in at least one language.")
        bad = sorted(k for k in result if not is_language(k))
        if bad:
            raise ma.ValidationError(f"Not ISO 639-1 language codes: {', '.join(bad)}.")
        if len(result) > 20:
            raise ma.ValidationError("At most 20 languages.")
        return result


def _by_language(messages):
    """Key Dict's per-entry errors by language alone: `title.it`, not `title.it.value`."""
    if not isinstance(messages, dict):
        return messages
    return {language: [m for part in entry.values() for m in part] if isinstance(entry, dict) else entry
            for language, entry in messages.items()}


class LanguageCode(Text):
    def __init__(self, **kwargs):
        super().__init__(max_length=2, validate=[_validator(is_language, "Not an ISO 639-1 language code.")], **kwargs)


def _validator(predicate, message):
    def check(value):
        if not predicate(value):
            raise ma.ValidationError(message)
    return check


class CountryCode(Text):
    """ISO 3166-1 alpha-2."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "IT")
        super().__init__(max_length=2, validate=[_validator(lambda v: v in _country_codes(), "Not an ISO 3166-1 alpha-2 country code.")], **kwargs)


class RegionCode(Text):
    """ISO 3166-2 subdivision code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "IT-57")
        super().__init__(max_length=10, validate=[_validator(lambda v: v in _subdivision_codes(), "Not an ISO 3166-2 subdivision code.")], **kwargs)


def check_region_in_country(region, country, path="region"):
    """Return an error dict when the region does not belong to the country."""
    if region and country and not region.startswith(country + "-"):
        return {path: [f"Region {region} is not in country {country}."]}
    return {}


class TimeZoneName(Text):
    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "Europe/Rome")
        super().__init__(max_length=64, validate=[_validator(lambda v: v in _timezones(), "Not an IANA time zone.")], **kwargs)


class IsoDate(fields.String):
    """A calendar date YYYY-MM-DD, kept as text (it sorts and compares correctly)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("format", "date")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise ma.ValidationError("Not a valid date (YYYY-MM-DD).") from None
        if not FIRST_YEAR <= date.year <= LAST_YEAR:
            raise ma.ValidationError(f"Out of range: from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31.")
        return value


class IsoTime(fields.String):
    """A time of day HH:MM."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ma.ValidationError("Not a valid time (HH:MM).")
        return value


class Timestamp(fields.AwareDateTime):
    """RFC 3339 with offset; stored as UTC, shown with +00:00."""

    MAX_LENGTH = 40

    def __init__(self, **kwargs):
        # Without one, Swagger UI makes its example up from the pattern ("9659-").
        kwargs.setdefault("metadata", {}).setdefault("example", "2012-10-23T07:30:00+00:00")
        super().__init__(format="iso", default_timezone=None, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat()

    # RFC 3339 §5.6, but for leap seconds (Python cannot hold second 60). Python's fromisoformat alone also
    # takes ISO 8601's other forms (basic, week dates, a space) and carries offset minutes past 59 over.
    RFC_3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
                          r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")
    INVALID = "Not a valid RFC 3339 timestamp with offset (leap seconds are not kept)."

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > self.MAX_LENGTH or not self.RFC_3339.fullmatch(value):
            raise ma.ValidationError(self.INVALID)
        try:
            result = super()._deserialize(value.upper(), attr, data, **kwargs)
        except ma.ValidationError:  # a day or month that does not exist
            raise ma.ValidationError(self.INVALID) from None
        try:
            in_utc = result.astimezone(dt.timezone.utc)
        except OverflowError:  # past year 9999 (or before year 1) in UTC: Python cannot even hold it
            raise ma.ValidationError(OUT_OF_RANGE) from None
        if not (FIRST_YEAR <= result.year <= LAST_YEAR and FIRST_YEAR <= in_utc.year <= LAST_YEAR):
            raise ma.ValidationError(OUT_OF_RANGE)
        return result


class FullMatch(validate.Regexp):
    """A pattern the whole value must match, as JSON Schema's `pattern` reads `^…$`: Python's re.match lets `$`
    match before a final newline, so marshmallow's Regexp takes "v2\n" for "v2"."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


_held_references = contextvars.ContextVar("held_references", default=frozenset())


@contextmanager
def references_held_by(stored):
    """While loading a new state of `stored`, the ids it already holds stay acceptable to reference fields.

    A reference is checked when it is made: an organisation deleted later must not lock every document that
    still names it (an editor changing a table's title would get a 422 about a co-chair it did not touch).
    """
    token = _held_references.set(frozenset(_strings_in(stored)) if stored is not None else frozenset())
    try:
        yield
    finally:
        _held_references.reset(token)


def already_held(value):
    """True when the document being changed already holds this id (see references_held_by)."""
    return value in _held_references.get()


def _strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item)


class ObjectIdString(Text):
    """An id as the API shows it: 24 hex characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "64b7f0c2a1e4b3d2c1a09f8e")
        super().__init__(max_length=24, validate=[_validator(ObjectId.is_valid, "Not a valid id.")], **kwargs)


class BoundedList(fields.List):
    """A list refused by its length before its items are read: an oversized list costs one message, not one per item."""

    def __init__(self, field, *, max_length, **kwargs):
        self.max_length = max_length
        super().__init__(field, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)) and len(value) > self.max_length:
            raise ma.ValidationError(f"Longer than maximum length {self.max_length}.")
        return super()._deserialize(value, attr, data, **kwargs)


def bounded_list(field, *, max_length=MAX_LIST, **kwargs):
    """A list with a documented maximum number of items."""
    validators = list(kwargs.pop("validate", []) or [])
    validators.insert(0, validate.Length(max=max_length))
    return BoundedList(field, max_length=max_length, validate=validators, **kwargs)


def unique_items(values):
    if len(values) != len(set(map(str, values))):
        raise ma.ValidationError("Items must be unique.")
