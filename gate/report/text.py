"""The text report: findings grouped by target and profile, then one verdict line."""

from __future__ import annotations

from collections import defaultdict

from gate.model import Finding, Severity, ValuesCoverage
from gate.report import Report, RunLine, Style, inert, paint, plural

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _where(finding: Finding) -> str:
    if not finding.file:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _finding(finding: Finding, style: Style) -> list[str]:
    if finding.exempted is not None:
        label, colour = "exempt", "cyan"
    elif finding.suppressed is not None:
        label, colour = "ignored", "cyan"
    elif finding.baselined:  # accepted by --baseline: shown, not counted
        label, colour = finding.severity.value, "cyan"
    else:
        label, colour = finding.severity.value, _COLOURS[finding.severity]
    head = f"  {paint(f'{label:<7}', style, fg=colour, bold=True)} {finding.rule}"
    if finding.object:
        head += f"  {finding.object}"
    lines = [head, *(f"          {line}" for line in finding.message.splitlines())]
    if finding.path:
        lines.append(f"          at {finding.path}")
    if _where(finding):
        lines.append(f"          in {_where(finding)}")
    if finding.suggestion and finding.suggestion not in finding.message:
        lines.append(f"          did you mean {finding.suggestion}?")
    if finding.exempted is not None:
        lines.append(f"          exempted: {finding.exempted}")
    elif finding.suppressed is not None:
        lines.append(f"          suppressed on the object: {finding.suppressed}")
    elif finding.baselined:
        lines.append("          in the baseline: accepted, not counted")
    return lines


def _counts(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.fails_gate)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING and f.counted)
    parts = []
    if errors:
        parts.append(plural(errors, "error"))
    if warnings:
        parts.append(plural(warnings, "warning"))
    return ", ".join(parts) or "ok"


def _run_header(run: RunLine, findings: list[Finding], style: Style) -> str:
    state = _counts(findings) if run.rendered else "render failed"
    colour = (
        "green" if state == "ok" else ("red" if "error" in state or not run.rendered else "yellow")
    )
    return (
        f"{paint(f'{run.target} / {run.profile}', style, bold=True)}"
        f"  {plural(run.objects, 'object')}  {paint(state, style, fg=colour)}"
    )


def _listed(items: list[str], most: int) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _coverage(coverage: ValuesCoverage) -> list[str]:
    lines = [f"  values: {coverage.analysed} of {plural(coverage.keys, 'key')} checked key by key"]
    if coverage.free_form:
        free = [f"{path} ({count})" for path, count in coverage.free_form]
        lines.append(f"          free-form, any key taken: {_listed(free, 5)}")
    if coverage.unread:
        lines.append(
            "          whole values handed to what gate cannot follow (the renders decide): "
            + _listed(list(coverage.unread), 3)
        )
    return lines


def blocks(report: Report, style: Style) -> list[tuple[str, list[str]]]:
    """The report's body as (target, lines), one block per rendering in run order, then
    the findings that belong to no checked rendering (gate.yaml's) under their own
    target name, "" for gate.yaml itself. `gate check --format github` folds each
    target's blocks into a group of the CI log."""
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    out: list[tuple[str, list[str]]] = []
    for run in report.runs:
        findings = grouped.pop((run.target, run.profile), [])
        if style.quiet:  # only what fails the gate
            findings = [f for f in findings if f.fails_gate]
            if not findings and run.rendered:
                continue
        lines = [_run_header(run, findings, style)]
        if run.values is not None and not style.quiet:
            lines += _coverage(run.values)
        for finding in findings:
            lines += _finding(finding, style)
        out.append((run.target, [inert(line) for line in lines]))
    for (target, profile), findings in grouped.items():  # gate.yaml-level findings
        lines = [paint(f"{target or 'gate.yaml'} / {profile or '*'}", style, bold=True)]
        for finding in findings:
            lines += _finding(finding, style)
        out.append((target, [inert(line) for line in lines]))
    return out


def verdict(report: Report, style: Style) -> str:
    """`gate FAILED: 1 error, 0 warnings (1 target, 3 profiles, 19 objects)`."""
    summary = report.summary
    word = paint(
        "passed" if report.passed else "FAILED",
        style,
        fg="green" if report.passed else "red",
        bold=True,
    )
    scope = (
        f"{plural(summary.targets, 'target')}, {plural(summary.profiles, 'profile')}, "
        f"{plural(summary.objects, 'object')}"
    )
    counts = f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}"
    if summary.drift:
        counts += f", {summary.drift} drifted"
    return f"gate {word}: {counts} ({scope})"


def skipped_line(report: Report) -> str:
    """The one line that says which objects gate's own policies left alone; "" when none."""
    count = report.summary.skipped
    if not count:
        return ""
    return (
        f"skipped: {plural(count, 'helm test hook')} (helm.sh/hook: test) left alone by "
        "gate's own policies, since `helm install` never creates them; `helm_tests: check` "
        "in gate.yaml checks them too"
    )


def format_report(report: Report, style: Style) -> str:
    out = [line for _, lines in blocks(report, style) for line in lines]
    if out:
        out.append("")
    if skipped_line(report) and not style.quiet:
        out.append(skipped_line(report))
    out.append(verdict(report, style))
    return "\n".join(out) + "\n"
