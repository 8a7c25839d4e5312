"""GitHub Actions workflow commands: each finding becomes an annotation on the line
of the file it names, shown in the pull request's diff."""

from __future__ import annotations

from gate.model import Severity
from gate.report import Report, Style

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_report(report: Report, style: Style) -> str:
    lines = []
    for finding in report.findings:
        if finding.exempted is not None:
            continue
        properties = []
        if finding.file:
            properties.append(f"file={_escape_property(finding.file)}")
            if finding.line:
                properties.append(f"line={finding.line}")
        title = (
            f"{finding.rule} ({finding.target}/{finding.profile})"
            if finding.target
            else finding.rule
        )
        properties.append(f"title={_escape_property(title)}")
        message = finding.message
        if finding.object:
            message = f"{finding.object}: {message}"
        if finding.path:
            message += f"\nat {finding.path}"
        lines.append(
            f"::{LEVELS[finding.severity]} {','.join(properties)}::{_escape_data(message)}"
        )
    summary = report.summary
    verdict = "passed" if report.passed else "failed"
    lines.append(
        f"::notice title=gate {verdict}::{summary.errors} errors, {summary.warnings} warnings, "
        f"{summary.drift} drifted objects across {summary.profiles} renderings"
    )
    return "\n".join(lines) + "\n"
