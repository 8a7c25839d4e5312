"""gate.yaml `discover: [{argocd: ...}]`: Argo CD Applications become targets and
profiles that render as Argo CD renders them (issue 15). Run as users run gate, with
real Helm 3 and Helm 4, on a GitOps repository shaped like the incident's platform."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gate.discovery import set_path_step, typed_as_set
from tests.gate_cli import check_with_report, run
from tests.gitops import comparable, gitops_repository, same_renderings

DISCOVERED = """\
helm: {kube_version: "1.31.0"}
discover:
  - argocd: deploy/apps
"""
# What the Applications say, written by hand.
HAND_WRITTEN = """\
helm: {kube_version: "1.31.0"}
targets:
  - name: backstage
    chart: charts/backstage
    release: neuroscale-backstage
    namespace: backstage
    profiles:
      backstage-dev:
        values: [values-dev.yaml]
        namespace: backstage-dev
      backstage-prod:
        values: [deploy/env/backstage-prod.yaml]
        set:
          'backstage.backstage.podAnnotations.neuroscale\\.io/release': "42"
          backstage.backstage.replicas: 4
  - name: models
    chart: charts/models
    release: iris
    namespace: models
    profiles:
      models-prod: {}
"""


def repository(root: Path, gate_yaml: str) -> Path:
    return gitops_repository("argocd", root, gate_yaml)


def test_discovered_targets_find_what_the_hand_written_ones_do(
    tmp_path: Path, helm_path: str
) -> None:
    found, discovered = check_with_report(repository(tmp_path / "a", DISCOVERED), helm_path)
    _, written = check_with_report(repository(tmp_path / "b", HAND_WRITTEN), helm_path)
    assert [(r["target"], r["profile"]) for r in discovered["runs"]] == [
        ("backstage", "backstage-dev"),
        ("backstage", "backstage-prod"),
        ("models", "models-prod"),
    ]
    assert all(r["rendered"] for r in discovered["runs"])
    assert comparable(discovered) == comparable(written)
    assert comparable(discovered), "the fixture has findings to compare"
    for profile in ("backstage-dev", "backstage-prod"):
        same_renderings((tmp_path / "a", tmp_path / "b"), helm_path, "backstage", profile)
    assert found.code == 1


def test_what_gate_cannot_render_is_a_warning_naming_the_line(
    tmp_path: Path, helm_path: str
) -> None:
    _, report = check_with_report(repository(tmp_path / "repo", DISCOVERED), helm_path)
    notes = [f for f in report["findings"] if f["rule"] == "discovery-unsupported"]
    assert {(n["file"], n["line"]) for n in notes} == {
        ("deploy/apps/remote.yaml", 9),
        ("deploy/apps/remote.yaml", 20),
    }
    assert all(n["severity"] == "warning" for n in notes)
    by_line = {n["line"]: n["message"] for n in notes}
    assert "chart 'kserve' v0.14.0 comes from oci://ghcr.io/kserve/charts" in by_line[9]
    assert (
        "ApplicationSet 'tenants': this generator reads https://git.example.com/platform/tenants.git"
        in by_line[20]
    )


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # Argo CD's order: value files, then valuesObject, then parameters (last wins);
        # forceString keeps "42" text.
        (
            "backstage-prod",
            [
                "replicas: 4",
                "neuroscale.io/release: '42'",
                # valuesObject merges into the value files' maps; it does not replace them
                "neuroscale.io/environment: prod",
                "namespace: backstage",
            ],
        ),
        ("backstage-dev", ["namespace: backstage-dev"]),
    ],
)
def test_renders_as_argo_cd_does(
    tmp_path: Path, helm_path: str, profile: str, expected: list[str]
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    result = run("render", "backstage", "--profile", profile, "--helm", helm_path, cwd=root)
    assert result.code == 0, result.stderr
    for text in expected:
        assert text in result.stdout, text


def test_a_missing_value_file_is_exit_2_at_its_line(tmp_path: Path, helm_path: str) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    apps = root / "deploy" / "apps" / "backstage.yaml"
    apps.write_text(
        apps.read_text(encoding="utf-8").replace("      ignoreMissingValueFiles: true\n", ""),
        encoding="utf-8",
    )
    result = run("check", "--helm", helm_path, cwd=root)
    assert result.code == 2
    assert "deploy/apps/backstage.yaml:17" in result.stderr
    assert "values-missing.yaml" in result.stderr
    assert "ignoreMissingValueFiles" in result.stderr
    assert "Traceback" not in result.stderr


def test_policies_json_and_explain_see_discovered_profiles(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    result = run("explain", "startup-probe-initial-delay", "--format", "json", cwd=root)
    assert result.code == 0, result.stderr
    profiles = {s["profile"] for s in json.loads(result.stdout)["settings"]}
    assert profiles == {"backstage-dev", "backstage-prod", "models-prod"}


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("4", 4),
        ("-3", -3),
        ("007", "007"),  # helm's --set keeps a leading zero text
        ("true", True),
        ("false", False),
        ("null", None),
        ("1.5", "1.5"),
        ("{a,2}", ["a", 2]),
        ("{}", []),
        ("v1.2", "v1.2"),
    ],
)
def test_parameters_are_typed_as_helm_set_types_them(text: str, typed: Any) -> None:
    assert typed_as_set(text) == typed
    assert type(typed_as_set(text)) is type(typed)


def test_an_inline_values_key_is_one_set_step() -> None:
    assert set_path_step("app.kubernetes.io/name") == "app\\.kubernetes\\.io/name"
    assert set_path_step("a,b[0]=c") == "a\\,b\\[0\\]\\=c"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("path: charts/backstage\n    helm:", "path: ../../..\n    helm:"),
        ("valueFiles: [values-dev.yaml, ", "valueFiles: [../../../../../etc/passwd, "),
    ],
)
def test_an_application_cannot_read_outside_the_repository(
    tmp_path: Path, helm_path: str, old: str, new: str
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    apps = root / "deploy" / "apps" / "backstage.yaml"
    text = apps.read_text(encoding="utf-8")
    assert old in text
    apps.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run("check", "--helm", helm_path, cwd=root)
    assert result.code == 2, result.output
    assert "outside the repository" in result.stderr
    assert "deploy/apps/backstage.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_kserve_application_is_checked_as_deployed(tmp_path: Path, helm_path: str) -> None:
    _, report = check_with_report(repository(tmp_path / "repo", DISCOVERED), helm_path)
    (unknown,) = [f for f in report["findings"] if f["profile"] == "models-prod"]
    assert unknown["rule"] == "schema-unknown-kind"
    assert unknown["object"] == "serving.kserve.io/v1beta1/InferenceService/models/iris"


def test_an_app_of_apps_is_followed_one_level(tmp_path: Path, helm_path: str) -> None:
    root = repository(tmp_path / "root", DISCOVERED.replace("deploy/apps", "deploy/root"))
    _, report = check_with_report(root, helm_path)
    direct = check_with_report(repository(tmp_path / "direct", DISCOVERED), helm_path)[1]
    assert report["runs"] == direct["runs"]
    assert comparable(report) == comparable(direct)
    notes = [f["message"] for f in report["findings"] if f["rule"] == "discovery-unsupported"]
    assert not any("'platform'" in n for n in notes), notes  # the root is followed, not skipped


def test_an_application_set_list_generator_makes_one_profile_per_element(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED.replace("deploy/apps", "deploy/sets"))
    _, report = check_with_report(root, helm_path)
    assert [(r["target"], r["profile"]) for r in report["runs"]] == [
        ("backstage", "backstage-alpha"),
        ("backstage", "backstage-beta"),
    ]
    result = run(
        "render", "backstage", "--profile", "backstage-beta", "--helm", helm_path, cwd=root
    )
    assert result.code == 0, result.stderr
    for text in (
        "neuroscale.io/tenant: beta",
        "namespace: tenant-beta",
        "neuroscale.io/environment: staging",
        # no releaseName: Argo CD names the release after the Application
        "app.kubernetes.io/instance: backstage-beta",
    ):
        assert text in result.stdout, text


def test_an_application_set_git_files_generator_reads_this_repository(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED.replace("deploy/apps", "deploy/sets-git"))
    _, report = check_with_report(root, helm_path)
    # delta's file is excluded; gamma's makes one Application named after its folder.
    assert [(r["target"], r["profile"]) for r in report["runs"]] == [
        ("backstage", "backstage-gamma")
    ]
    result = run(
        "render", "backstage", "--profile", "backstage-gamma", "--helm", helm_path, cwd=root
    )
    assert result.code == 0, result.stderr
    assert "namespace: team-gamma" in result.stdout
    assert "neuroscale.io/environment: prod" in result.stdout


def test_changed_since_picks_the_targets_an_application_file_defines(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    for args in (
        ["add", "-A"],
        ["-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    # Only the file of the remote chart and the ApplicationSet: no target of it renders.
    remote = root / "deploy" / "apps" / "remote.yaml"
    remote.write_text(remote.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    _, report = check_with_report(root, helm_path, "--changed-since", "HEAD")
    assert report["changed_since"]["picked"] == {}
    apps = root / "deploy" / "apps" / "backstage.yaml"
    apps.write_text(apps.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    _, report = check_with_report(root, helm_path, "--changed-since", "HEAD")
    picked = report["changed_since"]["picked"]
    assert set(picked) == {"backstage", "models"}
    assert "deployment file" in picked["models"]


INCIDENT_PARAMETER = """\
      parameters:
        - {name: backstage.startupProbe.initialDelaySeconds, value: "300"}
"""


def test_the_incidents_mis_nested_parameter_is_found_at_its_line(
    tmp_path: Path, helm_path: str
) -> None:
    """The incident, through Argo CD: the probe delay one level too high, as a parameter
    of the Application; and the same as a hand-written `set` (which was never analysed
    for unknown keys: taking a key out of `set` sent `--set-json backstage={}`, which
    replaced the whole map, so every key of it seemed to matter)."""
    root = repository(tmp_path / "a", DISCOVERED)
    apps = root / "deploy" / "apps" / "backstage.yaml"
    text = apps.read_text(encoding="utf-8")
    apps.write_text(
        text.replace(
            "      ignoreMissingValueFiles: true\n",
            "      ignoreMissingValueFiles: true\n" + INCIDENT_PARAMETER,
            1,
        ),
        encoding="utf-8",
    )
    written = repository(tmp_path / "b", HAND_WRITTEN)
    gate_yaml = written / "gate.yaml"
    gate_yaml.write_text(
        gate_yaml.read_text(encoding="utf-8").replace(
            "        namespace: backstage-dev\n",
            "        namespace: backstage-dev\n"
            "        set: {backstage.startupProbe.initialDelaySeconds: 300}\n",
        ),
        encoding="utf-8",
    )
    for where, (file, line) in (
        (root, ("deploy/apps/backstage.yaml", 20)),
        (written, ("gate.yaml", 11)),
    ):
        result = run("values", "--helm", helm_path, "--format", "json", cwd=where)
        report = json.loads(result.stdout)
        (finding,) = [f for f in report["findings"] if f["rule"] == "values-unknown-key"]
        assert finding["profile"] == "backstage-dev"
        assert finding["suggestion"] == "backstage.backstage.startupProbe"
        assert (finding["file"], finding["line"]) == (file, line)


EDGE_APPS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: plain}
spec:
  source: {repoURL: https://git.example.com/x.git, path: manifests}
  destination: {namespace: plain}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: tuned}
spec:
  sources:
    - repoURL: https://git.example.com/x.git
      path: charts/models
      kustomize: {namePrefix: k-}
      helm:
        namespace: templated-here
        valueFiles: [https://example.com/values.yaml]
    - repoURL: https://git.example.com/x.git
      path: charts/models
      helm: {releaseName: second}
  destination: {namespace: dest}
"""
APP_OF_APPS_CHART = """\
{{- range .Values.apps }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: {{ . }}}
{{- end }}
"""


def test_what_argo_cd_does_beyond_a_plain_helm_render_is_said(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED.replace("deploy/apps", "edge"))
    (root / "edge").mkdir()
    (root / "edge" / "apps.yaml").write_text(EDGE_APPS, encoding="utf-8")
    (root / "manifests").mkdir()
    (root / "manifests" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", encoding="utf-8"
    )
    # A chart under the folder: its templates are no YAML, and it renders Applications.
    chart = root / "edge" / "root-chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: root\nversion: 0.1.0\n")
    (chart / "templates" / "apps.yaml").write_text(APP_OF_APPS_CHART, encoding="utf-8")
    result, report = check_with_report(root, helm_path)
    assert result.code != 2, result.stderr
    notes = [f["message"] for f in report["findings"] if f["rule"] == "discovery-unsupported"]
    assert any("'plain': manifests is not a Helm chart" in n for n in notes), notes
    assert any("source.kustomize is not applied" in n for n in notes), notes
    assert any("is fetched from the network" in n for n in notes), notes
    assert any("app of apps a Helm chart renders" in n for n in notes), notes
    (chart_note,) = [f for f in report["findings"] if "app of apps a Helm" in f["message"]]
    assert (chart_note["file"], chart_note["line"]) == ("edge/root-chart/templates/apps.yaml", 3)
    # Two chart sources: two profiles; helm.namespace wins over the destination.
    assert [(r["target"], r["profile"]) for r in report["runs"]] == [
        ("models", "tuned"),
        ("models", "tuned-2"),
    ]
    objects = {f["object"] for f in report["findings"] if f["rule"] == "schema-unknown-kind"}
    assert objects == {
        "serving.kserve.io/v1beta1/InferenceService/templated-here/tuned",
        "serving.kserve.io/v1beta1/InferenceService/dest/second",
    }


def test_an_application_set_makes_a_bounded_number_of_applications(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", DISCOVERED.replace("deploy/apps", "many"))
    (root / "many").mkdir()
    elements = "\n".join(f"          - {{n: a{i}}}" for i in range(1_500))
    (root / "many" / "set.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: many}\n"
        "spec:\n  generators:\n    - list:\n        elements:\n" + elements + "\n"
        "  template:\n    metadata: {name: '{{n}}'}\n"
        "    spec:\n      source: {repoURL: r, path: charts/models}\n"
        "      destination: {namespace: m}\n",
        encoding="utf-8",
    )
    result = run("explain", "golden-drift", "--format", "json", cwd=root)
    assert result.code == 0, result.stderr
    assert len(json.loads(result.stdout)["settings"]) == 1_000
