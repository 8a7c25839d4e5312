"""Running gate as users do, in a subprocess: shared by the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO

# Tests write their gate.yaml into tmp_path and point it at charts of this repository,
# which lies outside that tmp_path "repository": gate.yaml must allow those folders
# explicitly (docs/security.md), and these lines do.
READ_FOLDERS = [str(REPO / f) for f in ("tests/fixtures", "charts-under-test", "examples", "bench")]
READ_REPO = f"read_outside: {json.dumps(READ_FOLDERS)}\n"

# The keys every JSON finding has (DESIGN.md, "JSON report"), and those it may add.
FINDING_KEYS = frozenset(
    {
        "category",
        "rule",
        "severity",
        "target",
        "profile",
        "object",
        "path",
        "message",
        "file",
        "line",
    }
)
OPTIONAL_FINDING_KEYS = frozenset({"suggestion", "exempted", "suppressed", "drift", "baselined"})


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_gate(
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m gate ARGS`; GATE_HELM is unset unless `env` sets it, so each test names
    its helm."""
    environ = {k: v for k, v in os.environ.items() if k != "GATE_HELM"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gate", *args],
        cwd=cwd,
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run(*args: str, **options: Any) -> Run:
    result = run_gate(*args, **options)
    return Run(result.returncode, result.stdout, result.stderr)


def json_report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON report on stdout; a traceback or an internal error fails the test."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def check_with_report(root: Path, helm: str, *args: str) -> tuple[Run, dict[str, Any]]:
    """`gate check` in `root` with its own XDG cache, the text report on stdout and the
    JSON report read back; a traceback fails the test."""
    out = root / "report.json"
    result = run(
        "check",
        "--helm",
        helm,
        "--format",
        "text",
        "--format",
        f"json:{out}",
        *args,
        cwd=root,
        env={"XDG_CACHE_HOME": str(root / "xdg")},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(out.read_text(encoding="utf-8"))
