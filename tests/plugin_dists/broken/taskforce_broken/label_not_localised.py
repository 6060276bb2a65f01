"""A plugin declaring a kind whose label is a plain string, not a language map."""
from api.plugin_api import TableKind, hookimpl
from taskforce_broken import NotesAttributes


@hookimpl
def register_table_kinds():
    return [TableKind(name="broken_label", version=1, label="Broken", description={"en": "A plain label."},
                      schema=NotesAttributes)]
