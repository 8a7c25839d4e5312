"""The GitHub Action's helper (action/gate_action.py), run the way action.yml runs it:
as a script with its inputs in the environment. `run` drives the real gate of .venv;
`comment` talks to a stand-in for GitHub's REST API on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.conftest import HELMS, REPO

HELPER = REPO / "action" / "gate_action.py"
GATE = Path(sys.executable).parent / "gate"


def helper(
    command: str, env: dict[str, str], cwd: Path = REPO
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the helper; return what it printed and the outputs it wrote."""
    outputs = Path(env["RUNNER_TEMP"]) / "github-output"
    outputs.touch()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_", "GITHUB_"))}
    done = subprocess.run(
        [sys.executable, str(HELPER), command],
        cwd=cwd,
        env={**base, "GITHUB_OUTPUT": str(outputs), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    written = dict(
        line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if line
    )
    return done, written


# --- what `run` asks gate for -------------------------------------------------------------


def load_helper() -> Any:
    """The helper is a script beside action.yml, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("gate_action", HELPER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gate_action"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ACTION = load_helper()


def plan(**inputs: str) -> Any:
    env = {"RUNNER_TEMP": "/runner/temp", "GATE_BIN": "gate", **inputs}
    return ACTION.plan(env)


def test_the_defaults_of_action_yml() -> None:
    metadata = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    defaults = {
        f"GATE_{name.upper().replace('-', '_')}": str(spec.get("default", ""))
        for name, spec in metadata["inputs"].items()
    }
    chosen = plan(**{k: v for k, v in defaults.items() if "${{" not in v})

    assert chosen.argv == [
        "gate",
        "check",
        "--config=gate.yaml",
        "--format=github",
        "--format=json:/runner/temp/gate/gate.json",
    ]
    assert chosen.outputs["json"] == "/runner/temp/gate/gate.json"
    assert chosen.outputs["sarif"] == ""
    assert chosen.outputs["sarif-category"] == "gate"


def test_uploads_and_comments_bring_their_reports() -> None:
    chosen = plan(
        GATE_REPORTS="junit",
        GATE_UPLOAD_SARIF="true",
        GATE_COMMENT="true",
        GATE_REPORT_DIR="out",
    )

    assert chosen.argv[2:] == [
        "--format=junit:out/gate-junit.xml",
        "--format=sarif:out/gate.sarif",
        "--format=markdown:out/gate.md",
    ]
    assert chosen.outputs["markdown"] == "out/gate.md"


def test_selection_inputs_are_values_never_options() -> None:
    chosen = plan(
        GATE_CONFIG="deploy/gate.yaml",
        GATE_CHANGED_SINCE="--output=/etc/passwd",
        GATE_SHARD="2/3",
        GATE_REPORTS="",
    )

    assert chosen.argv == [
        "gate",
        "check",
        "--config=deploy/gate.yaml",
        "--changed-since=--output=/etc/passwd",
        "--shard=2/3",
    ]
    assert chosen.outputs["sarif-category"] == "gate/deploy/gate.yaml/shard-2-of-3"


def test_args_are_split_like_a_shell_but_never_run_by_one() -> None:
    chosen = plan(GATE_ARGS="--profile 'prod eu' ; touch pwned $(id)", GATE_REPORTS="")

    assert chosen.argv[2:] == ["--profile", "prod eu", ";", "touch", "pwned", "$(id)"]


def test_merge_takes_the_shards_reports(tmp_path: Path) -> None:
    for name in ("shard-1.json", "shard-2.json", "-odd.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        chosen = plan(GATE_MERGE="shard-*.json -*.json", GATE_REPORTS="sarif", GATE_SHARD="")
    finally:
        os.chdir(cwd)

    assert chosen.argv[:6] == [
        "gate",
        "report",
        "merge",
        "./-odd.json",
        "shard-1.json",
        "shard-2.json",
    ]
    assert chosen.argv[6:] == ["--format=sarif:/runner/temp/gate/gate.sarif"]


@pytest.mark.parametrize(
    ("inputs", "said"),
    [
        ({"GATE_REPORTS": "json pdf"}, "reports: 'pdf' is not one of"),
        ({"GATE_COMMENT": "yes"}, "GATE_COMMENT is 'yes'; write true or false"),
        ({"GATE_ARGS": "--profile 'prod"}, "args: No closing quotation"),
        ({"GATE_MERGE": "nothing-*.json"}, "merge: no file matches"),
    ],
)
def test_inputs_it_cannot_use_are_one_sentence(
    tmp_path: Path, inputs: dict[str, str], said: str
) -> None:
    done, outputs = helper("run", {"RUNNER_TEMP": str(tmp_path), **inputs}, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stdout.startswith(f"::error::gate-action: {said}"), done.stdout
    assert len(done.stdout.splitlines()) == 1
    assert outputs == {}


# --- `run` with the real gate ---------------------------------------------------------------


def test_run_checks_the_repository_and_writes_the_outputs(tmp_path: Path) -> None:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_HELM": str(HELMS["4"]),
        "GATE_CONFIG": "gate.yaml",
        "GATE_REPORTS": "github json",
        "GATE_COMMENT": "true",
    }
    done, outputs = helper("run", env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs["exit-code"] == "0"
    assert json.loads(Path(outputs["json"]).read_text())["passed"] is True
    assert Path(outputs["markdown"]).read_text().strip()
    assert outputs["report-dir"] == str(tmp_path / "gate")
    assert done.stdout.startswith("gate-action: ")  # the command, in the log
    # the text report, folded per target, and the verdict after the annotations
    assert "::group::gate: " in done.stdout and "gate passed" in done.stdout


def test_run_passes_and_hands_gate_failure_to_the_last_step(tmp_path: Path) -> None:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_HELM": str(HELMS["4"]),
        "GATE_CONFIG": "examples/incident/gate.yaml",
        "GATE_REPORTS": "json",
    }
    done, outputs = helper("run", env)

    assert done.returncode == 0
    assert outputs["exit-code"] == "1"
    assert "gate FAILED" in done.stdout


def test_shards_run_and_merge_through_the_action(tmp_path: Path) -> None:
    """Two shards of the repository's pairs, then the merge input over their reports:
    the flags the action passes are the ones gate takes."""
    reports = []
    for number in (1, 2):
        env = {
            "RUNNER_TEMP": str(tmp_path),
            "GATE_BIN": str(GATE),
            "GATE_HELM": str(HELMS["4"]),
            "GATE_SHARD": f"{number}/2",
            "GATE_REPORTS": "json",
            "GATE_REPORT_DIR": str(tmp_path / f"shard-{number}"),
        }
        done, outputs = helper("run", env)
        assert outputs["exit-code"] == "0", done.stdout + done.stderr
        assert f"--shard={number}/2" in done.stdout
        reports.append(json.loads(Path(outputs["json"]).read_text()))
    assert sum(len(r["runs"]) for r in reports) == 3  # backstage x dev, staging, prod

    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_MERGE": f"{tmp_path}/shard-*/gate.json",
        "GATE_REPORTS": "json markdown",
        "GATE_REPORT_DIR": str(tmp_path / "merged"),
    }
    done, outputs = helper("run", env)

    assert outputs["exit-code"] == "0", done.stdout + done.stderr
    merged = json.loads(Path(outputs["json"]).read_text())
    assert len(merged["runs"]) == 3 and merged["passed"] is True
    assert Path(outputs["markdown"]).read_text().strip()


def test_changed_since_through_the_action(tmp_path: Path) -> None:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_HELM": str(HELMS["4"]),
        "GATE_CHANGED_SINCE": "HEAD",
        "GATE_REPORTS": "json",
    }
    done, outputs = helper("run", env)

    assert outputs["exit-code"] == "0", done.stdout + done.stderr
    assert "--changed-since=HEAD" in done.stdout
    assert "changed since HEAD" in done.stderr


def test_a_shell_in_args_runs_nothing(tmp_path: Path) -> None:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_ARGS": "; touch pwned; $(touch pwned2) `touch pwned3`",
        "GATE_REPORTS": "",
    }
    _, outputs = helper("run", env, cwd=tmp_path)

    assert outputs["exit-code"] == "2"  # gate refuses the stray arguments, in one sentence
    assert not list(tmp_path.glob("pwned*"))


def test_a_newline_cannot_start_a_workflow_command(tmp_path: Path) -> None:
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GATE_BIN": str(GATE),
        "GATE_ARGS": "'x\n::error::forged'",
        "GATE_REPORTS": "",
    }
    done, _ = helper("run", env, cwd=tmp_path)

    assert not any(line.startswith("::error::forged") for line in done.stdout.splitlines())


# --- the pull-request comment -------------------------------------------------------------


@dataclass
class FakeGitHub:
    """Issue comments of pull request 7 of o/r, as GitHub's REST API serves them."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    fail_writes: int | None = None
    next_id: int = 1000

    def add(self, body: str, kind: str = "Bot", login: str = "github-actions[bot]") -> int:
        self.next_id += 1
        self.comments.append(
            {"id": self.next_id, "body": body, "user": {"type": kind, "login": login}}
        )
        return self.next_id

    def handler(self) -> type[BaseHTTPRequestHandler]:
        github = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length", 0))
                return json.loads(self.rfile.read(length)) if length else {}

            def record(self) -> None:
                github.requests.append(
                    (self.command, self.path, self.headers.get("Authorization", ""))
                )

            def do_GET(self) -> None:
                self.record()
                url = urlsplit(self.path)
                if url.path != "/repos/o/r/issues/7/comments":
                    return self.reply(404, {"message": "Not Found"})
                query = parse_qs(url.query)
                size, page = int(query["per_page"][0]), int(query["page"][0])
                self.reply(200, github.comments[(page - 1) * size : page * size])

            def do_POST(self) -> None:
                self.record()
                if github.fail_writes:
                    return self.reply(github.fail_writes, {"message": "no"})
                if self.path != "/repos/o/r/issues/7/comments":
                    return self.reply(404, {"message": "Not Found"})
                created = github.add(self.body()["body"])
                self.reply(201, {"id": created})

            def do_PATCH(self) -> None:
                self.record()
                if github.fail_writes:
                    return self.reply(github.fail_writes, {"message": "no"})
                match = re.fullmatch(r"/repos/o/r/issues/comments/(\d+)", self.path)
                found = [c for c in github.comments if match and c["id"] == int(match[1])]
                if not found:
                    return self.reply(404, {"message": "Not Found"})
                found[0]["body"] = self.body()["body"]
                self.reply(200, found[0])

        return Handler

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _ in self.requests if m != "GET"]


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def comment_env(tmp_path: Path, api: str, markdown: str | None, **more: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_API_URL": api,
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "42",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": "t0ken",
        "GATE_CONFIG": "gate.yaml",
        "GATE_EXIT": "1",
    }
    if markdown is not None:
        report = tmp_path / "gate.md"
        report.write_text(markdown, encoding="utf-8")
        env["GATE_MARKDOWN"] = str(report)
    return {**env, **more}


def test_one_comment_is_created_then_updated(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    fake, api = github

    first, _ = helper("comment", comment_env(tmp_path, api, "## gate FAILED\n"))
    second, _ = helper("comment", comment_env(tmp_path, api, "## gate passed\n"))

    assert first.returncode == 0 and second.returncode == 0, first.stdout + second.stdout
    (only,) = fake.comments
    assert only["body"] == "<!-- gate-report: gate.yaml -->\n## gate passed\n"
    assert fake.writes() == [
        ("POST", "/repos/o/r/issues/7/comments"),
        ("PATCH", f"/repos/o/r/issues/comments/{only['id']}"),
    ]
    assert {auth for _, _, auth in fake.requests} == {"Bearer t0ken"}
    assert f"updated comment {only['id']}" in second.stdout


def test_a_person_quoting_the_marker_is_left_alone(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    fake, api = github
    theirs = fake.add("<!-- gate-report: gate.yaml -->\nlook, I can fake it", kind="User")

    done, _ = helper("comment", comment_env(tmp_path, api, "report\n"))

    assert done.returncode == 0, done.stdout
    assert fake.comments[0]["id"] == theirs
    assert fake.comments[0]["body"].endswith("fake it")
    assert fake.writes() == [("POST", "/repos/o/r/issues/7/comments")]


def test_each_config_keeps_its_own_comment(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, api = github
    for _ in range(2):
        for config in ("gate.yaml", "platform/gate.yaml"):
            helper("comment", comment_env(tmp_path, api, f"{config}\n", GATE_CONFIG=config))

    assert sorted(c["body"].splitlines()[0] for c in fake.comments) == [
        "<!-- gate-report: gate.yaml -->",
        "<!-- gate-report: platform/gate.yaml -->",
    ]


def test_the_comment_is_found_on_a_later_page(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    fake, api = github
    for number in range(150):
        fake.add(f"comment {number}", kind="User", login="someone")
    ours = fake.add("<!-- gate-report: gate.yaml -->\nold")

    done, _ = helper("comment", comment_env(tmp_path, api, "new\n"))

    assert done.returncode == 0, done.stdout
    assert fake.writes() == [("PATCH", f"/repos/o/r/issues/comments/{ours}")]
    assert len(fake.comments) == 151


def test_a_key_cannot_close_the_marker_early() -> None:
    assert ACTION.marker("a --> <b>") == "<!-- gate-report: a-b -->"


def test_a_read_only_token_is_a_warning(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, api = github
    fake.fail_writes = 403

    done, _ = helper("comment", comment_env(tmp_path, api, "report\n"))

    assert done.returncode == 0
    assert done.stdout.startswith("::warning::gate could not comment on pull request #7")
    assert "pull-requests: write" in done.stdout


def test_a_server_error_fails_the_step(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, api = github
    fake.fail_writes = 502

    done, _ = helper("comment", comment_env(tmp_path, api, "report\n"))

    assert done.returncode == 1
    assert done.stdout.startswith("::error::gate could not comment on pull request #7: HTTP 502")


def test_no_pull_request_no_comment(github: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    fake, api = github
    env = comment_env(tmp_path, api, "report\n")
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps({"ref": "refs/heads/main"}))

    done, _ = helper("comment", env)

    assert done.returncode == 0
    assert fake.requests == []
    assert "no pull request" in done.stdout


def test_gate_that_could_not_run_still_updates_the_comment(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    fake, api = github

    done, _ = helper("comment", comment_env(tmp_path, api, None, GATE_EXIT="2"))

    assert done.returncode == 0, done.stdout
    (only,) = fake.comments
    assert "**gate could not run** (exit 2)" in only["body"]
    assert "https://github.example/o/r/actions/runs/42" in only["body"]


def test_a_huge_report_is_cut_to_what_a_comment_holds(
    github: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    fake, api = github
    markdown = "".join(f"| row {n} | {'x' * 90} |\n" for n in range(2000))

    done, _ = helper("comment", comment_env(tmp_path, api, markdown))

    assert done.returncode == 0, done.stdout
    (only,) = fake.comments
    assert len(only["body"]) <= 65_536
    assert "longer than a comment can hold" in only["body"]
    assert "| row 0 |" in only["body"]
