"""gate.yaml `discover: [{helmfile: helmfile.yaml}]`: helmfile releases become targets
and their environments profiles (issue 15), with real Helm 3 and Helm 4."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gate.config import load_config
from tests.conftest import REPO
from tests.gate_cli import check_with_report, run
from tests.gitops import comparable, gitops_repository, same_renderings

DISCOVERED = """\
helm: {kube_version: "1.31.0"}
discover:
  - helmfile: helmfile.yaml
"""
HAND_WRITTEN = """\
helm: {kube_version: "1.31.0"}
targets:
  - name: neuroscale-backstage
    chart: charts/backstage
    release: neuroscale-backstage
    namespace: backstage
    profiles:
      staging:
        values: [charts/backstage/values-staging.yaml]
        set:
          'backstage.backstage.podAnnotations.neuroscale\\.io/deployer': helmfile
          backstage.backstage.replicas: 2
      prod:
        values: [charts/backstage/values-prod.yaml]
        set:
          'backstage.backstage.podAnnotations.neuroscale\\.io/deployer': helmfile
          backstage.backstage.replicas: 2
"""


def repository(root: Path, gate_yaml: str) -> Path:
    return gitops_repository("helmfile", root, gate_yaml)


def test_environments_are_profiles_that_render_as_written_by_hand(
    tmp_path: Path, helm_path: str
) -> None:
    _, discovered = check_with_report(repository(tmp_path / "a", DISCOVERED), helm_path)
    _, written = check_with_report(repository(tmp_path / "b", HAND_WRITTEN), helm_path)
    assert [(r["target"], r["profile"]) for r in discovered["runs"]] == [
        ("neuroscale-backstage", "staging"),
        ("neuroscale-backstage", "prod"),
    ]
    assert comparable(discovered) == comparable(written)
    for profile in ("staging", "prod"):
        rendered = same_renderings(
            (tmp_path / "a", tmp_path / "b"), helm_path, "neuroscale-backstage", profile
        )
        assert "neuroscale.io/deployer: helmfile" in rendered
        assert f"neuroscale.io/environment: {profile}" in rendered  # values-<env>.yaml
        assert "replicas: 2" in rendered  # set, last; env/staging.yaml is not chart values


def test_what_needs_helmfile_itself_is_a_warning_naming_the_line(
    tmp_path: Path, helm_path: str
) -> None:
    _, report = check_with_report(repository(tmp_path / "repo", DISCOVERED), helm_path)
    notes = {
        f["line"]: f["message"] for f in report["findings"] if f["rule"] == "discovery-unsupported"
    }
    assert set(notes) == {18, 25, 31}, notes
    assert "needs helmfile's templating" in notes[18]
    assert "comes from a chart repository" in notes[25]
    assert "installed: false" in notes[31]
    assert {r["target"] for r in report["runs"]} == {"neuroscale-backstage"}


def test_a_helmfile_only_helmfile_can_read_says_so_at_its_line(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    (root / "helmfile.yaml").write_text(
        "releases:\n{{- range .Values.apps }}\n  - name: {{ . }}\n{{- end }}\n", encoding="utf-8"
    )
    result = run("check", "--helm", "helm-is-not-needed", cwd=root)
    assert result.code == 2
    assert result.stderr.startswith("gate: helmfile.yaml:")
    assert "needs helmfile's own templating" in result.stderr
    assert "add targets by hand" in result.stderr
    assert "Traceback" not in result.stderr
    # gate policies needs no target and still works.
    assert run("policies", cwd=root).code == 0


LAYERED = """\
environments:
  prod: {}
---
releases:
  - name: web
    namespace: web
    chart: backstage            # no slash: a chart folder beside the helmfile
    installed: true
    set:
      - {name: flag, value: true}
      - {name: count, value: 3}
      - {name: text, value: "007"}
    secrets: [secrets.yaml]
"""


def test_a_layered_helmfile_and_what_yaml_already_typed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "charts-under-test" / "backstage", root / "backstage")
    (root / "helmfile.yaml").write_text(LAYERED, encoding="utf-8")
    (root / "gate.yaml").write_text("discover:\n  - helmfile: helmfile.yaml\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    config = load_config(root / "gate.yaml")
    (target,) = config.targets
    (profile,) = target.profiles
    assert (target.name, profile.name, target.chart.name) == ("web", "prod", "backstage")
    assert profile.set == (("flag", True), ("count", 3), ("text", "007"))
    assert profile.set_lines == (10, 11, 12)
    notes = [n.message for n in config.discovery_notes]
    assert notes == [
        "release 'web': `secrets:` needs helmfile itself; the rendering may differ from helmfile's"
    ]
