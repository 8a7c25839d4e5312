"""SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers.

What GitHub accepts decides the shape (docs/reports.md, "SARIF"):

- one run per target x profile, each with its own `automationDetails.id`
  (`gate/<target>/<profile>/`: the category is everything before the last `/`).
  GitHub keeps one analysis per tool and category, so a profile's alerts are never
  merged with another's, and a run that checked only some pairs (--changed-since,
  --shard) leaves the other pairs' alerts as they were. Since July 2025 GitHub refuses a
  file holding two runs of one tool and category; distinct ids are what it accepts.
  Findings that belong to no checked pair (an exemption, a stale golden file) are one
  more run, `gate/gate.yaml/`, present even when empty so that fixed ones close;
- every rule of every run described (title, description, help, documentation link),
  since GitHub shows them beside each alert;
- `partialFingerprints` from what a finding is (rule, target, profile, object, path),
  never its line or wording, so an alert survives a template's lines moving;
- URIs relative to the repository root (`%SRCROOT%`) and percent-encoded; a file
  outside the repository, or stdin, has no URI: its location is a message and the
  object a logical location.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from gate import __version__, baseline
from gate.model import Finding, RuleDoc, Severity
from gate.report import (
    Report,
    RunLine,
    Style,
    archive_member,
    bounded,
    in_repository,
    where_to_read,
)

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT = "%SRCROOT%"
CONFIGURATION = "gate.yaml"  # the run of findings that belong to no checked pair
# GitHub shows at most 1,024 characters of a rule's short and full description.
DESCRIPTION_LIMIT = 1_024
# A message is an alert's title and first paragraph; a half-megabyte drift is neither.
MESSAGE_LIMIT = 8_000
FINGERPRINT = "gate/v1"


def automation_id(target: str, profile: str) -> str:
    """`gate/<target>/<profile>/`; each name percent-encoded, so a file name of `gate
    validate` holding `/` still makes one category of its own."""
    return f"gate/{quote(target, safe='')}/{quote(profile, safe='')}/"


def fingerprint(finding: Finding) -> str:
    """What the finding is, hashed: the identity a baseline keys on (gate/baseline.py;
    DESIGN.md, "Selection, baseline and GitHub"), never its line or message."""
    key = "\0".join(dataclasses.astuple(baseline.entry(finding)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def uri(file: str) -> str:
    """A repository-relative path as a URI reference: spaces, commas, `#`, `%` and
    non-ASCII letters percent-encoded (RFC 3986); `/` stays a separator."""
    return quote(file, safe="/")


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0] + "..."


def _name(rule: str) -> str:
    """`image-digest-pinned` -> `ImageDigestPinned`: SARIF's friendly rule name."""
    return "".join(part[:1].upper() + part[1:] for part in rule.replace("_", "-").split("-"))


def _params(doc: RuleDoc) -> str:
    return ", ".join(f"{name} = {json.dumps(value)}" for name, value in doc.params)


def _help(doc: RuleDoc, description: str) -> tuple[str, str]:
    """The rule's help as text and as Markdown (GitHub shows the Markdown beside each
    alert): title, what it finds, default severity, parameters, where to read more."""
    where = "in gate's documentation" if doc.docs.startswith("docs/") else "in this repository"
    text = [doc.title, description, f"Default severity: {doc.severity.value}."]
    markdown = [f"**{doc.title}**", description, f"Default severity: `{doc.severity.value}`."]
    if doc.params:
        text.append(f"Parameters: {_params(doc)} (gate.yaml `overrides` tune them).")
        shown = ", ".join(f"`{name}` = `{json.dumps(value)}`" for name, value in doc.params)
        markdown.append(f"Parameters: {shown} (gate.yaml `overrides` tune them).")
    if doc.docs:
        text.append(
            f"Documentation: {doc.docs} ({where})" + (f": {doc.help_uri}" if doc.help_uri else ".")
        )
        link = f"[`{doc.docs}`]({doc.help_uri})" if doc.help_uri else f"`{doc.docs}`"
        markdown.append(f"Documentation: {link} ({where}).")
    return "\n\n".join(text), "\n\n".join(markdown)


def _rule(doc: RuleDoc) -> dict[str, Any]:
    description = doc.description or f"{doc.title}."
    text, markdown = _help(doc, description)
    rule: dict[str, Any] = {
        "id": doc.id,
        "name": _name(doc.id),
        "shortDescription": {"text": _cut(doc.title, DESCRIPTION_LIMIT)},
        "fullDescription": {"text": _cut(description, DESCRIPTION_LIMIT)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[doc.severity]},
        "properties": {
            "tags": ["gate", doc.category.value],
            # The checks are deterministic: what they report is there.
            "precision": "very-high",
            "problem.severity": PROBLEM[doc.severity],
        },
    }
    if doc.help_uri:
        rule["helpUri"] = doc.help_uri
    return rule


def _undocumented(finding: Finding) -> RuleDoc:
    """A rule the report carries no documentation for (a report merged from JSON)."""
    return RuleDoc(
        finding.rule,
        finding.rule,
        f"gate rule {finding.rule}: `gate policies` lists the loaded policies; "
        "docs/reports.md names where each check's rules are documented.",
        finding.severity,
        finding.category,
        "",
    )


def _message(finding: Finding) -> str:
    pair = "/".join(name for name in (finding.target, finding.profile) if name)
    head = f"{pair}: " if pair else ""
    lines = [head + finding.message]
    if finding.object:
        lines.append(f"Object: {finding.object}")
    if finding.path:
        lines.append(f"At: {finding.path}")
    if finding.file and (not in_repository(finding.file) or archive_member(finding.file)[1]):
        # No URI can say it: an archive's member, a file outside the repository, stdin.
        lines.append(f"In: {finding.file}" + (f":{finding.line}" if finding.line else ""))
    if finding.suggestion and finding.suggestion not in finding.message:
        lines.append(f"Did you mean: {finding.suggestion}")
    if finding.exempted is not None:
        lines.append(f"Exempted: {finding.exempted}")
    if finding.suppressed is not None:
        lines.append(f"Suppressed on the object: {finding.suppressed}")
    if finding.baselined:
        lines.append("In the baseline: accepted, does not fail the gate")
    return bounded("\n".join(lines), MESSAGE_LIMIT, where_to_read(finding))


def _location(finding: Finding) -> dict[str, Any]:
    logical: list[dict[str, Any]] = []
    if finding.object:
        logical.append(
            {
                "name": finding.object.rsplit("/", 1)[-1],
                "fullyQualifiedName": finding.object,
                "kind": "resource",
            }
        )
    location: dict[str, Any]
    if in_repository(finding.file):
        archive, member = archive_member(finding.file)
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri(archive), "uriBaseId": ROOT}}
        if member:  # the line is the member's, not the archive's
            logical.append({"name": member, "fullyQualifiedName": finding.file})
        elif finding.line:
            physical["region"] = {"startLine": finding.line}
        location = {"physicalLocation": physical}
    else:
        where = finding.file or "no file"
        location = {"message": {"text": where + (f":{finding.line}" if finding.line else "")}}
    if logical:
        location["logicalLocations"] = logical
    return location


def _result(finding: Finding, index: int, compared: bool) -> dict[str, Any]:
    identity = fingerprint(finding)
    properties: dict[str, Any] = {
        "category": finding.category.value,
        "target": finding.target,
        "profile": finding.profile,
        "object": finding.object,
        "path": finding.path,
        "file": finding.file,
        "line": finding.line,
    }
    if finding.suggestion is not None:
        properties["suggestion"] = finding.suggestion
    if finding.drift is not None:
        properties["drift"] = finding.drift
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_location(finding)],
        # GitHub matches alerts across commits by primaryLocationLineHash alone; the
        # upload-sarif action computes one from the line's text when it is absent, which
        # would tie an alert to a line's wording and merge the containers one `range`
        # line renders. Its shape, 16 hex digits and an occurrence count, is GitHub's.
        "partialFingerprints": {
            FINGERPRINT: identity,
            "primaryLocationLineHash": f"{identity[:16]}:1",
        },
        "properties": properties,
    }
    if compared:  # --baseline: GitHub and other viewers tell new findings from old ones
        result["baselineState"] = "unchanged" if finding.baselined else "new"
    if finding.exempted is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.exempted}
        ]
    elif finding.suppressed is not None:  # the annotation is in the rendered source
        result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": finding.suppressed}
        ]
    return result


def _run(
    key: tuple[str, str],
    run: RunLine | None,
    findings: list[Finding],
    rules: list[dict[str, Any]],
    index: dict[str, int],
    compared: bool,
) -> dict[str, Any]:
    target, profile = key
    if run is None:
        described = "findings of gate.yaml that belong to no checked target and profile"
        category = f"gate/{CONFIGURATION}/"
    else:
        described = f"target {target}, profile {profile}" if profile else f"{target}"
        category = automation_id(target, profile)
    driver: dict[str, Any] = {
        "name": "gate",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }
    document: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category, "description": {"text": f"gate: {described}"}},
        "originalUriBaseIds": {
            ROOT: {"description": {"text": "The repository root: the git work tree of gate.yaml."}}
        },
        "results": [_result(f, index[f.rule], compared) for f in findings],
    }
    if run is not None:
        document["properties"] = {
            "target": run.target,
            "profile": run.profile,
            "objects": run.objects,
            "rendered": run.rendered,
        }
    return document


def format_report(report: Report, style: Style) -> str:
    docs = {doc.id: doc for doc in report.rules}
    for finding in report.findings:
        docs.setdefault(finding.rule, _undocumented(finding))
    ordered = sorted(docs.values(), key=lambda doc: doc.id)
    rules = [_rule(doc) for doc in ordered]
    index = {doc.id: position for position, doc in enumerate(ordered)}
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    runs = {(run.target, run.profile): run for run in report.runs}
    compared = report.baseline is not None
    documents = [
        _run(key, run, grouped.pop(key, []), rules, index, compared) for key, run in runs.items()
    ]
    others = [finding for findings in grouped.values() for finding in findings]
    documents.append(_run(("", ""), None, others, rules, index, compared))
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": documents}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
