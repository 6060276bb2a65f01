"""A plugin declaring a kind at version 3 with an upgrade function from version 1 only."""
from api.plugin_api import TableKind, hookimpl
from taskforce_broken import NotesAttributes


@hookimpl
def register_table_kinds():
    return [TableKind(name="broken_upgrade", version=3, label={"en": "Broken"}, description={"en": "No 2 → 3."},
                      schema=NotesAttributes, upgrades={1: dict})]
