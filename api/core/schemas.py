"""Schemas every resource shares: the versioned base, list arguments, revisions, merge patches."""
import copy
import re

import marshmallow as ma
from marshmallow import fields, validate
from webargs.multidictproxy import MultiDictProxy

from api.core.fields import FullMatch, Text, Timestamp

MAX_PAGE_SIZE = 100


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class VersionedSchema(BaseSchema):
    """Fields every versioned representation carries."""

    id = fields.String(dump_only=True, metadata={"description": "Opaque id.", "example": "64b7f0c2a1e4b3d2c1a09f8e",
                                                 "maxLength": 24})
    version = fields.Integer(dump_only=True, metadata={"description": "1 on create, +1 on each change; the ETag.", "example": 1})
    created_at = Timestamp(dump_only=True)
    updated_at = Timestamp(dump_only=True)


class QueryInteger(fields.Integer):
    """An integer query parameter (query strings are text, so strictness is about the digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and (not value.isascii() or not value.strip().lstrip("-").isdigit() or len(value) > 12):
            raise ma.ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryArgsSchema(BaseSchema):
    """Query-string arguments: each given at most once."""

    REPEATED = "Give this parameter once."

    @ma.pre_load
    def refuse_repeated_parameters(self, data, **kwargs):
        # webargs hands a single-valued field the first of repeated values: `country=IT&country=RU` would
        # silently list Italy only, answering another question than the one asked.
        if isinstance(data, MultiDictProxy) and hasattr(data.data, "getlist"):
            # Unknown parameters are left to `unknown=RAISE`, which names them as such.
            known = {field.data_key or name for name, field in self.load_fields.items()}
            repeated = {key: [self.REPEATED] for key in data.data
                        if key in known and key not in data.multiple_keys and len(data.data.getlist(key)) > 1}
            if repeated:
                raise ma.ValidationError(repeated)
        return data


class ListArgsSchema(QueryArgsSchema):
    """Paging, sorting and free-text search: the arguments every list accepts."""

    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=10**6),
                        metadata={"description": "1-based page number; past the last page → empty list."})
    page_size = QueryInteger(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                             metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."})
    sort = Text(max_length=200, metadata={"description": "Comma-separated fields, `-` for descending: `-updated_at,name`."})
    q = Text(max_length=200, metadata={"description": "Free-text search across names and localised texts, "
                                                    "ignoring case, accents and script (Latin ↔ Cyrillic): "
                                                    "each word finds the words it begins, a numeral (`XXI`, "
                                                    "`2012`) itself only."})


def with_sort_fields(query_schema, sort_fields):
    """Return query_schema whose `sort` accepts (and documents) exactly these field names."""
    names = "|".join(sorted(sort_fields, key=lambda name: (-len(name), name)))
    # Each field once at most: no useful sort names more fields than there are.
    pattern = f"^-?(?:{names})(?:,-?(?:{names})){{0,{len(sort_fields) - 1}}}$"
    choices = ", ".join(sorted(sort_fields))
    sort = Text(max_length=200, validate=[FullMatch(re.compile(pattern), error=(
        f"Sort by a comma-separated list of {choices}; prefix a field with - for descending order."))],
        metadata={"description": f"Comma-separated fields among {choices}; `-` before a field for descending: "
                                 f"`-{sorted(sort_fields)[0]}`."})
    return type(query_schema.__name__, (query_schema,), {"sort": sort})


class PageArgsSchema(QueryArgsSchema):
    page = ListArgsSchema._declared_fields["page"]
    page_size = ListArgsSchema._declared_fields["page_size"]


class RevisionSchema(BaseSchema):
    version = fields.Integer(metadata={"example": 2})
    action = fields.String(validate=validate.OneOf(("created", "updated", "deleted", "restored")))
    changed_at = Timestamp()
    changed_by = fields.String(allow_none=True, metadata={
        "description": "Subject of the caller (`user:<id>` or `client:<client_id>`), or `system` for a version the "
                       "server made itself (see `reason`).", "maxLength": 100})
    reason = fields.String(metadata={
        "description": "Why, where the change cannot show it: `kind upgrade` on a version the server made itself "
                       "when a table's attributes were brought to its kind's newer version; `secret rotated` when a "
                       "client credential got a new secret (never shown in a revision).", "example": "kind upgrade", "maxLength": 100})
    change = fields.Dict(keys=fields.String(), values=fields.Dict(metadata={"maxProperties": 2}),
                         metadata={"description": "Changed fields: `{field: {old, new}}`.", "maxProperties": 100,
                                   "example": {"city": {"old": "Ancona", "new": "Pesaro"}}})


class EmptySchema(BaseSchema):
    pass



_PATCH_SCHEMAS = {}


def merge_patch_schema(schema_cls, *, nested=False):
    """Return the schema of an RFC 7396 merge patch of schema_cls's documents (for the documentation).

    A patch names any subset of the fields. A field the document may lack can be `null`, which removes
    it; a required one cannot be removed. An object value is merged into the current one, so its own
    fields are a patch too; a list value replaces the current list whole, so its items are complete.
    Inside such a nested object any other member may be null too: removing what is not there changes
    nothing (the patch's own top level still refuses unknown fields).
    """
    key = (schema_cls, nested)
    if key in _PATCH_SCHEMAS:
        return _PATCH_SCHEMAS[key]
    declared = {name: _patch_field(field) for name, field in schema_cls._declared_fields.items()}
    name = schema_cls.__name__.removesuffix("Schema") + "PatchSchema"
    attributes = {**declared, "__doc__": f"A JSON merge patch of {schema_cls.__name__}."}
    if nested:
        attributes["Meta"] = type("Meta", (BaseSchema.Meta,), {"unknown": ma.INCLUDE})
    patch_cls = type(name, (BaseSchema,), attributes)
    _PATCH_SCHEMAS[key] = patch_cls
    return patch_cls


def finish_merge_patches(spec):
    """In the document, let the unknown members of nested merge-patch objects be null only."""
    for name, component in spec.components.schemas.items():
        if name.endswith("Patch") and isinstance(component, dict) and component.get("additionalProperties") is True:
            component["additionalProperties"] = {"type": "null"}


def _patch_field(field):
    if field.dump_only:
        return field
    patch = copy.copy(field)
    patch.metadata = {**field.metadata, "merge_patch": True}
    patch.required = False
    if not field.required:
        patch.allow_none = True
        if "enum" in patch.metadata:
            patch.metadata["enum"] = [*patch.metadata["enum"], None]
    if isinstance(field, fields.Nested) and not field.many and isinstance(field.nested, type):
        patch.nested = merge_patch_schema(field.nested, nested=True)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        # A map (e.g. localised text): each entry is set or, with null, removed.
        patch.value_field = copy.copy(field.value_field)
        patch.value_field.allow_none = True
    return patch
