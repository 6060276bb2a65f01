"""GET /metrics: the Prometheus text format, read with the Prometheus client's own parser."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import organisation_body

METRICS = "/metrics"


def samples(client, headers=None):
    """Return {(name, frozenset(labels.items())): value} of every sample /metrics shows."""
    response = client.get(METRICS, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for sample in family.samples}


def value(scraped, name, **labels):
    return scraped.get((name, frozenset(labels.items())), 0)


def grown(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def organisation_id(client, admin):
    response = client.post("/api/v1/organisations", json=organisation_body(), headers=admin)
    assert response.status_code == 201
    return response.get_json()["id"]


def test_requests_are_counted_by_route_template_and_status(client, organisation_id):
    route = "/api/v1/organisations/<organisation_id>"
    before = samples(client)

    client.get(f"/api/v1/organisations/{organisation_id}")
    client.get(f"/api/v1/organisations/{organisation_id}")
    client.get("/api/v1/organisations/000000000000000000000000")
    after = samples(client)

    assert grown(before, after, "taskforce_http_requests_total", method="GET", route=route, status="200") == 2
    assert grown(before, after, "taskforce_http_requests_total", method="GET", route=route, status="404") == 1


def test_latency_is_a_histogram_by_route_template(client, organisation_id):
    route = "/api/v1/organisations/<organisation_id>"
    before = samples(client)

    client.get(f"/api/v1/organisations/{organisation_id}")
    after = samples(client)

    name = "taskforce_http_request_duration_seconds"
    assert grown(before, after, f"{name}_count", method="GET", route=route) == 1
    assert grown(before, after, f"{name}_bucket", method="GET", route=route, le="+Inf") == 1
    assert grown(before, after, f"{name}_sum", method="GET", route=route) > 0


def test_labels_name_route_templates_never_ids_or_unknown_addresses(client, organisation_id):
    client.get(f"/api/v1/organisations/{organisation_id}")
    client.get("/api/v1/no/such/address/4fe1a8c2")
    client.open("/api/v1/organisations", method="BREW")

    text = client.get(METRICS).get_data(as_text=True)

    assert organisation_id not in text
    assert "4fe1a8c2" not in text
    assert "BREW" not in text
    assert 'route="unmatched"' in text


def test_database_errors_are_counted(client, organisation_id, monkeypatch):
    from mongomock.collection import Collection
    from pymongo.errors import ServerSelectionTimeoutError

    def unreachable(*args, **kwargs):
        raise ServerSelectionTimeoutError("injected: the database does not answer")
    before = samples(client)
    monkeypatch.setattr(Collection, "find", unreachable)
    monkeypatch.setattr(Collection, "find_one", unreachable)

    assert client.get(f"/api/v1/organisations/{organisation_id}").status_code == 503
    monkeypatch.undo()
    after = samples(client)

    assert grown(before, after, "taskforce_database_errors_total", error="ServerSelectionTimeoutError") == 1


def test_metrics_are_open_when_no_token_is_configured(client):
    assert client.get(METRICS).status_code == 200


def test_metrics_need_the_configured_token(make_app):
    client = make_app(METRICS_TOKEN="scrape-me-please").test_client()

    assert client.get(METRICS).status_code == 401
    assert client.get(METRICS, headers={"Authorization": "Bearer not-the-token"}).status_code == 401
    assert samples(client, {"Authorization": "Bearer scrape-me-please"})
