"""The docs that are generated from code stay in step with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import condition_tests
from gate.checks.policies.operators import OPERATORS
from tests.conftest import REPO


def test_builtin_policy_page_matches_the_pack() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "policy_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_readme_shows_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:20])
    assert "make gate" in first_screen
    assert "make test" in first_screen


def test_every_operator_has_a_loadable_example_in_the_docs(tmp_path: Path) -> None:
    text = (REPO / "docs" / "policies.md").read_text(encoding="utf-8")
    block = text.split("One short example of each")[1].split("```yaml")[1].split("```")[0]
    conditions = yaml.safe_load(block)
    documents = [{"id": f"doc-{i}", "assert": c} for i, c in enumerate(conditions)]
    file = tmp_path / "docs.yaml"
    file.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    loaded = load_policies([file], builtin=False)
    used = {test.operator.name for policy in loaded for test in condition_tests(policy.assertion)}
    assert used == set(OPERATORS)
