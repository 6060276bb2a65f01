"""A plugin implementing table_created with an argument the hook does not pass."""
from api.plugin_api import hookimpl


@hookimpl
def table_created(table, session, organisation):
    raise AssertionError("never registered, so never called")
