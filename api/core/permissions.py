"""Who the caller is, and the policy objects every resource declares to decide what it may do."""
from dataclasses import dataclass, field

from flask import g

from api.core.changes import PUBLIC
from api.errors import Forbidden, NotFound, Unauthorized

ADMIN, EDITOR, PARTNER = "admin", "editor", "partner"
ROLES = (ADMIN, EDITOR, PARTNER)
STAFF = frozenset({ADMIN, EDITOR})


@dataclass(frozen=True)
class Identity:
    """The caller of one request, as its access token describes it."""

    sub: str | None = None
    roles: frozenset = field(default_factory=frozenset)
    organisation_id: str | None = None
    scopes: frozenset = frozenset({"read", "write"})
    token_id: str | None = None

    @property
    def is_anonymous(self):
        return self.sub is None

    @property
    def is_admin(self):
        return ADMIN in self.roles

    @property
    def is_staff(self):
        return bool(self.roles & STAFF)

    @property
    def is_partner(self):
        return PARTNER in self.roles

    @property
    def can_write(self):
        return "write" in self.scopes


ANONYMOUS = Identity()


def current_identity():
    """Return the identity the auth layer attached to this request (anonymous when none)."""
    return getattr(g, "identity", None) or ANONYMOUS


def refuse(identity, detail="You are not allowed to do this."):
    """Raise 401 for an anonymous caller, 403 for an authenticated one."""
    if identity.is_anonymous:
        raise Unauthorized()
    raise Forbidden(detail)


class Policy:
    """What callers may see and do with one kind of resource.

    Every check takes the identity and the stored state(s); the generic resource routes call
    them, so no view codes its own permission logic. The default: anyone reads, staff write.
    """

    anonymous_reads = True  # may callers without a token read (some of) it? If not, they get 401.

    def can_list(self, identity, parent=None):
        """May this caller list the collection at all?"""
        return True

    def visible_query(self, identity, parent=None):
        """Return a MongoDB filter restricting lists to what the caller may see."""
        return {}

    def can_see(self, identity, state, parent=None):
        return True

    def can_create(self, identity, parent=None):
        """May this caller create resources here at all (checked before the body is read)?"""
        return identity.is_staff

    def can_modify(self, identity, state, parent=None):
        """May this caller change or delete this stored resource?"""
        return identity.is_staff

    def can_delete(self, identity, state, parent=None):
        """May this caller delete this stored resource (beyond changing it)?"""
        return self.can_modify(identity, state, parent)

    def check_new_state(self, identity, new, old, parent=None):
        """Raise Forbidden when the caller may not store this particular new state.

        Called after the resource's prepare() and before its check(): the state is valid field by field but
        not yet checked across fields or against other documents.
        """

    def can_see_history(self, identity, state, parent=None):
        return identity.is_staff

    def redact(self, identity, representation, state):
        """Remove fields the caller may not read; return the representation."""
        return representation

    def change_audience(self, state):
        """Who sees a change to this stored state in the change feed besides staff: PUBLIC (anyone who sees its
        session, if it has one), or the ids of the organisations whose partners do (none: staff only).

        Stored with the change's revision, so the feed filters on it in its query.
        """
        return PUBLIC if self.anonymous_reads else []

    # Helpers used by the routes: raise the right error instead of answering a boolean.

    def ensure_visible(self, identity, state, parent=None):
        if not self.can_see(identity, state, parent):
            raise NotFound()

    def ensure_can_list(self, identity, parent=None):
        if not self.can_list(identity, parent):
            refuse(identity)

    def ensure_write_scope(self, identity):
        if not identity.is_anonymous and not identity.can_write:
            raise Forbidden("This credential is read-only.")


class StaffOnlyPolicy(Policy):
    """Resources only staff may see at all; others get 404 on items and 401/403 on the collection."""

    roles = STAFF
    anonymous_reads = False

    def _allowed(self, identity):
        return bool(identity.roles & self.roles)

    def can_list(self, identity, parent=None):
        return self._allowed(identity)

    def can_see(self, identity, state, parent=None):
        return self._allowed(identity)

    def can_create(self, identity, parent=None):
        return self._allowed(identity)

    def can_modify(self, identity, state, parent=None):
        return self._allowed(identity)

    def can_see_history(self, identity, state, parent=None):
        return self._allowed(identity)


class AdminOnlyPolicy(StaffOnlyPolicy):
    roles = frozenset({ADMIN})
