"""How schemathesis fuzzes the API: every built-in check, valid and invalid data, the same cases every run.

All checks run (`checks.enabled`), in positive and negative generation modes, with a fixed seed and
Hypothesis derandomised. FUZZ_EXAMPLES sets how many cases the fuzzing phase generates per operation
and caller, besides the coverage phase's (a fixed set: boundaries, missing and malformed parts,
undeclared methods); FUZZ_SCENARIOS and FUZZ_STEPS size the stateful run.
"""
import os

SEED = 20121023
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
STATEFUL_SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", str(max(5, EXAMPLES))))
STATEFUL_STEPS = int(os.environ.get("FUZZ_STEPS", "12"))

CONFIG = {
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
    "checks": {"enabled": True},
    # The stateful phase follows the links the document declares (create → read → replace/update → delete),
    # not links guessed from parameter names: those also lead from a deleted resource to its history, which
    # the contract keeps readable and use_after_free would take for the deleted resource itself.
    "phases": {"stateful": {"max-steps": STATEFUL_STEPS, "inference": {"algorithms": []}}},
    "operations": [{
        # The writes of versioned resources (and rotating a client's secret) require If-Match: the contract
        # answers its absence with 428 Precondition Required (RFC 6585 §3, the status made for it), besides
        # schemathesis' usual statuses.
        "include-operation-id-regex": "^(replace|update|delete|restore|rotate)[A-Z]",
        "checks": {"missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]}},
    }],
}
