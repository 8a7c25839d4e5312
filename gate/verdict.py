"""The verdict: findings and runs in, an ordered, counted Report with its exit code out.

One place decides what fails the gate, so that a check, a values run and a merge of
shard reports (gate/report/merge.py) judge the same findings the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Summary

# `--fail-on`: the lowest severity that fails the gate.
FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING}


def _order(finding: Finding) -> tuple[str, str, int, str, str, str]:
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[finding.severity]
    return (finding.target, finding.profile, rank, finding.rule, finding.object, finding.path)


def build_report(
    findings: Sequence[Finding],
    runs: Sequence[RunLine],
    helm: str = "",
    fail_on: Severity = Severity.ERROR,
) -> Report:
    """Exempted and baselined findings are shown but never counted; a render failure is
    exit 2 whatever else was found, because part of the gate could not run."""
    ordered = tuple(sorted(findings, key=_order))
    errors = sum(1 for f in ordered if f.fails_gate)
    warnings = sum(1 for f in ordered if f.severity is Severity.WARNING and f.counted)
    drift = sum(1 for f in ordered if f.rule == "golden-drift" and f.counted)
    could_not_run = any(f.category is Category.RENDER for f in ordered)
    failing = errors or drift or (fail_on is Severity.WARNING and warnings)
    exit_code = 2 if could_not_run else (1 if failing else 0)
    return Report(
        passed=exit_code == 0,
        exit_code=exit_code,
        summary=Summary(
            targets=len({run.target for run in runs}),
            profiles=len(runs),
            objects=sum(run.objects for run in runs),
            errors=errors,
            warnings=warnings,
            drift=drift,
            skipped=sum(run.skipped for run in runs),
        ),
        findings=ordered,
        runs=tuple(runs),
        helm=helm,
        fail_on=fail_on,
    )


def rejudged(
    report: Report,
    findings: Sequence[Finding] | None = None,
    fail_on: Severity | None = None,
) -> Report:
    """The report judged again, with other findings (some now baselined) or another
    `--fail-on`; what else it carries (shard, baseline, selection) stays."""
    judged = build_report(
        report.findings if findings is None else findings,
        report.runs,
        report.helm,
        report.fail_on if fail_on is None else fail_on,
    )
    return dataclasses.replace(
        report,
        passed=judged.passed,
        exit_code=judged.exit_code,
        summary=judged.summary,
        findings=judged.findings,
        fail_on=judged.fail_on,
    )
