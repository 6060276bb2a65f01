"""Fixtures of the fuzzing tests: one app per process, a fresh demo store and a caller per test."""
import pytest
from argon2 import PasswordHasher

from api import create_app
from api.auth import passwords
from tests.conftest import TEST_CONFIG
from tests.fuzz.realistic import Realism
from tests.fuzz.schema import ACTIVE
from tests.fuzz.world import World

# Argon2 at its production cost makes each password hash take ~0.2 s; fuzzing tests behaviour, not cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


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
def world(fuzz_app, monkeypatch):
    """A fresh embedded store with the demo data, for this test only."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
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
