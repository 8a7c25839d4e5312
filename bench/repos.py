"""Whole repositories: `gate check --jobs 2` against plain `helm template` of the same
target x profile pairs, 2 at a time (a thread pool waiting on helm processes, each
with helm homes of its own), the whole command, Python start-up included.

- 20 small charts x 3 profiles (bench/corpus.py `small_charts`). Target (issue 13):
  cold, at most 1.1 x helm.
- a real-shaped corpus: 6 umbrella charts with a library chart of helpers and 2 to 4
  subcharts each, 3 profiles, 9 to 2,000 objects per rendering (`real_corpus`).
  Target: cold, at most 1.3 x helm; warm (nothing changed since the last run, the
  render cache filled), at most 0.1 x the cold run.

Both repositories commit their golden files (written by `gate golden update` before
timing), so every check compares with them. "cold" is a first run on a fresh CI
runner: no `.gate-cache/`, a fresh XDG_CACHE_HOME (no machine key); "--no-cache" is
`gate check --no-cache` (no render cache, no golden digests, the machine key kept);
"warm" is `gate check` again right after a cold run. The runs are interleaved (helm,
cold, warm, --no-cache, then again), so that the figures a ratio compares see the same
load on a shared machine; each figure is the median of its runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from common import Cache, Row, emit, helm_all, interleaved, ratio_row, run_gate, scratch
from corpus import Corpus, real_corpus, small_charts

JOBS = 2


def measure(
    key: str, label: str, make: Callable[[Path], Corpus], target: float, runs: int
) -> tuple[list[Row], list[str]]:
    with scratch(key) as root:
        repo = root / "repo"
        corpus = make(repo)
        (repo / "gate.yaml").write_text(corpus.gate_yaml(), encoding="utf-8")
        cache = Cache(repo, root)
        cache.fresh()
        run_gate(["golden", "update"], repo, cache.env(), jobs=JOBS)

        def cold() -> None:
            cache.fresh()
            run_gate(["check"], repo, cache.env(), jobs=JOBS)

        verdicts = []
        seconds = interleaved(
            runs,
            {
                "helm": lambda: helm_all(corpus.helm_calls, JOBS),
                "cold": cold,
                # Right after the cold run: nothing changed, its cache is there.
                "warm": lambda: verdicts.append(run_gate(["check"], repo, cache.env(), JOBS)),
                "no-cache": lambda: run_gate(["check", "--no-cache"], repo, cache.env(), JOBS),
            },
        )
    helm = ("helm", seconds["helm"])
    rows = [
        ratio_row(
            f"{key}-cold", f"{label}, cold", helm, ("gate check", seconds["cold"]), "<=", target
        ),
        ratio_row(
            f"{key}-no-cache",
            f"{label}, --no-cache",
            helm,
            ("gate check --no-cache", seconds["no-cache"]),
            "<=",
            target,
        ),
        ratio_row(
            f"{key}-warm",
            f"{label}, warm vs cold",
            ("cold check", seconds["cold"]),
            ("warm check", seconds["warm"]),
            "<=",
            0.1,
        ),
    ]
    output = verdicts[-1].stdout.strip()
    summary = output.splitlines()[-1] if output else ""
    notes = [f"{label}: {len(corpus.helm_calls)} target x profile pairs; gate says: {summary}"]
    return rows, notes


def main() -> int:
    rows, notes = measure("small", "20 charts x 3 profiles", small_charts, 1.1, runs=3)
    more, more_notes = measure(
        "corpus", "real-shaped corpus (library helpers)", real_corpus, 1.3, runs=3
    )
    emit([*rows, *more], [*notes, *more_notes])
    return 0


if __name__ == "__main__":
    sys.exit(main())
