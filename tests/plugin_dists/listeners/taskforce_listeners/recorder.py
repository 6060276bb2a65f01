"""A plugin recording every table event it receives, so that tests can inspect them."""
from api.plugin_api import hookimpl

EVENTS = []


@hookimpl
def table_created(table, session):
    EVENTS.append(("created", {"table": table, "session": session}))


@hookimpl
def table_updated(table, previous, session):
    EVENTS.append(("updated", {"table": table, "previous": previous, "session": session}))


@hookimpl
def table_deleted(table, session):
    EVENTS.append(("deleted", {"table": table, "session": session}))
