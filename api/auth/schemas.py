"""Schemas of people accounts, machine credentials and the token endpoint."""
from marshmallow import fields, validate

from api.core.fields import ObjectIdString, StrictBoolean, Text, bounded_list, unique_items
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


class UserQueryArgsSchema(ListArgsSchema):
    role = Text(max_length=20, validate=[validate.OneOf(ROLES)])
    organisation_id = ObjectIdString()
    active = fields.Boolean()


class ClientSchema(VersionedSchema):
    client_id = fields.String(dump_only=True, metadata={"example": "tf_3f9a1c2b7d4e8f60"})
    client_secret = fields.String(dump_only=True, metadata={
        "description": "Only in the response that creates the credential: store it, it is never shown again."})
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Marche Export CRM"})
    organisation_id = ObjectIdString(required=True)
    scopes = bounded_list(Text(max_length=10, validate=[validate.OneOf(SCOPES)], metadata={"enum": list(SCOPES)}),
                          max_length=2, validate=[unique_items, validate.Length(min=1)],
                          load_default=lambda: list(SCOPES), metadata={"example": ["read", "write"]})
    active = StrictBoolean(load_default=True)


class ClientQueryArgsSchema(ListArgsSchema):
    organisation_id = ObjectIdString()
    active = fields.Boolean()


class TokenRequestSchema(BaseSchema):
    """OAuth 2 token request (form-encoded or JSON)."""

    grant_type = fields.String(required=True, validate=validate.OneOf(("password", "client_credentials", "refresh_token")))
    username = fields.String(metadata={"description": "password grant: the account's e-mail"})
    password = fields.String()
    client_id = fields.String(metadata={"description": "client_credentials: or use HTTP Basic"})
    client_secret = fields.String()
    refresh_token = fields.String()
    scope = fields.String(metadata={"description": "client_credentials: space-separated subset of the client's scopes"})


class TokenResponseSchema(BaseSchema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"example": 900})
    refresh_token = fields.String()
    scope = fields.String(metadata={"example": "read write"})


class OAuthErrorSchema(BaseSchema):
    """RFC 6749 §5.2 error, with the problem-details members alongside."""

    error = fields.String(required=True, metadata={"example": "invalid_grant"})
    error_description = fields.String()
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()


class RevokeRequestSchema(BaseSchema):
    token = fields.String(required=True)
    token_type_hint = fields.String(validate=validate.OneOf(("access_token", "refresh_token")))


class MeSchema(BaseSchema):
    sub = fields.String(required=True, metadata={"example": "client:tf_3f9a1c2b7d4e8f60"})
    roles = fields.List(fields.String(), required=True, metadata={"example": ["partner"]})
    organisation_id = fields.String()
    scopes = fields.List(fields.String())


class JwksSchema(BaseSchema):
    keys = fields.List(fields.Dict(), required=True)
