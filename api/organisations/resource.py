"""Organisations as a versioned resource: the directory's rules and who may edit what."""
from bson import ObjectId

from api.auth.tokens import end_partner_tokens
from api.core.fields import check_region_in_country
from api.core.permissions import Policy
from api.core.resource import Resource
from api.errors import Forbidden, ValidationFailed
from api.organisations.fields import organisation_exists
from api.organisations.models import Organisation
from api.organisations.schemas import OrganisationQueryArgsSchema, OrganisationSchema
from api.registrations.models import Registration
from api.registrations.services import cancel_registrations_of
from api.sessions.models import Session
from api.sync.webhooks import disable_subscriptions_of


def _managed_by_caller(identity, state):
    org = identity.organisation_id
    return bool(org) and (str(state.get("_id")) == org or state.get("managed_by") == org)


def participants(session_id):
    """Ids of the organisations with a confirmed registration for a session (none once it is deleted)."""
    if Session._get_collection().find_one({"_id": ObjectId(session_id), "deleted_at": None}, {"_id": 1}) is None:
        return []
    confirmed = Registration._get_collection().find(
        {"session_id": session_id, "status": "confirmed", "deleted_at": None}, {"_id": 0, "organisation_id": 1})
    return [ObjectId(doc["organisation_id"]) for doc in confirmed]


class OrganisationPolicy(Policy):
    """Public directory; contacts for authenticated callers; partners edit their own and their delegation."""

    def can_create(self, identity, parent=None):
        # A partner acts for its organisation, so only while that exists (it may have deleted it).
        return identity.is_staff or (identity.is_partner and ObjectId.is_valid(identity.organisation_id or "")
                                     and organisation_exists(identity.organisation_id))

    def can_modify(self, identity, state, parent=None):
        return identity.is_staff or (identity.is_partner and _managed_by_caller(identity, state))

    def check_new_state(self, identity, new, old, parent=None):
        if identity.is_staff:
            return
        own = old is not None and str(old["_id"]) == identity.organisation_id
        if own:
            if new.get("managed_by") != old.get("managed_by"):
                raise Forbidden("A partner cannot change who manages its own organisation.")
        elif new.get("managed_by") != identity.organisation_id:
            raise Forbidden("A partner may only create or keep organisations managed by its own organisation "
                            f"(managed_by must be {identity.organisation_id}).")

    def can_see_history(self, identity, state, parent=None):
        return identity.is_staff or (identity.is_partner and _managed_by_caller(identity, state))

    def redact(self, identity, representation, state):
        if identity.is_anonymous:
            representation.pop("contacts", None)
        return representation


class OrganisationResource(Resource):
    name = "organisations"
    label = "an organisation"
    path_param = "organisation_id"
    model = Organisation
    schema = OrganisationSchema
    query_schema = OrganisationQueryArgsSchema
    policy = OrganisationPolicy()
    search_fields = ("name", "name_i18n", "description", "city")
    sort_fields = {"name": "name", "country": "country", "kind": "kind", "created_at": "created_at",
                   "updated_at": "updated_at"}
    example = {
        "name": "Agenzia Marche Export", "name_i18n": {"it": "Agenzia Marche Export", "ru": "Агентство «Марке Экспорт»"},
        "kind": "promotion_agency", "country": "IT", "region": "IT-57", "city": "Ancona",
        "website": "https://www.example.org", "sectors": ["mechatronics", "furniture"],
        "contacts": [{"name": "Giulia Bianchi", "email": "g.bianchi@example.org"}],
    }

    def filters(self, args):
        query = {}
        for name in ("kind", "country", "region", "managed_by"):
            if name in args:
                query[name] = args[name]
        if "sector" in args:
            query["sectors"] = args["sector"]
        if "session_id" in args:
            query["_id"] = {"$in": participants(args["session_id"])}
        return query

    def check(self, state, *, old, parent):
        errors = check_region_in_country(state.get("region"), state.get("country"))
        managed_by = state.get("managed_by")
        # Only a changed reference is looked up: an unrelated edit must not fail because of it.
        if managed_by and (old is None or managed_by != old.get("managed_by")):
            if old is not None and managed_by == str(old["_id"]):
                errors["managed_by"] = ["An organisation cannot manage itself."]
            elif not organisation_exists(managed_by):
                errors["managed_by"] = ["No organisation with this id."]
        if errors:
            raise ValidationFailed(errors)

    def after_write(self, action, stored, old, parent):
        # Its partners' tokens end with it and stay ended when it comes back: restoring it must not revive them.
        if action == "deleted" or (action == "restored" and old.get("deleted_at") is not None):
            end_partner_tokens(str(stored["_id"]))
        if action == "deleted":
            # Nobody acts for it any more: the seats its registrations hold would stay taken for good.
            cancel_registrations_of(str(stored["_id"]))
            disable_subscriptions_of(str(stored["_id"]), "The organisation was deleted.", "disabled: organisation deleted")
        elif old is not None and stored.get("managed_by") != old.get("managed_by"):
            # Its subscriptions may send its changes to the former manager's endpoints.
            disable_subscriptions_of(str(stored["_id"]), "The organisation's manager changed: its new manager may "
                                     "re-enable it.", "disabled: organisation's manager changed")


organisations = OrganisationResource()
