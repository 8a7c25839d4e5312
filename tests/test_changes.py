"""`--changed-since REF` on a real git repository (git init, commits): each kind of change
picks exactly the targets it should, says why, and git runs as a tool gate controls.

The repository: four targets, each a tiny chart that renders one ConfigMap.

- app: a chart with a subchart folder charts/db and a packed subchart charts/cache.tgz;
- web: profiles dev and prod, prod with values/web-prod.yaml;
- api: a file:// dependency on libs/common (a library chart), and the team policy
  (policies/team.yaml, `match.targets: [api]`) applies to it alone;
- other: nothing special.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.changes import ChangedSince, changed_since
from gate.checks.policies.loader import load_policies
from gate.config import load_config
from gate.errors import GateError
from tests.gate_cli import Run, run

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-%s
data:
  mode: {{ .Values.mode | default "fast" | quote }}
"""


def chart(folder: Path, name: str, **extra: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"apiVersion": "v2", "name": name, "version": "0.1.0", **extra}
    (folder / "Chart.yaml").write_text(yaml.safe_dump(meta))
    if extra.get("type") != "library":
        (folder / "templates").mkdir(exist_ok=True)
        (folder / "templates" / "cm.yaml").write_text(CONFIG_MAP % name)


def packed_chart(path: Path, name: str) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for member, text in {
            f"{name}/Chart.yaml": yaml.safe_dump(
                {"apiVersion": "v2", "name": name, "version": "0.1.0"}
            ),
            f"{name}/templates/cm.yaml": CONFIG_MAP % name,
        }.items():
            info = tarfile.TarInfo(member)
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    path.write_bytes(data.getvalue())


TEAM_POLICY = """\
id: team-mode-set
severity: warning
match: {kinds: [ConfigMap], targets: [api]}
assert: {path: data.mode, exists: true}
"""
ALL_POLICY = """\
id: all-mode-set
severity: warning
match: {kinds: [ConfigMap]}
assert: {path: data.mode, exists: true}
"""


def git(root: Path, *args: str) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def make_repository(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    chart(root / "charts" / "app", "app")
    chart(root / "charts" / "app" / "charts" / "db", "db")
    packed_chart(root / "charts" / "app" / "charts" / "cache-0.1.0.tgz", "cache")
    chart(root / "charts" / "web", "web")
    chart(root / "libs" / "common", "common", type="library")
    (root / "libs" / "common" / "templates").mkdir()
    (root / "libs" / "common" / "templates" / "_names.tpl").write_text(
        '{{- define "common.name" -}}common{{- end -}}\n'
    )
    chart(
        root / "charts" / "api",
        "api",
        dependencies=[
            {"name": "common", "version": "0.1.0", "repository": "file://../../libs/common"}
        ],
    )
    chart(root / "charts" / "other", "other")
    (root / "values").mkdir()
    (root / "values" / "web-prod.yaml").write_text("mode: slow\n")
    (root / "policies").mkdir()
    (root / "policies" / "team.yaml").write_text(TEAM_POLICY)
    (root / "crds").mkdir()
    (root / "crds" / "README.md").write_text("no CRDs yet\n")
    (root / ".gitignore").write_text(".gate-cache/\nreport*.json\n*.log\n")
    config = {
        "builtin_policies": False,
        "policies": ["policies/"],
        "targets": [
            {"name": "app", "chart": "charts/app"},
            {
                "name": "web",
                "chart": "charts/web",
                "profiles": {"dev": {}, "prod": {"values": ["values/web-prod.yaml"]}},
            },
            {"name": "api", "chart": "charts/api"},
            {"name": "other", "chart": "charts/other"},
        ],
    }
    (root / "gate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    make_repository(root)
    return root


def picked(root: Path, ref: str = "HEAD") -> ChangedSince:
    config = load_config(root / "gate.yaml")
    policies = load_policies(config.policies, builtin=config.builtin_policies)
    return changed_since(config, policies, ref)


def targets(root: Path, ref: str = "HEAD") -> list[str]:
    return [p.target for p in picked(root, ref).picked]


# --- each kind of change picks its targets --------------------------------------------------


def test_nothing_changed_picks_nothing(repository: Path) -> None:
    result = picked(repository)
    assert result.picked == () and result.skipped == ("app", "web", "api", "other")


def test_a_subchart_change_picks_its_target(repository: Path) -> None:
    template = repository / "charts" / "app" / "charts" / "db" / "templates" / "cm.yaml"
    template.write_text(template.read_text() + "  extra: x\n")
    result = picked(repository)
    assert [p.target for p in result.picked] == ["app"]
    assert result.picked[0].reason.startswith("its subchart charts/app/charts/db changed")


def test_a_packed_subchart_change_picks_its_target(repository: Path) -> None:
    archive = repository / "charts" / "app" / "charts" / "cache-0.1.0.tgz"
    archive.write_bytes(archive.read_bytes() + b"\0")
    assert targets(repository) == ["app"]


def test_a_values_change_picks_its_target(repository: Path) -> None:
    (repository / "values" / "web-prod.yaml").write_text("mode: slower\n")
    result = picked(repository)
    assert [(p.target, p.reason) for p in result.picked] == [
        ("web", "values file of profile prod changed (values/web-prod.yaml)")
    ]


def test_a_file_dependency_change_picks_its_target(repository: Path) -> None:
    helper = repository / "libs" / "common" / "templates" / "_names.tpl"
    helper.write_text(helper.read_text() + "{{/* more */}}\n")
    result = picked(repository)
    assert [p.target for p in result.picked] == ["api"]
    assert "file:// dependency" in result.picked[0].reason


def test_a_policy_change_picks_the_targets_it_matches(repository: Path) -> None:
    policy = repository / "policies" / "team.yaml"
    policy.write_text(policy.read_text().replace("warning", "error"))
    result = picked(repository)
    assert [p.target for p in result.picked] == ["api"]
    assert result.picked[0].reason.startswith("policy file policies/team.yaml changed")


def test_a_new_policy_for_every_target_picks_every_target(repository: Path) -> None:
    (repository / "policies" / "all.yaml").write_text(ALL_POLICY)  # untracked: counted
    result = picked(repository)
    assert [p.target for p in result.picked] == ["app", "web", "api", "other"]
    assert result.every == (
        "policy file policies/all.yaml changed (a policy in it applies to every target)"
    )


def test_a_removed_policy_file_picks_every_target(repository: Path) -> None:
    (repository / "policies" / "team.yaml").unlink()
    assert picked(repository).every == "policy file policies/team.yaml was removed"


def test_a_file_gate_does_not_load_from_a_policy_folder_picks_nothing(repository: Path) -> None:
    (repository / "policies" / "README.md").write_text("how we write policies\n")
    assert targets(repository) == []


def test_a_gate_yaml_change_picks_every_target(repository: Path) -> None:
    config = repository / "gate.yaml"
    config.write_text(config.read_text() + "values: {max_renders: 10}\n")
    result = picked(repository)
    assert result.every == "gate.yaml changed"
    assert [p.target for p in result.picked] == ["app", "web", "api", "other"]


def test_a_crd_change_picks_every_target(repository: Path) -> None:
    config = repository / "gate.yaml"
    config.write_text(config.read_text() + "schemas: {crds: [crds/]}\n")
    git(repository, "commit", "-q", "-am", "crds")
    (repository / "crds" / "widget.yaml").write_text("kind: CustomResourceDefinition\n")
    assert (picked(repository).every or "").startswith("a CRD file")


def test_a_golden_file_change_picks_its_target(repository: Path) -> None:
    golden = repository / "golden" / "other" / "default.yaml"
    golden.parent.mkdir(parents=True)
    golden.write_text("# Object: v1/ConfigMap/default/other-other\n")
    assert targets(repository) == ["other"]


def test_an_ignored_file_or_one_outside_every_input_picks_nothing(repository: Path) -> None:
    (repository / "charts" / "other" / "debug.log").write_text("ignored by .gitignore\n")
    (repository / "README.md").write_text("docs only\n")
    assert targets(repository) == []


def test_an_untracked_template_picks_its_target(repository: Path) -> None:
    (repository / "charts" / "other" / "templates" / "new.yaml").write_text("# new\n")
    assert targets(repository) == ["other"]


def test_a_committed_change_since_an_older_ref(repository: Path) -> None:
    (repository / "values" / "web-prod.yaml").write_text("mode: slower\n")
    git(repository, "commit", "-q", "-am", "values")
    assert targets(repository, "HEAD") == []
    assert targets(repository, "HEAD~1") == ["web"]
    assert targets(repository, "main~1") == ["web"]


def test_a_touched_but_unchanged_file_picks_nothing(repository: Path) -> None:
    """gate compares contents, not timestamps."""
    template = repository / "charts" / "web" / "templates" / "cm.yaml"
    os.utime(template, (1, 1))
    template.write_text(template.read_text())
    assert targets(repository) == []


def test_a_link_in_a_chart_makes_its_target_follow_the_linked_file(repository: Path) -> None:
    shared = repository / "shared" / "extra.yaml"
    shared.parent.mkdir()
    shared.write_text("a: 1\n")
    (repository / "charts" / "other" / "files").mkdir()
    (repository / "charts" / "other" / "files" / "extra.yaml").symlink_to(
        "../../../shared/extra.yaml"
    )
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "link")
    shared.write_text("a: 2\n")
    result = picked(repository)
    assert [p.target for p in result.picked] == ["other"]
    assert "links to" in result.picked[0].reason


# --- refs, shallow clones, and git as gate runs it ------------------------------------------


def test_a_ref_that_is_not_a_commit_is_one_sentence(repository: Path) -> None:
    for ref in ("no-such-branch", "--output=/tmp/gate-pwned", "HEAD:gate.yaml", "HEAD^{tree}"):
        with pytest.raises(GateError, match="is not a commit in this repository"):
            picked(repository, ref)
    assert not Path("/tmp/gate-pwned").exists()


def test_a_shallow_clone_without_the_ref_says_how_to_fetch_it(
    repository: Path, tmp_path: Path
) -> None:
    (repository / "values" / "web-prod.yaml").write_text("mode: slower\n")
    git(repository, "commit", "-q", "-am", "values")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repository}", str(clone))
    with pytest.raises(GateError, match="fetch-depth: 0"):
        picked(clone, "HEAD~1")
    base = git(repository, "rev-parse", "main~1").strip()
    git(clone, "fetch", "-q", "--depth", "1", "origin", base)
    assert targets(clone, base) == ["web"]


def test_not_a_git_checkout_is_one_sentence(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    make_repository(root)
    subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
    with pytest.raises(GateError, match="needs a git checkout"):
        picked(root)


def test_the_checkouts_git_configuration_and_gates_environment_run_nothing(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository's configuration names commands git would run: an fsmonitor, a clean
    filter and a textconv driver that .gitattributes (which a pull request writes)
    applies to every file. None may run, however racy the timestamps; nor may what
    gate's own environment says to git."""
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    hook.chmod(0o755)
    with (repository / ".git" / "config").open("a") as config:
        config.write(
            f"[core]\n\tfsmonitor = {hook} fsmonitor\n"
            f'[filter "pr"]\n\tclean = {hook} clean\n\tsmudge = {hook} smudge\n'
            f'[diff "pr"]\n\ttextconv = {hook} textconv\n\tcommand = {hook} diff\n'
            f"[diff]\n\texternal = {hook} external\n"
        )
    (repository / ".gitattributes").write_text("* filter=pr diff=pr\n")
    values = repository / "values" / "web-prod.yaml"
    values.write_text("mode: quick\n")  # same size, written in the second of the index
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", f"{hook} env-external")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='{hook} env-fsmonitor'")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "index"))
    result = picked(repository)
    assert not marker.exists(), marker.read_text()
    # .gitattributes is a new file at the root: it is no input of any target
    assert [p.target for p in result.picked] == ["web"]


def test_more_changes_than_git_may_print_pick_every_target(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gate.changes.GIT_OUTPUT", 8)
    (repository / "charts" / "other" / "templates" / "new.yaml").write_text("# new\n")
    assert (picked(repository).every or "").startswith("git listed more than")


# --- through the command line, with real helm -----------------------------------------------


def gate(root: Path, helm: str, *args: str) -> tuple[Run, dict[str, Any]]:
    report = root / "report.json"
    report.unlink(missing_ok=True)
    result = run("check", *args, "--helm", helm, "--format", f"json:{report}", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(report.read_text()) if report.exists() else {}


def runs(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["target"], r["profile"]) for r in report["runs"]]


def test_each_change_picks_exactly_its_targets_through_the_cli(
    repository: Path, helm_path: str
) -> None:
    """The four changes of issue 12, one at a time from a clean tree, as CI runs them."""

    def restore() -> None:
        git(repository, "checkout", "-q", "--", ".")
        git(repository, "clean", "-qfdx", "-e", ".gate-cache")

    result, report = gate(repository, helm_path, "--changed-since", "HEAD")
    assert result.code == 0, result.output
    assert runs(report) == [] and report["changed_since"]["skipped"] == [
        "app", "web", "api", "other",
    ]  # fmt: skip
    assert "0 of 4 targets picked" in result.stderr

    db = repository / "charts" / "app" / "charts" / "db" / "templates" / "cm.yaml"
    db.write_text(db.read_text().replace("fast", "faster"))
    result, report = gate(repository, helm_path, "--changed-since", "HEAD")
    assert result.code == 0, result.output
    assert runs(report) == [("app", "default")]
    assert report["runs"][0]["picked"].startswith("its subchart charts/app/charts/db changed")
    assert "picked app: its subchart charts/app/charts/db changed" in result.stderr
    restore()

    (repository / "values" / "web-prod.yaml").write_text("mode: slower\n")
    result, report = gate(repository, helm_path, "--changed-since", "HEAD")
    assert runs(report) == [("web", "dev"), ("web", "prod")]
    assert report["changed_since"]["picked"] == {
        "web": "values file of profile prod changed (values/web-prod.yaml)"
    }
    restore()

    policy = repository / "policies" / "team.yaml"
    policy.write_text(policy.read_text().replace("data.mode", "data.speed"))
    result, report = gate(repository, helm_path, "--changed-since", "HEAD")
    assert runs(report) == [("api", "default")]
    assert [f["rule"] for f in report["findings"]] == ["team-mode-set"]
    restore()

    config = repository / "gate.yaml"
    config.write_text(config.read_text() + "helm: {timeout: 30}\n")
    result, report = gate(repository, helm_path, "--changed-since", "HEAD")
    assert runs(report) == [
        ("app", "default"), ("web", "dev"), ("web", "prod"), ("api", "default"),
        ("other", "default"),
    ]  # fmt: skip
    assert "every target, because gate.yaml changed" in result.stderr
    restore()


def test_a_bad_ref_through_the_cli_is_exit_2_before_helm_runs(repository: Path) -> None:
    result = run(
        "check", "--changed-since", "origin/main", "--helm", "/no/such/helm", cwd=repository
    )
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "'origin/main' is not a commit in this repository" in result.stderr
