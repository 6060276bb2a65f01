"""Every operation of the OpenAPI document, fuzzed with all checks, as an admin and as a partner."""
import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.realistic import credentials
from tests.fuzz.schema import schema
from tests.fuzz.world import ROLES


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
# The store is reset per operation and caller (the fixture), not per generated case: intended.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_operation(case, role, world, caller, fuzz_counter):
    fuzz_counter.operations.add(case.operation.label)
    fuzz_counter.cases += 1
    case.call_and_validate(app=world.app, headers=credentials(case, caller))
