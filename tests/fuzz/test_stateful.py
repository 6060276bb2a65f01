"""Sequences of calls chained by the document's links: create → read → update → delete, with every check."""
import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.fuzz.realistic import credentials
from tests.fuzz.schema import schema
from tests.fuzz.settings import SEED, STATEFUL_SCENARIOS, STATEFUL_STEPS
from tests.fuzz.world import ROLES


def test_every_create_links_to_the_item_operations_with_id_and_etag():
    document = schema.raw_schema
    creates = [(path, item["post"]) for path, item in document["paths"].items()
               if item.get("post", {}).get("operationId", "").startswith("create")]

    assert len(creates) == 10
    for path, operation in creates:
        links = operation["responses"]["201"]["links"]
        # A release never changes: it is only read, at its name.
        immutable = path.endswith("/releases")
        expected = {"read"} if immutable else {"read", "repl", "upda", "dele"}
        assert {link["operationId"][:4] for link in links.values()} == expected, path
        for link in links.values():
            key = "$response.body#/name" if immutable else "$response.body#/id"
            assert key in link["parameters"].values(), (path, link)
            if not link["operationId"].startswith("read"):
                assert link["parameters"]["header.If-Match"] == "$response.header.ETag", (path, link)


@pytest.mark.parametrize("role", ROLES)
def test_stateful(role, world, caller, fuzz_counter):
    class Workflow(schema.as_state_machine()):
        def setup(self):
            # Every scenario starts from the demo state: what a scenario draws depends on the answers it gets.
            world.reset()
            fuzz_counter.scenarios += 1

        def get_call_kwargs(self, case):
            return {"app": world.app, "headers": credentials(case, caller)}

        def after_call(self, response, case):
            super().after_call(response, case)
            fuzz_counter.steps += 1
            fuzz_counter.operations.add(case.operation.label)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # The Authorization header is the caller's own (explicit), as in test_operations.
            case.validate_response(response, additional_checks=additional_checks, headers=credentials(case, caller),
                                   transport_kwargs=kwargs, recorder=self.recorder)

    # No shrinking: a scenario replayed against a store its first run changed is not the same scenario; the
    # failure is reported as found, with its steps, and the run is the same every time (derandomised).
    Workflow.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
                                   derandomize=True, database=None, deadline=None, print_blob=False,
                                   phases=[Phase.generate],
                                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                          HealthCheck.filter_too_much]))
