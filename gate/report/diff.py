"""`gate diff`: the golden drift as a reviewer reads it, object by object."""

from __future__ import annotations

from collections import defaultdict

from gate.model import Finding, short_identity
from gate.report import Report, Style, paint, plural

MARKS = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}


def _entry(finding: Finding, style: Style) -> list[str]:
    if finding.drift is None:  # missing, stale, nondeterministic, render-failed
        return [f"  ! {finding.message}"]
    mark, colour = MARKS[finding.drift]
    head = f"  {paint(mark, style, fg=colour, bold=True)} {short_identity(finding.object)}"
    if finding.drift != "changed":
        return [f"{head}  ({finding.drift})"]
    return [head, *(f"      {line}" for line in finding.message.splitlines())]


def format_report(report: Report, style: Style) -> str:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    out: list[str] = []
    for (target, profile), findings in grouped.items():
        file = next((f.file for f in findings if f.file), "")
        out.append(f"{paint(f'{target} / {profile}', style, bold=True)}  {file}")
        for finding in findings:
            out += _entry(finding, style)
    drifted = sum(1 for f in report.findings if f.drift is not None)
    renders = len(report.runs)
    if not drifted and report.passed:
        match = "matches its golden file" if renders == 1 else "match their golden files"
        out.append(f"no drift: {plural(renders, 'rendering')} {match}")
    else:
        out.append(f"{plural(drifted, 'object')} drifted across {plural(renders, 'rendering')}")
    return "\n".join(out) + "\n"
