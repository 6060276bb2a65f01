"""Networking settings and meeting requests as versioned resources nested in sessions."""
from api.core.resource import Resource
from api.errors import Conflict, Forbidden, ValidationFailed
from api.networking.models import OPEN_STATUSES, MeetingRequest, NetworkingSettings
from api.networking.schemas import DEFAULT_OPEN_REQUESTS, MeetingRequestQueryArgsSchema, MeetingRequestSchema, \
    NetworkingSettingsSchema
from api.networking.slots import minutes, slot_times
from api.organisations.policies import PartnerOwnedPolicy, represented_organisations
from api.registrations.models import Registration
from api.sessions.resource import sessions

TARGET, REQUESTER = "target", "requester"
# status before → status after → the side that may take the step (staff may take any)
STEPS = {
    "pending": {"accepted": TARGET, "declined": TARGET, "withdrawn": REQUESTER},
    "accepted": {"declined": TARGET, "withdrawn": REQUESTER},
    "declined": {},
    "withdrawn": {},
}
SIDE_FIELD = {TARGET: "to_organisation_id", REQUESTER: "from_organisation_id"}


class NetworkingSettingsResource(Resource):
    """The one settings document of a session: read by anyone who sees the session, written by staff."""

    name = "networking"
    label = "networking settings"
    path_param = "session_id"
    model = NetworkingSettings
    schema = NetworkingSettingsSchema
    parent = sessions
    parent_field = "session_id"
    example = {"day": "2012-10-23", "start_time": "14:00", "end_time": "18:00", "slot_minutes": 20,
               "breaks": [{"start": "16:00", "end": "16:20"}], "tables": 25, "max_meetings_per_participant": 8,
               "max_open_requests_per_participant": 20, "room": "Sala Vanvitelli, piano terra"}

    def check(self, state, *, old, parent):
        errors = {}
        if not parent["starts_on"] <= state["day"] <= parent["ends_on"]:
            errors["day"] = [f"Must be a day of the session: {parent['starts_on']} to {parent['ends_on']}."]
        if state["end_time"] <= state["start_time"]:
            errors["end_time"] = ["Must be after start_time."]
        else:
            breaks = sorted(state["breaks"], key=lambda b: b["start"])
            for position, pause in enumerate(state["breaks"]):
                if pause["start"] < state["start_time"] or pause["end"] > state["end_time"]:
                    errors[f"breaks.{position}"] = ["Must lie within start_time and end_time."]
            for before, after in zip(breaks, breaks[1:]):
                if after["start"] < before["end"]:
                    errors[f"breaks.{state['breaks'].index(after)}"] = ["Overlaps another break."]
            if not errors and not slot_times(state):
                length = minutes(state["end_time"]) - minutes(state["start_time"])
                errors["slot_minutes"] = [f"No slot of this length fits the {length} minutes of the window "
                                          "outside the breaks."]
        if errors:
            raise ValidationFailed(errors)


class MeetingRequestPolicy(PartnerOwnedPolicy):
    """Private to staff and to the partners acting for either side; each status step belongs to one side."""

    owner_fields = ("from_organisation_id", "to_organisation_id")

    def check_new_state(self, identity, new, old, parent=None):
        if identity.is_staff:
            return
        mine = represented_organisations(identity)
        if old is None:
            if new["from_organisation_id"] not in mine:
                raise Forbidden("A partner asks for meetings for its own organisation or one it manages.")
            return
        side = STEPS[old["status"]].get(new["status"])  # no such step: check() answers 422
        if new["status"] != old["status"] and side is not None:
            if old[SIDE_FIELD[side]] not in mine:
                raise Forbidden(f"Only the {side}'s side may make a request {new['status']}.")
        if (new["message"], new["priority"]) != (old.get("message"), old.get("priority")) and \
                old["from_organisation_id"] not in mine:
            raise Forbidden("Only the requester's side may change the message or the priority.")


class MeetingRequestResource(Resource):
    name = "requests"
    label = "a meeting request"
    path_param = "request_id"
    model = MeetingRequest
    schema = MeetingRequestSchema
    query_schema = MeetingRequestQueryArgsSchema
    policy = MeetingRequestPolicy()
    parent = sessions
    parent_field = "session_id"
    search_fields = ("message",)
    sort_fields = {"created_at": "created_at", "updated_at": "updated_at", "priority": "priority",
                   "status": "status"}
    example = {"from_organisation_id": "64b7f0c2a1e4b3d2c1a09f8e", "to_organisation_id": "64b7f0c2a1e4b3d2c1a09f8f",
               "message": "Vorremmo presentarvi i nostri componenti.", "priority": 3, "status": "pending"}

    live_key_fields = ("open_pair",)

    def live_keys(self, stored):
        if stored["status"] not in OPEN_STATUSES:
            return {}
        pair = sorted((stored["from_organisation_id"], stored["to_organisation_id"]))
        return {"open_pair": ":".join([stored["session_id"], *pair])}

    def filters(self, args):
        query = {}
        if "status" in args:
            query["status"] = args["status"]
        if "organisation_id" in args:
            query["$or"] = [{"from_organisation_id": args["organisation_id"]},
                            {"to_organisation_id": args["organisation_id"]}]
        return query

    def check(self, state, *, old, parent):
        errors = {}
        if old is None:
            if state["status"] != "pending":
                errors["status"] = ["A new request is pending: the target's side accepts or declines it."]
        else:
            for name in ("from_organisation_id", "to_organisation_id"):
                if state[name] != old[name]:
                    errors[name] = ["Cannot change; withdraw this request and make another."]
            if state["status"] != old["status"] and state["status"] not in STEPS[old["status"]]:
                possible = ", ".join(sorted(STEPS[old["status"]])) or "none, it is final"
                errors["status"] = [f"Cannot go from {old['status']} to {state['status']}; possible: {possible}."]
        if state["from_organisation_id"] == state["to_organisation_id"]:
            errors["to_organisation_id"] = ["An organisation cannot ask to meet itself."]
        if errors:
            raise ValidationFailed(errors)
        if old is None or (state["status"] == "accepted" and old["status"] != "accepted"):
            _check_participants(state, parent)
        if old is None:
            _check_open(state, parent)


def _check_participants(state, parent):
    """Raise 422 unless both sides take part in the session's networking (registered, not cancelled)."""
    wanted = [state["from_organisation_id"], state["to_organisation_id"]]
    taking_part = {doc["organisation_id"] for doc in Registration._get_collection().find(
        {"session_id": str(parent["_id"]), "organisation_id": {"$in": wanted}, "deleted_at": None,
         "networking": True, "status": {"$ne": "cancelled"}}, {"organisation_id": 1})}
    errors = {name: ["Not a networking participant of this session (a registration with networking: true, "
                     "not cancelled)."]
              for name, organisation_id in zip(("from_organisation_id", "to_organisation_id"), wanted)
              if organisation_id not in taking_part}
    if errors:
        raise ValidationFailed(errors)


def _check_open(state, parent):
    """Raise 409 for a duplicate of an open request (either direction) or past the requester's cap."""
    collection = MeetingRequest._get_collection()
    session_id = str(parent["_id"])
    pair = [state["from_organisation_id"], state["to_organisation_id"]]
    duplicate = collection.find_one({"session_id": session_id, "deleted_at": None, "status": {"$in": list(OPEN_STATUSES)},
                                     "from_organisation_id": {"$in": pair}, "to_organisation_id": {"$in": pair}},
                                    {"status": 1})
    if duplicate is not None:
        raise Conflict(f"These two organisations already have a {duplicate['status']} request "
                       f"({duplicate['_id']}); one open request per pair, in either direction.")
    settings = NetworkingSettings._get_collection().find_one({"session_id": session_id, "deleted_at": None}) or {}
    cap = settings.get("max_open_requests_per_participant") or DEFAULT_OPEN_REQUESTS
    pending = collection.count_documents({"session_id": session_id, "deleted_at": None, "status": "pending",
                                          "from_organisation_id": state["from_organisation_id"]})
    if pending >= cap:
        raise Conflict(f"This organisation already has {pending} pending requests: the cap is {cap} open requests "
                       "per participant. Wait for answers or withdraw one.")


networking_settings = NetworkingSettingsResource()
meeting_requests = MeetingRequestResource()
