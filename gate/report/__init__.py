"""Reports: each format turns a finished Report into text. Formats never compute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from gate.model import Finding, Severity, ValuesCoverage

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


@dataclass(frozen=True)
class RunLine:
    """One target x profile as the run saw it."""

    target: str
    profile: str
    objects: int
    rendered: bool
    values: ValuesCoverage | None = None  # when the values analysis ran
    picked: str | None = None  # --changed-since: why this pair was checked


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
