"""A plugin declaring a second `sector` kind (the built-in plugin already provides it)."""
from api.plugin_api import TableKind, hookimpl
from taskforce_broken import NotesAttributes


@hookimpl
def register_table_kinds():
    return [TableKind(name="sector", version=1, label={"en": "Another sector"}, description={"en": "A duplicate."},
                      schema=NotesAttributes)]
