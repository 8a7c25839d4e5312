"""The GitHub Actions files are linted for real: scripts/lint_actions.py (which `make
test` runs) passes on the repository's workflows and action.yml, and fails, naming the
problem, on broken ones written into a temporary repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

LINT = REPO / "scripts" / "lint_actions.py"
# The parts every workflow here must have to pass jactionlint's default profile, so that
# each broken case fails for the one reason it is about.
HEAD = """\
name: case
on: pull_request
permissions:
  contents: read
concurrency:
  group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}
  cancel-in-progress: true
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
"""


def lint(root: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LINT), "--root", str(root), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def workflow(root: Path, steps: str, name: str = "case.yml") -> Path:
    path = root / ".github" / "workflows" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + steps, encoding="utf-8")
    return path


def test_the_repository_workflows_and_action_pass() -> None:
    done = lint(REPO)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "pass jactionlint and the action schema" in done.stdout


def test_a_clean_workflow_passes(tmp_path: Path) -> None:
    workflow(tmp_path, '      - run: echo "checked"\n')

    done = lint(tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr


def test_script_injection_in_a_workflow_fails(tmp_path: Path) -> None:
    workflow(tmp_path, '      - run: echo "${{ github.event.pull_request.title }}"\n')

    done = lint(tmp_path)

    assert done.returncode == 1
    assert "case.yml:13" in done.stdout
    assert "template-injection" in done.stdout


def test_a_workflow_syntax_error_fails(tmp_path: Path) -> None:
    workflow(tmp_path, "      - run: echo hi\n        shel: bash\n")

    done = lint(tmp_path)

    assert done.returncode == 1
    assert "shel" in done.stdout


def test_shellcheck_checks_the_scripts(tmp_path: Path) -> None:
    workflow(tmp_path, '      - run: for f in $(ls *.txt); do echo "$f"; done\n')

    done = lint(tmp_path)

    assert done.returncode == 1
    assert "SC2045" in done.stdout


def test_an_input_the_action_does_not_declare_fails(tmp_path: Path) -> None:
    # jactionlint reads a local action (`uses: ./`) from the git work tree it is in.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    steps = (
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n"
        "        with:\n"
        "          persist-credentials: false\n"
        "      - uses: ./\n"
        "        with:\n"
        "          confg: gate.yaml\n"
    )
    workflow(tmp_path, steps)

    done = lint(tmp_path)

    assert done.returncode == 1
    assert 'input "confg" is not defined' in done.stdout


def broken_action(tmp_path: Path, change: str, by: str) -> Path:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    assert change in text, change
    (tmp_path / "action.yml").write_text(text.replace(change, by, 1), encoding="utf-8")
    return tmp_path


def test_an_input_pasted_into_an_action_script_fails(tmp_path: Path) -> None:
    root = broken_action(
        tmp_path,
        'run: \'"$GATE_PYTHON" "$GITHUB_ACTION_PATH/action/gate_action.py" run\'',
        'run: echo "${{ inputs.args }}"',
    )

    done = lint(root, "action.yml")

    assert done.returncode == 1
    assert "template-injection" in done.stdout
    assert "inputs.args" in done.stdout


def test_a_composite_step_without_a_shell_fails_both_checks(tmp_path: Path) -> None:
    root = broken_action(tmp_path, "    - id: verdict\n      shell: bash\n", "    - id: verdict\n")

    done = lint(root, "action.yml")

    assert done.returncode == 1
    assert '"shell" is required' in done.stdout  # jactionlint
    assert "action.yml: runs" in done.stdout  # the SchemaStore schema


def test_the_schema_refuses_an_unknown_key(tmp_path: Path) -> None:
    root = broken_action(tmp_path, "branding:\n", "brandin:\n")

    done = lint(root, "action.yml")

    assert done.returncode == 1
    assert "'brandin' was unexpected" in done.stdout


def scripts(document: object) -> list[str]:
    """Every `run:` script of a workflow or an action."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            else:
                found += scripts(value)
    elif isinstance(document, list):
        for item in document:
            found += scripts(item)
    return found


@pytest.mark.parametrize(
    "path", ["action.yml", *sorted(p.name for p in (REPO / ".github" / "workflows").glob("*.yml"))]
)
def test_no_script_pastes_an_expression(path: str) -> None:
    """Stricter than template-injection, which trusts some contexts: every value reaches
    a script through `env:`, so no script of ours holds `${{` at all."""
    file = REPO / path if path == "action.yml" else REPO / ".github" / "workflows" / path
    for script in scripts(yaml.safe_load(file.read_text(encoding="utf-8"))):
        assert "${{" not in script, f"{path}: {script}"


def test_third_party_actions_are_pinned_by_commit() -> None:
    for file in [REPO / "action.yml", *(REPO / ".github" / "workflows").glob("*.yml")]:
        for line in file.read_text(encoding="utf-8").splitlines():
            if "uses:" not in line or line.strip().startswith("#"):
                continue
            target = line.split("uses:", 1)[1].split("#")[0].strip()
            if target.startswith("./"):
                continue
            ref = target.rpartition("@")[2]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), (file, line)
