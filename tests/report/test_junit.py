"""JUnit XML as Jenkins' xunit plugin checks it: its JUnit schema, junit-10.xsd."""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.etree import ElementTree as ET

import xmlschema

from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Style, Summary
from gate.report.junit import format_report
from tests.gate_cli import run_gate

# The JUnit schema of the Jenkins xunit plugin (jenkinsci/xunit-plugin,
# src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd, last
# changed in ae25da5089d4f94ac6c4669bf736e4d416cc4665, unchanged up to xunit-3.1.6).
XSD = Path(__file__).resolve().parent / "schemas" / "junit-10.xsd"
XSD_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"


def schema_errors(text: str) -> list[str]:
    schema = xmlschema.XMLSchema10(str(XSD))
    return [str(error.reason) for error in schema.iter_errors(text)]


def test_the_schema_is_the_plugins_file() -> None:
    assert hashlib.sha256(XSD.read_bytes()).hexdigest() == XSD_SHA256


def test_the_schema_bites() -> None:
    """A suite without `errors` (what gate wrote before) is not valid."""
    text = '<testsuites><testsuite name="a" tests="1" failures="0"/></testsuites>'
    assert any("errors" in e for e in schema_errors(text))


def test_the_incident_is_valid_junit(helm_path: str, tmp_path: Path) -> None:
    out = tmp_path / "gate.xml"
    result = run_gate(
        "check",
        "--config",
        "examples/incident/gate.yaml",
        "--helm",
        helm_path,
        "--no-cache",  # helm renders: the suite's time is helm's
        f"--format=junit:{out}",
    )
    assert result.returncode == 1, result.stderr
    text = out.read_text(encoding="utf-8")
    assert schema_errors(text) == []
    root = ET.fromstring(text)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "backstage/prod"
    failures = suite.findall("testcase/failure")
    assert len(failures) >= 5
    assert suite.get("failures") == root.get("failures") == str(len(failures))
    assert suite.get("errors") == root.get("errors") == "0"
    assert suite.get("tests") == str(len(suite.findall("testcase")))
    assert float(suite.get("time", "0")) > 0  # helm's time for the rendering
    names = [case.get("name") for case in suite.findall("testcase")]
    assert len(names) == len(set(names))


def _finding(rule: str, severity: Severity, path: str, **more: object) -> Finding:
    return Finding(
        Category.POLICY,
        rule,
        severity,
        f"{rule} at {path}",
        target="web",
        profile="prod",
        object="apps/v1/Deployment/web/web",
        path=path,
        file="charts/web/templates/deployment.yaml",
        line=12,
        **more,  # type: ignore[arg-type]
    )


def test_every_outcome_is_valid_and_counted() -> None:
    containers = "spec.template.spec.containers"
    findings = (
        Finding(
            Category.RENDER,
            "render-failed",
            Severity.ERROR,
            "helm said no",
            target="api",
            profile="prod",
            file="charts/api/Chart.yaml",
        ),
        _finding("image-digest-pinned", Severity.ERROR, f"{containers}[0].image"),
        _finding("image-digest-pinned", Severity.ERROR, f"{containers}[1].image"),
        _finding("image-digest-pinned", Severity.ERROR, f"{containers}[1].image"),
        _finding("resource-requests", Severity.ERROR, f"{containers}[0]", exempted="a reason"),
        _finding("schema-unknown-kind", Severity.WARNING, ""),
    )
    report = Report(
        passed=False,
        exit_code=2,
        summary=Summary(targets=2, profiles=2, objects=1, errors=4, warnings=1, drift=0),
        findings=findings,
        runs=(RunLine("api", "prod", 0, False, seconds=0.25), RunLine("web", "prod", 1, True)),
    )
    text = format_report(report, Style())
    assert schema_errors(text) == []
    root = ET.fromstring(text)
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    api, web = suites["api/prod"], suites["web/prod"]
    # helm could not render: an error, not a failed check
    assert (api.get("tests"), api.get("errors"), api.get("failures")) == ("1", "1", "0")
    assert api.get("time") == "0.250"
    assert (web.get("failures"), web.get("skipped"), web.get("errors")) == ("3", "1", "0")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "1")
    names = [case.get("name") for case in web.findall("testcase")]
    # two containers are two test cases; a repeat of the same one gets a number
    assert names == [
        f"image-digest-pinned Deployment/web/web {containers}[0].image",
        f"image-digest-pinned Deployment/web/web {containers}[1].image",
        f"image-digest-pinned Deployment/web/web {containers}[1].image (2)",
        f"resource-requests Deployment/web/web {containers}[0]",
        "schema-unknown-kind Deployment/web/web",
    ]
