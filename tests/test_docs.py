"""The docs that are generated from code stay in step with it."""

from __future__ import annotations

import subprocess
import sys

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
