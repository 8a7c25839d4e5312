"""`gate explain RULE`, run as users run it (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gate_cli import run

GATE_YAML = """\
targets:
  - name: backstage
    chart: chart
    profiles:
      dev: {}
      prod: {}
overrides:
  - rule: startup-probe-initial-delay
    profile: dev
    params: {min: 60}
  - rule: image-digest-pinned
    profile: dev
    severity: warning
  - rule: resource-requests
    profile: dev
    enabled: false
"""


def repository(root: Path) -> Path:
    (root / "chart").mkdir()
    (root / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (root / "gate.yaml").write_text(GATE_YAML, encoding="utf-8")
    return root


def test_explain_shows_the_dev_override(tmp_path: Path) -> None:
    result = run(
        "explain", "startup-probe-initial-delay", "--profile", "dev", cwd=repository(tmp_path)
    )
    assert result.code == 0, result.stderr
    out = result.stdout
    assert out.startswith("startup-probe-initial-delay (error): startupProbe gives slow starters")
    assert "The Backstage incident" in out  # why
    assert "parameters (defaults): min = 120" in out
    assert "backstage/dev: error; min = 60 (default 120)" in out
    assert "backstage/prod" not in out  # only the profile asked for
    # Its examples, each failing one with the message it gets.
    assert "  passes:" in out and "  fails:" in out
    assert "-> container postgres has no startupProbe" in out
    assert "-> container backstage: startupProbe.initialDelaySeconds is 2, needs >= 120" in out


def test_explain_every_profile_severity_and_off(tmp_path: Path) -> None:
    root = repository(tmp_path)
    digest = run("explain", "image-digest-pinned", cwd=root)
    assert "backstage/dev: warning (default error)" in digest.stdout
    assert "backstage/prod: error" in digest.stdout
    requests = run("explain", "resource-requests", cwd=root)
    assert "backstage/dev: off" in requests.stdout


def test_explain_as_json(tmp_path: Path) -> None:
    result = run(
        "explain", "startup-probe-initial-delay", "--format", "json", cwd=repository(tmp_path)
    )
    data = json.loads(result.stdout)
    assert data["params"] == {"min": 120}
    by_profile = {s["profile"]: s for s in data["settings"]}
    assert by_profile["dev"]["params"] == {"min": 60}
    assert by_profile["prod"]["params"] == {"min": 120}
    fails = [x for x in data["examples"] if not x["passes"]]
    assert fails and all(x["messages"] for x in fails)
    assert all(not x["messages"] for x in data["examples"] if x["passes"])


def test_explain_a_checks_rule(tmp_path: Path) -> None:
    result = run("explain", "values-unknown-key", cwd=repository(tmp_path))
    assert result.code == 0
    assert "values-unknown-key (error)" in result.stdout
    assert "docs/values.md" in result.stdout


def test_explain_an_unknown_rule_is_exit_2_with_a_guess(tmp_path: Path) -> None:
    result = run("explain", "startup-probe-initial-dely", cwd=repository(tmp_path))
    assert result.code == 2
    assert "did you mean 'startup-probe-initial-delay'" in result.stderr
    assert "Traceback" not in result.stderr


def test_explain_without_gate_yaml_shows_the_defaults(tmp_path: Path) -> None:
    result = run("explain", "placeholder-secret", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "placeholder-secret (error)" in result.stdout
