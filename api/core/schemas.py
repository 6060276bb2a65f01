"""Schemas every resource shares: the versioned base, list arguments, revisions."""
import marshmallow as ma
from marshmallow import fields, validate

from api.core.fields import Text, Timestamp

MAX_PAGE_SIZE = 100


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class VersionedSchema(BaseSchema):
    """Fields every versioned representation carries."""

    id = fields.String(dump_only=True, metadata={"description": "Opaque id.", "example": "64b7f0c2a1e4b3d2c1a09f8e"})
    version = fields.Integer(dump_only=True, metadata={"description": "1 on create, +1 on each change; the ETag.", "example": 1})
    created_at = Timestamp(dump_only=True)
    updated_at = Timestamp(dump_only=True)


class QueryInteger(fields.Integer):
    """An integer query parameter (query strings are text, so strictness is about the digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and (not value.isascii() or not value.strip().lstrip("-").isdigit() or len(value) > 12):
            raise ma.ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class ListArgsSchema(BaseSchema):
    """Paging, sorting and free-text search: the arguments every list accepts."""

    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=10**6),
                        metadata={"description": "1-based page number; past the last page → empty list."})
    page_size = QueryInteger(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                             metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."})
    sort = Text(max_length=200, metadata={"description": "Comma-separated fields, `-` for descending: `-updated_at,name`."})
    q = Text(max_length=200, metadata={"description": "Free-text search across names and localised texts, "
                                                    "ignoring case, accents and script (Latin ↔ Cyrillic)."})


class PageArgsSchema(BaseSchema):
    page = ListArgsSchema._declared_fields["page"]
    page_size = ListArgsSchema._declared_fields["page_size"]


class RevisionSchema(BaseSchema):
    version = fields.Integer(metadata={"example": 2})
    action = fields.String(validate=validate.OneOf(("created", "updated", "deleted", "restored")))
    changed_at = Timestamp()
    changed_by = fields.String(allow_none=True, metadata={"description": "Subject of the caller (`user:<id>` or `client:<client_id>`)."})
    change = fields.Dict(keys=fields.String(), values=fields.Dict(),
                         metadata={"description": "Changed fields: `{field: {old, new}}`.",
                                   "example": {"city": {"old": "Ancona", "new": "Pesaro"}}})


class EmptySchema(BaseSchema):
    pass

