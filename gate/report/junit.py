"""JUnit XML: one test suite per target x profile, one failing test case per finding.

CI systems that show JUnit results (GitLab, Jenkins, Azure) list each error as
a failed test named after its rule and object; a rendering with no error is one
passing test case, so the suite is never empty.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree as ET

from gate.model import Finding, Severity
from gate.report import Report, Style


def _case(suite: ET.Element, finding: Finding) -> None:
    name = f"{finding.rule} {finding.object or finding.path or finding.file}".strip()
    case = ET.SubElement(suite, "testcase", name=name, classname=suite.get("name", ""))
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    text = "\n".join(
        x
        for x in (
            finding.message,
            f"path: {finding.path}" if finding.path else "",
            f"file: {where}" if where else "",
        )
        if x
    )
    if finding.exempted is not None:
        ET.SubElement(case, "skipped", message=f"exempted: {finding.exempted}")
    elif finding.severity is Severity.ERROR:
        summary = _summary(finding.message)
        ET.SubElement(case, "failure", message=summary, type=finding.rule).text = text
    else:
        ET.SubElement(case, "system-out").text = f"{finding.severity.value}: {text}"


_SUMMARY = 1_000


def _summary(message: str) -> str:
    """A message on one line, as a CI shows a failure's title: helm's reason is on the
    last lines of its error (Helm 4), not the first."""
    joined = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return joined if len(joined) <= _SUMMARY else joined[: _SUMMARY - 3] + "..."


def format_report(report: Report, style: Style) -> str:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    keys = [(run.target, run.profile) for run in report.runs]
    keys += [key for key in grouped if key not in keys]
    root = ET.Element("testsuites", name="gate", tests="0", failures="0")
    total = failures = 0
    for target, profile in keys:
        findings = grouped.get((target, profile), [])
        suite = ET.SubElement(root, "testsuite", name=f"{target or 'gate'}/{profile or '*'}")
        if not any(f.fails_gate for f in findings):
            ET.SubElement(suite, "testcase", name="gate", classname=suite.get("name", ""))
        for finding in findings:
            _case(suite, finding)
        count = len(suite.findall("testcase"))
        failed = len(suite.findall("testcase/failure"))
        suite.set("tests", str(count))
        suite.set("failures", str(failed))
        suite.set("skipped", str(len(suite.findall("testcase/skipped"))))
        total, failures = total + count, failures + failed
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    # ElementTree escapes markup but passes characters XML 1.0 forbids; one would make
    # the whole file unreadable to the CI that shows it.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("\ufffd", text) + "\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
