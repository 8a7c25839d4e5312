"""`make bench`: run every benchmark, print one table of the figures of this one run with
issue 13's targets (and the earlier issues') beside them, and write the same as JSON to
bench/out/results.json.

A benchmark reports; it does not gate. This exits 0 whether or not the figures meet
their targets, and 1 only when a benchmark could not run (its rows are then missing,
and the table says which).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import REPO, Row, helm_binary, met_text, render_table

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "results.json"

# In the order their rows appear: issue 13's workloads first, then the earlier benches.
BENCHES = [
    "repos.py",  # 20 charts x 3 profiles; the real-shaped corpus, cold and warm
    "check.py",  # one 2,002-object rendering: cold, golden unchanged, warm
    "memory.py",  # 200 targets x 3 profiles: peak RSS and wall time
    "vs_checkov.py",  # gate validate against checkov
    "golden.py",
    "schema.py",
    "values.py",
    "hostile.py",
]
ORDER = [
    "small-cold",
    "small-no-cache",
    "big-cold",
    "big-no-cache",
    "big-golden-unchanged",
    "corpus-cold",
    "corpus-no-cache",
    "corpus-warm",
    "small-warm",
    "big-warm",
    "memory-peak-rss",
    "memory-wall-time",
    "checkov-restricted",
    "checkov-all",
]


def _text(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    return done.stdout.strip() if done.returncode == 0 else "?"


def _load(averages: object) -> str:
    """Load averages over 1, 5 and 15 minutes, as uptime prints them."""
    return "/".join(f"{x:.2f}" for x in averages) if isinstance(averages, list) else "?"


def machine() -> dict[str, object]:
    dirty = _text(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "helm": _text([helm_binary(), "version", "--short"]),
        "commit": _text(["git", "rev-parse", "--short", "HEAD"]) + ("+dirty" if dirty else ""),
    }


def main() -> int:
    started = time.perf_counter()
    about = machine()
    rows: list[Row] = []
    notes: list[str] = []
    failed: list[str] = []
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for bench in BENCHES:
            print(f"== {bench}", file=sys.stderr, flush=True)
            out = Path(folder) / f"{bench}.json"
            begun = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(HERE / bench), "--json", str(out)], cwd=HERE, check=False
            )
            seconds[bench] = round(time.perf_counter() - begun, 1)
            if done.returncode != 0 or not out.exists():
                failed.append(bench)
                continue
            result = json.loads(out.read_text(encoding="utf-8"))
            rows += [Row(**row) for row in result["rows"]]
            notes += result["notes"]

    rank = {key: index for index, key in enumerate(ORDER)}
    rows.sort(key=lambda row: rank.get(row.key, len(ORDER)))
    total = round(time.perf_counter() - started, 1)
    about["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    targets = [row for row in rows if row.met is not None]

    print(
        f"\ngate benchmarks: {about['date']}, {about['nproc']} cores, {about['helm']}, "
        f"Python {about['python']}, commit {about['commit']}, load average "
        f"{_load(about['load_average_at_start'])} at start, "
        f"{_load(about['load_average_at_end'])} at end"
    )
    print(render_table(rows))
    print(
        f"\n{sum(1 for r in targets if r.met)} of {len(targets)} targets met "
        f"({', '.join(r.key for r in targets if not r.met) or 'none'} missed); "
        f"{total:.0f} s in all"
    )
    for note in notes:
        print(f"  {note}")
    for bench in failed:
        print(f"  {bench} COULD NOT RUN: its rows are missing (see its output above)")

    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "machine": about,
                "rows": [
                    {
                        **row.__dict__,
                        "figure_text": row.figure_text(),
                        "met_text": met_text(row.met),
                    }
                    for row in rows
                ],
                "notes": notes,
                "failed": failed,
                "seconds": {"total": total, **seconds},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"  written to {OUT.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
