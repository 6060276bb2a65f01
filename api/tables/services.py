"""Bulk upgrade of stored tables to their kind's current attribute schema."""
from api.plugins import registry
from api.tables.models import Table


def upgrade_stored_tables():
    """Rewrite tables stored under an older kind version; idempotent. Return counts.

    The representation already shows upgraded attributes (lazy upgrade on read), so the resource's
    version does not change; the write is still conditional on the version read, so a concurrent
    change is never overwritten (it is counted as `skipped` and upgraded on the next run).
    """
    collection = Table._get_collection()
    kinds = registry().kinds
    counts = {"upgraded": 0, "current": 0, "skipped": 0,
              "kind_not_installed": collection.count_documents({"kind": {"$nin": sorted(kinds)}})}
    for name, kind in sorted(kinds.items()):
        counts["current"] += collection.count_documents({"kind": name, "kind_version": {"$gte": kind.version}})
        for stored in collection.find({"kind": name, "kind_version": {"$lt": kind.version}}):
            attributes = kind.upgrade(stored.get("attributes") or {}, stored["kind_version"])
            result = collection.update_one(
                {"_id": stored["_id"], "version": stored["version"], "kind_version": stored["kind_version"]},
                {"$set": {"attributes": attributes, "kind_version": kind.version}})
            counts["upgraded" if result.modified_count else "skipped"] += 1
    return counts
