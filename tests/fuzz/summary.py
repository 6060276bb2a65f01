"""The fuzzing run's figures at the end of the test output (a pytest plugin, registered in tests/conftest.py).

Under pytest-xdist the workers run the tests and the controller prints the summary: each fuzzing test
records its figures as a user property, which travels to the controller with the test's report.
"""
import json

import pytest

FUZZ_DIR = "tests/fuzz/"


class FuzzSummary:
    def __init__(self):
        self.tests = 0
        self.failures = 0
        self.cases = 0
        self.steps = 0
        self.scenarios = 0
        self.operations = set()

    def add(self, report):
        if not report.nodeid.startswith(FUZZ_DIR):
            return
        if report.failed:
            self.failures += 1
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == "fuzz":
                self.tests += 1
                self.cases += value["cases"]
                self.steps += value["steps"]
                self.scenarios += value["scenarios"]
                self.operations.update(value["operations"])

    def as_dict(self):
        return {"tests": self.tests, "operations": len(self.operations), "cases": self.cases,
                "stateful_scenarios": self.scenarios, "stateful_steps": self.steps, "failures": self.failures}


_summary = FuzzSummary()


def pytest_runtest_logreport(report):
    _summary.add(report)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput") or not _summary.tests:
        return
    from tests.fuzz.settings import EXAMPLES, SEED

    figures = _summary.as_dict()
    terminalreporter.write_sep("-", "fuzzing summary")
    terminalreporter.write_line(
        f"schemathesis, all checks, positive and negative data, seed {SEED}, {EXAMPLES} examples per operation: "
        f"{figures['operations']} operations tested in {figures['tests']} tests, {figures['cases']} cases generated, "
        f"{figures['stateful_steps']} stateful steps in {figures['stateful_scenarios']} scenarios, "
        f"{figures['failures']} failures")
    if getattr(config, "cache", None) is not None:
        config.cache.set("fuzz/summary", figures)
        terminalreporter.write_line(f"(also in {config.cache.mkdir('fuzz').parent / 'v' / 'fuzz' / 'summary'}: "
                                    f"{json.dumps(figures)})")
