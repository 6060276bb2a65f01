"""Schemas of people accounts, machine credentials and the token endpoint."""
import marshmallow as ma
from marshmallow import fields, validate

from api.config import DEFAULTS
from api.core.fields import FullMatch, ObjectIdString, StrictBoolean, Text, bounded_list, unique_items
from api.core.permissions import ROLES
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema

SCOPES = ("read", "write")
MIN_PASSWORD_LENGTH = 12


class UserSchema(VersionedSchema):
    email = fields.Email(required=True, validate=[validate.Length(max=254)], metadata={"example": "secretariat@example.org"})
    password = Text(load_only=True, min_length=MIN_PASSWORD_LENGTH, max_length=256,
                    metadata={"description": f"Write-only; at least {MIN_PASSWORD_LENGTH} characters. "
                                             "Required on create, optional on update."})
    display_name = Text(max_length=200, metadata={"example": "Segreteria MiSE"})
    roles = bounded_list(Text(max_length=20, validate=[validate.OneOf(ROLES)], metadata={"enum": list(ROLES)}),
                         max_length=3, validate=[unique_items], load_default=list, metadata={"example": ["editor"]})
    organisation_id = ObjectIdString(metadata={"description": "Required for partners: the organisation they act for."})
    active = StrictBoolean(load_default=True)


class UserCreateSchema(UserSchema):
    """A new user: as UserSchema, with the password required."""

    password = Text(load_only=True, required=True, min_length=MIN_PASSWORD_LENGTH, max_length=256,
                    metadata={"description": f"Write-only; at least {MIN_PASSWORD_LENGTH} characters."})


class UserQueryArgsSchema(ListArgsSchema):
    role = Text(max_length=20, validate=[validate.OneOf(ROLES)])
    organisation_id = ObjectIdString()
    active = fields.Boolean()


class ClientSchema(VersionedSchema):
    client_id = fields.String(dump_only=True, metadata={"example": "tf_3f9a1c2b7d4e8f60", "maxLength": 64})
    client_secret = fields.String(dump_only=True, metadata={
        "description": "Only in the response that creates the credential or rotates its secret (`…/rotate-secret`): "
                       "store it, it is never shown again.",
        "maxLength": 128})
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Marche Export CRM"})
    organisation_id = ObjectIdString(required=True)
    scopes = bounded_list(Text(max_length=10, validate=[validate.OneOf(SCOPES)], metadata={"enum": list(SCOPES)}),
                          max_length=2, validate=[unique_items, validate.Length(min=1)],
                          load_default=lambda: list(SCOPES), metadata={"example": ["read", "write"]})
    active = StrictBoolean(load_default=True)


class ClientQueryArgsSchema(ListArgsSchema):
    organisation_id = ObjectIdString()
    active = fields.Boolean()


SCOPE_PATTERN = r"^(read|write)( (read|write))?$"
SCOPE_MAX_LENGTH = 100
BODY_LIMIT = DEFAULTS["MAX_CONTENT_LENGTH"]


class OAuthRequestSchema(BaseSchema):
    """Parameters of an OAuth 2 request, form-encoded or as a JSON object of strings."""

    class Meta(BaseSchema.Meta):
        # RFC 6749 §3.2: the server ignores parameters it does not know.
        unknown = ma.INCLUDE


def _parameter(max_length=256, **kwargs):
    """A parameter: a non-empty string (an empty one counts as left out, RFC 6749 §3.1).

    Longer than max_length, it cannot match any account, credential or token: the grant fails.
    """
    return fields.String(validate=[validate.Length(min=1, max=max_length)], **kwargs)


class PasswordGrantSchema(OAuthRequestSchema):
    """Resource owner password credentials grant (people)."""

    grant_type = fields.String(required=True, validate=validate.OneOf(("password",)))
    username = _parameter(254, required=True, metadata={"description": "The account's e-mail.",
                                                        "example": "agency@example.org"})
    password = _parameter(256, required=True)


class ClientCredentialsGrantSchema(OAuthRequestSchema):
    """Client credentials grant (partner systems): the credentials here, or with HTTP Basic authentication."""

    grant_type = fields.String(required=True, validate=validate.OneOf(("client_credentials",)))
    client_id = _parameter(64, metadata={"description": "Or send the credentials with HTTP Basic.",
                                         "example": "tf_3f9a1c2b7d4e8f60"})
    client_secret = _parameter(128)
    scope = fields.String(validate=[validate.Length(max=SCOPE_MAX_LENGTH), FullMatch(SCOPE_PATTERN)], metadata={
        "description": "Space-separated subset of the client's scopes (default: all of them).", "example": "read"})


class RefreshTokenGrantSchema(OAuthRequestSchema):
    """Refresh token grant: each refresh token works once and is answered with its successor."""

    grant_type = fields.String(required=True, validate=validate.OneOf(("refresh_token",)))
    refresh_token = _parameter(required=True)


GRANTS = {"password": PasswordGrantSchema, "client_credentials": ClientCredentialsGrantSchema,
          "refresh_token": RefreshTokenGrantSchema}


class TokenResponseSchema(BaseSchema):
    access_token = fields.String(required=True, metadata={"maxLength": 4096})
    token_type = fields.String(required=True, metadata={"example": "Bearer", "enum": ["Bearer"]})
    expires_in = fields.Integer(required=True, metadata={"example": 900})
    refresh_token = fields.String(metadata={"maxLength": 256})
    scope = fields.String(metadata={"example": "read write", "maxLength": 100})


class OAuthErrorSchema(BaseSchema):
    """RFC 6749 §5.2 error, with the problem-details members alongside."""

    error = fields.String(required=True, metadata={"example": "invalid_grant", "maxLength": 40})
    error_description = fields.String(metadata={"maxLength": 1000})
    type = fields.String(metadata={"maxLength": 200})
    title = fields.String(metadata={"maxLength": 200})
    status = fields.Integer()
    detail = fields.String(metadata={"maxLength": 1000})


class RevokeRequestSchema(OAuthRequestSchema):
    """RFC 7009 revocation request."""

    # Any token is answered 200 and any hint ignored (RFC 7009 §2.1, §2.2): the body limit is their only bound.
    token = _parameter(BODY_LIMIT, required=True)
    token_type_hint = fields.String(metadata={
        "description": "`access_token` or `refresh_token`; a hint only: any other value is ignored (RFC 7009 §2.1).",
        "maxLength": BODY_LIMIT})


class MeSchema(BaseSchema):
    sub = fields.String(required=True, metadata={"example": "client:tf_3f9a1c2b7d4e8f60", "maxLength": 100})
    roles = fields.List(fields.String(metadata={"enum": list(ROLES)}), required=True,
                        metadata={"example": ["partner"], "maxItems": len(ROLES)})
    organisation_id = fields.String(metadata={"maxLength": 24})
    scopes = fields.List(fields.String(metadata={"enum": list(SCOPES)}), metadata={"maxItems": len(SCOPES)})


class JwksSchema(BaseSchema):
    keys = fields.List(fields.Dict(metadata={"maxProperties": 20}), required=True, metadata={"maxItems": 100})
