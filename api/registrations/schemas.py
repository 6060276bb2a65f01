"""Registration representation, input and list arguments, and the participations of an organisation."""
import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from api.core.fields import (FullMatch, IsoTime, LanguageCode, LocalisedText, ObjectIdString, Slug, StrictBoolean, Text,
                             Timestamp, bounded_list, unique_items)
from api.core.schemas import BaseSchema, ListArgsSchema, VersionedSchema
from api.registrations.models import STATUSES

MAX_DELEGATES = 50
MAX_CHOICES = 30  # tables or seminars one registration may name
PHONE = FullMatch(r"^\+?[0-9 ()./-]{4,40}$", error="Not a valid phone number.")

STATUS_DESCRIPTION = (
    "`pending` → `confirmed` / `waitlisted` → `cancelled`.\n\n"
    "- A partner creates its registrations `pending` (the default) and may only ever cancel them; staff (editors, "
    "admins) may create them in any status but `cancelled`, and move `pending` → `confirmed` or `waitlisted`, "
    "`waitlisted` → `confirmed`, `confirmed` → `waitlisted`.\n"
    "- Anyone who may change a registration may cancel it; `cancelled` is final (nothing leads out of it).\n"
    "- Registering needs the session to be `registration_open` (else 409). While it is `registration_closed`, "
    "partners may only cancel; staff still decide on `pending` ones. When the session becomes `concluded`, "
    "every registration still `pending` is cancelled (it was never accepted) and frees its seminar places.\n"
    "- A step not listed → 422 at `status`; a listed step the caller's role may not make → 403.")


class DelegateSchema(BaseSchema):
    name = Text(required=True, min_length=1, max_length=200, metadata={"example": "Marco Santarelli"})
    role = Text(required=True, min_length=1, max_length=200, metadata={"example": "Responsabile export"})
    email = fields.Email(required=True, validate=[validate.Length(max=254)],
                         metadata={"example": "m.santarelli@example.org",
                                   "description": "Private: shown to staff and the owning partner only."})
    phone = Text(max_length=40, validate=[PHONE], metadata={"example": "+39 071 806 1",
                                                             "description": "Private, like `email`."})
    languages = bounded_list(LanguageCode(), max_length=10, validate=[unique_items], metadata={"example": ["it", "ru"]})


class AvailabilitySchema(BaseSchema):
    start = IsoTime(required=True, metadata={"example": "14:00", "maxLength": 5})
    end = IsoTime(required=True, metadata={"example": "16:30", "maxLength": 5})

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ma.ValidationError("Must be after start.", "end")


class NetworkingProfileSchema(BaseSchema):
    offers = LocalisedText(max_length=2000, metadata={"example": {"it": "Componenti meccatronici su misura"}})
    seeks = LocalisedText(max_length=2000, metadata={"example": {"ru": "Дистрибьюторы в Поволжье"}})
    sectors = bounded_list(Slug(), max_length=20, validate=[unique_items], metadata={"example": ["mechatronics"]})
    availability = bounded_list(fields.Nested(AvailabilitySchema), max_length=20, metadata={
        "description": "Times (HH:MM, start before end) on the networking day when meetings suit."})


class SeminarPlaceSchema(BaseSchema):
    seminar_id = fields.String(metadata={"maxLength": 24})
    status = fields.String(validate=validate.OneOf(("confirmed", "waitlisted")),
                           metadata={"enum": ["confirmed", "waitlisted"]})
    position = fields.Integer(metadata={"description": "Place in the seminar's waiting list (1 = next); only when "
                                                       "waitlisted.", "minimum": 1})


class RegistrationSchema(VersionedSchema):
    session_id = fields.String(dump_only=True, metadata={"maxLength": 24})
    session_number = fields.Integer(dump_only=True, metadata={"description": "The session's number (21 = XXI)."})
    # Checked to exist on creation only (RegistrationResource.check): it cannot change, and staff must still be
    # able to change a registration once its organisation was deleted.
    organisation_id = ObjectIdString(required=True, metadata={
        "description": "The organisation taking part: a partner's own or one it manages. Cannot change."})
    delegates = bounded_list(fields.Nested(DelegateSchema), max_length=MAX_DELEGATES, required=True,
                             validate=[validate.Length(min=1)],
                             metadata={"description": f"The people coming: 1 to {MAX_DELEGATES}."})
    tables = bounded_list(ObjectIdString(), max_length=MAX_CHOICES, validate=[unique_items], load_default=list,
                          metadata={"description": "Ids of tables of this session."})
    seminars = bounded_list(ObjectIdString(), max_length=MAX_CHOICES, validate=[unique_items], load_default=list,
                            metadata={"description": "Ids of seminars of this session. Each grants a seat while "
                                                     "one is free, else a place in its waiting list (see "
                                                     "`seminar_places`)."})
    networking = StrictBoolean(load_default=False, metadata={"description": "Takes part in the Networking Open Space."})
    networking_profile = fields.Nested(NetworkingProfileSchema, metadata={
        "description": "What the organisation offers and seeks at the Networking Open Space."})
    status = Text(max_length=20, load_default="pending", validate=[validate.OneOf(STATUSES)],
                  metadata={"enum": list(STATUSES), "description": STATUS_DESCRIPTION})
    seminar_places = fields.List(fields.Nested(SeminarPlaceSchema), dump_only=True, metadata={
        "maxItems": MAX_CHOICES,
        "description": "Live, set by the server: for each chosen seminar, a seat (`confirmed`) or a place in its "
                       "waiting list. A registration holds its places from its creation (while `pending` too) "
                       "until it is cancelled or deleted; the first waiting one takes a freed seat. Places change "
                       "without a new version of the registration, but change its ETag."})


class RegistrationQueryArgsSchema(ListArgsSchema):
    status = Text(max_length=20, validate=[validate.OneOf(STATUSES)], metadata={"enum": list(STATUSES)})
    organisation_id = ObjectIdString()


class ParticipationSchema(BaseSchema):
    registration_id = fields.String(metadata={"maxLength": 24})
    session_id = fields.String(metadata={"maxLength": 24})
    session_number = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"enum": list(STATUSES)})
    tables = fields.List(fields.String(metadata={"maxLength": 24}), metadata={"maxItems": MAX_CHOICES})
    seminars = fields.List(fields.String(metadata={"maxLength": 24}), metadata={"maxItems": MAX_CHOICES})
    networking = fields.Boolean()
    created_at = Timestamp()
