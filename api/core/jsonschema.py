"""JSON Schema (draft 2020-12) from marshmallow schemas, for the OpenAPI document and table kinds."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from api.core import fields as f

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The codes themselves, not just their shape: the API refuses two letters that are not ISO 639-1 ("zz").
# One alternation pattern rather than an enum keeps each of the many localised fields to one line.
LANGUAGE_KEY = {"type": "string", "pattern": f"^({'|'.join(sorted(f._language_codes()))})$"}

# Text fields refuse NUL characters; a field with a pattern of its own excludes them already.
NO_NUL = "^[^\x00]*$"


def extra_keywords(self, field, **kwargs):
    """apispec attribute function: the keywords our own fields imply, plus metadata["json_schema"]."""
    out = {}
    if isinstance(field, f.LocalisedText):
        out.update({"propertyNames": LANGUAGE_KEY, "minProperties": 1, "maxProperties": 20})
    elif isinstance(field, f.CountryCode):
        out["pattern"] = "^[A-Z]{2}$"
    elif isinstance(field, f.RegionCode):
        out["pattern"] = "^[A-Z]{2}-[A-Z0-9]{1,3}$"
    elif isinstance(field, f.LanguageCode):
        out["pattern"] = LANGUAGE_KEY["pattern"]
    elif isinstance(field, f.ObjectIdString):
        out["pattern"] = "^[0-9a-fA-F]{24}$"
    elif isinstance(field, f.IsoDate):
        out.update({"format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"})
    elif isinstance(field, f.IsoTime):
        out["pattern"] = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    elif isinstance(field, f.Timestamp):
        out["format"] = "date-time"
    if isinstance(field, f.Text) and "pattern" not in out and "pattern" not in kwargs.get("ret", {}):
        out["pattern"] = NO_NUL
    if any(validator is f.unique_items for validator in getattr(field, "validators", ())):
        out["uniqueItems"] = True
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
