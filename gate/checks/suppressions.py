"""Suppressions where the object lives: an annotation on a rendered object turns one rule
off for that object, with the reason carried into every report.

    metadata:
      annotations:
        gate.dev/ignore.image-digest-pinned: "the vendor publishes no digests; tracked in OPS-12"

A suppression names one rule id after `gate.dev/ignore.`; its value is the reason, and a
suppression without one (empty, or only spaces) is itself an error finding and
suppresses nothing: a reviewer must be able to read why. One that names no rule gate
knows is a warning with a did-you-mean. gate.yaml exemptions stay the place for expiry
dates and for findings that are not about one object (docs/policies.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from gate.checks.locate import Locate
from gate.checks.policies.paths import format_path
from gate.config import did_you_mean
from gate.model import Category, Finding, RenderedObject, Severity

PREFIX = "gate.dev/ignore."
# The findings about one object that an annotation on it may suppress.
SUPPRESSIBLE = frozenset({Category.POLICY, Category.SCHEMA})


def _annotations(obj: RenderedObject) -> dict[str, object]:
    metadata = obj.body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def suppress(
    findings: Sequence[Finding],
    objects: Sequence[RenderedObject],
    locate: Locate,
    known_rules: Collection[str],
) -> list[Finding]:
    """`findings` (of `objects`, one rendering) with each one an annotation suppresses
    marked with its reason, plus a finding for each annotation gate cannot honour."""
    reasons: dict[tuple[str, str, str], dict[str, str]] = {}
    problems: list[Finding] = []
    for obj in objects:
        for key, value in _annotations(obj).items():
            if not isinstance(key, str) or not key.startswith(PREFIX):
                continue
            rule = key[len(PREFIX) :]
            path = ("metadata", "annotations", key)
            file, line = locate(obj, path)
            reason = value.strip() if isinstance(value, str) else ""
            if rule not in known_rules:
                problems.append(
                    _problem(
                        obj,
                        "suppression-unknown-rule",
                        Severity.WARNING,
                        f"annotation {key} names no rule gate knows, so it suppresses "
                        f"nothing{did_you_mean(rule, known_rules)}",
                        path,
                        file,
                        line,
                    )
                )
            elif not reason:
                problems.append(
                    _problem(
                        obj,
                        "suppression-without-reason",
                        Severity.ERROR,
                        f"annotation {key} suppresses {rule} without a reason; write why as "
                        "its value (it appears in every report), or remove it",
                        path,
                        file,
                        line,
                    )
                )
            else:
                reasons.setdefault((obj.target, obj.profile, obj.identity), {})[rule] = reason
    if not reasons:
        return [*findings, *problems]
    marked = []
    for finding in findings:
        on_object = reasons.get((finding.target, finding.profile, finding.object), {})
        why = on_object.get(finding.rule)
        if why is not None and finding.category in SUPPRESSIBLE:
            finding = dataclasses.replace(finding, suppressed=why)
        marked.append(finding)
    return [*marked, *problems]


def _problem(
    obj: RenderedObject,
    rule: str,
    severity: Severity,
    message: str,
    path: tuple[str, ...],
    file: str,
    line: int | None,
) -> Finding:
    return Finding(
        Category.POLICY,
        rule,
        severity,
        message,
        target=obj.target,
        profile=obj.profile,
        object=obj.identity,
        path=format_path(path),
        file=file,
        line=line,
    )
