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
from common import BIG_CHART, best_of, helm_template, table

from gate.checks.schema import SchemaCheck
from gate.split import split_stream

KUBE_VERSION = "1.31.0"
RUNS = 5
NAIVE_SAMPLE = 200  # the naive validator is slow; time a sample and scale
TARGET = 0.3
AIM = 20.0


def main() -> int:
    stream = helm_template(BIG_CHART, "--kube-version", KUBE_VERSION)
    objects = split_stream(stream)
    helm_seconds = best_of(RUNS, lambda: helm_template(BIG_CHART, "--kube-version", KUBE_VERSION))

    started = time.perf_counter()
    check = SchemaCheck(KUBE_VERSION)
    first = check.check(objects, lambda obj, path: None)
    first_seconds = time.perf_counter() - started
    warm_seconds = best_of(RUNS, lambda: check.check(objects, lambda obj, path: None))

    sample = objects[:: max(1, len(objects) // NAIVE_SAMPLE)][:NAIVE_SAMPLE]
    started = time.perf_counter()
    for obj in sample:
        kubernetes_validate.validate(obj.body, KUBE_VERSION, strict=True)
    naive_seconds = (time.perf_counter() - started) * len(objects) / len(sample)

    print(
        f"schema validation: {len(objects)} objects, {len(first)} findings, "
        f"Kubernetes {KUBE_VERSION}"
    )
    print(
        table(
            [
                ("helm template", f"{helm_seconds * 1000:8.1f} ms"),
                (
                    "gate, first load",
                    f"{first_seconds * 1000:8.1f} ms  ratio {first_seconds / helm_seconds:.2f}",
                ),
                (
                    "gate, after first load",
                    f"{warm_seconds * 1000:8.1f} ms  ratio {warm_seconds / helm_seconds:.2f}",
                ),
                (
                    "naive kubernetes_validate",
                    f"{naive_seconds * 1000:8.1f} ms  (from {len(sample)} objects, scaled)",
                ),
                ("speed-up over naive", f"{naive_seconds / warm_seconds:8.1f} x"),
                ("target", f"ratio <= {TARGET} after first load; aim >= {AIM:g} x naive"),
            ]
        )
    )
    ok = not first and warm_seconds / helm_seconds <= TARGET
    print(
        "schema: "
        + ("meets the target" if ok else "MISSES the target")
        + ("" if naive_seconds / warm_seconds >= AIM else " (below the 20x aim)")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
