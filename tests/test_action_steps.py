"""action.yml's steps, run in order the way a runner runs a composite action: each
`run:` script with bash and its `env:` (expressions resolved from the inputs, the
event and the outputs of earlier steps), `if:` conditions evaluated, GITHUB_OUTPUT
read back after each step. The two third-party steps are stood in for: setup-python
answers with this interpreter, and the SARIF upload records what it was given. So the
wiring (input names, output names, conditions) is tested with a real `pip install` of
this repository, the real gate and helm, and the comment sent to a stand-in GitHub."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import HELMS, REPO
from tests.test_action import FakeGitHub, github  # noqa: F401 (a fixture)

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TOKEN = re.compile(r"\s*('(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][\w.-]*|\d+)")


@dataclass
class Runner:
    """What a runner knows while it runs the action's steps."""

    inputs: dict[str, str]
    event: dict[str, Any]
    temp: Path
    env: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    uploads: list[dict[str, str]] = field(default_factory=list)

    def lookup(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        if head == "inputs":
            return self.inputs.get(rest, "")
        if head == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.steps.get(step, {}).get(output, "")
        if head == "github":
            value: Any = {
                "event": self.event,
                "repository": "o/r",
                "token": "t0ken",
                "event_name": "pull_request" if "pull_request" in self.event else "push",
            }
            for part in rest.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return value
        if name == "runner.temp":
            return str(self.temp)
        raise AssertionError(f"action.yml uses {name}, which this runner does not know")

    def evaluate(self, expression: str) -> Any:
        """GitHub's expression syntax as action.yml uses it, translated to Python."""
        python = []
        position = 0
        while position < len(expression.rstrip()):
            match = TOKEN.match(expression, position)
            assert match, f"cannot read {expression[position:]!r}"
            token, position = match.group(1), match.end()
            if token.startswith("'"):
                python.append(repr(token[1:-1].replace("''", "'")))
            elif token in ("&&", "||", "!"):
                python.append({"&&": " and ", "||": " or ", "!": " not "}[token])
            elif token in ("==", "!=", "(", ")") or token.isdigit():
                python.append(token)
            elif token in ("true", "false"):
                python.append(str(token == "true"))
            else:
                python.append(repr(self.lookup(token)))
        # Built from the tokens above only: quoted literals and looked-up values.
        return eval("".join(python))

    def substitute(self, text: object) -> str:
        def value(match: re.Match[str]) -> str:
            result = self.evaluate(match.group(1))
            return "" if result is None else str(result)

        if isinstance(text, bool):  # YAML's true and false reach an action as strings
            return str(text).lower()
        return EXPRESSION.sub(value, str(text))

    def run(self) -> int:
        """Every step in order; the exit code of the first that fails, else 0."""
        defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        self.inputs = {**{k: self.substitute(v) for k, v in defaults.items()}, **self.inputs}
        for step in ACTION["runs"]["steps"]:
            condition = step.get("if")
            if condition is not None and not self.evaluate(str(condition)):
                self.log.append(f"skipped {step['id']}")
                continue
            code = self.step(step)
            if code != 0:
                return code
        return 0

    def step(self, step: dict[str, Any]) -> int:
        uses = step.get("uses", "")
        given = {k: self.substitute(v) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("actions/setup-python@"):
            assert given["update-environment"] == "false"
            self.steps[step["id"]] = {"python-path": sys.executable}
            return 0
        if uses.startswith("github/codeql-action/upload-sarif@"):
            self.uploads.append(given)
            return 0
        assert not uses, f"no stand-in for {uses}"
        assert step["shell"] == "bash"
        outputs = self.temp / f"output-{step['id']}"
        outputs.write_text("")
        env = {
            **self.env,
            **{k: self.substitute(v) for k, v in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(self.temp),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        self.log.append(f"{step['id']}: {done.returncode}\n{done.stdout}{done.stderr}")
        self.steps[step["id"]] = dict(
            line.split("=", 1) for line in outputs.read_text().splitlines() if line
        )
        return done.returncode


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RUNNER_TEMP for the module: the action's venv is built by the first test and
    the install step of the others finds it (a runner's temp is per job; this saves a
    `pip install` per test, not a step)."""
    return tmp_path_factory.mktemp("runner")


@pytest.fixture
def runner_env(
    tmp_path: Path,
    github: tuple[FakeGitHub, str],  # noqa: F811 (the fixture)
) -> Iterator[tuple[dict[str, str], FakeGitHub]]:
    fake, api = github
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    keep = ("HOME", "LANG", "PIP_CACHE_DIR", "XDG_CACHE_HOME", "PIP_FIND_LINKS", "PIP_CERT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        {
            # The helm of .tools/ is "the helm on PATH" of this runner: `auto` finds it.
            "PATH": f"{HELMS['4'].parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_API_URL": api,
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "42",
            "GITHUB_EVENT_PATH": str(event),
        }
    )
    yield env, fake


def test_the_action_checks_comments_uploads_and_passes(
    runner_temp: Path, runner_env: tuple[dict[str, str], FakeGitHub]
) -> None:
    env, fake = runner_env
    runner = Runner(
        inputs={"reports": "github json", "comment": "true", "upload-sarif": "true"},
        event={"pull_request": {"number": 7, "head": {"repo": {"full_name": "o/r"}}}},
        temp=runner_temp,
        env=env,
    )

    code = runner.run()

    assert code == 0, "\n".join(runner.log)
    assert runner.steps["run"]["exit-code"] == "0"
    (upload,) = runner.uploads
    assert Path(upload["sarif_file"]).is_file()
    assert upload["category"] == "gate"
    (comment,) = fake.comments
    assert comment["body"].startswith("<!-- gate-report: gate.yaml -->\n")
    installed = Path(runner.steps["install"]["gate"])
    assert installed.is_relative_to(runner.temp)  # the action's own venv, not the job's
    assert runner.steps["install"]["helm"] == str(HELMS["4"])


def test_a_failing_gate_still_comments_then_fails_the_job(
    runner_temp: Path, runner_env: tuple[dict[str, str], FakeGitHub]
) -> None:
    env, fake = runner_env
    runner = Runner(
        inputs={"config": "examples/incident/gate.yaml", "comment": "true"},
        event={"pull_request": {"number": 7, "head": {"repo": {"full_name": "fork/r"}}}},
        temp=runner_temp,
        env=env,
    )

    code = runner.run()

    assert code == 1, "\n".join(runner.log)
    assert runner.steps["run"]["exit-code"] == "1"
    (comment,) = fake.comments
    assert "gate failed" in comment["body"].lower()
    assert runner.uploads == []  # upload-sarif is off
    assert "::error::gate failed" in runner.log[-1]


def test_a_fork_pull_request_skips_the_upload(
    runner_temp: Path, runner_env: tuple[dict[str, str], FakeGitHub]
) -> None:
    env, _ = runner_env
    runner = Runner(
        inputs={"upload-sarif": "true", "reports": "json"},
        event={"pull_request": {"number": 7, "head": {"repo": {"full_name": "fork/r"}}}},
        temp=runner_temp,
        env=env,
    )

    assert runner.run() == 0, "\n".join(runner.log)
    assert runner.uploads == []
    assert "skipped upload" in runner.log
    assert "skipped comment" in runner.log
