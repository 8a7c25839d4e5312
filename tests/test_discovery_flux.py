"""gate.yaml `discover: [{flux: ...}]`: Flux HelmReleases become targets and profiles
that render as helm-controller renders them (issue 15), with real Helm 3 and Helm 4."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gate.config import load_config
from tests.gate_cli import check_with_report, run
from tests.gitops import comparable, gitops_repository, same_renderings

DISCOVERED = """\
helm: {kube_version: "1.31.0"}
discover:
  - flux: clusters
"""
# The same facts by hand: the ConfigMap's values, its targetPath value and spec.values,
# in Flux's order, as leaf paths.
HAND_WRITTEN = """\
helm: {kube_version: "1.31.0"}
targets:
  - name: backstage
    chart: charts/backstage
    release: neuroscale-backstage
    namespace: backstage
    profiles:
      production-backstage:
        values: [charts/backstage/values-prod.yaml]
        set:
          'backstage.backstage.podAnnotations.neuroscale\\.io/cluster': production
          'backstage.backstage.podAnnotations.neuroscale\\.io/tag': "2024"
          backstage.backstage.replicas: 5
      staging-backstage:
        values: [charts/backstage/values-staging.yaml]
        set: {backstage.backstage.image.digest: ""}
        release: backstage-staging-backstage
        namespace: backstage-staging
"""


def repository(root: Path, gate_yaml: str) -> Path:
    return gitops_repository("flux", root, gate_yaml)


def test_discovered_releases_find_what_the_hand_written_ones_do(
    tmp_path: Path, helm_path: str
) -> None:
    _, discovered = check_with_report(repository(tmp_path / "a", DISCOVERED), helm_path)
    _, written = check_with_report(repository(tmp_path / "b", HAND_WRITTEN), helm_path)
    # Two HelmReleases named backstage: each profile is named by its cluster folder.
    assert sorted((r["target"], r["profile"]) for r in discovered["runs"]) == [
        ("backstage", "production-backstage"),
        ("backstage", "staging-backstage"),
    ]
    assert comparable(discovered) == comparable(written)
    # staging's tag without a digest: the incident's kind of finding, found both ways
    assert ("image-digest-pinned", "staging-backstage") in {
        (rule, profile) for rule, _, profile, *_ in comparable(discovered)
    }
    for profile in ("production-backstage", "staging-backstage"):
        same_renderings((tmp_path / "a", tmp_path / "b"), helm_path, "backstage", profile)


def test_a_cluster_only_reference_and_a_remote_chart_are_warnings(
    tmp_path: Path, helm_path: str
) -> None:
    _, report = check_with_report(repository(tmp_path / "repo", DISCOVERED), helm_path)
    notes = {f["line"]: f for f in report["findings"] if f["rule"] == "discovery-unsupported"}
    assert set(notes) == {18, 49}
    assert all(n["file"] == "clusters/production/backstage.yaml" for n in notes.values())
    assert "Secret 'backstage-cluster-only' is not committed" in notes[18]["message"]
    assert "comes from a HelmRepository" in notes[49]["message"]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (
            "production-backstage",
            [
                "replicas: 5",  # spec.values last, over the ConfigMap's 3 and the file's 2
                "neuroscale.io/cluster: production",  # valuesFrom ConfigMap
                "neuroscale.io/environment: prod",  # the chart's valuesFiles, merged into
                "neuroscale.io/tag: '2024'",  # targetPath, quoted: text
                "name: neuroscale-backstage",  # releaseName
                "namespace: backstage",  # targetNamespace
            ],
        ),
        (
            "staging-backstage",
            ["name: backstage-staging-backstage", "namespace: backstage-staging"],
        ),
    ],
)
def test_renders_as_helm_controller_does(
    tmp_path: Path, helm_path: str, profile: str, expected: list[str]
) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    result = run("render", "backstage", "--profile", profile, "--helm", helm_path, cwd=root)
    assert result.code == 0, result.stderr
    for text in expected:
        assert text in result.stdout, text


def test_a_long_release_name_is_shortened_as_helm_controller_does(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", DISCOVERED)
    release = root / "clusters" / "staging" / "backstage.yaml"
    release.write_text(
        release.read_text(encoding="utf-8").replace(
            "targetNamespace: backstage-staging",
            "targetNamespace: production-environment-eu-west-my-very-long-ns",
        ),
        encoding="utf-8",
    )
    patch = root / "clusters" / "staging" / "patch.yaml"
    patch.write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata: {name: backstage, namespace: flux-system}\nspec:\n  values: {a: 1}\n",
        encoding="utf-8",
    )
    config = load_config(root / "gate.yaml")
    staging = next(p for t in config.targets for p in t.profiles if p.name.startswith("staging"))
    name = "production-environment-eu-west-my-very-long-ns-backstage"
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    assert staging.release == f"{name[:40]}-{digest}"
    assert any("kustomize patch" in n.message for n in config.discovery_notes)


def test_a_folder_without_helm_releases_says_so_at_the_discover_line(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", "discover:\n  - flux: kustomizations\n")
    (root / "kustomizations").mkdir()
    (root / "kustomizations" / "apps.yaml").write_text(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: apps}\nspec: {path: ./clusters}\n",
        encoding="utf-8",
    )
    result = run("check", "--helm", "not-needed", cwd=root)
    assert result.code == 2
    assert result.stderr.startswith("gate: gate.yaml:2: ")
    assert "`flux: kustomizations` holds no Flux HelmRelease" in result.stderr
    assert "Traceback" not in result.stderr
