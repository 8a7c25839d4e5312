"""`gate.dev/ignore.<rule>` annotations on rendered objects (issue 14), run as users run
gate with real Helm 3 and Helm 4."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.gate_cli import check_with_report

CHART = REPO / "tests" / "fixtures" / "charts" / "hooked-app"
DEPLOYMENT = "apps/v1/Deployment/default/app"
REASON = "the vendor publishes no digests; tracked in OPS-12"


def repository(root: Path, annotations: dict[str, str]) -> Path:
    shutil.copytree(CHART, root / "chart")
    values = {"image": "registry.example.com/team/app:1.2.3", "suppress": annotations}
    (root / "prod.yaml").write_text(json.dumps(values), encoding="utf-8")
    (root / "gate.yaml").write_text(
        "targets:\n"
        "  - name: app\n"
        "    chart: chart\n"
        "    release: app\n"
        "    namespace: default\n"
        "    profiles:\n"
        "      prod: {values: [prod.yaml]}\n",
        encoding="utf-8",
    )
    return root


check = check_with_report


def on_deployment(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["object"] == DEPLOYMENT and f["rule"] == rule]


def test_an_annotation_suppresses_that_rule_on_that_object(tmp_path: Path, helm_path: str) -> None:
    root = repository(tmp_path, {"gate.dev/ignore.image-digest-pinned": REASON})
    result, report = check(root, helm_path, "--format", f"sarif:{tmp_path / 'r.sarif'}")
    (finding,) = on_deployment(report, "image-digest-pinned")
    assert finding["suppressed"] == REASON
    assert f"suppressed on the object: {REASON}" in result.stdout
    # The same rule on another object (the migration Job) still counts.
    others = [f for f in report["findings"] if f["rule"] == "image-digest-pinned"]
    assert [f.get("suppressed") for f in others if f["object"] != DEPLOYMENT] == [None]
    assert result.code == 1
    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    suppressions = [r["suppressions"] for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert suppressions == [[{"kind": "inSource", "status": "accepted", "justification": REASON}]]


def test_a_suppressed_finding_does_not_count(tmp_path: Path, helm_path: str) -> None:
    _, plain = check(repository(tmp_path / "plain", {}), helm_path)
    _, marked = check(
        repository(tmp_path / "marked", {"gate.dev/ignore.image-digest-pinned": REASON}),
        helm_path,
    )
    assert len(plain["findings"]) == len(marked["findings"])  # shown all the same
    assert marked["summary"]["errors"] == plain["summary"]["errors"] - 1


def test_a_suppression_without_a_reason_is_an_error_and_suppresses_nothing(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path, {"gate.dev/ignore.image-digest-pinned": "  "})
    result, report = check(root, helm_path)
    (problem,) = on_deployment(report, "suppression-without-reason")
    assert problem["severity"] == "error"
    assert problem["path"] == "metadata.annotations['gate.dev/ignore.image-digest-pinned']"
    assert problem["file"] == "chart/templates/deployment.yaml"
    assert problem["line"] is not None
    (finding,) = on_deployment(report, "image-digest-pinned")
    assert "suppressed" not in finding
    assert result.code == 1


def test_a_suppression_naming_no_rule_is_a_warning_with_a_guess(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path, {"gate.dev/ignore.image-digest-pined": REASON})
    _, report = check(root, helm_path)
    (problem,) = on_deployment(report, "suppression-unknown-rule")
    assert problem["severity"] == "warning"
    assert "did you mean 'image-digest-pinned'" in problem["message"]
    assert "suppressed" not in on_deployment(report, "image-digest-pinned")[0]
