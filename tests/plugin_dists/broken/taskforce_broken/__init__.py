"""Plugins broken in different ways, for the tests: each module is one plugin (see entry_points.txt)."""
from marshmallow import Schema, fields


class NotesAttributes(Schema):
    notes = fields.String()
