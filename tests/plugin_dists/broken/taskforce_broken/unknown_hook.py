"""A plugin implementing a hook the contract does not have (a typo of register_table_kinds)."""
from api.plugin_api import hookimpl


@hookimpl
def register_table_kind():
    return []
