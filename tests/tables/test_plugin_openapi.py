"""The OpenAPI document stays valid with outside plugins' kinds and routes in it."""
import pytest

from tests.test_openapi_tools import problems_in


@pytest.mark.plugin_dists("listeners", "tourism_v2")
def test_the_document_with_outside_plugins_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert "/api/v1/tourism-desk/hours" in document["paths"]
    assert "Table_tourism_showcase" in document["components"]["schemas"]
    assert problems_in(document) == []
