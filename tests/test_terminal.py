"""Terminal manners, through the command as users run it (`python -m gate`): the text
summary always reaches the terminal, colour follows --color and NO_COLOR, a closed
pipe ends quietly, listings speak JSON, counts agree with their nouns, shell
completion, and `gate init` keeping .gate-cache/ out of git.

Most cases use `gate validate` on a manifest (no helm needed); one renders with the
pinned helms to see a whole check.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.gate_cli import Run, run

ANSI = "\x1b["
VERDICT = "gate FAILED: 1 error, 0 warnings"
# One Deployment that breaks exactly one built-in rule (resource-requests) at error.
DIGEST = "1" * 64
ONE_ERROR = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: default}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web@sha256:{DIGEST}
          startupProbe:
            httpGet: {{path: /, port: 8080}}
            initialDelaySeconds: 120
            failureThreshold: 30
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(ONE_ERROR, encoding="utf-8")
    return path


def validate(manifest: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    return run("validate", str(manifest), *args, cwd=manifest.parent, env=env)


# --- the summary reaches the terminal ---------------------------------------------------------


def test_a_report_on_stdout_sends_the_summary_to_stderr(manifest: Path) -> None:
    result = validate(manifest, "--format", "json")

    assert result.code == 1, result.output
    report = json.loads(result.stdout)  # stdout holds the report alone
    assert [f["rule"] for f in report["findings"]] == ["resource-requests"]
    assert VERDICT in result.stderr
    assert "resource-requests" in result.stderr


def test_reports_written_to_files_leave_the_summary_on_stdout(manifest: Path) -> None:
    out = manifest.parent / "out"
    result = validate(manifest, "--format", f"json:{out}.json", "--format", f"sarif:{out}.sarif")

    assert result.code == 1, result.output
    assert VERDICT in result.stdout
    assert result.stderr == ""
    assert json.loads((manifest.parent / "out.json").read_text())["passed"] is False


def test_text_asked_for_is_written_once(manifest: Path) -> None:
    result = validate(manifest, "--format", "text", "--format", f"json:{manifest}.json")

    assert result.stdout.count(VERDICT) == 1, result.stdout
    assert VERDICT not in result.stderr


def test_quiet_applies_to_the_summary_on_stderr(manifest: Path) -> None:
    result = validate(manifest, "--format", "json", "--quiet")

    assert VERDICT in result.stderr
    json.loads(result.stdout)


def test_a_whole_check_with_a_report_on_stdout(helm_path: str) -> None:
    result = run("check", "--format", "json", "--helm", helm_path, "--jobs", "2")

    assert result.code == 0, result.output
    assert json.loads(result.stdout)["passed"] is True
    assert "gate passed: 0 errors" in result.stderr


# --- colour -------------------------------------------------------------------------------


def test_color_always_colours_a_pipe_and_wins_over_no_color(manifest: Path) -> None:
    assert ANSI in validate(manifest, "--color", "always").stdout
    assert ANSI in validate(manifest, "--color", "always", env={"NO_COLOR": "1"}).stdout


def test_color_never_and_no_color_alias(manifest: Path) -> None:
    for flags in (("--color", "never"), ("--no-color",), ("--color", "always", "--no-color")):
        result = validate(manifest, *flags)
        assert VERDICT in result.stdout, flags
        assert ANSI not in result.output, flags


def test_color_always_colours_the_summary_on_stderr(manifest: Path) -> None:
    result = validate(manifest, "--color", "always", "--format", "json")

    assert ANSI in result.stderr
    assert ANSI not in result.stdout  # a report is never coloured
    json.loads(result.stdout)


def on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What gate prints to a pseudo-terminal (stdout and stderr both a tty)."""
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "GATE_HELM")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gate", *args],
        cwd=cwd,
        env={**environ, "TERM": "xterm", **env},
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("gate printed nothing to the terminal for 60 seconds")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: gate has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_auto_colours_a_terminal_unless_no_color_is_set(manifest: Path) -> None:
    args = ["validate", str(manifest)]
    assert ANSI in on_a_terminal(args, manifest.parent, {})
    plain = on_a_terminal(args, manifest.parent, {"NO_COLOR": "1"})
    assert VERDICT in plain
    assert ANSI not in plain
    # An empty NO_COLOR does not count (no-color.org).
    assert ANSI in on_a_terminal(args, manifest.parent, {"NO_COLOR": ""})


# --- a closed pipe ------------------------------------------------------------------------


def into_a_closed_pipe(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """gate writing to a pipe whose reader has already gone (`gate policies | head -0`)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        environ = {k: v for k, v in os.environ.items() if k != "GATE_HELM"}
        return subprocess.run(
            [sys.executable, "-m", "gate", *args],
            cwd=cwd,
            env=environ,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_policies_into_a_closed_pipe_ends_quietly(debug: tuple[str, ...]) -> None:
    result = into_a_closed_pipe("policies", *debug)

    assert result.returncode == 141  # 128 + SIGPIPE, what a shell shows for `yes | head`
    assert result.stderr == ""


def test_a_report_into_a_closed_pipe_ends_quietly(manifest: Path) -> None:
    result = into_a_closed_pipe("validate", str(manifest), "--format", "json", cwd=manifest.parent)

    assert result.returncode == 141
    assert "Traceback" not in result.stderr
    assert "Broken pipe" not in result.stderr and "internal error" not in result.stderr


# --- listings in JSON ------------------------------------------------------------------------


def test_policies_as_json(tmp_path: Path) -> None:
    result = run("policies", "--format", "json", cwd=tmp_path)

    assert result.code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["version"] == 1
    by_id = {p["id"]: p for p in listing["policies"]}
    assert by_id["resource-requests"]["severity"] == "error"
    assert by_id["resource-requests"]["builtin"] is True
    assert by_id["resource-requests"]["title"]
    text = run("policies", cwd=tmp_path).stdout
    assert [line.split()[0] for line in text.splitlines()] == list(by_id)


def test_policies_as_json_into_a_file_and_text_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "id: team-label\nseverity: warning\ntitle: every object has a team label\n"
        "assert: {path: metadata.labels.team, exists: true}\n",
        encoding="utf-8",
    )
    (tmp_path / "gate.yaml").write_text("policies: [mine.yaml]\ntargets: []\n", encoding="utf-8")
    result = run("policies", "--format", "text", "--format", "json:list.json", cwd=tmp_path)

    assert result.code == 0, result.output
    mine = [
        p
        for p in json.loads((tmp_path / "list.json").read_text())["policies"]
        if p["id"] == "team-label"
    ]
    assert mine == [
        {
            "id": "team-label",
            "severity": "warning",
            "title": "every object has a team label",
            "builtin": False,
            "pack": None,
            "file": "mine.yaml",
            "line": 1,
        }
    ]
    assert "team-label" in result.stdout


def test_policies_in_a_format_that_lists_nothing_is_one_sentence(tmp_path: Path) -> None:
    result = run("policies", "--format", "sarif", cwd=tmp_path)

    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "gate: gate policies lists in text or json, not sarif; pick --format text or --format json"
    ]


# --- counts ---------------------------------------------------------------------------------


def test_one_error_is_one_error(manifest: Path) -> None:
    result = validate(manifest)

    assert "1 error," in result.stdout
    assert "1 errors" not in result.output


# --- completion -----------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script(shell: str) -> None:
    result = run("completion", shell)

    assert result.code == 0, result.output
    assert "_GATE_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout or "complete" in result.stdout


def test_completion_completes_commands_and_options() -> None:
    def complete(words: str, cword: int) -> list[str]:
        env = {"_GATE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        result = run(env=env)
        assert result.code == 0, result.output
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("gate pol", 1) == ["policies"]
    assert "--color" in complete("gate check --co", 2)
    assert sorted(complete("gate check --color a", 3)) == ["always", "auto"]


def test_completion_for_an_unknown_shell_is_exit_2() -> None:
    result = run("completion", "tcsh")

    assert result.code == 2
    assert "tcsh" in result.stderr


# --- gate init and .gitignore ---------------------------------------------------------------


def chart_repository(tmp_path: Path) -> Path:
    chart = tmp_path / "charts" / "web"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values-prod.yaml").write_text("replicas: 2\n")
    (tmp_path / ".git").mkdir()  # the repository's root, as gate finds it
    return tmp_path


def test_init_creates_a_gitignore(tmp_path: Path) -> None:
    root = chart_repository(tmp_path)

    result = run("init", cwd=root)

    assert result.code == 0, result.output
    assert (root / ".gitignore").read_text() == ".gate-cache/\n"
    assert "created" in result.stdout and ".gitignore" in result.stdout
    assert "configuration.md" in result.stdout


def test_init_appends_once_and_keeps_what_was_there(tmp_path: Path) -> None:
    root = chart_repository(tmp_path)
    (root / ".gitignore").write_text("*.tgz\n/build", encoding="utf-8")  # no final newline

    assert run("init", cwd=root).code == 0
    assert (root / ".gitignore").read_text() == "*.tgz\n/build\n.gate-cache/\n"

    (root / "gate.yaml").unlink()
    again = run("init", cwd=root)
    assert again.code == 0, again.output
    assert "unchanged" in again.stdout
    assert (root / ".gitignore").read_text() == "*.tgz\n/build\n.gate-cache/\n"


@pytest.mark.parametrize("line", [".gate-cache", "/.gate-cache/", "/.gate-cache"])
def test_init_recognises_the_cache_already_ignored(tmp_path: Path, line: str) -> None:
    root = chart_repository(tmp_path)
    (root / ".gitignore").write_text(f"{line}\r\n", encoding="utf-8")

    assert run("init", cwd=root).code == 0
    assert (root / ".gitignore").read_bytes() == f"{line}\r\n".encode()


def test_init_from_a_subfolder_writes_the_root_gitignore(tmp_path: Path) -> None:
    root = chart_repository(tmp_path)

    result = run("init", "charts", cwd=root)

    assert result.code == 0, result.output
    assert (root / "charts" / "gate.yaml").is_file()
    assert (root / ".gitignore").read_text() == ".gate-cache/\n"
    assert not (root / "charts" / ".gitignore").exists()


def test_init_leaves_a_symlinked_gitignore_alone(tmp_path: Path) -> None:
    root = chart_repository(tmp_path / "repo")
    outside = tmp_path / "shared-ignore"
    outside.write_text("node_modules/\n", encoding="utf-8")
    (root / ".gitignore").symlink_to(outside)

    result = run("init", cwd=root)

    assert result.code == 0, result.output
    assert (root / ".gitignore").is_symlink()
    assert outside.read_text() == "node_modules/\n"
    assert "is not a plain file; add .gate-cache/ to it yourself" in result.stdout


def test_init_that_finds_no_chart_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()

    result = run("init", cwd=tmp_path)

    assert result.code == 2
    assert not (tmp_path / ".gitignore").exists()
    assert not (tmp_path / "gate.yaml").exists()
