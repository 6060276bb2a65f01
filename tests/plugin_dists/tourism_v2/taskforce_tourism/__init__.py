"""An outside plugin for the tests: the `tourism_showcase` table kind, version 2.

Version 2 turns each destination from a name into an object with a name and an optional region.
"""
from marshmallow import Schema, fields

from api.plugin_api import RegionCode, StrictInteger, TableKind, Text, bounded_list, hookimpl


class DestinationSchema(Schema):
    name = Text(required=True, min_length=1, max_length=100)
    region = RegionCode()


class ShowcaseAttributes(Schema):
    destinations = bounded_list(fields.Nested(DestinationSchema), max_length=20, load_default=list)
    stands = StrictInteger(minimum=0, maximum=500, load_default=0)


def destinations_as_objects(attributes):
    """Upgrade version 1 attributes: each destination name becomes {"name": name}."""
    attributes["destinations"] = [{"name": name} for name in attributes.get("destinations", [])]
    return attributes


SHOWCASE = TableKind(
    name="tourism_showcase",
    version=2,
    label={"it": "Vetrina turistica", "ru": "Туристическая витрина", "en": "Tourism showcase"},
    description={"it": "Destinazioni presentate con i loro stand.", "en": "Destinations presented with their stands."},
    schema=ShowcaseAttributes,
    upgrades={1: destinations_as_objects},
)


@hookimpl
def register_table_kinds():
    return [SHOWCASE]
