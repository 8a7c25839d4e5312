"""The findings of a whole `gate check`, kept for the next run with the same inputs.

When nothing changed since the last check (the common case of a push that
touched no chart, or a second `make gate`), rendering again from the render
cache still splits, validates and checks every object. This cache keeps what
the check found instead, under a key over every input of the verdict:

- gate's own code (gate/render_cache.py code_digest);
- gate.yaml's bytes (targets, profiles, overrides, exemptions, limits, values
  settings), the bytes of every policy file loaded (the built-in pack
  included) and of every CRD file or folder;
- for each target x profile pair, in order, its render key (helm, its
  arguments, every chart file, every values file's content);
- the golden folder, every file of it, when golden files are compared.

What a check finds does not depend on the date; exemptions, which do, are
applied to the kept findings on every run (Gate.finish), as are the baseline,
`--fail-on` and the formats. Entries live in `cache.dir/results/`, signed like
the render cache (docs/cache.md): a planted entry is rendered again, never
believed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from gate.model import Category, Finding, Severity
from gate.report import RunLine

FORMAT = 1


def results_key(parts: Sequence[Any]) -> str:
    """The key of a check over `parts` (JSON-able digests and names, in order)."""
    text = json.dumps([FORMAT, *parts], separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def encode(findings: Sequence[Finding], runs: Sequence[RunLine]) -> str | None:
    """The findings and run lines of a check as an entry holds them; None for runs that
    carry a values coverage (`gate values` shows those; a check never keeps them)."""
    if any(run.values is not None for run in runs):
        return None
    return json.dumps(
        {
            "findings": [_finding(f) for f in findings],
            "runs": [dataclasses.asdict(r) for r in runs],
        },
        separators=(",", ":"),
    )


def decode(text: str) -> tuple[list[Finding], list[RunLine]] | None:
    """What `encode` wrote (its MAC already verified); None when it cannot be read back
    (an entry of another format): the check then runs."""
    try:
        data = json.loads(text)
        findings = [
            Finding(
                **{
                    **record,
                    "category": Category(record["category"]),
                    "severity": Severity(record["severity"]),
                }
            )
            for record in data["findings"]
        ]
        runs = [RunLine(**record) for record in data["runs"]]
    except (ValueError, KeyError, TypeError):
        return None
    return findings, runs


def _finding(finding: Finding) -> dict[str, Any]:
    record = dataclasses.asdict(finding)
    record["category"], record["severity"] = finding.category.value, finding.severity.value
    return record
