"""The one module plugins import from: the stable surface of Taskforce for plugin authors.

Everything a plugin may use is re-exported here, and only here is it promised to stay: the hook marker,
the table-kind declaration, and the marshmallow fields that refuse what the rest of the API refuses and
publish the right JSON Schema. The modules behind these names (``api.hookspecs``, ``api.core``,
``api.organisations``, …) are the core's internal layout and may be reorganised in any release; a plugin
importing them directly breaks then, one importing this module does not. A name leaves this module only
with a major release of ``taskforce-api``. See docs/plugins.md.

    from api.plugin_api import LocalisedText, OrganisationId, TableKind, Text, bounded_list, hookimpl
"""
from api.core.fields import (
    MAX_LIST,
    MAX_NAME,
    MAX_SHORT,
    MAX_TEXT,
    BoundedList,
    CountryCode,
    FullMatch,
    IsoDate,
    IsoTime,
    LanguageCode,
    LocalisedText,
    RegionCode,
    Slug,
    StrictBoolean,
    StrictInteger,
    Text,
    TimeZoneName,
    Timestamp,
    bounded_list,
    unique_items,
)
from api.hookspecs import hookimpl
from api.organisations.fields import OrganisationId
from api.tables.kinds import TableKind

__all__ = [
    # Declaring a plugin
    "hookimpl", "TableKind",
    # Fields for a kind's attribute schema
    "Text", "Slug", "StrictInteger", "StrictBoolean", "LocalisedText", "LanguageCode", "CountryCode",
    "RegionCode", "TimeZoneName", "IsoDate", "IsoTime", "Timestamp", "BoundedList", "bounded_list",
    "OrganisationId",
    # Validators and the limits the fields default to
    "unique_items", "FullMatch", "MAX_NAME", "MAX_SHORT", "MAX_TEXT", "MAX_LIST",
]
