"""SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers: one
result per finding, located at the file and line it names, one rule per rule id."""

from __future__ import annotations

import json
from typing import Any

from gate import __version__
from gate.model import Severity
from gate.report import Report, Style

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def format_report(report: Report, style: Style) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in report.findings:
        rules.setdefault(
            finding.rule,
            {
                "id": finding.rule,
                "shortDescription": {"text": finding.rule.replace("-", " ")},
                "properties": {"category": finding.category.value},
            },
        )
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "properties": {
                "target": finding.target,
                "profile": finding.profile,
                "object": finding.object,
                "path": finding.path,
            },
        }
        if finding.file:
            region = {"startLine": finding.line} if finding.line else {}
            location: dict[str, Any] = {"artifactLocation": {"uri": finding.file}}
            if region:
                location["region"] = region
            result["locations"] = [{"physicalLocation": location}]
        if finding.exempted is not None:
            result["suppressions"] = [{"kind": "external", "justification": finding.exempted}]
        if finding.suggestion:
            result["properties"]["suggestion"] = finding.suggestion
        results.append(result)
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gate",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
