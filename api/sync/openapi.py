"""Naming the change feed's resource types in the OpenAPI document, once every resource (plugins too) is declared."""
from api.core import changes

ACTIONS = "|".join(changes.ACTIONS)


def document_feed_types(spec):
    """Enumerate `resource_type` of GET /api/v1/changes and spell out the event types webhooks accept."""
    types = changes.resource_types()
    operation = spec._paths.get("/api/v1/changes", {}).get("get", {})
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "resource_type":
            parameter["schema"]["enum"] = types
    pattern = rf"^(\*|({'|'.join(types)})\.(\*|{ACTIONS}))$"
    for name in ("Webhook", "WebhookPatch"):
        events = spec.components.schemas.get(name, {}).get("properties", {}).get("events")
        if events is not None:
            events["items"]["pattern"] = pattern
