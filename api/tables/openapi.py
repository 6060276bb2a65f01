"""Describing each installed kind's `attributes` in the OpenAPI document, discriminated by `kind`."""
from api.core.schemas import merge_patch_schema

REF = "#/components/schemas/{}"


def _component_name(kind_name):
    return "".join(part.capitalize() for part in kind_name.split("_")) + "Attributes"


def document_table_kinds(spec, registry):
    """Turn `Table` into a oneOf over kinds, each with its own attributes schema; `TablePatch` likewise."""
    schemas = spec.components.schemas
    if "Table" not in schemas or not registry.kinds:
        return
    _by_kind(spec, registry, "Table", "TableBase", patch=False)
    if "TablePatch" in schemas:
        _by_kind(spec, registry, "TablePatch", "TableBasePatch", patch=True)


def _by_kind(spec, registry, name, base, *, patch):
    schemas = spec.components.schemas
    schemas[base] = schemas.pop(name)
    variants, mapping = [], {}
    for kind_name, kind in sorted(registry.kinds.items()):
        attributes = _component_name(kind_name) + ("Patch" if patch else "")
        if attributes not in schemas:
            spec.components.schema(attributes, schema=merge_patch_schema(kind.schema, nested=True) if patch else kind.schema)
        variant = f"{name}_{kind_name}"
        attributes_ref = {"$ref": REF.format(attributes)}
        if patch:
            # null removes the attributes: the kind's defaults apply.
            attributes_ref = {"anyOf": [attributes_ref, {"type": "null"}]}
        schemas[variant] = {
            "allOf": [
                {"$ref": REF.format(base)},
                # A one-value enum, not `const`: client generators merge it with the base's string `kind`.
                {"type": "object", "properties": {"kind": {"type": "string", "enum": [kind_name]},
                                                  "attributes": attributes_ref}},
            ],
            "description": (f"A merge patch of a table of kind `{kind_name}`" if patch else
                            f"A table of kind `{kind_name}`") + f" (attributes schema version {kind.version}).",
        }
        variants.append({"$ref": REF.format(variant)})
        mapping[kind_name] = REF.format(variant)
    if patch:
        # `kind` may be left out of a patch (the table keeps its kind), so no discriminator, and a patch
        # that names no kind-specific attribute fits every kind.
        schemas[name] = {"anyOf": variants,
                         "description": "A JSON merge patch of a table: the attributes are those of its kind."}
    else:
        schemas[name] = {"oneOf": variants, "discriminator": {"propertyName": "kind", "mapping": mapping}}
