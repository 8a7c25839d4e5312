"""JUnit XML: one test suite per target x profile, one test case per finding.

CI systems that show JUnit results (GitLab, Jenkins, Azure) list each error as a
failed test named after its rule, object and path; a rendering helm could not
render is an `<error>` (the gate could not run there), an exempted finding or one
in the baseline is `<skipped>`, a warning passes with its text in `<system-out>`, and a rendering
with no error is one passing test case, so a suite is never empty. Every
attribute the Jenkins xunit schema (junit-10.xsd) requires is written: `name`,
`tests`, `failures` and `errors` on each suite, plus `skipped` and `time`; the
root carries the totals the schema allows there (it has no `skipped`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree as ET

from gate.model import Category, Finding, Severity, short_identity
from gate.report import Report, RunLine, Style

_SUMMARY = 1_000


def _summary(message: str) -> str:
    """A message on one line, as a CI shows a failure's title: helm's reason is on the
    last lines of its error (Helm 4), not the first."""
    joined = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return joined if len(joined) <= _SUMMARY else joined[: _SUMMARY - 3] + "..."


def _seconds(value: float) -> str:
    # The schema's SUREFIRE_TIME: digits, at most three decimals.
    return f"{max(value, 0.0):.3f}"


def _name(finding: Finding) -> str:
    """Rule, object and path: two containers of one object are two test cases."""
    parts = [finding.rule]
    if finding.object:
        parts.append(short_identity(finding.object))
    if finding.path:
        parts.append(finding.path)
    elif not finding.object and finding.file:
        parts.append(finding.file)
    return " ".join(parts)


def _case(suite: ET.Element, finding: Finding, name: str) -> None:
    case = ET.SubElement(suite, "testcase", name=name, classname=suite.get("name", ""))
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    text = "\n".join(
        x
        for x in (
            finding.message,
            f"object: {finding.object}" if finding.object else "",
            f"path: {finding.path}" if finding.path else "",
            f"file: {where}" if where else "",
        )
        if x
    )
    if finding.exempted is not None:
        ET.SubElement(case, "skipped", message=f"exempted: {finding.exempted}")
    elif finding.suppressed is not None:
        ET.SubElement(case, "skipped", message=f"suppressed on the object: {finding.suppressed}")
    elif finding.baselined:
        ET.SubElement(case, "skipped", message="in the baseline: accepted, not counted")
    elif finding.category is Category.RENDER:
        summary = _summary(finding.message)
        ET.SubElement(case, "error", message=summary, type=finding.rule).text = text
    elif finding.severity is Severity.ERROR:
        summary = _summary(finding.message)
        ET.SubElement(case, "failure", message=summary, type=finding.rule).text = text
    else:
        ET.SubElement(case, "system-out").text = f"{finding.severity.value}: {text}"


def _unique(names: list[str]) -> list[str]:
    """Test names unique within a suite (JUnit viewers key on them): a repeat gets
    ` (2)`, ` (3)`..."""
    seen: dict[str, int] = defaultdict(int)
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _suite(root: ET.Element, name: str, run: RunLine | None, findings: list[Finding]) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=name)
    if not any(f.fails_gate for f in findings):
        ET.SubElement(suite, "testcase", name="gate", classname=name)
    for finding, unique in zip(findings, _unique([_name(f) for f in findings]), strict=True):
        _case(suite, finding, unique)
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(len(suite.findall("testcase/failure"))))
    suite.set("errors", str(len(suite.findall("testcase/error"))))
    suite.set("skipped", str(len(suite.findall("testcase/skipped"))))
    suite.set("time", _seconds(run.seconds if run is not None else 0.0))
    return suite


def format_report(report: Report, style: Style) -> str:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    root = ET.Element("testsuites", name="gate")
    runs = {(run.target, run.profile): run for run in report.runs}
    for key in [*runs, *(key for key in grouped if key not in runs)]:
        target, profile = key
        _suite(root, f"{target or 'gate.yaml'}/{profile or '*'}", runs.get(key), grouped[key])
    for total in ("tests", "failures", "errors"):
        root.set(total, str(sum(int(s.get(total, "0")) for s in root)))
    root.set("time", _seconds(sum(run.seconds for run in report.runs)))
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    # ElementTree escapes markup but passes characters XML 1.0 forbids; one would make
    # the whole file unreadable to the CI that shows it.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("\ufffd", text) + "\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
