"""A whole `gate check` of a ~2,000-object rendering against plain `helm template`.

No target of its own: the figure that tells a user what the gate costs on top
of the render it cannot avoid. Measured cold (no .gate-cache) and warm.
"""

from __future__ import annotations

import shutil
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
            f"golden: {{dir: golden}}\ntargets:\n  - name: big\n    chart: {BIG_CHART}\n"
            "    profiles:\n      prod: {}\n",
            encoding="utf-8",
        )
        gate = [sys.executable, "-m", "gate", "--helm", helm_binary(), "--quiet", "--jobs", "2"]

        def run(*args: str) -> None:
            subprocess.run(
                [*gate[:3], *args, *gate[3:]], cwd=root, capture_output=True, check=False
            )

        run("golden", "update")
        helm_seconds = best_of(RUNS, lambda: helm_template(BIG_CHART))

        def cold() -> None:
            shutil.rmtree(root / ".gate-cache", ignore_errors=True)
            run("check")

        cold_seconds = best_of(RUNS, cold)
        run("check")
        warm_seconds = best_of(RUNS, lambda: run("check"))
    print("gate check: 2,002 objects, every check (schema, policies, values, golden)")
    print(
        table(
            [
                ("helm template", f"{helm_seconds * 1000:7.0f} ms"),
                (
                    "gate check, cold",
                    f"{cold_seconds * 1000:7.0f} ms  ratio {cold_seconds / helm_seconds:.1f}",
                ),
                (
                    "gate check, warm",
                    f"{warm_seconds * 1000:7.0f} ms  ratio {warm_seconds / helm_seconds:.1f}",
                ),
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
