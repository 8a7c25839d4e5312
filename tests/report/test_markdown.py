"""The pull-request comment: a real drift as committed under docs/, and the size limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Style, Summary
from gate.report.markdown import LIMIT, format_report
from tests.conftest import REPO


def test_committed_example_is_what_gate_writes(helm_path: str, tmp_path: Path) -> None:
    out = tmp_path / "pr.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gate",
            "check",
            "--config",
            "examples/drift/gate.yaml",
            "--helm",
            helm_path,
            "--format",
            f"markdown:{out}",
            "--quiet",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    written = out.read_text(encoding="utf-8")
    assert written == (REPO / "docs" / "example-pr-comment.md").read_text(encoding="utf-8")
    assert "spec.replicas: 2 → 3" in written
    assert "| backstage | prod | 6 | 0 | 1 | ❌ |" in written


def _drift(index: int) -> Finding:
    changes = "\n".join(f"spec.data.key{n}: {'x' * 40} → {'y' * 40}" for n in range(5))
    return Finding(
        Category.GOLDEN,
        "golden-drift",
        Severity.ERROR,
        changes,
        target="big",
        profile="prod",
        object=f"v1/ConfigMap/ns/config-{index:05d}",
        path="spec.data.key0",
        drift="changed",
    )


def test_a_huge_drift_stays_under_githubs_limit() -> None:
    findings = tuple(_drift(i) for i in range(3000))
    report = Report(
        passed=False,
        exit_code=1,
        summary=Summary(targets=1, profiles=1, objects=3000, errors=3000, warnings=0, drift=3000),
        findings=findings,
        runs=(RunLine("big", "prod", 3000, True),),
    )
    text = format_report(report, Style())
    assert len(text) <= LIMIT
    assert "more lines are not shown" in text
    assert text.count("```") % 2 == 0
    assert text.count("<details>") == text.count("</details>")
    assert "| big | prod | 3000 | 0 | 3000 | ❌ |" in text


def test_a_small_report_is_not_cut() -> None:
    report = Report(
        passed=False,
        exit_code=1,
        summary=Summary(targets=1, profiles=1, objects=1, errors=1, warnings=0, drift=1),
        findings=(_drift(1),),
        runs=(RunLine("big", "prod", 1, True),),
    )
    text = format_report(report, Style())
    assert "more lines are not shown" not in text
    assert "~ ConfigMap/ns/config-00001" in text
