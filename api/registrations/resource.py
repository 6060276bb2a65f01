"""Registrations as a versioned resource nested in sessions: who may register whom, status steps, seats."""
from bson import ObjectId

from api.core.resource import CACHED_REPRESENTATION, Resource
from api.errors import Conflict, Forbidden, ValidationFailed
from api.organisations.fields import organisation_exists
from api.organisations.policies import PartnerOwnedPolicy
from api.registrations import services
from api.registrations.models import Registration
from api.registrations.schemas import RegistrationQueryArgsSchema, RegistrationSchema
from api.seminars.models import Seminar
from api.sessions.resource import sessions
from api.tables.models import Table

OPEN = "registration_open"
# status before → status after → who may make the step ("staff", or "owner": staff and the owning partner)
STEPS = {
    None: {"pending": "owner", "confirmed": "staff", "waitlisted": "staff"},
    "pending": {"confirmed": "staff", "waitlisted": "staff", "cancelled": "owner"},
    "waitlisted": {"confirmed": "staff", "cancelled": "owner"},
    "confirmed": {"waitlisted": "staff", "cancelled": "owner"},
    "cancelled": {},
}
HOLDS_PLACES = ("pending", "confirmed", "waitlisted")
CHOICES = ("delegates", "tables", "seminars", "networking", "networking_profile")


class RegistrationPolicy(PartnerOwnedPolicy):
    """Private to staff and to the partner acting for the organisation; nobody else sees them at all."""

    owner_fields = ("organisation_id",)

    def check_new_state(self, identity, new, old, parent=None):
        if identity.is_staff:
            return
        if not self.acts_for(identity, new):
            raise Forbidden("A partner registers only its own organisation and the organisations it manages.")
        before = old["status"] if old else None
        if new["status"] != before and STEPS[before].get(new["status"]) == "staff":
            raise Forbidden(f"Only staff may make a registration {new['status']}.")
        if old is not None and parent["status"] != OPEN:
            only_cancels = new["status"] == "cancelled" and all(new.get(k) == old.get(k) for k in CHOICES)
            if not (parent["status"] == "registration_closed" and only_cancels):
                raise Conflict(f"The session is {parent['status']}: partners may change registrations only while "
                               "it is registration_open, and only cancel them while it is registration_closed.")


class RegistrationResource(Resource):
    name = "registrations"
    label = "a registration"
    path_param = "registration_id"
    model = Registration
    schema = RegistrationSchema
    query_schema = RegistrationQueryArgsSchema
    policy = RegistrationPolicy()
    parent = sessions
    parent_field = "session_id"
    server_fields = ("session_number", "seminar_places")
    live_fields = ("seminar_places",)
    sort_fields = {"created_at": "created_at", "updated_at": "updated_at", "status": "status"}
    example = {
        "organisation_id": "64b7f0c2a1e4b3d2c1a09f8e",
        "delegates": [{"name": "Marco Santarelli", "role": "Responsabile export", "email": "m.santarelli@example.org",
                       "languages": ["it", "en"]}],
        "tables": [], "seminars": [], "networking": True,
        "networking_profile": {"offers": {"it": "Componenti meccatronici"}, "seeks": {"ru": "Дистрибьюторы"},
                               "sectors": ["mechatronics"], "availability": [{"start": "14:00", "end": "16:30"}]},
        "status": "pending",
    }

    def search_texts(self, state):
        # `q` finds a registration by the people it brings.
        return [text for person in state.get("delegates") or [] for text in (person.get("name"), person.get("role"))]

    def represent(self, stored):
        view = dict(stored)
        view["id"] = str(stored["_id"])
        view["seminar_places"] = services.places_of(view["id"], _seminars_with_places(stored))
        return self.schema_instance.dump(view)

    def filters(self, args):
        return {name: args[name] for name in ("status", "organisation_id") if name in args}

    def prepare(self, state, *, old, parent):
        state["session_number"] = parent["number"]
        return state

    def check(self, state, *, old, parent):
        errors = {}
        if old is None:
            if parent["status"] != OPEN:
                raise Conflict(f"Registration is not open: the session is {parent['status']}.")
            if not organisation_exists(state["organisation_id"]):
                errors["organisation_id"] = ["No organisation with this id."]
        elif state["organisation_id"] != old["organisation_id"]:
            errors["organisation_id"] = ["Cannot change; cancel this registration and register the other organisation."]
        before = old["status"] if old else None
        if state["status"] != before and state["status"] not in STEPS[before]:
            allowed = ", ".join(sorted(STEPS[before])) or "none, it is final"
            errors["status"] = [f"Cannot go from {before or 'a new registration'} to {state['status']}; "
                                f"possible: {allowed}."]
        for name, model in (("tables", Table), ("seminars", Seminar)):
            known = set((old or {}).get(name) or [])
            for position, item_id in enumerate(state[name]):
                if item_id not in known and not model.objects(id=ObjectId(item_id), session_id=str(parent["_id"]),
                                                              deleted_at=None).only("id").first():
                    errors[f"{name}.{position}"] = [f"No {name[:-1]} with this id in this session."]
        if errors:
            raise ValidationFailed(errors)
        if old is None and Registration.objects(session_id=str(parent["_id"]), organisation_id=state["organisation_id"],
                                                deleted_at=None).only("id").first():
            raise Conflict("This organisation is already registered for this session.")

    def after_write(self, action, stored, old, parent):
        registration_id = str(stored["_id"])
        wanted, had = _seminars_with_places(stored), _seminars_with_places(old)
        services.release_places(registration_id, [s for s in had if s not in wanted])
        services.claim_places(registration_id, [s for s in wanted if s not in had])
        # The response shows the places just taken, not those of the representation rendered before.
        stored.pop(CACHED_REPRESENTATION, None)


def _seminars_with_places(stored):
    """The seminars in which a stored registration holds a seat or a waiting place (none once cancelled or deleted)."""
    if stored is None or stored.get("deleted_at") is not None or stored["status"] not in HOLDS_PLACES:
        return []
    return list(stored.get("seminars") or [])


registrations = RegistrationResource()
