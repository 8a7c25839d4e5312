"""The pre-commit hook: the files a commit touches pick the targets gate checks.

A temporary chart repository holds two targets, `a` and `b` (one ConfigMap each) and a
policy that wants `greeting: hello`. The hook runs as pre-commit runs it: first its
entry (`python -m gate.precommit FILE...`) directly, then through `pre-commit try-repo`
on a snapshot of this repository, which installs gate from .pre-commit-hooks.yaml into
pre-commit's own environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import HELMS, REPO

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
"""
GATE_YAML = """\
policies: [policies/]
targets:
  - {name: a, chart: charts/a, profiles: {prod: {values: [values-prod.yaml]}}}
  - {name: b, chart: charts/b, profiles: {prod: {values: [values-prod.yaml]}}}
"""
POLICY = """\
id: greeting
severity: error
match: {kinds: [ConfigMap]}
assert: {path: data.greeting, eq: hello}
message: "greeting is {actual}"
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def charts(tmp_path: Path) -> Path:
    root = tmp_path / "charts-repo"
    for name in ("a", "b"):
        chart = root / "charts" / name
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text("greeting: hello\n")
        (chart / "values-prod.yaml").write_text("greeting: hello\n")
        (chart / "templates" / "configmap.yaml").write_text(CONFIGMAP)
    (root / "policies").mkdir()
    (root / "policies" / "greeting.yaml").write_text(POLICY)
    (root / "gate.yaml").write_text(GATE_YAML)
    (root / "README.md").write_text("charts\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "charts")
    return root


def hook(root: Path, *args: str, helm: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GATE_HELM"}
    env["GATE_HELM"] = helm or str(HELMS["4"])
    return subprocess.run(
        [sys.executable, "-m", "gate.precommit", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_values_file_checks_its_target_alone(charts: Path) -> None:
    done = hook(charts, "charts/a/values-prod.yaml")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate: a: values file of profile prod changed (charts/a/values-prod.yaml)" in done.stderr
    assert "a / prod  1 object  ok" in done.stdout
    assert "b / prod" not in done.stdout


def test_a_failing_target_fails_the_commit(charts: Path) -> None:
    (charts / "charts" / "b" / "templates" / "configmap.yaml").write_text(
        CONFIGMAP.replace(".Values.greeting", '"bye"')
    )

    done = hook(charts, "charts/b/templates/configmap.yaml", "README.md")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "greeting is bye" in done.stdout
    assert "a / prod" not in done.stdout


def test_files_of_no_target_pass_without_helm(charts: Path) -> None:
    done = hook(charts, "README.md", helm="/nonexistent/helm")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "the commit touches no target of gate.yaml; nothing to check" in done.stdout


def test_all_files_check_every_target(charts: Path) -> None:
    """`pre-commit run --all-files` hands the hook every file of the repository."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=charts, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()

    done = hook(charts, *listed)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "a / prod" in done.stdout and "b / prod" in done.stdout


def test_gate_yaml_picks_every_target(charts: Path) -> None:
    done = hook(charts, "gate.yaml", "--quiet")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate: every target, because gate.yaml changed" in done.stderr
    assert "2 targets" in done.stdout


def test_a_policy_file_picks_the_targets_it_matches(charts: Path) -> None:
    done = hook(charts, "policies/greeting.yaml", "--profile", "prod")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "policy file policies/greeting.yaml changed" in done.stderr


def test_a_broken_gate_yaml_is_one_sentence(charts: Path) -> None:
    (charts / "gate.yaml").write_text("targets: [{name: a, chart: charts/a, profilez: {}}]\n")

    done = hook(charts, "gate.yaml")

    assert done.returncode == 2
    assert done.stderr.startswith("gate: gate.yaml")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


# --- through pre-commit itself ----------------------------------------------------------------


@pytest.fixture(scope="module")
def gate_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """This repository's working tree as a git repository of one commit (try-repo
    installs from a commit, into a fresh environment each time: about 12 seconds), and a
    pre-commit home."""
    snapshot = tmp_path_factory.mktemp("gate-src")
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    yield snapshot, tmp_path_factory.mktemp("pre-commit-home")


def try_repo(
    gate_repo: tuple[Path, Path], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    snapshot, home = gate_repo
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_", "PRE_COMMIT"))}
    env.update({"GATE_HELM": str(HELMS["4"]), "PRE_COMMIT_HOME": str(home)})
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "pre-commit"),
            "try-repo",
            str(snapshot),
            "gate",
            "--verbose",
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_try_repo_checks_the_staged_target(gate_repo: tuple[Path, Path], charts: Path) -> None:
    (charts / "charts" / "b" / "values-prod.yaml").write_text("greeting: bye\n")
    git(charts, "add", "charts/b/values-prod.yaml")

    done = try_repo(gate_repo, charts)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "gate: b: values file of profile prod changed" in done.stdout
    assert "greeting is bye" in done.stdout
    assert "a / prod" not in done.stdout
