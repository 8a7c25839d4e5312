"""The JSON report: the contract in DESIGN.md, version 1."""

from __future__ import annotations

import json
from typing import Any

from gate.model import Finding
from gate.report import Report, RunLine, Style


def finding_dict(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": finding.category.value,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "target": finding.target,
        "profile": finding.profile,
        "object": finding.object,
        "path": finding.path,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
    }
    if finding.suggestion is not None:
        data["suggestion"] = finding.suggestion
    if finding.exempted is not None:
        data["exempted"] = finding.exempted
    return data


def run_dict(run: RunLine) -> dict[str, Any]:
    """One target x profile checked; `values` when the values analysis ran (gate values)."""
    data: dict[str, Any] = {
        "target": run.target,
        "profile": run.profile,
        "objects": run.objects,
        "rendered": run.rendered,
    }
    if run.values is not None:
        data["values"] = {
            "keys": run.values.keys,
            "analysed": run.values.analysed,
            "free_form": {path: count for path, count in run.values.free_form},
            "unread": list(run.values.unread),
        }
    return data


def format_report(report: Report, style: Style) -> str:
    summary = report.summary
    document = {
        "version": 1,
        "passed": report.passed,
        "summary": {
            "targets": summary.targets,
            "profiles": summary.profiles,
            "objects": summary.objects,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "drift": summary.drift,
        },
        "findings": [finding_dict(f) for f in report.findings],
        "runs": [run_dict(run) for run in report.runs],
    }
    return json.dumps(document, indent=2) + "\n"
