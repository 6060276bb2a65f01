"""Table kinds: what a plugin declares, and how stored attributes are upgraded and validated."""
import re
from dataclasses import dataclass, field

import marshmallow as ma

from api.core.fields import is_language
from api.errors import flatten_errors

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class InvalidKind(ValueError):
    """A plugin declared a table kind that cannot be used."""


@dataclass(frozen=True)
class TableKind:
    """A kind of thematic table.

    name: lowercase code stored in each table's ``kind``.
    version: integer that grows whenever the attribute schema changes.
    label, description: localised text maps ({"it": ..., "ru": ...}).
    schema: marshmallow Schema class validating ``attributes`` (unknown fields are refused).
    upgrades: {old_version: function(attributes) -> attributes of old_version + 1}, one per older version.
    per_session: names of attributes that record what happened at one session (its outcomes): left out when
    the table is copied into the next edition.
    """

    name: str
    version: int
    label: dict
    description: dict
    schema: type
    upgrades: dict = field(default_factory=dict)
    per_session: tuple = ()

    def validate_declaration(self):
        """Raise InvalidKind unless the declaration is complete and consistent."""
        if not isinstance(self.name, str) or not NAME_PATTERN.fullmatch(self.name):
            raise InvalidKind(f"kind name {self.name!r} must match {NAME_PATTERN.pattern}")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise InvalidKind(f"kind {self.name}: version must be an integer ≥ 1")
        for attribute in ("label", "description"):
            text = getattr(self, attribute)
            if not isinstance(text, dict) or not text or not all(
                    is_language(k) and isinstance(v, str) and v for k, v in text.items()):
                raise InvalidKind(f"kind {self.name}: {attribute} must map ISO 639-1 codes to text")
        if not (isinstance(self.schema, type) and issubclass(self.schema, ma.Schema)):
            raise InvalidKind(f"kind {self.name}: schema must be a marshmallow Schema class")
        unknown = [name for name in self.per_session if name not in self.schema._declared_fields] \
            if isinstance(self.per_session, (tuple, list, frozenset)) else [self.per_session]
        if unknown:
            raise InvalidKind(f"kind {self.name}: per_session must name attributes of its schema, not {unknown}")
        missing = [v for v in range(1, self.version) if not callable(self.upgrades.get(v))]
        if missing:
            raise InvalidKind(f"kind {self.name}: no upgrade function from version(s) {missing}")

    def upgrade(self, attributes, from_version):
        """Return attributes stored under from_version brought to the current version."""
        for version in range(from_version, self.version):
            attributes = self.upgrades[version](dict(attributes))
        return attributes

    def load(self, attributes):
        """Validate attributes; return them JSON-ready, or raise ValidationError with paths under attributes."""
        schema = self.schema(unknown=ma.RAISE)
        if not isinstance(attributes, dict):
            raise ma.ValidationError({"attributes": ["Must be an object."]})
        try:
            loaded = schema.load(attributes)
        except ma.ValidationError as error:
            raise ma.ValidationError(
                {f"attributes.{path}" if path != "_schema" else "attributes": messages
                 for path, messages in flatten_errors(error.messages).items()}) from None
        return schema.dump(loaded)
