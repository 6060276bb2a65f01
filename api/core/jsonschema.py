"""JSON Schema (draft 2020-12) from marshmallow schemas, for the OpenAPI document and table kinds."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields as ma_fields

from api.core import fields as f

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The codes themselves, not just their shape: the API refuses two letters that are not ISO 639-1 ("zz").
# One alternation pattern rather than an enum keeps each of the many localised fields to one line.
LANGUAGE_KEY = {"type": "string", "minLength": 2, "maxLength": 2,
                "pattern": f"^({'|'.join(sorted(f._language_codes()))})$"}
# Likewise the ISO 3166-1 alpha-2 codes (an enum would also make test generators try each of the 249).
COUNTRY_CODE = f"^({'|'.join(sorted(f._country_codes()))})$"

# Text fields refuse NUL characters; a field with a pattern of its own excludes them already. Said as "not
# a string containing NUL" rather than a pattern over the whole text: generators then build long texts
# directly (a 5000-character text drawn from a regular expression takes minutes), and null stays valid
# where the field allows it.
NO_NUL = {"type": "string", "pattern": "\x00"}
# The shape of an IANA time-zone name; which names exist depends on the server's tz database, so the
# list itself is not part of the document (an unknown name → 422).
TIME_ZONE = r"^(?:UTC|[A-Z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){1,2})$"


def extra_keywords(self, field, **kwargs):
    """apispec attribute function: the keywords our own fields imply, plus metadata["json_schema"]."""
    out = {}
    if isinstance(field, f.LocalisedText):
        if field.metadata.get("merge_patch"):
            # A patch's entries are merged into the current text (`{}` changes nothing): a language code sets
            # or, with null, removes its text; any other name can only be null (removing nothing).
            entry = kwargs.get("ret", {}).get("additionalProperties", {})
            out.update({"patternProperties": {LANGUAGE_KEY["pattern"]: entry}, "additionalProperties": {"type": "null"}})
        else:
            out.update({"propertyNames": LANGUAGE_KEY, "maxProperties": 20, "minProperties": 1})
    elif isinstance(field, f.CountryCode):
        out["pattern"] = COUNTRY_CODE
    elif isinstance(field, f.RegionCode):
        out["pattern"] = "^[A-Z]{2}-[A-Z0-9]{1,3}$"
    elif isinstance(field, f.LanguageCode):
        out["pattern"] = LANGUAGE_KEY["pattern"]
    elif isinstance(field, f.ObjectIdString):
        out["pattern"] = "^[0-9a-fA-F]{24}$"
    elif isinstance(field, f.IsoDate):
        out.update({"format": "date", "pattern": rf"^{f.YEAR_PATTERN}-\d{{2}}-\d{{2}}$", "maxLength": 10})
    elif isinstance(field, f.IsoTime):
        out["pattern"] = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    elif isinstance(field, f.Timestamp):
        # The pattern bounds the year as written; the instant must also lie within those years in UTC.
        out.update({"format": "date-time", "maxLength": f.Timestamp.MAX_LENGTH, "pattern": f"^{f.YEAR_PATTERN}-"})
        if not field.dump_only and "description" not in field.metadata:
            out["description"] = f"RFC 3339 with offset. {f.OUT_OF_RANGE}"
    elif isinstance(field, f.TimeZoneName):
        out["pattern"] = TIME_ZONE
    elif isinstance(field, ma_fields.URL):
        # JSON Schema's name for the format is "uri"; the API takes http(s) addresses only.
        out.update({"format": "uri", "pattern": "^https?://"})
    if isinstance(field, f.Text) and "pattern" not in out and "pattern" not in kwargs.get("ret", {}):
        out["not"] = NO_NUL
    if any(validator is f.unique_items for validator in getattr(field, "validators", ())):
        out["uniqueItems"] = True
    if "max_properties" in field.metadata and not field.metadata.get("merge_patch"):
        # A merge patch's map holds edits (null removes an entry): only the document's map has this bound.
        out["maxProperties"] = field.metadata["max_properties"]
    out.update(field.metadata.get("json_schema", {}))
    return out


def _standalone_converter():
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)
    spec = APISpec("attributes", "1", "3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(extra_keywords)
    return plugin.converter, spec


def json_schema(schema_class, title=None):
    """Return a self-contained JSON Schema document for a marshmallow schema class."""
    converter, _ = _standalone_converter()
    document = {"$schema": DIALECT, **converter.schema2jsonschema(schema_class())}
    if title:
        document["title"] = title
    return _drop_openapi_only(document)


def _drop_openapi_only(node):
    if isinstance(node, dict):
        return {k: _drop_openapi_only(v) for k, v in node.items() if k not in ("example", "nullable")}
    if isinstance(node, list):
        return [_drop_openapi_only(v) for v in node]
    return node
