"""Realistic data for fuzzed requests: what a real client knows and the OpenAPI document cannot say.

The document describes each request on its own. Some rules depend on what is stored or on other
fields: an id must name something that exists, a write needs the current ETag, a region must be in
its country, a seminar must fall within its session, a session's status only moves forward, a
password grant needs a real account. A real client honours them; so, right before each call, the
parts of a case generated as valid (positive) are made to honour them too, keeping whatever already
does. Parts generated as invalid (negative) are sent as they are: they must be refused whatever is
stored.
"""
import copy
import datetime as dt
import hashlib
import itertools
import json
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import marshmallow as ma
import pycountry
from schemathesis.core.parameters import ParameterLocation

from api.auth import tokens
from api.core.fields import FIRST_YEAR, LAST_YEAR, LocalisedText
from api.core import changes
from api.core import resource as services
from api.core.documents import ChangeCounter
from api.networking.resource import networking_settings
from api.plugins import registry
from api.registrations.resource import STEPS
from api.sessions.models import STATUSES
from api.sync import urls
from tests.fuzz.world import PUBLIC_WEBHOOK_URL, RESOURCES, USER_EMAIL, USER_PASSWORD

API = "/api/v1/"
URL_FIELD = ma.fields.URL(schemes={"http", "https"})
EMAIL_FIELD = ma.fields.Email()
_keys = itertools.count(1)
# The values each case was generated with, by case id. The coverage phase's cases are built once and
# run by the admin test and the partner test of their operation alike: each run repairs the originals
# against its own world, never another world's repairs.
_generated = {}


def pick(options, seed):
    """One of options, chosen by a stable hash of the generated value it stands for."""
    options = list(options)
    digest = hashlib.sha256(json.dumps(seed, sort_keys=True, default=str).encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


@lru_cache(maxsize=1)
def _subdivisions():
    by_country = {}
    for subdivision in pycountry.subdivisions:
        by_country.setdefault(subdivision.country_code, []).append(subdivision.code)
    return {country: sorted(codes) for country, codes in by_country.items()}


@lru_cache(maxsize=1)
def _all_subdivisions():
    return sorted(code for codes in _subdivisions().values() for code in codes)


@lru_cache(maxsize=1)
def _timezones():
    return sorted(available_timezones())


def _valid(field, value):
    try:
        field.deserialize(value)
    except ma.ValidationError:
        return False
    return True


class Target:
    """What a request addresses: the resources along its path, and the collection or item at its end."""

    def __init__(self, case):
        segments = case.operation.path.removeprefix(API).split("/")
        # A resource name followed by its id parameter; a nested collection may sit below a fixed segment
        # (sessions/{session_id}/networking/requests/{request_id}).
        self.chain, after = [], 0
        for position, (name, parameter) in enumerate(zip(segments, segments[1:])):
            if name in RESOURCES and parameter.startswith("{"):
                self.chain.append((RESOURCES[name], parameter.strip("{}")))
                after = position + 2
        self.collection = RESOURCES.get(segments[-1])
        # The item itself, its history (revisions, a snapshot, restore) or an action on it that needs its ETag
        # (rotating a client's secret); not another sub-path of it.
        self.is_item = self.collection is None and bool(self.chain) and segments[after:after + 1] in (
            [], ["revisions"], ["rotate-secret"])
        self.resource = self.collection or (self.chain[-1][0] if self.is_item else None)
        self.method = case.method.upper()
        self.is_history = "revisions" in segments
        self.is_token = case.operation.path == f"{API}auth/token"


class Realism:
    """The repairs, against the current world, for one caller."""

    def __init__(self, world, role):
        self.world = world
        self.role = role

    def prepare(self, case):
        self.restore_generated(case)
        with self.world.app.app_context():
            target = Target(case)
            meta = case.meta
            valid = {location: meta is None or not meta.is_negative_at(location) for location in ParameterLocation}
            if target.is_token:
                if valid[ParameterLocation.BODY] and isinstance(case.body, dict):
                    self.credentials(case.body)
                return
            found = self.resolve_path(case, target, replace=valid[ParameterLocation.PATH])
            stored = parent = None
            if found and len(found) == len(target.chain):
                if target.is_item:
                    stored, parent = found[-1], (found[-2] if len(found) > 1 else None)
                else:
                    parent = found[-1]
            if "If-Match" in case.headers and stored is not None:
                # The current ETag: with a stale one every write is refused with 412, whatever else it says.
                case.headers["If-Match"] = self.etag(target.resource, stored)
            if target.collection is RESOURCES["networking"] and target.method == "PUT" and parent is not None:
                # The session's one settings document: replaced with its ETag (the demo session has them).
                stored = self.world.find_settings(parent["_id"])
                if stored is not None and (valid[ParameterLocation.HEADER] or "If-Match" in case.headers):
                    case.headers.pop("If-None-Match", None)
                    case.headers["If-Match"] = f'"{stored["version"]}"'
            if valid[ParameterLocation.QUERY] and case.query:
                self.query(case)
            if valid[ParameterLocation.QUERY] and case.operation.path.endswith("/suggestions") and parent is not None:
                # Required (checked after the session, so the document cannot say it): a participant the caller
                # acts for.
                if case.query is None:
                    case.query = {}
                case.query["organisation_id"] = pick(self.participants(parent["_id"], acting=True),
                                                     case.query.get("organisation_id"))
            if case.operation.path.endswith("/organisations/import") and valid[ParameterLocation.BODY] \
                    and isinstance(case.body, dict):
                # The document can say only "a file": a valid one is a spreadsheet of the directory. A new dict:
                # schemathesis shares a generated body between cases, negative ones too.
                case.body = {**case.body, "file": IMPORT_FILE}
            writes = target.method in ("POST", "PUT", "PATCH") and not target.is_history
            if writes and target.resource is not None and valid[ParameterLocation.BODY] and isinstance(case.body, dict):
                self.body(case, target, parent, stored)
            if valid[ParameterLocation.HEADER] and "Idempotency-Key" in case.headers:
                self.idempotency_key(case)

    def etag(self, resource, stored):
        """The ETag this caller is shown: live fields (a seminar's seats) or a redaction put a digest in it."""
        identity = self.world.identities()[self.role]
        return services.present_with_etag(resource, self.world.find(resource, stored["_id"]), identity)[1]

    @staticmethod
    def restore_generated(case):
        containers = ("path_parameters", "query", "headers", "body")
        if case.id not in _generated:
            _generated[case.id] = {name: copy.deepcopy(getattr(case, name)) for name in containers}
            return
        for name, original in _generated[case.id].items():
            current = getattr(case, name)
            if isinstance(current, dict) and isinstance(original, dict):
                current.clear()
                current.update(copy.deepcopy(original))
            elif hasattr(current, "clear") and hasattr(original, "items"):
                current.clear()
                current.update(copy.deepcopy(dict(original)))

    # Path parameters ------------------------------------------------------------------------------

    def resolve_path(self, case, target, *, replace):
        """Return the stored documents the path names, outermost first, stopping at the first unknown one.

        With replace, a made-up id is replaced by one that exists (under the parent named before it);
        an id of something stored is kept, deleted too: it must then answer 404.
        """
        found = []
        if replace and "name" in case.path_parameters and registry().kind(str(case.path_parameters["name"])) is None:
            case.path_parameters["name"] = pick(sorted(registry().kinds), case.path_parameters["name"])
        for resource, parameter in target.chain:
            parent = found[-1] if found else None
            query = {resource.parent_field: str(parent["_id"])} if parent is not None and resource.parent_field else {}
            value = case.path_parameters.get(parameter)
            document = self.world.find(resource, value, summary=True, **query)
            if document is None and replace:
                candidates = self.candidates(resource, case, query, target)
                if candidates:
                    value = pick(candidates, value)
                    case.path_parameters[parameter] = value
                    document = self.world.find(resource, value, summary=True)
            if document is None:
                return found
            found.append(document)
        version = case.path_parameters.get("version")
        if replace and "version" in case.path_parameters and found:
            latest = found[-1]["version"]
            if not (isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= latest):
                case.path_parameters["version"] = pick(range(1, latest + 1), version)
        return found

    def candidates(self, resource, case, query, target):
        world = self.world
        if resource.name == "sessions":
            if target.resource is RESOURCES["registrations"]:
                # Registering needs a session open for it; the concluded demo session has registrations to change.
                opened = [world.open_session_id]
                return opened if target.method == "POST" and not target.is_item else [*opened, world.session_id]
            return [world.session_id]
        if resource.name == "registrations" and self.role == "partner":
            # A partner sees only the registrations of the organisations it acts for.
            return world.items_of(resource, organisation_id={"$in": self.acting_for()}, **query)
        if resource.name == "organisations":
            # A partner acts on its own organisation and on those it manages; an admin on any.
            return [world.partner_organisation_id, *world.managed_ids] if self.role == "partner" else world.organisation_ids
        if resource.name == "webhooks" and self.role == "partner":
            return world.items_of(resource, organisation_id={"$in": self.acting_for()}, **query)
        if resource.name in ("users", "clients"):
            # Admin-only: a partner cannot know any of their ids, so it only ever sends made-up ones.
            return [] if self.role == "partner" else [world.user_id if resource.name == "users" else world.client_key]
        if resource.name == "tables" and case.method.upper() == "PATCH" and isinstance(case.body, dict):
            kind = patch_kind(case.body)
            if kind:
                return world.items_of(resource, kind=kind, **query) or world.items_of(resource, **query)
        return world.items_of(resource, **query)

    # Query ------------------------------------------------------------------------------------------

    @staticmethod
    def query(case):
        """Filters by region name a real subdivision (their list is not in the document: unknown → 422); the change
        feed is followed from a cursor it gave (one past every change so far → 422)."""
        region = case.query.get("region")
        if isinstance(region, str) and region not in _all_subdivisions():
            case.query["region"] = pick(_all_subdivisions(), region)
        since = case.query.get("since")
        if isinstance(since, str) and since.isdigit():
            counter = ChangeCounter._get_collection().find_one({"_id": changes.COUNTER_ID}) or {"seq": 0}
            if int(since) > counter["seq"]:
                case.query["since"] = str(pick(range(counter["seq"] + 1), since))

    # Headers --------------------------------------------------------------------------------------

    def idempotency_key(self, case):
        """One key per distinct request, as clients make them (a key reused with another body → 422)."""
        key = case.headers["Idempotency-Key"]
        request = json.dumps([case.formatted_path, case.query, case.body], sort_keys=True, default=str)
        if self.world.idempotency_keys.setdefault(key, request) != request:
            key = f"fuzz-{next(_keys)}"
            self.world.idempotency_keys[key] = request
            case.headers["Idempotency-Key"] = key

    # Bodies ---------------------------------------------------------------------------------------

    def credentials(self, body):
        world = self.world
        grant = body.get("grant_type")
        if grant == "password":
            body.update(username=USER_EMAIL, password=USER_PASSWORD)
        elif grant == "client_credentials":
            body.update(client_id=world.client_id, client_secret=world.client_secret)
        elif grant == "refresh_token":
            body["refresh_token"] = tokens.issue_refresh_token(world.user_id, tokens.new_family(),
                                                               tokens.security_stamp(f"user:{world.user_id}"))

    def body(self, case, target, parent, stored):
        """Repair the whole new state (after the merge, for a patch) and write the repairs into the body."""
        repair = getattr(self, f"repair_{target.resource.name}", None)
        if repair is None or (target.resource.parent is not None and parent is None):
            return
        if target.method == "POST":
            stored = None
        elif target.resource is RESOURCES["networking"]:
            stored = self.world.find_settings(parent["_id"])
        elif stored is None:
            return
        if target.method == "PATCH":
            stored = self.world.find(target.resource, stored["_id"])
            state = services.merge_patch(services.editable_view(target.resource, stored), case.body)
        else:
            state = dict(case.body)
        changes = repair(state, parent=parent, stored=stored, patch=case.body if target.method == "PATCH" else None)
        if target.method == "PATCH":
            changes.update(self.merged_texts(target.resource, state, stored, changes))
        for name, value in changes.items():
            if value is None and target.method != "PATCH":
                case.body.pop(name, None)
            else:
                case.body[name] = value

    @staticmethod
    def merged_texts(resource, state, stored, changes):
        """Localised texts a patch would leave with no language (or over 20): what a client sends instead."""
        fixes = {}
        for name, field in resource.schema_instance.fields.items():
            text = state.get(name)
            if name in changes or not isinstance(field, LocalisedText) or not isinstance(text, dict):
                continue
            if not text:
                fixes[name] = None if not field.required else stored.get(name)
            elif len(text) > 20:
                # The first 20 languages stay; every other stored one is removed (the patch's own removals too).
                kept = dict(sorted(text.items())[:20])
                fixes[name] = kept | {k: None for k in stored.get(name) or {} if k not in kept}
        return fixes

    # One repair per resource: given the whole new state, return {field: value}, None removing a field.

    def organisation(self, value, *, exclude=()):
        """value if it names an organisation that exists, else one that does."""
        if isinstance(value, str) and value not in exclude \
                and self.world.find(RESOURCES["organisations"], value, deleted_at=None) is not None:
            return value
        return pick([i for i in self.world.items_of(RESOURCES["organisations"]) if i not in exclude], value)

    def with_organisations(self, items, field):
        if not isinstance(items, list):
            return items
        return [{**item, field: self.organisation(item[field])}
                if isinstance(item, dict) and item.get(field) is not None else item for item in items]

    @staticmethod
    def region(region, country):
        if region is None:
            return None
        codes = _subdivisions().get(country, [])
        if region in codes:
            return region
        return pick(codes, region) if codes else None

    def repair_sessions(self, state, *, parent, stored, patch):
        changes = {}
        if state.get("timezone") not in _timezones():
            changes["timezone"] = pick(["Europe/Rome", "Europe/Moscow", "UTC"], state.get("timezone"))
        if state.get("host_region") is not None:
            region = self.region(state["host_region"], state.get("host_country"))
            if region != state["host_region"]:
                changes["host_region"] = region
        if isinstance(state.get("starts_on"), str) and isinstance(state.get("ends_on"), str) \
                and state["ends_on"] < state["starts_on"]:
            changes["ends_on"] = state["starts_on"]
        # The lifecycle only moves forward; a status left out means draft.
        status = state.get("status") or STATUSES[0]
        if stored is not None and status in STATUSES and STATUSES.index(status) < STATUSES.index(stored["status"]):
            changes["status"] = stored["status"]
        return changes

    def repair_organisations(self, state, *, parent, stored, patch):
        changes = {}
        if state.get("region") is not None:
            region = self.region(state["region"], state.get("country"))
            if region != state["region"]:
                changes["region"] = region
        if state.get("website") is not None and not _valid(URL_FIELD, state["website"]):
            changes["website"] = "https://www.example.org"
        contacts = state.get("contacts")
        if isinstance(contacts, list):
            fixed = [{**c, "email": f"contact{i}@example.org"}
                     if isinstance(c, dict) and c.get("email") is not None and not _valid(EMAIL_FIELD, c["email"]) else c
                     for i, c in enumerate(contacts)]
            if fixed != contacts:
                changes["contacts"] = fixed
        if self.role == "partner":
            # A partner keeps its own organisation's manager, and manages whatever else it writes.
            own = stored is not None and str(stored["_id"]) == self.world.partner_organisation_id
            wanted = stored.get("managed_by") if own else self.world.partner_organisation_id
            if state.get("managed_by") != wanted:
                changes["managed_by"] = wanted
        elif state.get("managed_by") is not None:
            manager = self.organisation(state["managed_by"], exclude=(str(stored["_id"]),) if stored else ())
            if manager != state["managed_by"]:
                changes["managed_by"] = manager
        return changes

    def span(self, session, starts_at, ends_at, seed):
        """(starts_at, ends_at) on one of the session's days: the given ones when they already are."""
        zone = ZoneInfo(session["timezone"])
        try:
            start, end = dt.datetime.fromisoformat(starts_at), dt.datetime.fromisoformat(ends_at)
            days = [moment.astimezone(zone).date().isoformat() for moment in (start, end)]
            if start.tzinfo and end.tzinfo and start < end and _kept(start) and _kept(end) \
                    and all(session["starts_on"] <= day <= session["ends_on"] for day in days):
                return starts_at, ends_at
        except (TypeError, ValueError, OverflowError):
            pass
        # Two hours from one of these, and within the years the API keeps once in UTC (on a session's first
        # or last day of those years, in a zone far from UTC, some hours are not).
        day = dt.date.fromisoformat(session["starts_on"])
        hours = [9, 10, 14, 15]
        first = hours.index(pick(hours, seed))
        for hour in hours[first:] + hours[:first]:
            start = dt.datetime.combine(day, dt.time(hour, 30), zone)
            end = start + dt.timedelta(hours=2)
            if _kept(start) and _kept(end):
                break
        return start.isoformat(), end.isoformat()

    def repair_tables(self, state, *, parent, stored, patch):
        changes = {}
        schedule = state.get("schedule")
        if isinstance(schedule, dict):
            span = self.span(parent, schedule.get("starts_at"), schedule.get("ends_at"), schedule)
            if span != (schedule.get("starts_at"), schedule.get("ends_at")):
                changes["schedule"] = {**schedule, "starts_at": span[0], "ends_at": span[1]}
        co_chairs = self.with_organisations(state.get("co_chairs"), "organisation_id")
        if co_chairs != state.get("co_chairs"):
            changes["co_chairs"] = co_chairs
        kind = registry().kind(state.get("kind"))
        if kind is None:
            return changes
        known = set(kind.schema().fields)
        if patch is None:
            attributes = state.get("attributes")
            if isinstance(attributes, dict):
                fixed = self.attribute_references(attributes)
                if fixed != attributes:
                    changes["attributes"] = fixed
            return changes
        # A patch sets attributes of the table's kind, and when it changes the kind it removes the old
        # kind's ones, as a client must (they are merged into the table's attributes otherwise).
        patched = patch.get("attributes")
        if patched is None and "attributes" in patch:
            return changes
        patched = patched if isinstance(patched, dict) else {}
        update = self.attribute_references({k: v for k, v in patched.items() if k in known or v is None})
        if state.get("kind") != stored["kind"]:
            update.update({k: None for k in stored.get("attributes") or {} if k not in known})
        if update != patched or ("attributes" not in patch and update):
            changes["attributes"] = update
        return changes

    def attribute_references(self, attributes):
        fixed = dict(attributes)
        if isinstance(fixed.get("agenda_items"), list):
            fixed["agenda_items"] = self.with_organisations(fixed["agenda_items"], "presenter_organisation_id")
        if isinstance(fixed.get("projects"), list):
            fixed["projects"] = [
                {**p, "contact_organisation_id": self.organisation(p.get("contact_organisation_id")),
                 "region": p["region"] if p.get("region") in _all_subdivisions() else pick(_all_subdivisions(),
                                                                                            p.get("region"))}
                if isinstance(p, dict) else p for p in fixed["projects"]]
        return fixed

    def repair_seminars(self, state, *, parent, stored, patch):
        changes = {}
        span = self.span(parent, state.get("starts_at"), state.get("ends_at"), state.get("title"))
        if span != (state.get("starts_at"), state.get("ends_at")):
            changes.update(starts_at=span[0], ends_at=span[1])
        speakers = self.with_organisations(state.get("speakers"), "organisation_id")
        if speakers != state.get("speakers"):
            changes["speakers"] = speakers
        return changes

    def acting_for(self):
        world = self.world
        return [world.partner_organisation_id, *world.managed_ids] if self.role == "partner" else world.organisation_ids

    def repair_registrations(self, state, *, parent, stored, patch):
        world = self.world
        session_id = str(parent["_id"])
        changes = {}
        if stored is not None:
            organisation = stored["organisation_id"]  # it cannot change
        else:
            # One registration per organisation and session: a new one names an organisation not yet registered.
            taken = {doc["organisation_id"] for doc in RESOURCES["registrations"].collection.find(
                {"session_id": session_id, "deleted_at": None}, {"organisation_id": 1})}
            # When every one is registered, a real client's next attempt is a duplicate (409), not a made-up id.
            free = [o for o in self.acting_for() if o not in taken] or self.acting_for()
            organisation = state.get("organisation_id")
            if organisation not in free:
                organisation = pick(free, organisation)
        if organisation != state.get("organisation_id"):
            changes["organisation_id"] = organisation
        for name in ("tables", "seminars"):
            chosen = state.get(name)
            if not isinstance(chosen, list):
                continue
            known = set(world.items_of(RESOURCES[name], session_id=session_id)) | set((stored or {}).get(name) or [])
            fixed = []
            for item in chosen:
                value = item if item in known else (pick(sorted(known), item) if known else None)
                if value is not None and value not in fixed:
                    fixed.append(value)
            if fixed != chosen:
                changes[name] = fixed
        delegates = state.get("delegates")
        if isinstance(delegates, list):
            fixed = [{**d, "email": f"delegate{i}@example.org"}
                     if isinstance(d, dict) and not _valid(EMAIL_FIELD, d.get("email")) else d
                     for i, d in enumerate(delegates)]
            if fixed != delegates:
                changes["delegates"] = fixed
        profile = state.get("networking_profile")
        if isinstance(profile, dict):
            fixed = self.networking_profile(profile, patch is not None)
            if fixed != profile:
                changes["networking_profile"] = fixed
        # The status steps the caller's role may make from the stored status (or staying there).
        before = stored["status"] if stored is not None else None
        allowed = sorted({before} - {None} | {after for after, who in STEPS[before].items()
                                                 if self.role == "admin" or who == "owner"})
        status = state.get("status", "pending")
        if status not in allowed:
            changes["status"] = pick(allowed, status)
        return changes

    @staticmethod
    def networking_profile(profile, patching):
        """The profile with meeting times that end after they start, and no localised text left empty by a patch."""
        fixed = dict(profile)
        for name in ("offers", "seeks"):
            if fixed.get(name) == {}:
                if patching:
                    fixed[name] = None
                else:
                    fixed.pop(name)
        availability = fixed.get("availability")
        if isinstance(availability, list):
            fixed["availability"] = [
                {**slot, "start": "14:00", "end": "16:00"}
                if isinstance(slot, dict) and isinstance(slot.get("start"), str) and isinstance(slot.get("end"), str)
                and slot["end"] <= slot["start"] else slot for slot in availability]
        return fixed

    def participants(self, session_id, *, acting=False):
        """The session's networking participants (those the caller acts for, with acting)."""
        found = sorted(doc["organisation_id"] for doc in RESOURCES["registrations"].collection.find(
            {"session_id": str(session_id), "deleted_at": None, "networking": True, "status": {"$ne": "cancelled"}},
            {"organisation_id": 1}))
        mine = [o for o in found if o in self.acting_for()] if acting else found
        return mine or found

    def repair_networking(self, state, *, parent, stored, patch):
        """Settings on one of the session's days, in a window a slot fits, breaks left out when they do not fit."""
        changes = {}
        if not (isinstance(state.get("day"), str) and parent["starts_on"] <= state["day"] <= parent["ends_on"]):
            changes["day"] = parent["starts_on"]
        if not (isinstance(state.get("start_time"), str) and isinstance(state.get("end_time"), str)
                and state["start_time"] < state["end_time"]):
            changes.update(start_time="14:00", end_time="18:00")
        window = {**state, **changes}
        try:
            networking_settings.check({**window, "slot_minutes": 5, "breaks": window.get("breaks") or []},
                                      old=None, parent=parent)
        except Exception:
            changes["breaks"] = []
        if not isinstance(state.get("slot_minutes"), int) or isinstance(state.get("slot_minutes"), bool) \
                or not 5 <= state["slot_minutes"] <= 240:
            return changes
        try:
            networking_settings.check({**window, **changes, "breaks": changes.get("breaks", window.get("breaks") or [])},
                                      old=None, parent=parent)
        except Exception:
            changes.update(start_time="08:00", end_time="20:00", breaks=[])
        return changes

    def repair_requests(self, state, *, parent, stored, patch):
        """A request between two participants of the session with no open request yet, by a side the caller acts for."""
        from api.networking.resource import SIDE_FIELD, STEPS as REQUEST_STEPS
        changes = {}
        if stored is None:
            mine = self.participants(parent["_id"], acting=True)
            sender = state.get("from_organisation_id")
            sender = sender if sender in mine else pick(mine, sender)
            busy = {doc[side] for doc in RESOURCES["requests"].collection.find(
                {"session_id": str(parent["_id"]), "deleted_at": None, "status": {"$in": ["pending", "accepted"]},
                 "$or": [{"from_organisation_id": sender}, {"to_organisation_id": sender}]})
                for side in ("from_organisation_id", "to_organisation_id")}
            others = [o for o in self.participants(parent["_id"]) if o != sender and o not in busy] or \
                [o for o in self.participants(parent["_id"]) if o != sender]
            target = state.get("to_organisation_id")
            target = target if target in others else pick(others, target)
            changes.update({k: v for k, v in (("from_organisation_id", sender), ("to_organisation_id", target))
                            if state.get(k) != v})
            if state.get("status", "pending") != "pending":
                changes["status"] = "pending"
            return changes
        stored = self.world.find(RESOURCES["requests"], stored["_id"])  # the whole document, not its summary
        for name in ("from_organisation_id", "to_organisation_id"):
            if state.get(name) != stored[name]:
                changes[name] = stored[name]
        acting = set(self.acting_for())
        before = stored["status"]
        allowed = sorted({before} | {after for after, side in REQUEST_STEPS[before].items()
                                     if self.role == "admin" or stored[SIDE_FIELD[side]] in acting})
        if state.get("status", "pending") not in allowed:
            changes["status"] = pick(allowed, state.get("status"))
        if self.role != "admin" and stored["from_organisation_id"] not in acting:
            for name in ("message", "priority"):
                if state.get(name) != stored.get(name):
                    changes[name] = stored.get(name)
        return changes

    def repair_users(self, state, *, parent, stored, patch):
        changes = {}
        if state.get("email") is not None and not _valid(EMAIL_FIELD, state["email"]):
            changes["email"] = f"user{pick(range(10**6), state['email'])}@example.org"
        roles = state.get("roles") if isinstance(state.get("roles"), list) else []
        if state.get("organisation_id") is not None or "partner" in roles:
            organisation = self.organisation(state.get("organisation_id"))
            if organisation != state.get("organisation_id"):
                changes["organisation_id"] = organisation
        return changes

    def repair_clients(self, state, *, parent, stored, patch):
        organisation = self.organisation(state.get("organisation_id"))
        return {"organisation_id": organisation} if organisation != state.get("organisation_id") else {}

    def repair_webhooks(self, state, *, parent, stored, patch):
        changes = {}
        if isinstance(state.get("url"), str):
            try:
                urls.resolve(state["url"], allow_private=False)
            except urls.UnsafeUrl:
                changes["url"] = PUBLIC_WEBHOOK_URL
        organisation = state.get("organisation_id")
        if self.role == "partner" and organisation not in self.acting_for():
            changes["organisation_id"] = pick(self.acting_for(), organisation)
        elif organisation is not None and self.organisation(organisation) != organisation:
            changes["organisation_id"] = self.organisation(organisation)
        if state.get("session_id") is not None and state["session_id"] not in (self.world.session_id,
                                                                               self.world.open_session_id):
            changes["session_id"] = self.world.session_id
        return changes


# Text, not bytes: schemathesis validates the body it sends against the document, where bytes are no string.
IMPORT_FILE = ("external_id;name;kind;country;website\r\n"
               "fuzz-1;Агентство «Марке Экспорт»;promotion_agency;IT;https://fuzz.example\r\n")


def _kept(moment):
    """Is this instant within the years the API keeps, counted in UTC?"""
    try:
        return FIRST_YEAR <= moment.astimezone(dt.timezone.utc).year <= LAST_YEAR
    except OverflowError:
        return False


def patch_kind(body):
    """The table kind a patch is written for: the one it names, or the one whose attributes it sets."""
    if isinstance(body.get("kind"), str) and registry().kind(body["kind"]) is not None:
        return body["kind"]
    attributes = body.get("attributes")
    if isinstance(attributes, dict):
        for name, kind in sorted(registry().kinds.items()):
            if set(attributes) & set(kind.schema().fields):
                return name
    return None


def credentials(case, caller):
    """The caller's Authorization header, unless the case was generated to go without it.

    A negative case may remove the required Authorization header: it must then be sent without one (and be
    refused with 401), not with the caller's credentials added back. schemathesis leaves them out itself
    when the removal names the header; not when the mutation names it only as the required list's value.
    """
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if case.meta is None or not case.meta.generation.mode.is_negative:
        return caller
    present = {name.lower() for name in case.headers or {}}
    for mutation in getattr(data, "mutations", ()) or ():
        if mutation.path or mutation.parameter_location != ParameterLocation.HEADER:
            continue  # only top-level mutations of the headers name headers
        if "required" not in mutation.keywords and mutation.parameter is None:
            continue
        original = mutation.original_value
        removed = [mutation.parameter] if mutation.parameter is not None else \
            (original if isinstance(original, list) else [original])
        if any(isinstance(name, str) and name.lower() == "authorization" and "authorization" not in present
               for name in removed):
            return {}
    return caller
