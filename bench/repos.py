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
runner: no `.gate-cache/`, a fresh XDG_CACHE_HOME. Once gate has `--no-cache`, a
`gate check --no-cache` row is printed beside it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from common import (
    Cache,
    Row,
    best_of,
    emit,
    helm_all,
    no_cache_args,
    ratio_row,
    run_gate,
    scratch,
)
from corpus import Corpus, real_corpus, small_charts

RUNS = 3
JOBS = 2


def measure(
    key: str, label: str, make: Callable[[Path], Corpus], target: float
) -> tuple[list[Row], list[str]]:
    with scratch(key) as root:
        repo = root / "repo"
        corpus = make(repo)
        (repo / "gate.yaml").write_text(corpus.gate_yaml(), encoding="utf-8")
        cache = Cache(repo, root)
        cache.fresh()
        done = run_gate(["golden", "update"], repo, cache.env(), jobs=JOBS)
        pairs = len(corpus.helm_calls)

        helm_seconds = best_of(RUNS, lambda: helm_all(corpus.helm_calls, JOBS))

        def cold() -> None:
            cache.fresh()
            run_gate(["check"], repo, cache.env(), jobs=JOBS)

        cold_seconds = best_of(RUNS, cold)
        rows = [
            ratio_row(
                f"{key}-cold",
                f"{label}, cold",
                ("helm", helm_seconds),
                ("gate check", cold_seconds),
                "<=",
                target,
            )
        ]
        if no_cache_args():
            nocache_seconds = best_of(
                RUNS, lambda: run_gate(["check", "--no-cache"], repo, cache.env(), jobs=JOBS)
            )
            rows.append(
                ratio_row(
                    f"{key}-no-cache",
                    f"{label}, --no-cache",
                    ("helm", helm_seconds),
                    ("gate check --no-cache", nocache_seconds),
                    "<=",
                    target,
                )
            )
        done = run_gate(["check"], repo, cache.env(), jobs=JOBS)  # fills the render cache
        warm_seconds = best_of(RUNS, lambda: run_gate(["check"], repo, cache.env(), jobs=JOBS))
        rows.append(
            ratio_row(
                f"{key}-warm",
                f"{label}, warm vs cold",
                ("cold check", cold_seconds),
                ("warm check", warm_seconds),
                "<=",
                0.1,
            )
        )
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        notes = [f"{label}: {pairs} target x profile pairs; gate says: {summary}"]
    return rows, notes


def main() -> int:
    rows, notes = measure("small", "20 charts x 3 profiles", small_charts, 1.1)
    more, more_notes = measure("corpus", "real-shaped corpus (library helpers)", real_corpus, 1.3)
    emit([*rows, *more], [*notes, *more_notes])
    return 0


if __name__ == "__main__":
    sys.exit(main())
