"""gate.yaml `overrides` and `exemptions`, applied the same way to every rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from gate.checks.policies.model import Policy, parameter_tests
from gate.config import Exemption, Override, did_you_mean
from gate.errors import GateError
from gate.model import Category, Finding, Severity, short_identity


def _unknown_rule(kind: str, rule: str, known: set[str], config: Path, line: int | None) -> None:
    if not any(fnmatchcase(name, rule) for name in known):
        raise GateError(
            f"{kind}: no rule is called {rule!r}{did_you_mean(rule, known)}; "
            "`gate policies` lists them",
            config,
            line,
        )


def check_exemption_rules(
    exemptions: Sequence[Exemption], known_rules: Iterable[str], config: Path
) -> None:
    known = set(known_rules)
    for exemption in exemptions:
        _unknown_rule("exemptions", exemption.rule, known, config, exemption.line)


def check_override_params(
    overrides: Sequence[Override], policies: Sequence[Policy], config: Path
) -> None:
    """An overridden parameter must exist and suit every operator that reads it."""
    for override in overrides:
        for policy in (p for p in policies if fnmatchcase(p.id, override.rule)):
            declared = dict(policy.params)
            uses = list(parameter_tests(policy))
            for name, value in override.params:
                if name not in declared:
                    raise GateError(
                        f"overrides: policy {policy.id!r} has no parameter {name!r}"
                        f"{did_you_mean(name, declared)} (it has: {', '.join(declared) or 'none'})",
                        config,
                        override.line,
                    )
                for used, test in uses:
                    if used != name:
                        continue
                    try:
                        test.operator.validate(value)
                    except ValueError as exc:
                        raise GateError(
                            f"overrides: parameter {name!r} of {policy.id!r} is used with "
                            f"{test.operator.name}, which {exc}",
                            config,
                            override.line,
                        ) from None


class Tuning:
    """Per target and profile: a policy's parameters, a rule's severity, on or off."""

    def __init__(
        self,
        overrides: Sequence[Override],
        known_rules: Iterable[str],
        config: Path,
        off_by_default: Iterable[str] = (),
    ):
        known = set(known_rules)
        for override in overrides:
            _unknown_rule("overrides", override.rule, known, config, override.line)
        self.overrides = tuple(overrides)
        # Policies that say `enabled: false`: on only where an override enables them.
        self.off_by_default = frozenset(off_by_default)
        self._enabled: dict[tuple[str, str, str], bool] = {}

    def _applying(self, rule: str, target: str, profile: str) -> Iterable[Override]:
        return (
            o
            for o in self.overrides
            if fnmatchcase(rule, o.rule)
            and fnmatchcase(target, o.target)
            and fnmatchcase(profile, o.profile)
        )

    def enabled(self, rule: str, target: str, profile: str) -> bool:
        """Whether the rule runs for this target and profile at all (asked for every
        policy and object, so each answer is kept)."""
        key = (rule, target, profile)
        known = self._enabled.get(key)
        if known is None:
            known = rule not in self.off_by_default
            for override in self._applying(rule, target, profile):
                if override.enabled is not None:
                    known = override.enabled
            self._enabled[key] = known
        return known

    def params(
        self, rule: str, defaults: Iterable[tuple[str, Any]], target: str, profile: str
    ) -> dict[str, Any]:
        params = dict(defaults)
        for override in self._applying(rule, target, profile):
            params.update(override.params)
        return params

    def adjust(self, finding: Finding) -> Finding | None:
        """The finding with its tuned severity, or None when the rule is switched off.

        Every matching override applies in order, so a later, narrower one can
        switch a rule back on (`enabled: true`) or change its severity again."""
        enabled = finding.rule not in self.off_by_default
        for override in self._applying(finding.rule, finding.target, finding.profile):
            if override.enabled is not None:
                enabled = override.enabled
            if override.severity is not None:
                finding = dataclasses.replace(finding, severity=override.severity)
        return finding if enabled else None


def _covers(exemption: Exemption, finding: Finding) -> bool:
    return (
        fnmatchcase(finding.rule, exemption.rule)
        and fnmatchcase(finding.target, exemption.target)
        and fnmatchcase(finding.profile, exemption.profile)
        and fnmatchcase(short_identity(finding.object), exemption.object)
    )


def apply_exemptions(
    findings: Sequence[Finding],
    exemptions: Sequence[Exemption],
    ran: Iterable[tuple[str, str]],
    today: dt.date,
    config: Path,
) -> list[Finding]:
    """Mark exempted findings; add one finding per expired or unused exemption."""
    live = [e for e in exemptions if e.expires is None or e.expires >= today]
    used: set[int] = set()
    result: list[Finding] = []
    for finding in findings:
        match = next((e for e in live if _covers(e, finding)), None)
        if match is not None and finding.category is not Category.EXEMPTION:
            used.add(id(match))
            finding = dataclasses.replace(finding, exempted=match.reason)
        result.append(finding)
    pairs = list(ran)
    for exemption in exemptions:
        where = {"file": str(config), "line": exemption.line}
        if exemption not in live:
            result.append(
                Finding(
                    Category.EXEMPTION,
                    "exemption-expired",
                    Severity.ERROR,
                    f"the exemption of {exemption.rule} for {exemption.object} expired on "
                    f"{exemption.expires}; fix the finding it covered or renew it with a new date",
                    target=exemption.target,
                    profile=exemption.profile,
                    **where,  # type: ignore[arg-type]
                )
            )
        elif id(exemption) not in used and any(
            fnmatchcase(t, exemption.target) and fnmatchcase(p, exemption.profile) for t, p in pairs
        ):
            result.append(
                Finding(
                    Category.EXEMPTION,
                    "exemption-unused",
                    Severity.WARNING,
                    f"the exemption of {exemption.rule} for {exemption.object} matched nothing; "
                    "remove it from gate.yaml",
                    target=exemption.target,
                    profile=exemption.profile,
                    **where,  # type: ignore[arg-type]
                )
            )
    return result
