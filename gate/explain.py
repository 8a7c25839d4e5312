"""`gate explain RULE`: what a rule checks, why, its parameters and severity after
gate.yaml's overrides for each target and profile, and its shipped examples with the
message each failing one gets. Built once here as plain data; `format_text` and
`format_json` only format it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gate.checks import CHECK_RULES
from gate.checks.policies.examples import example_findings
from gate.checks.policies.model import Policy
from gate.checks.policies.packs import BUILTIN
from gate.config import GateConfig, did_you_mean
from gate.errors import GateError
from gate.model import Category, Finding
from gate.normalize import dump_body
from gate.pipeline import Gate
from gate.rules import CHECK_DOCS


@dataclass(frozen=True)
class Setting:
    """The rule as one target and profile of gate.yaml get it."""

    target: str
    profile: str
    enabled: bool
    severity: str
    params: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ShownExample:
    passes: bool
    yaml: str
    messages: tuple[str, ...]  # what a failing example is told


@dataclass(frozen=True)
class Explanation:
    id: str
    title: str
    severity: str
    source: str  # "built-in pack", "pack reliability", "policies/x.yaml:3", a docs page
    description: str
    applies_to: str
    params: tuple[tuple[str, Any], ...]
    off_by_default: bool
    settings: tuple[Setting, ...]
    examples: tuple[ShownExample, ...]


def _source(policy: Policy, config: GateConfig) -> str:
    if policy.pack == BUILTIN:
        return f"the built-in pack (docs/builtin-policies.md#{policy.id})"
    if policy.pack is not None:
        return f"the {policy.pack} pack (docs/packs/{policy.pack}.md#{policy.id})"
    file = config.fence.relative(policy.file)
    return f"{file}:{policy.line}" if policy.line else file


def _applies_to(policy: Policy) -> str:
    parts = []
    match = policy.match
    for label, globs in (
        ("kinds", match.kinds),
        ("apiVersions", match.api_versions),
        ("names", match.names),
        ("namespaces", match.namespaces),
        ("targets", match.targets),
        ("profiles", match.profiles),
    ):
        if globs:
            parts.append(f"{label} {', '.join(globs)}")
    if match.labels:
        parts.append("labels " + ", ".join(f"{k}={v}" for k, v in match.labels))
    if policy.each:
        parts.append("each " + ", ".join(p.text for p in policy.each))
    return "; ".join(parts) or "every object"


def _pairs(
    config: GateConfig, targets: Sequence[str], profiles: Sequence[str]
) -> list[tuple[str, str]]:
    pairs = [
        (t.name, p.name)
        for t in config.targets
        for p in t.profiles
        if (not targets or t.name in targets) and (not profiles or p.name in profiles)
    ]
    if pairs or not (targets or profiles):
        return pairs
    # Names gate.yaml does not render together: the overrides are still read for them.
    return [(t, p) for t in (targets or ["*"]) for p in (profiles or ["*"])]


def explain(
    gate: Gate, rule: str, targets: Sequence[str] = (), profiles: Sequence[str] = ()
) -> Explanation:
    config = gate.config
    policy = next((p for p in gate.policies if p.id == rule), None)
    if policy is None and rule not in CHECK_RULES:
        guess = did_you_mean(rule, gate.known_rules)
        raise GateError(
            f"there is no rule {rule!r}{guess}; `gate policies` lists the policies, "
            "docs/reports.md the checks' rules"
        )
    settings = []
    for target, profile in _pairs(config, targets, profiles):
        severity = policy.severity if policy else CHECK_RULES[rule][1]
        category = CHECK_RULES[rule][0] if policy is None else Category.POLICY
        # The severity and switch a finding of this rule would get there.
        probe = Finding(category, rule, severity, "", target, profile)
        adjusted = gate.tuning.adjust(probe)
        params = gate.tuning.params(rule, policy.params if policy else (), target, profile)
        settings.append(
            Setting(
                target,
                profile,
                adjusted is not None,
                (adjusted.severity if adjusted is not None else severity).value,
                tuple(params.items()),
            )
        )
    if policy is None:
        description, page = CHECK_DOCS[rule]
        category, severity, title = CHECK_RULES[rule]
        return Explanation(
            rule,
            title,
            severity.value,
            page,
            description,
            f"gate's {category.value} check",
            (),
            False,
            tuple(settings),
            (),
        )
    examples = tuple(
        ShownExample(
            example.passes,
            dump_body(example.body),
            tuple(f.message for f in example_findings(policy, example)),
        )
        for example in policy.examples
    )
    return Explanation(
        policy.id,
        policy.title,
        policy.severity.value,
        _source(policy, config),
        policy.description.strip(),
        _applies_to(policy),
        policy.params,
        not policy.enabled,
        tuple(settings),
        examples,
    )


def _value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def format_text(explanation: Explanation) -> str:
    e = explanation
    lines = [f"{e.id} ({e.severity}): {e.title}", f"  from {e.source}", ""]
    if e.description:
        lines += [*(f"  {line}" if line else "" for line in e.description.splitlines()), ""]
    lines.append(f"  applies to: {e.applies_to}")
    if e.off_by_default:
        lines.append("  off by default: a gate.yaml override with `enabled: true` turns it on")
    if e.params:
        lines.append(
            "  parameters (defaults): " + ", ".join(f"{k} = {_value(v)}" for k, v in e.params)
        )
    for setting in e.settings:
        where = f"{setting.target}/{setting.profile}"
        if not setting.enabled:
            lines.append(f"  {where}: off")
            continue
        defaults = dict(e.params)
        params = ", ".join(
            f"{k} = {_value(v)}"
            + (f" (default {_value(defaults[k])})" if defaults.get(k) != v else "")
            for k, v in setting.params
        )
        severity = setting.severity + (
            "" if setting.severity == e.severity else f" (default {e.severity})"
        )
        lines.append(f"  {where}: {severity}" + (f"; {params}" if params else ""))
    for shown in e.examples:
        lines += ["", "  passes:" if shown.passes else "  fails:"]
        lines += [f"    {line}" for line in shown.yaml.rstrip().splitlines()]
        lines += [f"    -> {message}" for message in shown.messages]
    return "\n".join(lines).rstrip() + "\n"


def format_json(explanation: Explanation) -> str:
    e = explanation
    document = {
        "version": 1,
        "id": e.id,
        "title": e.title,
        "severity": e.severity,
        "source": e.source,
        "description": e.description,
        "applies_to": e.applies_to,
        "off_by_default": e.off_by_default,
        "params": dict(e.params),
        "settings": [
            {
                "target": s.target,
                "profile": s.profile,
                "enabled": s.enabled,
                "severity": s.severity,
                "params": dict(s.params),
            }
            for s in e.settings
        ],
        "examples": [
            {"passes": x.passes, "object": x.yaml, "messages": list(x.messages)} for x in e.examples
        ],
    }
    return json.dumps(document, indent=2, default=str) + "\n"
