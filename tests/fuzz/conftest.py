"""Fixtures of the fuzzing tests: one app per process, a fresh demo store and a caller per test."""
import pytest

from api import create_app
from tests.conftest import TEST_CONFIG
from tests.fuzz.realistic import Realism
from tests.fuzz.schema import ACTIVE
from tests.fuzz.world import World

class Counter:
    """What one fuzzing test did, reported to the run's summary (tests.fuzz.summary)."""

    def __init__(self):
        self.cases = 0
        self.steps = 0
        self.scenarios = 0
        self.operations = set()


@pytest.fixture(scope="session")
def fuzz_app():
    return create_app(TEST_CONFIG)


@pytest.fixture
def world(fuzz_app, cheap_hashing):
    """A fresh embedded store with the demo data, for this test only."""
    return World(fuzz_app).reset()


@pytest.fixture
def caller(world, role):
    """The Authorization header of the role; cases are made realistic for it while the test runs."""
    ACTIVE["realism"] = Realism(world, role)
    yield world.headers[role]
    ACTIVE["realism"] = None


@pytest.fixture
def fuzz_counter(record_property):
    counter = Counter()
    yield counter
    record_property("fuzz", {"cases": counter.cases, "steps": counter.steps, "scenarios": counter.scenarios,
                             "operations": sorted(counter.operations)})
