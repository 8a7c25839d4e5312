"""The examples a user reads are runs gate really makes: each failure caught, the fix passing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.gate_cli import READ_REPO, run_gate

FIELD_NOTES = {
    "prod-missing-title": "backstage-app-config-required",
    "prod-auth-disabled": "backstage-auth-policy-enabled-in-prod",
    "prod-template-rules-lost": "backstage-template-location-allowed",
    "prod-placeholder-token": "placeholder-secret",
    "prod-liveness-early": "liveness-after-readiness",
}


def gate(
    *args: str, stdin: str | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return run_gate(*args, stdin=stdin, cwd=cwd)


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_each_field_note_failure_is_caught_and_the_fix_passes(helm_path: str) -> None:
    result = gate(
        "check",
        "--config",
        "examples/field-notes/gate.yaml",
        "--helm",
        helm_path,
        "--format",
        "json",
    )
    assert result.returncode == 1
    findings = report(result)["findings"]
    by_profile: dict[str, set[str]] = {}
    for finding in findings:
        by_profile.setdefault(finding["profile"], set()).add(finding["rule"])
    assert "fixed" not in by_profile
    assert by_profile == {profile: {rule} for profile, rule in FIELD_NOTES.items()}


def test_template_rules_lost_points_into_the_embedded_config(helm_path: str) -> None:
    result = gate(
        "check",
        "--config",
        "examples/field-notes/gate.yaml",
        "--helm",
        helm_path,
        "--profile",
        "prod-template-rules-lost",
        "--format",
        "json",
    )
    (finding,) = report(result)["findings"]
    assert finding["object"] == "v1/ConfigMap/backstage/neuroscale-backstage-app-config"
    assert finding["path"] == "data['app-config.yaml'].catalog.locations[1].rules"
    assert "all-templates.yaml" in finding["message"]


def test_validate_on_piped_helm_output_matches_check(helm_path: str, tmp_path: Path) -> None:
    rendered = subprocess.run(
        [
            helm_path,
            "template",
            "neuroscale-backstage",
            "charts-under-test/backstage",
            "--namespace",
            "backstage",
            "--kube-version",
            "1.31.0",
            "-f",
            "examples/incident/values-incident.yaml",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        env={
            **os.environ,
            "HELM_CONFIG_HOME": str(tmp_path),
            "HELM_CACHE_HOME": str(tmp_path),
            "HELM_DATA_HOME": str(tmp_path),
        },
    ).stdout
    validated = gate(
        "validate",
        "-",
        "--namespace",
        "backstage",
        "--format",
        "json",
        stdin=rendered,
        cwd=tmp_path,
    )
    checked = gate(
        "check", "--config", "examples/incident/gate.yaml", "--helm", helm_path, "--format", "json"
    )
    assert validated.returncode == checked.returncode == 1

    def keys(result: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str, str]]:
        # check also analyses the values files; validate sees only the manifests
        return {
            (f["rule"], f["object"], f["path"], f["message"])
            for f in report(result)["findings"]
            if f["category"] in ("policy", "schema")
        }

    assert keys(validated) == keys(checked)
    assert len(keys(validated)) == 5


def test_validate_reads_files_and_points_at_their_lines(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
        "    - name: web\n      image: nginx:latest\n",
        encoding="utf-8",
    )
    result = gate("validate", str(manifest), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    findings = report(result)["findings"]
    image = [f for f in findings if f["rule"] == "image-tag-not-latest"]
    assert len(image) == 1
    assert image[0]["file"] == "pod.yaml"  # relative to the repository root, tmp_path
    assert image[0]["line"] == 12  # the `image:` line of the Pod
    assert image[0]["object"] == "v1/Pod/default/web"


def test_validate_of_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = gate("validate", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def exemption_config(tmp_path: Path) -> Path:
    chart = REPO / "charts-under-test" / "backstage"
    config = tmp_path / "gate.yaml"
    config.write_text(
        f"""
targets:
  - name: backstage
    chart: {chart}
    release: neuroscale-backstage
    namespace: backstage
    profiles:
      dev: {{values: [values-dev.yaml]}}
exemptions:
  - rule: image-digest-pinned
    profile: dev
    object: Deployment/backstage/*
    reason: dev follows the version tag on purpose
  - rule: image-digest-pinned
    object: StatefulSet/backstage/*
    reason: waiting for the mirrored digest
    expires: 2020-01-01
  - rule: resource-requests
    object: Deployment/backstage/*
    reason: nothing to exempt any more
{READ_REPO}""",
        encoding="utf-8",
    )
    return config


def test_exemptions_matched_expired_and_unused(helm_path: str, exemption_config: Path) -> None:
    result = gate(
        "check", "--config", str(exemption_config), "--helm", helm_path, "--format", "json"
    )
    data = report(result)
    assert result.returncode == 1
    findings = data["findings"]
    exempted = [f for f in findings if f.get("exempted")]
    assert [(f["rule"], f["object"]) for f in exempted] == [
        ("image-digest-pinned", "apps/v1/Deployment/backstage/neuroscale-backstage")
    ]
    expired = [f for f in findings if f["rule"] == "exemption-expired"]
    assert len(expired) == 1 and expired[0]["severity"] == "error"
    assert expired[0]["category"] == "exemption"
    assert expired[0]["file"] == str(exemption_config) and expired[0]["line"] == 14
    # The expired exemption no longer covers the StatefulSet's finding.
    statefulset = [
        f for f in findings if f["rule"] == "image-digest-pinned" and "StatefulSet" in f["object"]
    ]
    assert len(statefulset) == 1 and "exempted" not in statefulset[0]
    unused = [f for f in findings if f["rule"] == "exemption-unused"]
    assert len(unused) == 1 and unused[0]["severity"] == "warning"
    assert "resource-requests" in unused[0]["message"]


def test_a_date_in_set_is_passed_as_its_text(helm_path: str, tmp_path: Path) -> None:
    config = tmp_path / "gate.yaml"
    config.write_text(
        f"{READ_REPO}targets:\n  - name: b\n    chart: {REPO / 'charts-under-test' / 'backstage'}\n"
        "    profiles:\n      p:\n        values: [values-prod.yaml]\n"
        "        set: {backstage.backstage.podAnnotations.released: 2024-01-01}\n",
        encoding="utf-8",
    )
    result = gate("render", "b", "--config", str(config), "--helm", helm_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'released: "2024-01-01"' in result.stdout or "released: '2024-01-01'" in result.stdout


def test_a_report_path_that_is_a_folder_is_exit_2(tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = gate("validate", str(manifest), "--format", f"json:{tmp_path}", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr


def test_a_finding_in_a_templates_second_document_points_into_that_document(
    helm_path: str, tmp_path: Path
) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: md\nversion: 0.1.0\n")
    (chart / "templates" / "a.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: one\nspec:\n  containers:\n"
        "    - name: c\n      image: nginx:1.27\n"
        "---\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n"
        "    - name: c\n      image: nginx:latest\n"
    )
    (tmp_path / "gate.yaml").write_text("targets:\n  - name: md\n    chart: chart\n")
    result = gate("check", "--helm", helm_path, "--format", "json", cwd=tmp_path)
    (latest,) = [f for f in report(result)["findings"] if f["rule"] == "image-tag-not-latest"]
    assert latest["object"] == "v1/Pod/default/two"
    assert latest["line"] == 17  # the second document's `image:` line
