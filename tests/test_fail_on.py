"""`fail_on:` in gate.yaml: warnings fail the gate for a team that asks so; `--fail-on`
on the command line wins. Run as users do, with real Helm 3 and Helm 4."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.gate_cli import Run, run

CHART = REPO / "tests" / "fixtures" / "charts" / "random-secret"
# A tag, not a digest: image-digest-pinned, tuned down to a warning below.
TAGGED = "registry.example.com/team/app:1.2.3"


def repository(root: Path, fail_on: str | None) -> Path:
    shutil.copytree(CHART, root / "chart")
    lines = [] if fail_on is None else [f"fail_on: {fail_on}"]
    lines += [
        "targets:",
        "  - name: app",
        "    chart: chart",
        "    profiles:",
        f"      dev: {{set: {{image: {TAGGED}}}}}",
        "overrides:",
        "  - rule: image-digest-pinned",
        "    severity: warning",
    ]
    (root / "gate.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def gate(root: Path, helm: str, *args: str) -> Run:
    result = run(
        "check", "--helm", helm, *args, cwd=root, env={"XDG_CACHE_HOME": str(root / "xdg")}
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(
    ("fail_on", "flag", "code"),
    [
        (None, None, 0),  # a warning alone passes by default
        ("warning", None, 1),  # the team's gate.yaml: warnings fail
        ("warning", "error", 0),  # the command line wins
        (None, "warning", 1),
        ("error", "warning", 1),
    ],
)
def test_fail_on_from_gate_yaml_and_the_command_line(
    tmp_path: Path, helm_path: str, fail_on: str | None, flag: str | None, code: int
) -> None:
    root = repository(tmp_path, fail_on)
    result = gate(root, helm_path, *(["--fail-on", flag] if flag else []))
    assert result.code == code, result.output
    assert "image-digest-pinned" in result.output


def test_a_fail_on_gate_does_not_know_is_exit_2_naming_the_line(
    tmp_path: Path, helm_path: str
) -> None:
    root = repository(tmp_path, "warnings")
    result = gate(root, helm_path)
    assert result.code == 2
    assert "gate.yaml:1" in result.stderr and "fail_on 'warnings'" in result.stderr
