"""junit, sarif and github: each formats the same findings for its consumer."""

from __future__ import annotations

import dataclasses
import json
from xml.etree import ElementTree as ET

from gate.baseline import BaselineStatus
from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Style, Summary, formatters

ERROR = Finding(
    Category.POLICY,
    "image-tag-not-latest",
    Severity.ERROR,
    "image floats, pin it",
    target="web",
    profile="prod",
    object="apps/v1/Deployment/web/web",
    path="spec.template.spec.containers[0].image",
    file="charts/web/templates/deployment.yaml",
    line=21,
)
WARNING = Finding(
    Category.SCHEMA,
    "schema-unknown-kind",
    Severity.WARNING,
    "no schema for x/v1 Widget",
    target="web",
    profile="prod",
    object="x/v1/Widget/web/w",
    file="charts/web/templates/w.yaml",
    line=1,
)
EXEMPT = Finding(
    Category.POLICY,
    "image-digest-pinned",
    Severity.ERROR,
    "not pinned: a,b%c",
    target="web",
    profile="dev",
    object="apps/v1/Deployment/web/web",
    file="f.yaml",
    line=3,
    exempted="dev follows tags",
)
REPORT = Report(
    passed=False,
    exit_code=1,
    summary=Summary(targets=1, profiles=2, objects=4, errors=1, warnings=1, drift=0),
    findings=(EXEMPT, ERROR, WARNING),
    runs=(RunLine("web", "dev", 2, True), RunLine("web", "prod", 2, True)),
)


def render(name: str) -> str:
    return formatters()[name](REPORT, Style())


def test_every_contract_format_is_registered() -> None:
    assert set(formatters()) >= {"text", "json", "junit", "sarif", "github", "markdown"}


def test_junit_fails_one_case_per_error_and_skips_exempted() -> None:
    root = ET.fromstring(render("junit"))
    assert root.get("failures") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"web/dev", "web/prod"}
    prod = suites["web/prod"]
    failures = prod.findall("testcase/failure")
    assert [f.get("type") for f in failures] == ["image-tag-not-latest"]
    assert "charts/web/templates/deployment.yaml:21" in (failures[0].text or "")
    dev = suites["web/dev"]
    assert dev.findall("testcase/skipped")[0].get("message") == "exempted: dev follows tags"
    assert dev.get("failures") == "0"


def test_sarif_results_carry_rule_level_and_location() -> None:
    document = json.loads(render("sarif"))
    assert document["version"] == "2.1.0"
    runs = {run["automationDetails"]["id"]: run for run in document["runs"]}
    # one run per target and profile, and one for gate.yaml's own findings
    assert set(runs) == {"gate/web/dev/", "gate/web/prod/", "gate/gate.yaml/"}
    prod = runs["gate/web/prod/"]
    rules = [r["id"] for r in prod["tool"]["driver"]["rules"]]
    # every run describes every rule, whichever it found
    assert rules == sorted({"image-tag-not-latest", "schema-unknown-kind", "image-digest-pinned"})
    by_rule = {r["ruleId"]: r for r in prod["results"]}
    error = by_rule["image-tag-not-latest"]
    assert rules[error["ruleIndex"]] == "image-tag-not-latest"
    assert error["level"] == "error"
    assert error["message"]["text"].startswith("web/prod: image floats, pin it")
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "charts/web/templates/deployment.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"]["startLine"] == 21
    assert by_rule["schema-unknown-kind"]["level"] == "warning"
    (exempt,) = runs["gate/web/dev/"]["results"]
    assert exempt["suppressions"][0]["justification"] == "dev follows tags"
    assert runs["gate/gate.yaml/"]["results"] == []


def test_github_annotations_point_at_the_line_and_escape() -> None:
    lines = render("github").splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    assert "file=charts/web/templates/deployment.yaml,line=21" in error
    assert error.endswith(
        "::apps/v1/Deployment/web/web: image floats, pin it%0Aat "
        "spec.template.spec.containers[0].image"
    )
    assert any(line.startswith("::warning ") for line in lines)
    annotations = [line for line in lines if line.startswith(("::error", "::warning"))]
    assert not any("not pinned" in line for line in annotations)  # exempted: no annotation
    notice = next(line for line in lines if line.startswith("::notice title=gate failed::"))
    assert notice.endswith("::1 error, 1 warning, 0 drifted objects across 2 renderings")
    assert lines[-1] == "gate FAILED: 1 error, 1 warning (1 target, 2 profiles, 4 objects)"


def test_junit_stays_xml_whatever_a_message_holds() -> None:
    """Characters XML 1.0 forbids (a control character helm's error text could carry)
    would make the whole file unreadable to the CI that shows it."""
    odd = Finding(
        Category.RENDER,
        "render-failed",
        Severity.ERROR,
        "helm said \x01\x1b[2J and \ufffe",
        target="web",
        profile="prod",
        file="charts/web",
    )
    report = Report(
        passed=False,
        exit_code=2,
        summary=Summary(targets=1, profiles=1, objects=0, errors=1, warnings=0, drift=0),
        findings=(odd,),
        runs=(RunLine("web", "prod", 0, False),),
    )
    root = ET.fromstring(formatters()["junit"](report, Style()))
    (error,) = root.iter("error")  # helm could not render: an error, not a failed check
    assert error.get("message") == "helm said \ufffd\ufffd[2J and \ufffd"


def test_a_baselined_finding_is_shown_but_never_counted_as_new() -> None:
    """`gate check --baseline`: an accepted finding fails nothing in any format."""
    old = dataclasses.replace(ERROR, baselined=True)
    new = dataclasses.replace(ERROR, path="spec.template.spec.containers[1].image", line=25)
    report = dataclasses.replace(
        REPORT,
        findings=(old, new),
        summary=Summary(targets=1, profiles=2, objects=4, errors=1, warnings=0, drift=0),
        baseline=BaselineStatus("gate-baseline.json", accepted=1, fixed=(), stale=()),
    )
    text = formatters()["text"](report, Style())
    assert "in the baseline: accepted, not counted" in text
    annotations = [
        line
        for line in formatters()["github"](report, Style()).splitlines()
        if line.startswith("::error")
    ]
    assert len(annotations) == 1 and "line=25" in annotations[0]
    junit = ET.fromstring(formatters()["junit"](report, Style()))
    assert [s.get("message") for s in junit.iter("skipped")] == [
        "in the baseline: accepted, not counted"
    ]
    assert junit.get("failures") == "1"
    (prod,) = [r for r in json.loads(render_report("sarif", report))["runs"] if r["results"]]
    states = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["baselineState"]
        for r in prod["results"]
    }
    assert states == {21: "unchanged", 25: "new"}
    markdown = formatters()["markdown"](report, Style())
    assert "containers[1].image" in markdown and "containers[0].image" not in markdown


def render_report(name: str, report: Report) -> str:
    return formatters()[name](report, Style())
