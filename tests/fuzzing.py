"""Hypothesis settings for the fuzz tests: a fixed seed and a modest count in `make test`,
`GATE_FUZZ_EXAMPLES` examples (10,000 in `make fuzz`) for a long run."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("GATE_FUZZ_EXAMPLES", "300"))

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
