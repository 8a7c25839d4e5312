"""GitHub Actions workflow commands: the text report folded per target, then each
finding as an annotation on the line of the file it names, shown in the pull request.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50
per job); the rest are dropped without a word. So errors come first, each level stops
at what GitHub shows, and a last notice says how many more there are and where they
are: the log above and the job summary (gate appends its Markdown summary to
$GITHUB_STEP_SUMMARY, docs/reports.md). A message is bounded: one drift of a big
ConfigMap would otherwise be a single annotation of half a megabyte.
"""

from __future__ import annotations

import hashlib
from itertools import groupby

from gate.model import Finding, Severity, one_line
from gate.report import (
    Report,
    Style,
    archive_member,
    bounded,
    in_repository,
    plural,
    where_to_read,
)
from gate.report.text import blocks, verdict

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SHOWN = 10  # annotations of one level GitHub shows per step
MESSAGE_LIMIT = 4_000
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding) -> str:
    properties = []
    archive, member = archive_member(finding.file)
    in_repo = in_repository(finding.file)
    if in_repo:
        # An archive's member is no file GitHub can show: the annotation sits on the
        # archive, and the message names the member and its line.
        properties.append(f"file={_escape_property(archive)}")
        if finding.line and not member:
            properties.append(f"line={finding.line}")
    title = (
        f"{finding.rule} ({finding.target}/{finding.profile})" if finding.target else finding.rule
    )
    properties.append(f"title={_escape_property(title)}")
    message = finding.message
    if finding.object:
        message = f"{finding.object}: {message}"
    if finding.path:
        message += f"\nat {finding.path}"
    if finding.file and (member or not in_repo):
        message += f"\nin {finding.file}" + (f":{finding.line}" if finding.line else "")
    message = bounded(message, MESSAGE_LIMIT, where_to_read(finding))
    return f"::{LEVELS[finding.severity]} {','.join(properties)}::{_escape_data(message)}"


def _log(report: Report, style: Style) -> list[str]:
    """The text report, one collapsible group per target. Its lines are chart text as
    much as gate's, so workflow commands are stopped inside each group with a token
    made from the text itself: a line cannot name the token that ends the stop
    without knowing the hash of the text that holds it."""
    out: list[str] = []
    for target, grouped in groupby(blocks(report, style), key=lambda block: block[0]):
        lines = [line for _, block in grouped for line in block]
        token = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        title = one_line(f"gate: {target or 'gate.yaml'}")
        out += [
            f"::group::{_escape_data(title)}",
            f"::stop-commands::{token}",
            *lines,
            f"::{token}::",
            "::endgroup::",
        ]
    return out


def format_report(report: Report, style: Style) -> str:
    lines = _log(report, style)
    annotated = sorted((f for f in report.findings if f.counted), key=lambda f: _RANK[f.severity])
    left: dict[Severity, int] = {}
    for severity, group in groupby(annotated, key=lambda f: f.severity):
        findings = list(group)
        # One notice is kept for the last line, which says what was left out.
        room = SHOWN - 1 if severity is Severity.INFO else SHOWN
        lines += [_annotation(f) for f in findings[:room]]
        if len(findings) > room:
            left[severity] = len(findings) - room
    summary = report.summary
    state = "passed" if report.passed else "failed"
    note = (
        f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}, "
        f"{plural(summary.drift, 'drifted object')} across "
        f"{plural(summary.profiles, 'rendering')}"
    )
    if left:
        more = ", ".join(
            f"{count} more {LEVELS[severity]}{'' if count == 1 else 's'}"
            for severity, count in left.items()
        )
        note += (
            f". {more} not annotated: GitHub shows {SHOWN} annotations of each kind per "
            "step. Every finding is in the log above (the gate groups) and in the job summary"
        )
    lines.append(f"::notice title=gate {state}::{_escape_data(note)}")
    lines.append(verdict(report, style))
    return "\n".join(lines) + "\n"
