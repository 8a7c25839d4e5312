"""The copy-paste workflows of docs/ci.md are valid: each is linted as the repository's
own workflows are (scripts/lint_actions.py), with `OWNER/gate@SHA` replaced by this
repository's action.yml, so an input spelt wrong in the docs fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO

DOC = REPO / "docs" / "ci.md"
LINT = REPO / "scripts" / "lint_actions.py"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def workflows() -> list[str]:
    return [block for block in yaml_blocks() if "\njobs:\n" in block]


def test_the_doc_has_the_workflows_the_issue_asks_for() -> None:
    found = workflows()
    text = "\n".join(found)
    assert len(found) == 4
    assert "comment: true" in text and "upload-sarif: true" in text
    assert "fetch-depth: 0" in text and "changed-since:" in text
    assert "shard: ${{ matrix.shard }}" in text and "merge:" in text
    for needed in ("contents: read", "pull-requests: write", "security-events: write"):
        assert needed in text


def test_every_workflow_of_the_doc_lints_clean(tmp_path: Path) -> None:
    # jactionlint reads the local action (`uses: ./`) of the git work tree it is in.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    for number, block in enumerate(workflows()):
        assert "OWNER/gate@SHA" in block
        (folder / f"doc-{number}.yml").write_text(block.replace("OWNER/gate@SHA", "./"))

    done = subprocess.run(
        [sys.executable, str(LINT), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pre_commit_example_names_the_repository_hook() -> None:
    (config,) = [yaml.safe_load(b) for b in yaml_blocks() if "repos:" in b]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == [hooks[0]["id"]]


def test_the_action_inputs_are_all_documented() -> None:
    metadata = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    table = DOC.read_text(encoding="utf-8").split("| input | default |")[1].split("\n\n")[0]
    documented = re.findall(r"^\| `([a-z-]+)` \|", table, re.MULTILINE)
    assert documented == list(metadata["inputs"])
