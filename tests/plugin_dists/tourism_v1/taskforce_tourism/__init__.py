"""An outside plugin for the tests: the `tourism_showcase` table kind, version 1 (destinations are names)."""
from marshmallow import Schema

from api.plugin_api import StrictInteger, TableKind, Text, bounded_list, hookimpl


class ShowcaseAttributes(Schema):
    destinations = bounded_list(Text(min_length=1, max_length=100), max_length=20, load_default=list)
    stands = StrictInteger(minimum=0, maximum=500, load_default=0)


SHOWCASE = TableKind(
    name="tourism_showcase",
    version=1,
    label={"it": "Vetrina turistica", "ru": "Туристическая витрина", "en": "Tourism showcase"},
    description={"it": "Destinazioni presentate con i loro stand.", "en": "Destinations presented with their stands."},
    schema=ShowcaseAttributes,
)


@hookimpl
def register_table_kinds():
    return [SHOWCASE]
