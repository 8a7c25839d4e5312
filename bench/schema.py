"""Schema validation of a ~2,000-object rendering (Deployments, Services, ConfigMaps,
Secrets, Ingresses, RBAC).

Target (issue 6): validating it takes at most 0.3 times what `helm template`
needs to render it, after the first load; aim: 20 times faster than calling
`kubernetes_validate.validate` per object, which re-reads and re-resolves the
schema files on every call. All figures come from this one run.
"""

from __future__ import annotations

import sys
import time

import kubernetes_validate
from common import BIG_CHART, Row, best_of, emit, helm_template, ratio_row

from gate.checks.schema import SchemaCheck
from gate.model import RenderedObject
from gate.split import split_stream

KUBE_VERSION = "1.31.0"
RUNS = 5
NAIVE_SAMPLE = 200  # the naive validator is slow; time a sample and scale
TARGET = 0.3
AIM = 20.0


def _no_location(obj: RenderedObject, path: tuple[str | int, ...]) -> tuple[str, int | None]:
    """Where a finding points: the benchmark reports none."""
    return ("", None)


def main() -> int:
    stream = helm_template(BIG_CHART, "--kube-version", KUBE_VERSION)
    objects = split_stream(stream)
    helm_seconds = best_of(RUNS, lambda: helm_template(BIG_CHART, "--kube-version", KUBE_VERSION))

    started = time.perf_counter()
    check = SchemaCheck(KUBE_VERSION)
    first = check.check(objects, _no_location)
    first_seconds = time.perf_counter() - started
    warm_seconds = best_of(RUNS, lambda: check.check(objects, _no_location))

    sample = objects[:: max(1, len(objects) // NAIVE_SAMPLE)][:NAIVE_SAMPLE]
    started = time.perf_counter()
    for obj in sample:
        kubernetes_validate.validate(obj.body, KUBE_VERSION, strict=True)
    naive_seconds = (time.perf_counter() - started) * len(objects) / len(sample)

    if first:  # the chart is valid: a finding means the check is wrong
        raise SystemExit(f"schema validation found {len(first)} findings in a valid rendering")
    workload = f"schema validation, {len(objects):,} objects"
    rows: list[Row] = [
        ratio_row(
            "schema-warm",
            f"{workload}, after first load",
            ("helm", helm_seconds),
            ("validate", warm_seconds),
            "<=",
            TARGET,
        ),
        ratio_row(
            "schema-first-load",
            f"{workload}, first load",
            ("helm", helm_seconds),
            ("validate", first_seconds),
        ),
        Row(
            key="schema-vs-naive",
            workload=f"{workload}, vs kubernetes_validate per object",
            reference=f"naive {naive_seconds * 1000:.0f} ms (scaled from {len(sample)})",
            measured=f"validate {warm_seconds * 1000:.0f} ms",
            figure=naive_seconds / warm_seconds,
            unit="x faster",
            op=">=",
            target=AIM,
            note="an aim of issue 6, not a target",
            seconds={"reference": naive_seconds, "measured": warm_seconds},
        ),
    ]
    emit(rows, [f"schema: Kubernetes {KUBE_VERSION}, in-process (no start-up)"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
