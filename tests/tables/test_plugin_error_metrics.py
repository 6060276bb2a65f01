"""Plugin code that fails is counted in /metrics, by plugin and hook."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.tables.helpers import table_body, tables_url


def plugin_errors(client, source, hook):
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "taskforce_plugin_errors_total" and sample.labels == {"source": source, "hook": hook}:
                return sample.value
    return 0


@pytest.mark.plugin_dists("listeners")
def test_a_failing_hook_is_counted(client, admin, session):
    before = plugin_errors(client, "listener_failing", "table_created")

    assert client.post(tables_url(session), json=table_body(), headers=admin).status_code == 201

    assert plugin_errors(client, "listener_failing", "table_created") - before == 1
