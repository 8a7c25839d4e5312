"""The hostile inputs issue 10 bounds, each as a whole `gate check` against the same
chart rendered by plain `helm template`.

Target: each ends in under 2 s and under 200 MB (gate and its helm, measured as
the child's own peak through a small go-between), whatever the input asks for.
The cases are the ones tests/hostile/ runs; this prints their figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml
from common import REPO, Row, best_of, duration, emit, helm_binary, helm_template

sys.path.insert(0, str(REPO))
from tests.test_hostile import HOSTILE, _lay_out, _run

CASES = [
    "alias-bomb-values",
    "quantity-huge-exponent",
    "regex-catastrophic-policy",
    "regex-catastrophic-override",
    "tgz-bomb",
    "parse-yaml-alias-bomb",
]
SECONDS, MEGABYTES = 2.0, 200.0


def main() -> int:
    helm = helm_binary()
    helm_seconds = best_of(3, lambda: helm_template(HOSTILE / "_charts" / "web"))
    rows: list[Row] = []
    for name in CASES:
        case = yaml.safe_load((HOSTILE / f"{name}.yaml").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "outside").mkdir()
            _lay_out(case, root / "repo", root / "outside")
            env = {"PATH": os.environ["PATH"], "HOME": str(root)}
            args = [*case.get("args", ["check"]), "--helm", helm]
            code, _, seconds, megabytes = _run(args, root / "repo", env, 60, root / "peak")
        rows.append(
            Row(
                key=f"hostile-{name}",
                workload=f"hostile input: {name}",
                reference=f"helm {duration(helm_seconds)}",
                measured=f"gate {duration(seconds)}, {megabytes:.0f} MB, exit {code}",
                figure=seconds / helm_seconds,
                target_text=f"< {SECONDS:g} s, < {MEGABYTES:g} MB",
                met=code == case["exit"] and seconds < SECONDS and megabytes < MEGABYTES,
                seconds={"reference": helm_seconds, "measured": seconds},
            )
        )
    emit(rows, ["hostile: whole gate check, Python start-up and helm included"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
