"""A whole `gate check` of one 2,002-object rendering (bench/charts/big) against plain
`helm template` of the same chart: the whole command, Python start-up included.

- cold: golden files committed and matching, but no `.gate-cache/` and a fresh
  XDG_CACHE_HOME (no machine key): what a fresh CI runner pays. Target (issue 13):
  at most 2.0 x helm.
- golden unchanged: `gate check` with the renderings and results forgotten before
  each run (`.gate-cache/` emptied but for `golden/`) and the golden digests and the
  machine key kept: helm renders and every check runs again, and the golden file
  has not changed since this machine last compared it. Target: at most 1.5 x helm.
- --no-cache: `gate check --no-cache` (no render cache, no golden digests, the
  machine key kept), for comparison with cold.
- warm: `gate check` again right after a cold run, nothing changed, the render cache
  on. Target: at most 0.1 x the cold run.

The runs are interleaved (helm, cold, warm, golden unchanged, --no-cache, then again),
so that the figures a ratio compares see the same load on a shared machine; each
figure is the median of its runs.

`--timings` (once gate has it) prints gate's per-stage table of one cold run to
stderr, for reading; nothing parses it.
"""

from __future__ import annotations

import sys

from common import (
    BIG_CHART,
    Cache,
    emit,
    gate_has_option,
    helm_template,
    interleaved,
    ratio_row,
    run_gate,
    scratch,
)

RUNS = 5
WORKLOAD = "2,002-object rendering"


def main() -> int:
    with scratch("big") as root:
        repo = root / "repo"
        repo.mkdir()
        (repo / "gate.yaml").write_text(
            f"read_outside: [{BIG_CHART}]\n"
            f"golden: {{dir: golden}}\ntargets:\n  - name: big\n    chart: {BIG_CHART}\n"
            "    profiles:\n      prod: {}\n",
            encoding="utf-8",
        )
        cache = Cache(repo, root)
        cache.fresh()
        run_gate(["golden", "update"], repo, cache.env())

        def cold() -> None:
            cache.fresh()
            run_gate(["check"], repo, cache.env())

        def unchanged() -> None:
            cache.keep_golden_only()  # the cold run before it kept the golden digests
            run_gate(["check"], repo, cache.env())

        seconds = interleaved(
            RUNS,
            {
                "helm": lambda: helm_template(BIG_CHART),
                "cold": cold,
                "warm": lambda: run_gate(["check"], repo, cache.env()),
                "unchanged": unchanged,
                "no-cache": lambda: run_gate(["check", "--no-cache"], repo, cache.env()),
            },
        )

        notes: list[str] = []
        if gate_has_option("check", "--timings"):
            cache.fresh()
            done = run_gate(["check", "--timings"], repo, cache.env())
            print(f"gate check --timings, {WORKLOAD}, cold:\n{done.stderr}", file=sys.stderr)

    helm = ("helm", seconds["helm"])
    rows = [
        ratio_row(
            "big-cold", f"{WORKLOAD}, cold", helm, ("gate check", seconds["cold"]), "<=", 2.0
        ),
        ratio_row(
            "big-no-cache",
            f"{WORKLOAD}, --no-cache",
            helm,
            ("gate check --no-cache", seconds["no-cache"]),
            "<=",
            2.0,
        ),
        ratio_row(
            "big-golden-unchanged",
            f"{WORKLOAD}, golden file unchanged",
            helm,
            ("gate check", seconds["unchanged"]),
            "<=",
            1.5,
        ),
        ratio_row(
            "big-warm",
            f"{WORKLOAD}, warm vs cold",
            ("cold check", seconds["cold"]),
            ("warm check", seconds["warm"]),
            "<=",
            0.1,
        ),
    ]
    emit(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
