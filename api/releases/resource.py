"""Programme releases as an immutable versioned resource nested in sessions."""
from api.core.permissions import Policy
from api.core.resource import Resource
from api.errors import Conflict
from api.releases import services
from api.releases.models import Release
from api.releases.schemas import ReleaseQueryArgsSchema, ReleaseSchema
from api.sessions.resource import sessions

FROZEN_FIELDS = ("session", "tables", "seminars", "networking_schedule", "meetings")


class ReleasePolicy(Policy):
    """Public with the session (a draft's releases are staff's alone); staff make them; meetings for staff only."""

    def redact(self, identity, representation, state):
        if not identity.is_staff:
            representation.pop("meetings", None)
        return representation


class ReleaseResource(Resource):
    name = "releases"
    label = "a release"
    path_param = "release_name"
    key_field = "name"
    immutable = True
    model = Release
    schema = ReleaseSchema
    query_schema = ReleaseQueryArgsSchema
    policy = ReleasePolicy()
    parent = sessions
    parent_field = "session_id"
    search_fields = ("name", "notes")
    sort_fields = {"number": "number", "created_at": "created_at"}
    default_sort = "-number"
    list_omits = FROZEN_FIELDS
    example = {"name": "v1.0", "notes": {"it": "Programma definitivo", "ru": "Окончательная программа"}}

    def prepare(self, state, *, old, parent):
        return {**state, **services.freeze_programme(parent), "number": services.next_number(parent)}

    def check(self, state, *, old, parent):
        if self.collection.find_one({"session_id": str(parent["_id"]), "name": state["name"]}, {"_id": 1}):
            raise Conflict(f"This session already has a release named {state['name']!r}; releases never change: "
                           "make a new one under another name.")


releases = ReleaseResource()
