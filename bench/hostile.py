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
    "selectors-many-objects",
]
SECONDS, MEGABYTES = 2.0, 200.0
# A case whose input is a big rendering of its own chart is measured against helm
# rendering that chart: its bound is a ratio (linear work), not issue 10's 2 s.
OWN_CHART = {"selectors-many-objects": ("charts/many", 6.0)}


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
            reference, ratio = helm_seconds, None
            if name in OWN_CHART:
                chart, ratio = OWN_CHART[name]
                folder = root / "repo" / chart
                reference = best_of(3, lambda folder=folder: helm_template(folder))  # type: ignore[misc]
        within = seconds < SECONDS if ratio is None else seconds / reference <= ratio
        rows.append(
            Row(
                key=f"hostile-{name}",
                workload=f"hostile input: {name}",
                reference=f"helm {duration(reference)}",
                measured=f"gate {duration(seconds)}, {megabytes:.0f} MB, exit {code}",
                figure=seconds / reference,
                target_text=(
                    f"< {SECONDS:g} s, < {MEGABYTES:g} MB"
                    if ratio is None
                    else f"<= {ratio:g}x, < {MEGABYTES:g} MB"
                ),
                met=code == case["exit"] and within and megabytes < MEGABYTES,
                seconds={"reference": reference, "measured": seconds},
            )
        )
    emit(rows, ["hostile: whole gate check, Python start-up and helm included"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
