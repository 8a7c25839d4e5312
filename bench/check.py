"""A whole `gate check` of a ~2,000-object rendering against plain `helm template`.

No target of its own: the figure that tells a user what the gate costs on top
of the render it cannot avoid. gate keeps no cache between runs, so every run
is what a fresh CI job pays.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from common import BIG_CHART, best_of, helm_binary, helm_template, table

RUNS = 3


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "gate.yaml").write_text(
            f"read_outside: [{BIG_CHART}]\n"
            f"golden: {{dir: golden}}\ntargets:\n  - name: big\n    chart: {BIG_CHART}\n"
            "    profiles:\n      prod: {}\n",
            encoding="utf-8",
        )
        gate = [sys.executable, "-m", "gate", "--helm", helm_binary(), "--quiet", "--jobs", "2"]

        def run(*args: str) -> None:
            done = subprocess.run(
                [*gate[:3], *args, *gate[3:]], cwd=root, capture_output=True, check=False
            )
            if done.returncode not in (0, 1):  # a gate that could not run measures nothing
                raise SystemExit(f"gate {' '.join(args)} failed: {done.stderr.decode()}")

        run("golden", "update")
        helm_seconds = best_of(RUNS, lambda: helm_template(BIG_CHART))

        check_seconds = best_of(RUNS, lambda: run("check"))
    print("gate check: 2,002 objects, every check (schema, policies, values, golden)")
    print(
        table(
            [
                ("helm template", f"{helm_seconds * 1000:7.0f} ms"),
                (
                    "gate check",
                    f"{check_seconds * 1000:7.0f} ms  ratio {check_seconds / helm_seconds:.1f}",
                ),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
