"""Reports: each format turns a finished Report into text. Formats never compute."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import click

from gate.model import Finding, RuleDoc, Severity, ValuesCoverage

if TYPE_CHECKING:  # types only: these modules judge reports, so they import this one
    from gate.baseline import BaselineStatus
    from gate.changes import ChangedSince
    from gate.shards import Shard


@dataclass(frozen=True)
class Summary:
    targets: int
    profiles: int
    objects: int
    errors: int
    warnings: int
    drift: int
    skipped: int = 0  # objects gate's own policies left alone (helm test hooks)


@dataclass(frozen=True)
class RunLine:
    """One target x profile as the run saw it."""

    target: str
    profile: str
    objects: int
    rendered: bool
    values: ValuesCoverage | None = None  # when the values analysis ran
    picked: str | None = None  # --changed-since: why this pair was checked
    seconds: float = 0.0  # helm's time for this rendering (JUnit's suite time)
    skipped: int = 0  # helm test hooks gate's own policies left alone (docs/policies.md)


@dataclass(frozen=True)
class Report:
    passed: bool
    exit_code: int
    summary: Summary
    findings: tuple[Finding, ...]
    runs: tuple[RunLine, ...]
    helm: str = ""
    fail_on: Severity = Severity.ERROR  # --fail-on: the lowest severity that fails the gate
    # Selection and CI options (gate/changes.py, gate/shards.py, gate/baseline.py): what
    # this run covered and what its baseline accepted; None when not asked for.
    changed_since: ChangedSince | None = None
    shard: Shard | None = None
    baseline: BaselineStatus | None = None
    # What every rule checks and where it is documented (gate/rules.py), for the
    # formats that describe their rules; a rule found but not here is described by id.
    rules: tuple[RuleDoc, ...] = ()


@dataclass(frozen=True)
class Style:
    color: bool = False
    quiet: bool = False


Formatter = Callable[[Report, Style], str]


def paint(text: str, style: Style, **options: object) -> str:
    """Colour for a terminal; plain text everywhere else."""
    return click.style(text, **options) if style.color else text  # type: ignore[arg-type]


def plural(count: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def inert(line: str) -> str:
    """A line a CI log cannot take for a workflow command. GitHub's runner reads any line
    that starts with `::`, after spaces, as one (`::error file=...` makes an annotation,
    `::stop-commands::` hides the rest), and helm's error or a values key can put `::`
    at the start of a line gate prints; its first colon is then shown escaped, `\\x3a`,
    as gate shows control characters."""
    stripped = line.lstrip()
    if not stripped.startswith("::"):
        return line
    return line[: len(line) - len(stripped)] + "\\x3a" + stripped[1:]


def bounded(text: str, limit: int, hint: str) -> str:
    """`text` cut to at most about `limit` characters, saying how much was left out and
    where to read it all: one drift of a big ConfigMap is half a megabyte, which no
    annotation or alert shows usefully."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters; {hint})"


_ARCHIVE = re.compile(r"(.+?\.tgz)#(.+)", re.DOTALL)


def archive_member(file: str) -> tuple[str, str]:
    """`charts/x.tgz#x/templates/y.yaml` -> (`charts/x.tgz`, `x/templates/y.yaml`); any
    other file -> (file, ""). Only a `.tgz` (the archives helm loads from charts/) is
    followed by a member: a `#` in a file's own name is part of the name."""
    match = _ARCHIVE.fullmatch(file)
    return (match[1], match[2]) if match else (file, "")


def in_repository(file: str) -> bool:
    """A file named relative to the repository root (docs/reports.md, "The file"): not
    stdin (`<stdin>`), not a path outside the root (absolute, or through `..`, as
    gate.yaml or the command line gave it). An `ARCHIVE#MEMBER` is in the repository
    when its archive is."""
    if not file or (file.startswith("<") and file.endswith(">")):
        return False
    path = PurePosixPath(archive_member(file)[0])
    return not path.is_absolute() and ".." not in path.parts


def where_to_read(finding: Finding) -> str:
    """The command that shows a finding whole."""
    return "run gate diff" if finding.category.value == "golden" else "see gate's text report"


def formatters() -> dict[str, Formatter]:
    from gate.report import github, junit, markdown, sarif, text
    from gate.report import json as json_report

    return {
        "text": text.format_report,
        "json": json_report.format_report,
        "junit": junit.format_report,
        "sarif": sarif.format_report,
        "github": github.format_report,
        "markdown": markdown.format_report,
    }
