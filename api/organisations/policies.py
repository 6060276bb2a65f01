"""Who acts for which organisation, and the policy of resources private to staff and to the partners acting for them."""
from bson import ObjectId

from api.core.permissions import Policy
from api.organisations.models import Organisation


def represented_organisations(identity):
    """Ids of the organisations a partner acts for: its own and those it manages."""
    own = identity.organisation_id
    if not identity.is_partner or not own or not ObjectId.is_valid(own):
        return []
    managed = Organisation._get_collection().find({"managed_by": own, "deleted_at": None}, {"_id": 1})
    return [own, *(str(doc["_id"]) for doc in managed)]


class PartnerOwnedPolicy(Policy):
    """Private to staff and to the partners acting for an organisation the resource names in `owner_fields`.

    Nobody else sees it at all (404). Partners change what they see; only staff delete, since deleting erases
    what the secretariat keeps across editions. Subclasses add the rules of their states (check_new_state).
    """

    anonymous_reads = False
    owner_fields = ()

    def can_list(self, identity, parent=None):
        return identity.is_staff or identity.is_partner

    def visible_query(self, identity, parent=None):
        if identity.is_staff:
            return {}
        mine = represented_organisations(identity)
        clauses = [{field: {"$in": mine}} for field in self.owner_fields]
        return clauses[0] if len(clauses) == 1 else {"$or": clauses}

    def acts_for(self, identity, state):
        mine = represented_organisations(identity)
        return any(state.get(field) in mine for field in self.owner_fields)

    def can_see(self, identity, state, parent=None):
        return identity.is_staff or self.acts_for(identity, state)

    def can_create(self, identity, parent=None):
        return identity.is_staff or bool(represented_organisations(identity))

    def can_modify(self, identity, state, parent=None):
        return self.can_see(identity, state, parent)

    def can_delete(self, identity, state, parent=None):
        return identity.is_staff

    def can_see_history(self, identity, state, parent=None):
        return self.can_see(identity, state, parent)

    def change_audience(self, state):
        return [state[field] for field in self.owner_fields if state.get(field)]
