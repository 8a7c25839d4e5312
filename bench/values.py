"""The no-effect analysis on the charts-under-test wrapper chart, every profile.

Target (issue 7): it renders at most half as many times as there are keys set.
Printed per profile: keys analysed, renders used, the analysis time and one
plain `helm template` of that profile for scale, all measured in this run.
"""

from __future__ import annotations

import dataclasses
import sys
import time

from common import REPO, best_of, helm_binary, table

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
    rows: list[tuple[str, str]] = []
    total_keys = total_renders = 0
    for target, profile in pairs:
        (split,) = gate.render(helm, [(target, profile)], jobs=2)
        plain = best_of(3, lambda t=target, p=profile: render_all(helm, [(t, p)], config.helm, 1))
        # The analysis' own renders, every one through helm (no render cache).
        uncached = dataclasses.replace(gate, cache_enabled=False)
        started = time.perf_counter()
        with uncached.charts(helm) as charts, uncached.renderer(helm, charts) as renderer:
            _, (analysis,) = uncached.values_findings(renderer, [split], jobs=2, no_effect=True)
        seconds = time.perf_counter() - started
        total_keys += analysis.keys
        total_renders += analysis.renders
        found = sum(1 for f in analysis.findings if f.rule == "values-no-effect")
        rows.append(
            (
                f"{target.name}/{profile.name}",
                f"{analysis.keys:3d} keys  {analysis.renders:3d} renders  {found} no-effect  "
                f"{seconds * 1000:6.0f} ms  (one helm template: {plain * 1000:4.0f} ms, "
                f"{seconds / plain:4.1f}x)",
            )
        )
    ratio = total_renders / total_keys
    rows.append(("all profiles", f"{total_keys} keys, {total_renders} renders: ratio {ratio:.2f}"))
    rows.append(("target", f"renders <= {TARGET} x keys"))
    print("values no-effect analysis (charts-under-test/backstage)")
    print(table(rows))
    ok = ratio <= TARGET
    print("values: " + ("meets the target" if ok else "MISSES the target"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
