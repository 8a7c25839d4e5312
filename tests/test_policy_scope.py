"""What gate's own policies skip (helm test hooks, issue 14) and how the reports say so:
run as users run gate, on a chart shaped like `helm create`'s, with Helm 3 and Helm 4."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.gate_cli import check_with_report, run

CHART = REPO / "tests" / "fixtures" / "charts" / "hooked-app"
TEST_POD = "v1/Pod/default/app-test-connection"
MIGRATE_JOB = "batch/v1/Job/default/app-migrate"
TEAM_LABEL = """\
id: team-label
title: every object says which team owns it
severity: error
assert: {path: metadata.labels.team, exists: true}
"""


def repository(root: Path, *extra: str) -> Path:
    shutil.copytree(CHART, root / "chart")
    (root / "gate.yaml").write_text(
        "\n".join(
            [
                *extra,
                "targets:",
                "  - name: app",
                "    chart: chart",
                "    release: app",
                "    namespace: default",
                "    profiles:",
                "      prod: {}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return root


check = check_with_report


def on(report: dict[str, Any], obj: str) -> set[str]:
    return {f["rule"] for f in report["findings"] if f["object"] == obj}


def test_helm_test_pod_is_skipped_and_counted(tmp_path: Path, helm_path: str) -> None:
    result, report = check(repository(tmp_path), helm_path)
    # The test Pod (no tag, no requests) would break three built-in rules; none is reported.
    assert on(report, TEST_POD) == set(), report["findings"]
    # Another hook is deployed by `helm install`: still checked for requests.
    assert "resource-requests" in on(report, MIGRATE_JOB)
    assert report["summary"]["skipped"] == 1
    assert [r.get("skipped") for r in report["runs"]] == [1]
    assert "skipped: 1 helm test hook (helm.sh/hook: test)" in result.stdout
    assert "helm_tests: check" in result.stdout


def test_helm_tests_check_includes_them(tmp_path: Path, helm_path: str) -> None:
    result, report = check(repository(tmp_path, "helm_tests: check"), helm_path)
    assert {"image-tag-not-latest", "resource-requests"} <= on(report, TEST_POD)
    assert report["summary"]["skipped"] == 0
    assert "skipped:" not in result.stdout
    assert result.code == 1


def test_the_repositorys_own_policies_still_see_test_hooks(tmp_path: Path, helm_path: str) -> None:
    root = repository(tmp_path, "policies: [team.yaml]")
    (root / "team.yaml").write_text(TEAM_LABEL, encoding="utf-8")
    _, report = check(root, helm_path)
    assert on(report, TEST_POD) == {"team-label"}
    assert report["summary"]["skipped"] == 1


def test_a_helm_tests_value_gate_does_not_know_is_exit_2(tmp_path: Path, helm_path: str) -> None:
    root = repository(tmp_path, "helm_tests: skipp")
    result = run("check", "--helm", helm_path, cwd=root)
    assert result.code == 2
    assert "gate.yaml:1" in result.stderr
    assert "did you mean 'skip'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("phases", ["test", "test-success", "pre-install, test", " Test"])
def test_every_test_phase_is_a_test_hook(tmp_path: Path, helm_path: str, phases: str) -> None:
    root = repository(tmp_path)
    template = root / "chart" / "templates" / "tests" / "test-connection.yaml"
    text = template.read_text(encoding="utf-8").replace(
        '"helm.sh/hook": test', f'"helm.sh/hook": "{phases}"'
    )
    template.write_text(text, encoding="utf-8")
    _, report = check(root, helm_path)
    assert on(report, TEST_POD) == set()
    assert report["summary"]["skipped"] == 1
