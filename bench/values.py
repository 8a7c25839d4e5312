"""The no-effect analysis on the charts-under-test wrapper chart, every profile.

Target (issue 7): it renders at most half as many times as there are keys set.
Printed per profile: keys analysed, renders used, the analysis time and one
plain `helm template` of that profile for scale, all measured in this run.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time

from common import REPO, Row, best_of, emit, helm_binary

from gate.config import load_config
from gate.helm import find_helm
from gate.pipeline import Gate, select
from gate.render import render_all

TARGET = 0.5


def main() -> int:
    helm = find_helm(helm_binary())
    config = load_config(REPO / "gate.yaml")
    gate = Gate.load(config)
    pairs = select(config, [], [])
    notes: list[str] = []
    total_keys = total_renders = 0
    for target, profile in pairs:
        (split,) = gate.render(helm, [(target, profile)], jobs=2)
        plain = best_of(3, functools.partial(render_all, helm, [(target, profile)], config.helm, 1))
        # The analysis' own renders, every one through helm (no render cache).
        uncached = dataclasses.replace(gate, cache_enabled=False)
        started = time.perf_counter()
        with uncached.charts(helm) as charts, uncached.renderer(helm, charts) as renderer:
            _, (analysis,) = uncached.values_findings(renderer, [split], jobs=2, no_effect=True)
        seconds = time.perf_counter() - started
        total_keys += analysis.keys
        total_renders += analysis.renders
        found = sum(1 for f in analysis.findings if f.rule == "values-no-effect")
        notes.append(
            f"values {target.name}/{profile.name}: "
            f"{analysis.keys} keys, {analysis.renders} renders, {found} no-effect, "
            f"{seconds * 1000:.0f} ms (one helm template: {plain * 1000:.0f} ms, "
            f"{seconds / plain:.1f}x)"
        )
    rows = [
        Row(
            key="values-renders-per-key",
            workload="values no-effect analysis, renders per key set",
            reference=f"{total_keys} keys set",
            measured=f"{total_renders} renders",
            figure=total_renders / total_keys,
            op="<=",
            target=TARGET,
        )
    ]
    emit(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
