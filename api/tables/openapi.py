"""Describing each installed kind's `attributes` in the OpenAPI document, discriminated by `kind`."""

REF = "#/components/schemas/{}"


def _component_name(kind_name):
    return "".join(part.capitalize() for part in kind_name.split("_")) + "Attributes"


def document_table_kinds(spec, registry):
    """Turn the `Table` component into a oneOf over kinds, each with its own attributes schema."""
    schemas = spec.components.schemas
    if "Table" not in schemas or not registry.kinds:
        return
    schemas["TableBase"] = schemas.pop("Table")
    variants, mapping = [], {}
    for name, kind in sorted(registry.kinds.items()):
        attributes = _component_name(name)
        spec.components.schema(attributes, schema=kind.schema)
        variant = f"Table_{name}"
        schemas[variant] = {
            "allOf": [
                {"$ref": REF.format("TableBase")},
                {"type": "object", "properties": {"kind": {"const": name}, "attributes": {"$ref": REF.format(attributes)}}},
            ],
            "description": f"A table of kind `{name}` (attributes schema version {kind.version}).",
        }
        variants.append({"$ref": REF.format(variant)})
        mapping[name] = REF.format(variant)
    schemas["Table"] = {"oneOf": variants, "discriminator": {"propertyName": "kind", "mapping": mapping}}
