"""Bulk import and CSV export of the directory: a spreadsheet row per organisation, through the resource.

Every row is loaded and written by the organisations resource's own create and merge patch (same schema,
rules, policy and revisions as the API), one organisation a single write: a rejected row stores nothing.
A row finds its organisation by `id`, else by the importer's `external_id`, else by its website's host.
"""
from urllib.parse import urlsplit

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from api.core import resource as core
from api.core.permissions import refuse
from api.core.tabular import Columns, csv_lines, unescape_formula
from api.errors import ApiError, Conflict, Forbidden, PreconditionFailed, ValidationFailed, bounded_errors
from api.organisations.models import ExternalKey, Organisation
from api.organisations.resource import organisations

KEY_COLUMNS = ("id", "external_id")
EXPORT_BATCH = 200
COLUMNS = Columns(organisations.schema_instance,
                  [name for name in organisations.loadable_fields if name not in organisations.ignored_on_input])


def key_scope(identity):
    """Whose external ids a caller uses: a partner's organisation's (all its credentials), the staff's; None."""
    if identity.is_partner:
        return f"organisation:{identity.organisation_id}"
    return "staff" if identity.is_staff else None


def website_host(url):
    """The host a website is matched on: lowercase, without a leading `www.`; None when there is none."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class _Import:
    """One run over a file's rows, remembering what earlier rows of the same file took."""

    def __init__(self, header, identity, dry_run):
        self.header = header
        self.identity = identity
        self.dry_run = dry_run
        self.scope = key_scope(identity)
        self.taken = {}  # a key or an organisation -> the row that took it
        self.by_host = {}
        for doc in Organisation._get_collection().find({"deleted_at": None, "website": {"$type": "string"}},
                                                        {"website": 1}):
            self.by_host.setdefault(website_host(doc["website"]), []).append(doc["_id"])

    def row(self, number, cells):
        """Import one row; return its report entry."""
        try:
            status, stored = self._upsert(number, cells)
        except ApiError as error:
            return {"row": number, "status": "rejected",
                    "errors": bounded_errors(error.errors or {"_schema": [error.detail]})}
        entry = {"row": number, "status": status}
        if stored is not None:
            entry["id"] = str(stored["_id"])
        return entry

    def _upsert(self, number, cells):
        if len(cells) > len(self.header) and any(cells[len(self.header):]):
            raise ValidationFailed({"_schema": [f"The row has cells beyond the {len(self.header)} named columns."]})
        cells = cells + [""] * (len(self.header) - len(cells))
        values = dict(zip(self.header, (unescape_formula(cell) for cell in cells)))
        patch = COLUMNS.merge_patch(self.header, cells)
        if patch.get("managed_by", "") is None:
            del patch["managed_by"]  # an empty cell leaves who manages it as it is
        key_column, key, target, mapping = self._find(values, patch)
        self._take(number, key_column, key, target)
        if target is None:
            return "created", self._create(number, patch, values.get("external_id"), mapping)
        return self._update(target, patch, key_column, values.get("external_id"), mapping)

    def _find(self, values, patch):
        """Return (key column, key, stored organisation or None to create, the external key's record)."""
        given_id, external_id, host = values.get("id"), values.get("external_id"), website_host(patch.get("website"))
        if given_id:
            if not ObjectId.is_valid(given_id):
                raise ValidationFailed({"id": ["Not a valid id."]})
            stored = Organisation._get_collection().find_one({"_id": ObjectId(given_id), "deleted_at": None})
            if stored is None:
                raise ValidationFailed({"id": ["No organisation with this id."]})
            return "id", given_id, stored, None
        if external_id:
            if len(external_id) > 200:
                raise ValidationFailed({"external_id": ["Longer than maximum length 200."]})
            mapping = ExternalKey._get_collection().find_one({"scope": self.scope, "external_id": external_id})
            if mapping is not None:
                stored = Organisation._get_collection().find_one({"_id": mapping["organisation_id"]})
                if stored is not None and stored.get("deleted_at") is not None:
                    raise ValidationFailed({"external_id": [
                        f"Names organisation {stored['_id']}, which was deleted: restore it, or use another external_id."]})
                return "external_id", external_id, stored, mapping
            return "external_id", external_id, self._by_host(host, "website"), None
        if host:
            return "website", host, self._by_host(host, "website"), None
        raise ValidationFailed({"external_id": [
            "Give an external_id or a website: the key that finds this organisation again on the next import."]})

    def _by_host(self, host, column):
        found = self.by_host.get(host, []) if host else []
        if len(found) > 1:
            raise ValidationFailed({column: [f"{len(found)} organisations have this website: give their id."]})
        if not found:
            return None
        # An earlier row's: its number when it was a dry run's new organisation.
        taken_by = found[0] if isinstance(found[0], int) else self.taken.get(found[0])
        if taken_by is not None:
            raise ValidationFailed({column: [f"Row {taken_by} imports the same organisation."]})
        return Organisation._get_collection().find_one({"_id": found[0], "deleted_at": None})

    def _take(self, number, key_column, key, target):
        taken_by = self.taken.get((key_column, key)) or (self.taken.get(target["_id"]) if target else None)
        if taken_by is not None:
            raise ValidationFailed({key_column: [f"Row {taken_by} imports the same organisation."]})
        self.taken[(key_column, key)] = number
        if target is not None:
            self.taken[target["_id"]] = number

    def _create(self, number, patch, external_id, mapping):
        body = core.merge_patch({}, patch)
        if self.identity.is_partner:
            body.setdefault("managed_by", self.identity.organisation_id)
        host = website_host(body.get("website"))
        reserved = mapping["organisation_id"] if mapping else None
        new_key = bool(external_id) and mapping is None and not self.dry_run
        if new_key:
            reserved = self._map(external_id, ObjectId())
        try:
            stored = core.create(organisations, body, self.identity, reserved_id=reserved, dry_run=self.dry_run)
        except BaseException as error:
            if new_key:
                self._unmap(external_id)
            if isinstance(error, Forbidden):
                raise ValidationFailed({"managed_by": [error.detail]}) from None
            raise
        self._remember(host, number if stored is None else stored["_id"])
        if stored is not None:
            self.taken[stored["_id"]] = number
        return stored

    def _update(self, stored, patch, key_column, external_id, mapping):
        try:
            result = core.patch(organisations, stored, patch, self.identity, expected_version=stored["version"],
                                dry_run=self.dry_run)
        except Forbidden as error:
            raise ValidationFailed({key_column: [error.detail]}) from None
        except PreconditionFailed:
            raise Conflict("Changed by another request during the import; import the file again.") from None
        if external_id and mapping is None and not self.dry_run:
            self._map(external_id, stored["_id"])
        return ("unchanged", stored) if result is stored else ("updated", result or stored)

    def _remember(self, host, organisation):
        if host:
            self.by_host.setdefault(host, []).append(organisation)

    def _map(self, external_id, organisation_id):
        try:
            ExternalKey._get_collection().insert_one(
                {"scope": self.scope, "external_id": external_id, "organisation_id": organisation_id})
        except DuplicateKeyError:
            raise Conflict("Another import is storing this external_id right now; import the file again.") from None
        return organisation_id

    def _unmap(self, external_id):
        ExternalKey._get_collection().delete_one({"scope": self.scope, "external_id": external_id})


def import_organisations(read, identity, *, dry_run=False, progress=None):
    """Create or update an organisation for each row; return the report (dry_run: the same, nothing stored).

    read() returns the file's (header, rows); it is called once the caller may import, so a refused caller
    learns nothing about its file. `progress(items, label, total)` wraps the loop over the rows (api.cli.progress).
    """
    if not organisations.policy.can_create(identity):
        refuse(identity, "Only staff and partners may import organisations.")
    organisations.policy.ensure_write_scope(identity)
    header, rows = read()
    COLUMNS.check_header(header, extra=KEY_COLUMNS)
    run = _Import(header, identity, dry_run)
    entries = [run.row(number, cells)
               for number, cells in (progress(rows, "Importing rows", len(rows)) if progress is not None else rows)]
    report = {status: sum(1 for entry in entries if entry["status"] == status)
              for status in ("created", "updated", "unchanged", "rejected")}
    return {**report, "dry_run": dry_run, "rows": entries}


def export_csv(args, identity):
    """Yield the filtered directory as CSV lines in the import's columns, as this caller may see it."""
    query = core.list_query(organisations, args, identity)
    spec = core.sort_spec(organisations, args.get("sort"))
    collection = organisations.collection
    ids = [doc["_id"] for doc in collection.find(query, {"_id": 1}).sort(spec)]
    scope = key_scope(identity)

    def batches():
        for start in range(0, len(ids), EXPORT_BATCH):
            chunk = ids[start:start + EXPORT_BATCH]
            by_id = {doc["_id"]: doc for doc in collection.find({"_id": {"$in": chunk}})}
            external = {} if scope is None else {
                doc["organisation_id"]: doc["external_id"] for doc in ExternalKey._get_collection().find(
                    {"scope": scope, "organisation_id": {"$in": chunk}})}
            yield [(core.present(organisations, by_id[i], identity), external.get(i, "")) for i in chunk if i in by_id]

    # The columns show every language and contact the rows use: one pass for them, one for the rows.
    header = [*KEY_COLUMNS, *COLUMNS.header(view for batch in batches() for view, _ in batch)]

    def rows():
        for batch in batches():
            for view, external_id in batch:
                yield [view["id"], external_id, *COLUMNS.cells(header[len(KEY_COLUMNS):], view)]

    return csv_lines(header, rows())
