#!/usr/bin/env python3
"""The GitHub Action's two steps that are more than a line (action.yml runs them):

    gate_action.py run       run gate as the inputs ask; write the step's outputs
    gate_action.py comment   keep one pull-request comment up to date

Every input arrives through the environment (action.yml's `env:`), never through
`${{ }}` inside a script: an input, a branch name or a pull request's title can hold
shell syntax, and GitHub pastes `${{ }}` into the script before the shell reads it.
gate runs as an argument list, never through a shell, and each value travels as
`--name=value`, so no value can become an option of its own.

Standard library only: it runs on the runner's Python before or beside gate's venv.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Where each report format lands in the report folder; `github` annotations go to
# stdout, where the runner reads workflow commands.
FILES = {
    "json": "gate.json",
    "sarif": "gate.sarif",
    "junit": "gate-junit.xml",
    "markdown": "gate.md",
    "text": "gate.txt",
}
STDOUT_FORMATS = ("github",)
OUTPUTS = ("json", "sarif", "junit", "markdown")

# GitHub refuses a comment longer than 65,536 characters; room is kept for the marker
# and the closing lines.
COMMENT_LIMIT = 65_536
COMMENT_ROOM = 1_000
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 comments: past that, a new comment is cheaper than the search


class InputError(Exception):
    """An input the action cannot use: one sentence, exit 2 like gate's own."""


def flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false"):
        raise InputError(f"{name} is {value!r}; write true or false")
    return value == "true"


def formats(env: Mapping[str, str]) -> list[str]:
    """The reports input (`json sarif`, `json, markdown`), plus what uploads and the
    comment need, in a stable order without repeats."""
    wanted = [f for f in re.split(r"[\s,]+", env.get("GATE_REPORTS", "")) if f]
    if flag(env, "GATE_UPLOAD_SARIF"):
        wanted.append("sarif")
    if flag(env, "GATE_COMMENT"):
        wanted.append("markdown")
    known = (*FILES, *STDOUT_FORMATS)
    for name in wanted:
        if name not in known:
            raise InputError(f"reports: {name!r} is not one of {', '.join(known)}")
    return list(dict.fromkeys(wanted))


def shard_label(shard: str) -> str:
    return "shard-" + shard.replace("/", "-of-") if shard else ""


def category(env: Mapping[str, str]) -> str:
    """The code-scanning category of this run: two configs, or two shards, must not
    replace each other's results (gate's SARIF also names each target/profile)."""
    given = env.get("GATE_SARIF_CATEGORY", "").strip()
    if given:
        return given
    parts = ["gate"]
    config = env.get("GATE_CONFIG", "").strip()
    if config and config != "gate.yaml":
        parts.append(config)
    shard = env.get("GATE_SHARD", "").strip()
    if shard:
        parts.append(shard_label(shard))
    return "/".join(parts)


def merge_files(patterns: str) -> list[str]:
    """The JSON reports a `merge` input names (globs, space separated), sorted."""
    found: set[str] = set()
    for pattern in patterns.split():
        found.update(glob.glob(pattern, recursive=True))
    if not found:
        raise InputError(f"merge: no file matches {patterns!r}; download the shards' reports first")
    # A file whose name starts with `-` must not read as an option.
    return [f"./{name}" if name.startswith("-") else name for name in sorted(found)]


@dataclass(frozen=True)
class Plan:
    argv: list[str]
    outputs: dict[str, str]


def plan(env: Mapping[str, str]) -> Plan:
    gate = env.get("GATE_BIN", "").strip() or "gate"
    folder = Path(env.get("GATE_REPORT_DIR", "").strip() or Path(env["RUNNER_TEMP"], "gate"))
    wanted = formats(env)
    merge = env.get("GATE_MERGE", "").strip()
    if merge:
        argv = [gate, "report", "merge", *merge_files(merge)]
    else:
        argv = [gate, "check"]
        config = env.get("GATE_CONFIG", "").strip()
        if config:
            argv.append(f"--config={config}")
        for name, option in (("GATE_CHANGED_SINCE", "changed-since"), ("GATE_SHARD", "shard")):
            value = env.get(name, "").strip()
            if value:
                argv.append(f"--{option}={value}")
    try:
        argv += shlex.split(env.get("GATE_ARGS", ""))
    except ValueError as error:
        raise InputError(f"args: {error}; quote as a shell would") from None
    outputs = {name: "" for name in OUTPUTS}
    for name in wanted:
        if name in STDOUT_FORMATS:
            argv.append(f"--format={name}")
            continue
        path = folder / FILES[name]
        argv.append(f"--format={name}:{path}")
        outputs[name] = str(path)
    outputs["report-dir"] = str(folder)
    outputs["sarif-category"] = category(env)
    return Plan(argv, outputs)


def write_outputs(outputs: Mapping[str, str], env: Mapping[str, str]) -> None:
    target = env.get("GITHUB_OUTPUT")
    lines = "".join(f"{key}={value}\n" for key, value in outputs.items())
    if "\n" in "".join(outputs.values()):  # a name= line cannot carry a newline
        raise InputError("a report path holds a newline; pick another report-dir")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        sys.stdout.write(lines)


def run(env: Mapping[str, str]) -> int:
    """Run gate; its exit code becomes the `exit-code` output, and this step passes so
    that the SARIF upload and the comment still happen. The action's last step fails
    the job with gate's code."""
    chosen = plan(env)
    Path(chosen.outputs["report-dir"]).mkdir(parents=True, exist_ok=True)
    # A value could hold a newline, and a log line that starts with `::` is a workflow
    # command to the runner: the command line is shown on one line.
    shown = shlex.join(chosen.argv).replace("\r", "\\r").replace("\n", "\\n")
    print(f"gate-action: {shown}", flush=True)
    try:
        code = subprocess.run(chosen.argv, check=False).returncode
    except OSError as error:
        print(f"::error::gate could not start ({error}); is it installed?", flush=True)
        code = 2
    write_outputs({**chosen.outputs, "exit-code": str(code)}, env)
    return 0


# --- the pull-request comment ----------------------------------------------------------------


def marker(key: str) -> str:
    """The hidden line that finds this comment again; `--` and `>` cannot end it early."""
    safe = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._/-]+", "-", key)).strip("-") or "gate"
    return f"<!-- gate-report: {safe} -->"


def comment_body(env: Mapping[str, str], key: str) -> str:
    run_url = "{}/{}/actions/runs/{}".format(
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    path = env.get("GATE_MARKDOWN", "").strip()
    markdown = ""
    if path:
        try:
            markdown = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            markdown = ""
    if not markdown.strip():
        code = env.get("GATE_EXIT", "?")
        markdown = (
            f"**gate could not run** (exit {code}), so there is no report to show: "
            f"the job log says why ({run_url}).\n"
        )
    limit = COMMENT_LIMIT - COMMENT_ROOM
    if len(markdown) > limit:
        cut = markdown.rfind("\n", 0, limit)
        markdown = markdown[: cut if cut > 0 else limit] + (
            f"\n\n… the report is longer than a comment can hold; the whole report is in the "
            f"job's step summary and log: {run_url}\n"
        )
    return f"{marker(key)}\n{markdown}"


class Api:
    """The few GitHub REST calls the comment needs, with the job's token."""

    def __init__(self, env: Mapping[str, str]):
        self.base = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
        self.repository = env["GITHUB_REPOSITORY"]
        self.token = env.get("GITHUB_TOKEN", "")

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "User-Agent": "gate-action",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def find(self, number: int, mark: str) -> int | None:
        """The id of this action's comment: it starts with the marker and a bot (the
        job's token) wrote it, so a person quoting the marker is never overwritten."""
        for page in range(1, MAX_PAGES + 1):
            comments = self.call(
                "GET",
                f"/repos/{self.repository}/issues/{number}/comments"
                f"?per_page={PER_PAGE}&page={page}",
            )
            for comment in comments:
                user = comment.get("user") or {}
                if str(comment.get("body", "")).startswith(mark) and user.get("type") == "Bot":
                    return int(comment["id"])
            if len(comments) < PER_PAGE:
                return None
        return None


def pull_request_number(env: Mapping[str, str]) -> int | None:
    try:
        event = json.loads(Path(env.get("GITHUB_EVENT_PATH", "")).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    number = (event.get("pull_request") or {}).get("number")
    return number if isinstance(number, int) else None


def comment(env: Mapping[str, str]) -> int:
    number = pull_request_number(env)
    if number is None:
        print("gate-action: this event has no pull request; no comment written")
        return 0
    key = env.get("GATE_COMMENT_KEY", "").strip() or env.get("GATE_CONFIG", "") or "gate"
    body = comment_body(env, key)
    api = Api(env)
    try:
        found = api.find(number, marker(key))
        if found is None:
            api.call("POST", f"/repos/{api.repository}/issues/{number}/comments", {"body": body})
            print(f"gate-action: commented on pull request #{number}")
        else:
            api.call("PATCH", f"/repos/{api.repository}/issues/comments/{found}", {"body": body})
            print(f"gate-action: updated comment {found} on pull request #{number}")
    except urllib.error.HTTPError as error:
        if error.code in (401, 403, 404):
            # A pull request from a fork gets a read-only token, and a workflow without
            # `pull-requests: write` too: the report is still in the log and summary.
            print(
                f"::warning::gate could not comment on pull request #{number} (HTTP "
                f"{error.code}): the job's token cannot write there (a pull request from a "
                "fork, or no `pull-requests: write` permission); the report is in the job "
                "log and step summary"
            )
            return 0
        print(f"::error::gate could not comment on pull request #{number}: HTTP {error.code}")
        return 1
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        print(f"::error::gate could not comment on pull request #{number}: {error}")
        return 1
    return 0


def main(argv: Sequence[str], env: Mapping[str, str]) -> int:
    commands = {"run": run, "comment": comment}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: gate_action.py run|comment", file=sys.stderr)
        return 2
    try:
        return commands[argv[0]](env)
    except InputError as error:
        print(f"::error::gate-action: {error}", flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
