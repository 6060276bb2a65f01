"""A plugin declaring a kind with version 0."""
from api.plugin_api import TableKind, hookimpl
from taskforce_broken import NotesAttributes


@hookimpl
def register_table_kinds():
    return [TableKind(name="broken_version", version=0, label={"en": "Broken"}, description={"en": "Version 0."},
                      schema=NotesAttributes)]
