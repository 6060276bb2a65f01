"""Creating the first admin and partner credentials (start-up and CLI)."""
import logging

from api.auth.models import User
from api.auth.resource import clients, users
from api.core import resource as services
from api.core.permissions import ADMIN, Identity

log = logging.getLogger(__name__)

SYSTEM = Identity(sub="system:bootstrap", roles=frozenset({ADMIN}))


def ensure_first_admin(email, password):
    """Create an admin with these credentials unless an admin already exists; return it or None."""
    if User.objects(roles=ADMIN, deleted_at=None).only("id").first():
        return None
    stored = services.create(users, {"email": email, "password": password, "display_name": "Administrator",
                                     "roles": [ADMIN]}, SYSTEM)
    log.info("created the first admin account %s", stored["email"])
    return stored


def create_admin(email, password, display_name="Administrator"):
    return services.create(users, {"email": email, "password": password, "display_name": display_name,
                                   "roles": [ADMIN]}, SYSTEM)


def create_partner_client(organisation_id, name, scopes=("read", "write")):
    """Return (client_id, client_secret) of a new partner credential."""
    stored = services.create(clients, {"name": name, "organisation_id": organisation_id, "scopes": list(scopes)}, SYSTEM)
    return stored["client_id"], stored[services.SHOWN_ONCE]["client_secret"]
