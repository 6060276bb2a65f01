"""A plugin whose event hooks fail: the writes must succeed anyway."""
from api.plugin_api import hookimpl


class ListenerDown(RuntimeError):
    pass


@hookimpl
def table_created(table, session):
    raise ListenerDown("the CRM this plugin notifies is down")


@hookimpl
def table_updated(table, previous, session):
    raise ListenerDown("the CRM this plugin notifies is down")


@hookimpl
def table_deleted(table, session):
    raise ListenerDown("the CRM this plugin notifies is down")
