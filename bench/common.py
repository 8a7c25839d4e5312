"""Shared pieces of the benchmarks: timing, helm, the synthetic chart, a table."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIG_CHART = REPO / "bench" / "charts" / "big"


def helm_binary() -> str:
    """$GATE_HELM, else the pinned Helm 4 that `make tools` installs."""
    return os.environ.get("GATE_HELM") or str(REPO / ".tools" / "helm4" / "helm")


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The median wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def helm_template(chart: Path, *args: str) -> str:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HELM_CONFIG_HOME": home,
            "HELM_CACHE_HOME": home,
            "HELM_DATA_HOME": home,
        }
        return subprocess.run(
            [helm_binary(), "template", "bench", str(chart), *args],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)
