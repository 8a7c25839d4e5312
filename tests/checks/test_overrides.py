"""gate.yaml overrides (Tuning) and exemptions (apply_exemptions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from gate.checks.overrides import Tuning, apply_exemptions, check_exemption_rules
from gate.config import Exemption, Override
from gate.errors import GateError
from gate.model import Category, Finding, Severity, short_identity

CONFIG = Path("/repo/gate.yaml")
TODAY = dt.date(2026, 6, 15)
KNOWN = [
    "startup-probe-initial-delay",
    "startup-probe-failure-threshold",
    "resource-requests",
    "image-digest-pinned",
    "image-tag-not-latest",
    "placeholder-secret",
    "golden-drift",
]
DEFAULTS = (("min", 120),)


def finding(
    rule: str = "image-digest-pinned",
    target: str = "backstage",
    profile: str = "dev",
    obj: str = "apps/v1/Deployment/backstage/web",
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        Category.POLICY,
        rule,
        severity,
        f"{rule} found something",
        target=target,
        profile=profile,
        object=obj,
        path="spec.template.spec.containers[0].image",
    )


def tuning(*overrides: Override) -> Tuning:
    return Tuning(overrides, KNOWN, CONFIG)


# --- Tuning -----------------------------------------------------------------------------------


def test_no_overrides_keep_defaults_and_findings() -> None:
    t = tuning()
    assert t.params("startup-probe-initial-delay", DEFAULTS, "backstage", "prod") == {"min": 120}
    f = finding()
    assert t.adjust(f) == f


def test_params_override_by_profile_and_target() -> None:
    t = tuning(
        Override("startup-probe-initial-delay", profile="dev", params=(("min", 60),)),
        Override("startup-probe-initial-delay", target="api", params=(("min", 30),)),
    )
    rule = "startup-probe-initial-delay"
    assert t.params(rule, DEFAULTS, "backstage", "dev") == {"min": 60}
    assert t.params(rule, DEFAULTS, "backstage", "prod") == {"min": 120}
    assert t.params(rule, DEFAULTS, "api", "prod") == {"min": 30}
    assert t.params(rule, DEFAULTS, "api", "dev") == {"min": 30}  # the later override wins
    assert t.params("resource-requests", (), "backstage", "dev") == {}


def test_params_override_keeps_other_defaults_and_does_not_mutate_them() -> None:
    defaults = (("min", 120), ("max", 600))
    t = tuning(Override("startup-probe-initial-delay", profile="dev*", params=(("min", 60),)))
    assert t.params("startup-probe-initial-delay", defaults, "x", "dev-eu") == {
        "min": 60,
        "max": 600,
    }
    assert defaults == (("min", 120), ("max", 600))


def test_severity_change() -> None:
    t = tuning(Override("image-digest-pinned", profile="dev", severity=Severity.WARNING))
    dev = t.adjust(finding(profile="dev"))
    assert dev is not None
    assert dev.severity is Severity.WARNING
    assert not dev.fails_gate
    prod = t.adjust(finding(profile="prod"))
    assert prod is not None
    assert prod.severity is Severity.ERROR
    assert prod.fails_gate


def test_severity_can_be_raised() -> None:
    t = tuning(Override("golden-drift", severity=Severity.ERROR))
    adjusted = t.adjust(
        dataclasses.replace(finding(rule="golden-drift"), severity=Severity.WARNING)
    )
    assert adjusted is not None
    assert adjusted.severity is Severity.ERROR


def test_enabled_false_drops_the_finding() -> None:
    t = tuning(Override("image-digest-pinned", target="backstage", profile="dev", enabled=False))
    assert t.adjust(finding(profile="dev")) is None
    assert t.adjust(finding(profile="prod")) is not None
    assert t.adjust(finding(target="api", profile="dev")) is not None
    assert t.adjust(finding(rule="image-tag-not-latest", profile="dev")) is not None


def test_enabled_true_alone_changes_nothing() -> None:
    t = tuning(Override("image-digest-pinned", enabled=True))
    assert t.adjust(finding()) == finding()


def test_rule_globs() -> None:
    t = tuning(Override("startup-probe-*", profile="dev", enabled=False))
    assert t.adjust(finding(rule="startup-probe-initial-delay")) is None
    assert t.adjust(finding(rule="startup-probe-failure-threshold")) is None
    assert t.adjust(finding(rule="resource-requests")) is not None


def test_unknown_rule_is_an_error_with_did_you_mean() -> None:
    with pytest.raises(GateError) as info:
        tuning(Override("startup-probe-inital-delay", params=(("min", 60),), line=17))
    error = info.value
    assert error.file == str(CONFIG)
    assert error.line == 17
    assert "startup-probe-inital-delay" in error.message
    assert "did you mean 'startup-probe-initial-delay'" in error.message


def test_unknown_rule_glob_matching_nothing_is_an_error() -> None:
    with pytest.raises(GateError):
        tuning(Override("no-such-*", enabled=False))


def test_unknown_exemption_rule_is_an_error() -> None:
    exemption = Exemption("image-digest-pined", reason="x", line=30)
    with pytest.raises(GateError) as info:
        check_exemption_rules([exemption], KNOWN, CONFIG)
    assert info.value.line == 30
    assert "did you mean 'image-digest-pinned'" in info.value.message
    check_exemption_rules([Exemption("image-*", reason="x")], KNOWN, CONFIG)


# --- exemptions -------------------------------------------------------------------------------


def exemption(**fields: object) -> Exemption:
    base: dict[str, object] = {
        "rule": "image-digest-pinned",
        "reason": "dev follows the moving tag on purpose",
        "target": "backstage",
        "profile": "dev",
        "object": "Deployment/backstage/*",
        "expires": dt.date(2027, 3, 31),
        "line": 40,
    }
    base.update(fields)
    return Exemption(**base)  # type: ignore[arg-type]


RAN = [("backstage", "dev"), ("backstage", "prod")]


def test_short_identity() -> None:
    assert short_identity("apps/v1/Deployment/backstage/web") == "Deployment/backstage/web"
    assert short_identity("v1/Secret/backstage/db") == "Secret/backstage/db"
    assert short_identity("rbac.authorization.k8s.io/v1/ClusterRole//admin") == (
        "ClusterRole//admin"
    )


def test_matched_exemption_marks_the_finding() -> None:
    f = finding()
    (result,) = apply_exemptions([f], [exemption()], RAN, TODAY, CONFIG)
    assert result.exempted == "dev follows the moving tag on purpose"
    assert result.fails_gate is False
    assert dataclasses.replace(result, exempted=None) == f


@pytest.mark.parametrize(
    ("obj", "matched"),
    [
        ("apps/v1/Deployment/backstage/web", True),
        ("apps/v1/Deployment/backstage/neuroscale-backstage", True),
        ("apps/v1/Deployment/other/web", False),
        ("apps/v1/StatefulSet/backstage/web", False),
        ("v1/Pod/backstage/web", False),
    ],
)
def test_object_globs(obj: str, matched: bool) -> None:
    result, *extra = apply_exemptions([finding(obj=obj)], [exemption()], RAN, TODAY, CONFIG)
    assert (result.exempted is not None) is matched
    assert [f.rule for f in extra] == ([] if matched else ["exemption-unused"])


@pytest.mark.parametrize(
    "changes",
    [{"rule": "image-tag-not-latest"}, {"target": "api"}, {"profile": "prod"}],
)
def test_exemption_needs_rule_target_and_profile_to_match(changes: dict[str, str]) -> None:
    f = dataclasses.replace(finding(), **changes)
    results = apply_exemptions([f], [exemption()], [*RAN, ("api", "dev")], TODAY, CONFIG)
    assert results[0].exempted is None
    assert results[0].fails_gate


def test_default_globs_match_everything() -> None:
    broad = Exemption("image-*", reason="everything")
    results = apply_exemptions(
        [finding(), finding(rule="image-tag-not-latest", target="api", profile="prod")],
        [broad],
        RAN,
        TODAY,
        CONFIG,
    )
    assert [r.exempted for r in results] == ["everything", "everything"]


def test_exemption_expiring_today_still_applies() -> None:
    (result,) = apply_exemptions([finding()], [exemption(expires=TODAY)], RAN, TODAY, CONFIG)
    assert result.exempted is not None


def test_expired_exemption_is_an_error_and_the_finding_keeps_failing() -> None:
    expired = exemption(expires=TODAY - dt.timedelta(days=1))
    results = apply_exemptions([finding()], [expired], RAN, TODAY, CONFIG)
    assert len(results) == 2
    original, extra = results
    assert original.exempted is None
    assert original.fails_gate
    assert extra.category is Category.EXEMPTION
    assert extra.rule == "exemption-expired"
    assert extra.severity is Severity.ERROR
    assert extra.fails_gate
    assert extra.file == str(CONFIG)
    assert extra.line == 40
    assert extra.target == "backstage"
    assert extra.profile == "dev"
    assert "image-digest-pinned" in extra.message
    assert str(TODAY - dt.timedelta(days=1)) in extra.message


def test_expired_exemption_with_nothing_to_cover_is_still_an_error() -> None:
    expired = exemption(expires=dt.date(2020, 1, 1))
    (extra,) = apply_exemptions([], [expired], RAN, TODAY, CONFIG)
    assert extra.rule == "exemption-expired"


def test_unused_exemption_for_a_target_that_ran_warns() -> None:
    results = apply_exemptions([], [exemption()], RAN, TODAY, CONFIG)
    (unused,) = results
    assert unused.category is Category.EXEMPTION
    assert unused.rule == "exemption-unused"
    assert unused.severity is Severity.WARNING
    assert not unused.fails_gate
    assert unused.file == str(CONFIG)
    assert unused.line == 40
    assert "image-digest-pinned" in unused.message


def test_unused_exemption_with_glob_target_that_ran_warns() -> None:
    broad = exemption(target="back*", profile="*")
    (unused,) = apply_exemptions([], [broad], [("backstage", "prod")], TODAY, CONFIG)
    assert unused.rule == "exemption-unused"


@pytest.mark.parametrize("ran", [[], [("backstage", "prod")], [("api", "dev")]])
def test_unused_exemption_for_a_target_that_did_not_run_is_silent(
    ran: list[tuple[str, str]],
) -> None:
    assert apply_exemptions([], [exemption()], ran, TODAY, CONFIG) == []


def test_used_exemption_gives_no_warning_and_others_still_fail() -> None:
    findings = [finding(), finding(profile="prod"), finding(rule="resource-requests")]
    results = apply_exemptions(findings, [exemption()], RAN, TODAY, CONFIG)
    assert len(results) == 3
    assert [r.exempted is not None for r in results] == [True, False, False]
    assert [r.fails_gate for r in results] == [False, True, True]


def test_exemption_findings_are_not_exempted_themselves() -> None:
    own = Finding(
        Category.EXEMPTION,
        "exemption-expired",
        Severity.ERROR,
        "an older expiry",
        target="backstage",
        profile="dev",
    )
    broad = Exemption("*", reason="everything")
    results = apply_exemptions([own], [broad], RAN, TODAY, CONFIG)
    assert results[0].exempted is None
    assert results[0].fails_gate


def test_ran_may_be_a_generator() -> None:
    results = apply_exemptions([], [exemption()], (pair for pair in RAN), TODAY, CONFIG)
    assert [r.rule for r in results] == ["exemption-unused"]


def test_override_params_are_checked_against_the_policy() -> None:
    from gate.checks.overrides import check_override_params
    from gate.checks.policies.loader import load_policies

    builtin = load_policies([], builtin=True)
    config = Path("gate.yaml")
    check_override_params(
        [Override(rule="startup-probe-initial-delay", params=(("min", 60),), line=3)],
        builtin,
        config,
    )
    with pytest.raises(GateError) as unknown:
        check_override_params(
            [Override(rule="startup-probe-initial-delay", params=(("mn", 60),), line=4)],
            builtin,
            config,
        )
    assert unknown.value.line == 4 and "did you mean 'min'" in unknown.value.message
    with pytest.raises(GateError) as unusable:
        check_override_params(
            [Override(rule="placeholder-secret", params=(("pattern", "(["),), line=5)],
            builtin,
            config,
        )
    assert unusable.value.line == 5 and "regular expression" in unusable.value.message


def test_a_later_override_switches_a_rule_back_on() -> None:
    tuning = Tuning(
        [
            Override(rule="image-digest-pinned", enabled=False),
            Override(rule="image-digest-pinned", profile="prod", enabled=True),
        ],
        ["image-digest-pinned"],
        Path("gate.yaml"),
    )
    finding = Finding(
        Category.POLICY, "image-digest-pinned", Severity.ERROR, "m", target="t", profile="prod"
    )
    assert tuning.adjust(finding) == finding
    assert tuning.adjust(dataclasses.replace(finding, profile="dev")) is None


def test_a_policy_off_by_default_runs_only_where_an_override_enables_it() -> None:
    rule = "startup-probe-initial-delay"
    t = Tuning(
        [Override(rule, profile="prod*", enabled=True)], KNOWN, CONFIG, off_by_default=[rule]
    )
    assert t.enabled(rule, "backstage", "prod-eu")
    assert not t.enabled(rule, "backstage", "dev")
    assert t.adjust(finding(rule, profile="dev")) is None
    assert t.adjust(finding(rule, profile="prod")) is not None
    assert t.enabled("resource-requests", "backstage", "dev")  # others stay on
