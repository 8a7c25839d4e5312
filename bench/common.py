"""Shared pieces of the benchmarks: timing, helm, gate as a command, the rows of the table.

Each benchmark script measures its workloads and hands back `Row`s: run alone it
prints them as a small table; run by bench/run.py (`--json PATH`) it writes them
to PATH and run.py prints every row of every script as one table. A benchmark
reports; it never fails because a figure misses its target. It exits non-zero
only when something could not run.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
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


def interleaved(runs: int, actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The median wall time of each action over `runs` rounds, every round running each
    action once in order: on a shared machine, the figures a ratio compares then see the
    same load. An action may rely on the one before it (a warm run after a cold one)."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def timed(action: Callable[[], object]) -> float:
    """The wall time of one call, in seconds."""
    return best_of(1, action)


def helm_env(home: str) -> dict[str, str]:
    """The environment of a plain helm call: helm's own folders in `home`, nothing shared."""
    return {
        **os.environ,
        "HELM_CONFIG_HOME": home,
        "HELM_CACHE_HOME": home,
        "HELM_DATA_HOME": home,
    }


def helm_template(chart: Path, *args: str, release: str = "bench") -> str:
    """`helm template RELEASE CHART ARGS...` with a home of its own; its output."""
    with tempfile.TemporaryDirectory() as home:
        return subprocess.run(
            [helm_binary(), "template", release, str(chart), *args],
            capture_output=True,
            text=True,
            check=True,
            env=helm_env(home),
        ).stdout


@dataclass(frozen=True)
class HelmCall:
    """One plain `helm template` of a target and profile, as a user would type it."""

    release: str
    chart: Path
    args: tuple[str, ...] = ()


def helm_all(calls: Sequence[HelmCall], jobs: int) -> int:
    """Every call, `jobs` at a time (threads each waiting on a helm process, as gate
    runs them); the total size of their output, so that none is optimized away."""

    def one(call: HelmCall) -> int:
        return len(helm_template(call.chart, *call.args, release=call.release))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return sum(pool.map(one, calls))


def gate_command() -> list[str]:
    """gate as a user runs it: a fresh Python, start-up and imports included."""
    return [sys.executable, "-m", "gate"]


@functools.cache
def gate_has_option(command: str, option: str) -> bool:
    """Whether `gate COMMAND --help` lists OPTION: the bench runs before and after an
    option lands on main."""
    done = subprocess.run(
        [*gate_command(), *command.split(), "--help"], capture_output=True, text=True, check=False
    )
    return option in done.stdout


class Cache:
    """gate's caches of one benchmark repository: `.gate-cache/` in the repository and
    the machine key folder (a private XDG_CACHE_HOME). `fresh()` empties both, so the
    next run pays what a first run on a fresh CI runner pays."""

    def __init__(self, repository: Path, scratch: Path) -> None:
        self.repository = repository
        self.xdg = scratch / "xdg-cache"
        self.home = scratch / "home"

    def fresh(self) -> None:
        shutil.rmtree(self.repository / ".gate-cache", ignore_errors=True)
        shutil.rmtree(self.xdg, ignore_errors=True)
        self.xdg.mkdir(parents=True)
        self.home.mkdir(parents=True, exist_ok=True)

    def keep_golden_only(self) -> None:
        """Forget what would spare a render or a check (docs/cache.md: `renders/`,
        `results/`, and whatever comes next), keep the golden digests, the built
        dependencies and the machine key."""
        folder = self.repository / ".gate-cache"
        for entry in folder.iterdir() if folder.is_dir() else []:
            if entry.name not in ("golden", "dependencies"):
                shutil.rmtree(entry, ignore_errors=True)

    def env(self) -> dict[str, str]:
        return {**os.environ, "XDG_CACHE_HOME": str(self.xdg), "HOME": str(self.home)}


def run_gate(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, jobs: int | None = 2
) -> subprocess.CompletedProcess[str]:
    """`gate ARGS... --helm HELM --quiet [--jobs N]` in `cwd`. Exit 0 and 1 are verdicts;
    anything else means the gate could not run, and the benchmark stops (SystemExit)."""
    command = [*gate_command(), *args, "--helm", helm_binary(), "--quiet"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(
            f"`gate {' '.join(args)}` in {cwd} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done


# --- the rows of the table -------------------------------------------------------------

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda value, target: value <= target,
    "<": lambda value, target: value < target,
    ">=": lambda value, target: value >= target,
}


@dataclass
class Row:
    """One measured figure: what was run, against what, the figure and its target.

    `figure` is a ratio (unit "x": gate's time over the reference's, or the reference's
    over gate's for a speed-up), megabytes ("MB") or seconds ("s"). `target` is
    compared with `op`; a row without one is context for the rows that have one. `met`
    may be given when the target is more than one comparison.
    """

    key: str
    workload: str
    reference: str
    measured: str
    figure: float | None
    unit: str = "x"
    op: str | None = None
    target: float | None = None
    target_text: str = ""
    met: bool | None = None
    note: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.met is None and self.op and self.target is not None and self.figure is not None:
            self.met = OPS[self.op](self.figure, self.target)
        if not self.target_text and self.op is not None and self.target is not None:
            space = "" if self.unit == "x" else " "
            self.target_text = f"{self.op} {self.target:g}{space}{self.unit}"

    def figure_text(self) -> str:
        if self.figure is None:
            return "skipped"
        if self.unit == "x":
            return f"{self.figure:.2f}x"
        if self.unit == "MB":
            return f"{self.figure:.0f} MB"
        return f"{self.figure:.2f} {self.unit}"


def ratio_row(
    key: str,
    workload: str,
    reference: tuple[str, float],
    measured: tuple[str, float],
    op: str | None = None,
    target: float | None = None,
    note: str = "",
) -> Row:
    """measured / reference, both in seconds, with their labels."""
    (ref_label, ref_seconds), (label, seconds) = reference, measured
    return Row(
        key=key,
        workload=workload,
        reference=f"{ref_label} {duration(ref_seconds)}",
        measured=f"{label} {duration(seconds)}",
        figure=seconds / ref_seconds,
        op=op,
        target=target,
        note=note,
        seconds={"reference": ref_seconds, "measured": seconds},
    )


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def met_text(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "NO")


def render_table(rows: Sequence[Row]) -> str:
    """The rows as one plain-text table (a Markdown table too: docs/performance.md)."""
    header = ("workload", "reference", "gate", "figure", "target", "met")
    lines = [
        (r.workload, r.reference, r.measured, r.figure_text(), r.target_text, met_text(r.met))
        for r in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(header), rule, *(line(cells) for cells in lines)])


def emit(rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    """Hand the rows back: to the JSON file `--json PATH` names (bench/run.py), and as a
    table on stdout."""
    if "--json" in sys.argv:
        path = Path(sys.argv[sys.argv.index("--json") + 1])
        path.write_text(
            json.dumps({"rows": [asdict(r) for r in rows], "notes": list(notes)}, indent=2),
            encoding="utf-8",
        )
    else:
        print(render_table(rows))
        for note in notes:
            print(f"  {note}")


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder for one benchmark's generated repository and caches."""
    with tempfile.TemporaryDirectory(prefix=f"gate-bench-{prefix}-") as folder:
        yield Path(folder)
