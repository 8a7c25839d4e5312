"""The JSON report: the contract in DESIGN.md, version 1."""

from __future__ import annotations

import json
from typing import Any

from gate.model import Finding, Severity
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
    if finding.suppressed is not None:
        data["suppressed"] = finding.suppressed
    if finding.drift is not None:
        data["drift"] = finding.drift
    if finding.baselined:
        data["baselined"] = True
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
    if run.picked is not None:
        data["picked"] = run.picked
    if run.skipped:
        data["skipped"] = run.skipped
    return data


def selection_dicts(report: Report) -> dict[str, Any]:
    """What a run covered and accepted, when asked for: `fail_on` (when warnings fail
    too), `changed_since`, `shard` and `baseline` (docs/selection.md). `gate report
    merge` reads them back (gate/report/merge.py)."""
    data: dict[str, Any] = {}
    if report.fail_on is not Severity.ERROR:
        data["fail_on"] = report.fail_on.value
    if report.changed_since is not None:
        picked = report.changed_since
        data["changed_since"] = {
            "ref": picked.ref,
            "commit": picked.commit,
            "picked": {p.target: p.reason for p in picked.picked},
            "skipped": list(picked.skipped),
        }
    if report.shard is not None:
        shard = report.shard
        data["shard"] = {
            "index": shard.index,
            "count": shard.count,
            "pairs": shard.pairs,
            "selection": shard.selection,
            "positions": list(shard.positions),
        }
    if report.baseline is not None:
        status = report.baseline
        data["baseline"] = {
            "file": status.file,
            "accepted": status.accepted,
            "fixed": [entry.as_dict() for entry in status.fixed],
            "stale": [{**s.entry.as_dict(), "reason": s.reason} for s in status.stale],
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
            "skipped": summary.skipped,
        },
        "findings": [finding_dict(f) for f in report.findings],
        "runs": [run_dict(run) for run in report.runs],
        **selection_dicts(report),
    }
    return json.dumps(document, indent=2) + "\n"
