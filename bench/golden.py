"""Golden comparison of a ~2,000-object rendering with 10 changed objects.

Target (issue 5): the comparison takes at most 0.3 times what `helm template`
needs for that rendering, measured here in one run. The comparison is what
`gate check` adds for golden files: masking and ordering the rendering, reading
the golden file, and diffing the objects that changed. Measured with the digest
cache this machine keeps (gate/golden_cache.py; the target) and without it, as
on a fresh CI runner, where each golden object's text is compared with today's
and only the 10 changed objects are parsed.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

from common import BIG_CHART, Row, best_of, emit, helm_binary, helm_template, ratio_row

from gate.config import load_config
from gate.helm import find_helm
from gate.pipeline import Gate, normalized_split, select

RUNS = 5
TARGET = 0.3


def main() -> int:
    helm = find_helm(helm_binary())
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config_file = root / "gate.yaml"
        config_file.write_text(
            f"read_outside: [{BIG_CHART}]\n"
            f"golden: {{dir: golden}}\nbuiltin_policies: false\ntargets:\n"
            f"  - name: big\n    chart: {BIG_CHART}\n    profiles:\n"
            f"      today: {{set: {{changed: 10}}}}\n",
            encoding="utf-8",
        )
        gate = Gate.load(load_config(config_file))
        pairs = select(gate.config, [], [])
        (split,) = gate.render(helm, pairs, jobs=1)
        objects = len(split.objects)

        # The golden file as committed before the change: the same chart, nothing changed.
        baseline_file = root / "baseline.yaml"
        baseline_file.write_text(config_file.read_text().replace("changed: 10", "changed: 0"))
        baseline = Gate.load(load_config(baseline_file))
        gate.write_golden(baseline.render(helm, select(baseline.config, [], []), jobs=1))

        helm_seconds = best_of(RUNS, lambda: helm_template(BIG_CHART, "--set", "changed=10"))

        def compare() -> int:
            normalized = normalized_split(split, None, gate.config.golden.ignore)
            return sum(1 for f in gate.golden_findings([normalized]) if f.rule == "golden-drift")

        drifted = compare()
        compare_seconds = best_of(RUNS, compare)
        no_cache = dataclasses.replace(gate, cache_enabled=False)
        fresh_seconds = best_of(
            RUNS,
            lambda: no_cache.golden_findings(
                [normalized_split(split, None, gate.config.golden.ignore)]
            ),
        )

    if drifted != 10:  # the comparison is wrong: its time measures nothing
        raise SystemExit(f"golden comparison found {drifted} drifted objects, not 10")
    workload = f"golden comparison, {objects:,} objects, 10 drifted"
    rows: list[Row] = [
        ratio_row(
            "golden-compare",
            f"{workload} (digest cache)",
            ("helm", helm_seconds),
            ("compare", compare_seconds),
            "<=",
            TARGET,
        ),
        ratio_row(
            "golden-compare-no-cache",
            f"{workload} (no digest cache)",
            ("helm", helm_seconds),
            ("compare", fresh_seconds),
        ),
    ]
    emit(rows, [f"golden: helm {helm.version}, in-process (no start-up)"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
