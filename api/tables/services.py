"""Bulk upgrade of stored tables to their kind's current attribute schema."""
from api.core.resource import store_upgrade
from api.plugins import registry
from api.tables.models import Table
from api.tables.resource import tables


def upgrade_stored_tables(progress=None):
    """Store every table kept under an older kind version as its upgraded next version; idempotent. Return counts.

    Each upgrade is what a read would store: a new version with a "kind upgrade" revision by the system,
    conditional on the version read, so a concurrent change is never overwritten (that table is counted as
    `skipped`; the change itself stored the current kind version, or the next run upgrades it). Deleted
    tables are left as they are: restoring one stores it upgraded. `progress(items, label, total)` wraps each
    kind's loop, to show how far along it is (api.cli.progress).
    """
    collection = Table._get_collection()
    kinds = registry().kinds
    live = {"deleted_at": None}
    counts = {"upgraded": 0, "current": 0, "skipped": 0,
              "kind_not_installed": collection.count_documents({**live, "kind": {"$nin": sorted(kinds)}})}
    for name, kind in sorted(kinds.items()):
        counts["current"] += collection.count_documents({**live, "kind": name, "kind_version": {"$gte": kind.version}})
        outdated = {**live, "kind": name, "kind_version": {"$lt": kind.version}}
        found = collection.find(outdated)
        if progress is not None:
            found = progress(found, f"{name} tables", collection.count_documents(outdated))
        for stored in found:
            counts["upgraded" if store_upgrade(tables, stored) is not None else "skipped"] += 1
    return counts
