"""check_policies on hand-built RenderedObjects: operators, combinators, items, messages."""

from __future__ import annotations

import base64
import itertools
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gate.checks.policies.engine import check_policies
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Policy
from gate.errors import GateError
from gate.model import Category, Finding, RenderedObject, Severity

LoadPolicy = Callable[[str], Policy]
_MISSING = object()


def rendered(
    body: dict[str, Any],
    target: str = "backstage",
    profile: str = "prod",
    source: str = "backstage/templates/object.yaml",
    file: str = "",
) -> RenderedObject:
    metadata = body.get("metadata") or {}
    return RenderedObject(
        target=target,
        profile=profile,
        api_version=body.get("apiVersion", "v1"),
        kind=body["kind"],
        namespace=metadata.get("namespace", ""),
        name=metadata.get("name", ""),
        body=body,
        source=source,
        file=file,
    )


@pytest.fixture
def load(tmp_path: Path) -> LoadPolicy:
    counter = itertools.count()

    def _load(text: str) -> Policy:
        path = tmp_path / f"policy-{next(counter)}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        (policy,) = load_policies([path], builtin=False)
        return policy

    return _load


def run(
    policy: Policy,
    *bodies: dict[str, Any],
    params_for: Callable[[Policy, RenderedObject], Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> list[Finding]:
    return check_policies([policy], [rendered(b, **kwargs) for b in bodies], params_for)


def config_map(value: Any = _MISSING, **metadata: Any) -> dict[str, Any]:
    spec = {} if value is _MISSING else {"value": value}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "ns", **metadata},
        "spec": spec,
    }


def deployment(*containers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": list(containers)}
    pod_spec.update(extra.pop("pod", {}))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "backstage", **extra},
        "spec": {"template": {"spec": pod_spec}},
    }


# --- each operator ----------------------------------------------------------------------------

OPERATOR_CASES = [
    # (operator: expected, actual value or _MISSING, the assertion holds)
    ("exists: true", 1, True),
    ("exists: true", "", True),
    ("exists: true", 0, True),
    ("exists: true", _MISSING, False),
    ("exists: true", None, False),
    ("absent: true", 1, False),
    ("absent: true", _MISSING, True),
    ("eq: 3", 3, True),
    ("eq: 3", 4, False),
    ("eq: 3", "3", False),
    ("eq: 3", _MISSING, False),
    ("eq: true", True, True),
    ("eq: true", 1, False),
    ("eq: web", "web", True),
    ("ne: 3", 4, True),
    ("ne: 3", 3, False),
    ("ne: 3", _MISSING, True),
    ("gt: 100m", "200m", True),
    ("gt: 100m", "100m", False),
    ("gt: 100m", 1, True),
    ("gt: 100m", _MISSING, False),
    ("gte: 120", 120, True),
    ("gte: 120", 119, False),
    ("gte: 120", "2e2", True),
    ("gte: 120", _MISSING, False),
    ("lt: 1Gi", "512Mi", True),
    ("lt: 1Gi", "1Gi", False),
    ("lt: 1Gi", _MISSING, False),
    ("lte: 2", 2, True),
    ("lte: 2", "2001m", False),
    ("lte: 2", "2000m", True),
    ("lte: 2", _MISSING, False),
    ("in: [a, b]", "a", True),
    ("in: [a, b]", "c", False),
    ("in: [a, b]", _MISSING, False),
    ("not_in: [a, b]", "c", True),
    ("not_in: [a, b]", "b", False),
    ("not_in: [a, b]", _MISSING, True),
    ("matches: '^v[0-9]'", "v1.2", True),
    ("matches: '^v[0-9]'", "x1", False),
    ("matches: '^80'", 8080, True),
    ("matches: '^v[0-9]'", _MISSING, False),
    ("not_matches: 'latest$'", "1.0", True),
    ("not_matches: 'latest$'", "latest", False),
    ("not_matches: 'latest$'", _MISSING, True),
    ("contains: Template", ["Location", "Template"], True),
    ("contains: Template", ["Location"], False),
    ("contains: plate", "Template", True),
    ("contains: Template", _MISSING, False),
]


@pytest.mark.parametrize(("operator", "value", "holds"), OPERATOR_CASES)
def test_operator(load: LoadPolicy, operator: str, value: Any, holds: bool) -> None:
    policy = load(f"id: op\nassert: {{path: spec.value, {operator}}}\n")
    findings = run(policy, config_map(value))
    assert (findings == []) is holds, findings
    if not holds:
        (finding,) = findings
        assert finding.path == "spec.value"


def test_every_matching_value_must_pass(load: LoadPolicy) -> None:
    policy = load("id: all-images\nassert: {path: 'spec.containers[*].image', matches: ':1'}\n")
    body = {
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"image": "a:1"}, {"image": "b:2"}]},
    }
    (finding,) = run(policy, body)
    assert finding.path == "spec.containers[1].image"


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize(("memory", "holds"), [("1Gi", True), ("512Mi", True), ("256Mi", False)])
def test_memory_request_quantity(load: LoadPolicy, memory: str, holds: bool) -> None:
    policy = load(
        """
        id: memory
        each: "spec..containers[*]"
        assert: {path: resources.requests.memory, gte: 512Mi}
        """
    )
    body = deployment({"name": "web", "resources": {"requests": {"memory": memory}}})
    findings = run(policy, body)
    assert (findings == []) is holds
    if not holds:
        assert findings[0].path == "spec.template.spec.containers[0].resources.requests.memory"
        assert "256Mi" in findings[0].message
        assert "512Mi" in findings[0].message


def test_cpu_quantity_against_plain_number(load: LoadPolicy) -> None:
    policy = load("id: cpu\nassert: {path: spec.value, gte: 0.25}\n")
    assert run(policy, config_map("250m")) == []
    assert run(policy, config_map(1)) == []
    assert len(run(policy, config_map("100m"))) == 1


@pytest.mark.parametrize("message", [None, "value is {actual}"])
def test_non_quantity_fails_saying_so(load: LoadPolicy, message: str | None) -> None:
    text = "id: q\nassert: {path: spec.value, gte: 512Mi}\n"
    if message is not None:
        text += f"message: {message!r}\n"
    policy = load(text)
    for value in ("lots", "1GB", True, {"a": 1}):
        (finding,) = run(policy, config_map(value))
        assert "not a number or Kubernetes quantity" in finding.message, finding.message


# --- combinators ------------------------------------------------------------------------------


def test_all(load: LoadPolicy) -> None:
    policy = load(
        """
        id: all-of
        assert:
          all:
            - {path: spec.a, exists: true}
            - {path: spec.b, gte: 2}
        """
    )
    body = config_map()
    body["spec"] = {"a": 1, "b": 2}
    assert run(policy, body) == []
    body["spec"] = {"a": 1, "b": 1}
    (finding,) = run(policy, body)
    assert finding.path == "spec.b"
    body["spec"] = {"b": 5}
    (finding,) = run(policy, body)
    assert finding.path == "spec.a"


def test_any(load: LoadPolicy) -> None:
    policy = load(
        """
        id: any-of
        assert:
          any:
            - {path: spec.requests, exists: true}
            - {path: spec.limits, exists: true}
        """
    )
    for spec in ({"requests": 1}, {"limits": 1}, {"requests": 1, "limits": 1}):
        body = config_map()
        body["spec"] = spec
        assert run(policy, body) == [], spec
    assert len(run(policy, config_map())) == 1


def test_not(load: LoadPolicy) -> None:
    policy = load(
        """
        id: not-of
        assert:
          not: {path: spec.value, eq: forbidden}
        """
    )
    assert run(policy, config_map("fine")) == []
    assert run(policy, config_map()) == []
    (finding,) = run(policy, config_map("forbidden"))
    assert finding.path == "spec.value"
    assert "forbidden" in finding.message


def test_nested_combinators(load: LoadPolicy) -> None:
    policy = load(
        """
        id: nested
        assert:
          any:
            - all:
                - {path: spec.mode, eq: tls}
                - {path: spec.cert, exists: true}
            - not: {path: spec.mode, exists: true}
        """
    )

    def body(spec: dict[str, Any]) -> dict[str, Any]:
        b = config_map()
        b["spec"] = spec
        return b

    assert run(policy, body({"mode": "tls", "cert": "x"})) == []
    assert run(policy, body({})) == []
    assert len(run(policy, body({"mode": "tls"}))) == 1
    assert len(run(policy, body({"mode": "plain", "cert": "x"}))) == 1


# --- when, each, $-rooted paths, default -----------------------------------------------------


def test_when_limits_the_items(load: LoadPolicy) -> None:
    policy = load(
        """
        id: when-items
        each: "spec..containers[*]"
        when: {path: name, ne: sidecar}
        assert: {path: startupProbe, exists: true}
        """
    )
    body = deployment({"name": "web"}, {"name": "sidecar"}, {"name": "worker"})
    findings = run(policy, body)
    assert [f.path for f in findings] == [
        "spec.template.spec.containers[0].startupProbe",
        "spec.template.spec.containers[2].startupProbe",
    ]


def test_when_limits_the_objects(load: LoadPolicy) -> None:
    policy = load(
        """
        id: when-objects
        when: {path: "$.metadata.annotations['helm.sh/hook']", absent: true}
        assert: {path: spec.value, exists: true}
        """
    )
    hook = config_map(annotations={"helm.sh/hook": "test"})
    assert run(policy, hook) == []
    assert len(run(policy, config_map())) == 1


def test_each_with_a_list_of_paths(load: LoadPolicy) -> None:
    policy = load(
        """
        id: each-list
        each: ["spec..containers[*]", "spec..initContainers[*]"]
        assert: {path: image, matches: ":[0-9]"}
        message: "container {item.name} has {actual}"
        """
    )
    body = deployment(
        {"name": "web", "image": "nginx:1.27"},
        {"name": "side", "image": "envoy:latest"},
        pod={"initContainers": [{"name": "init", "image": "busybox"}]},
    )
    findings = run(policy, body)
    assert [(f.path, f.message) for f in findings] == [
        ("spec.template.spec.containers[1].image", "container side has envoy:latest"),
        ("spec.template.spec.initContainers[0].image", "container init has busybox"),
    ]


def test_dollar_rooted_paths_inside_each(load: LoadPolicy) -> None:
    policy = load(
        """
        id: rooted
        each: "spec..containers[*]"
        assert:
          all:
            - {path: "$.metadata.labels.team", exists: true}
            - {path: name, exists: true}
        message: "container {item.name}: {path}"
        """
    )
    body = deployment({"name": "a"}, {"name": "b"})
    findings = run(policy, body)
    assert [f.path for f in findings] == ["metadata.labels.team", "metadata.labels.team"]
    assert [f.message for f in findings] == [
        "container a: metadata.labels.team",
        "container b: metadata.labels.team",
    ]
    body["metadata"]["labels"] = {"team": "platform"}
    assert run(policy, body) == []


def test_default_applies_when_unset(load: LoadPolicy) -> None:
    policy = load(
        """
        id: threshold
        params: {min: 30}
        each: "spec..containers[*]"
        assert:
          path: startupProbe.failureThreshold
          default: 3
          gte: {param: min}
        message: "{item.name}: failureThreshold is {actual}, needs >= {expected}"
        """
    )
    unset = deployment({"name": "web", "startupProbe": {"initialDelaySeconds": 120}})
    (finding,) = run(policy, unset)
    assert finding.message == "web: failureThreshold is 3, needs >= 30"
    assert finding.path == "spec.template.spec.containers[0].startupProbe.failureThreshold"
    set_ = deployment({"name": "web", "startupProbe": {"failureThreshold": 30}})
    assert run(policy, set_) == []


def test_default_can_make_a_missing_value_pass(load: LoadPolicy) -> None:
    policy = load("id: dflt\nassert: {path: spec.value, default: Always, eq: Always}\n")
    assert run(policy, config_map()) == []
    assert len(run(policy, config_map("Never"))) == 1


# --- decode and parse -------------------------------------------------------------------------


def _b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


def test_decode_base64(load: LoadPolicy) -> None:
    policy = load(
        """
        id: decoded
        each: "data.*"
        assert: {decode: base64, not_matches: "^changeme$"}
        message: "{path} decodes to {actual}"
        """
    )
    secret = {
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {
            "password": _b64("changeme"),
            "token": _b64("ghp_real"),
            "broken": "not base64!",
        },
    }
    (finding,) = run(policy, secret)
    assert finding.path == "data.password"
    assert finding.message == "data.password decodes to changeme"


def test_decode_base64_with_path(load: LoadPolicy) -> None:
    policy = load("id: pw\nassert: {path: data.password, decode: base64, eq: hunter2}\n")
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": _b64("hunter2")}}
    assert run(policy, secret) == []
    secret["data"]["password"] = "hunter2"  # not base64: counts as absent
    assert len(run(policy, secret)) == 1


CONFIG_POLICY = """
id: app-config-title
severity: error
match: {kinds: [ConfigMap]}
each: data['app-config.yaml']
parse: yaml
assert: {path: app.title, exists: true}
"""


def app_config(text: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "backstage-app-config", "namespace": "backstage"},
        "data": {"app-config.yaml": text},
    }


def test_parse_yaml_passes_with_the_key(load: LoadPolicy) -> None:
    policy = load(CONFIG_POLICY)
    text = "app:\n  title: Neuroscale Portal\n  baseUrl: http://localhost:3000\n"
    assert run(policy, app_config(text)) == []


def test_parse_yaml_fails_without_the_key(load: LoadPolicy) -> None:
    policy = load(CONFIG_POLICY)
    (finding,) = run(policy, app_config("app:\n  baseUrl: http://localhost:3000\n"))
    assert finding.rule == "app-config-title"
    assert finding.path == "data['app-config.yaml'].app.title"
    assert "not set" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "app: [unclosed",
        "app:\n  title: a\n title: b\n",
        "app:\n\ttitle: tab\n",
        "app: {title: a}\napp: {title: b}\n",
        "- a\n b: c\n",
    ],
)
def test_parse_yaml_of_text_that_is_not_yaml_is_a_finding(load: LoadPolicy, text: str) -> None:
    policy = load(CONFIG_POLICY)
    (finding,) = run(policy, app_config(text))
    assert finding.rule == "app-config-title"
    assert finding.path == "data['app-config.yaml']"
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize("value", ["just a sentence", 42, "", "[1, 2]"])
def test_parse_yaml_of_something_not_a_mapping_is_a_finding(load: LoadPolicy, value: Any) -> None:
    policy = load(CONFIG_POLICY)
    findings = run(policy, app_config(value))
    assert len(findings) == 1
    assert findings[0].path.startswith("data['app-config.yaml']")


def test_parse_json(load: LoadPolicy) -> None:
    policy = load(
        """
        id: json-config
        each: "data['config.json']"
        parse: json
        assert: {path: port, gte: 1024}
        """
    )

    def cm(text: str) -> dict[str, Any]:
        return {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"config.json": text}}

    assert run(policy, cm('{"port": 8080}')) == []
    (low,) = run(policy, cm('{"port": 80}'))
    assert low.path == "data['config.json'].port"
    (broken,) = run(policy, cm('{"port": 80'))
    assert broken.path == "data['config.json']"


# --- match ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "selected"),
    [
        ("{kinds: [ConfigMap]}", True),
        ("{kinds: [Deployment, 'Config*']}", True),
        ("{kinds: [Deployment]}", False),
        ("{kinds: [configmap]}", False),
        ("{apiVersions: [v1]}", True),
        ("{apiVersions: ['apps/*']}", False),
        ("{names: ['backstage-*']}", True),
        ("{names: [other]}", False),
        ("{namespaces: [backstage]}", True),
        ("{namespaces: ['prod-*']}", False),
        ("{labels: {app: backstage}}", True),
        ("{labels: {app: 'back*'}}", True),
        ("{labels: {app: other}}", False),
        ("{labels: {missing: '*'}}", False),
        ("{labels: {app: backstage, tier: web}}", True),
        ("{labels: {app: backstage, tier: db}}", False),
        ("{targets: [backstage]}", True),
        ("{targets: ['back?tage']}", True),
        ("{targets: [other]}", False),
        ("{profiles: ['prod*']}", True),
        ("{profiles: [dev, staging]}", False),
        ("{kinds: [ConfigMap], profiles: [dev]}", False),
        ("{}", True),
    ],
)
def test_match(load: LoadPolicy, match: str, selected: bool) -> None:
    policy = load(f"id: m\nmatch: {match}\nassert: {{path: spec.value, exists: true}}\n")
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "backstage-config",
            "namespace": "backstage",
            "labels": {"app": "backstage", "tier": "web"},
        },
    }
    findings = run(policy, body, target="backstage", profile="prod-eu")
    assert (len(findings) == 1) is selected


# --- findings: path, message, params ----------------------------------------------------------

STARTUP = """
id: startup-delay
title: startupProbe gives slow starters time
severity: warning
params: {min: 120}
match: {kinds: [Deployment]}
each: "spec..containers[*]"
assert:
  path: startupProbe.initialDelaySeconds
  gte: {param: min}
message: "container {item.name}: startupProbe.initialDelaySeconds is {actual}, needs >= {expected}"
"""


def test_finding_fields(load: LoadPolicy) -> None:
    policy = load(STARTUP)
    body = deployment(
        {"name": "ok", "startupProbe": {"initialDelaySeconds": 120}},
        {"name": "backstage", "startupProbe": {"initialDelaySeconds": 2}},
        {"name": "noprobe"},
    )
    obj = rendered(body, file="charts/backstage/templates/deployment.yaml")
    findings = check_policies([policy], [obj])
    assert len(findings) == 2
    first, second = findings
    assert first.category is Category.POLICY
    assert first.rule == "startup-delay"
    assert first.severity is Severity.WARNING
    assert first.target == "backstage"
    assert first.profile == "prod"
    assert first.object == "apps/v1/Deployment/backstage/web"
    assert first.file == "charts/backstage/templates/deployment.yaml"
    assert first.path == "spec.template.spec.containers[1].startupProbe.initialDelaySeconds"
    assert first.message == (
        "container backstage: startupProbe.initialDelaySeconds is 2, needs >= 120"
    )
    assert second.path == "spec.template.spec.containers[2].startupProbe.initialDelaySeconds"
    assert second.message == (
        "container noprobe: startupProbe.initialDelaySeconds is unset, needs >= 120"
    )


def test_file_falls_back_to_source(load: LoadPolicy) -> None:
    policy = load(STARTUP)
    (finding,) = run(policy, deployment({"name": "x"}), source="backstage/templates/d.yaml")
    assert finding.file == "backstage/templates/d.yaml"


def test_locate_receives_the_concrete_path(load: LoadPolicy) -> None:
    policy = load(STARTUP)
    seen: list[tuple[str | int, ...]] = []

    def locate(obj: RenderedObject, path: tuple[str | int, ...]) -> tuple[str, int | None]:
        seen.append(path)
        return "charts/x/templates/_helpers.tpl", 42

    (finding,) = check_policies([policy], [rendered(deployment({"name": "x"}))], None, locate)
    assert (finding.file, finding.line) == ("charts/x/templates/_helpers.tpl", 42)
    assert seen == [
        ("spec", "template", "spec", "containers", 0, "startupProbe", "initialDelaySeconds")
    ]


def test_default_message_names_path_actual_and_expectation(load: LoadPolicy) -> None:
    policy = load("id: plain\nassert: {path: spec.value, gte: 120}\n")
    (finding,) = run(policy, config_map(2))
    assert "spec.value" in finding.message
    assert "2" in finding.message
    assert "120" in finding.message


def test_missing_bracketed_path_reports_its_concrete_path(load: LoadPolicy) -> None:
    policy = load("id: has-config\nassert: {path: \"data['app-config.yaml']\", exists: true}\n")
    (finding,) = run(policy, {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}})
    assert finding.path == "data['app-config.yaml']"


def test_params_for_overrides_the_default(load: LoadPolicy) -> None:
    policy = load(STARTUP)
    body = deployment({"name": "web", "startupProbe": {"initialDelaySeconds": 60}})
    assert len(run(policy, body)) == 1

    calls: list[tuple[str, str]] = []

    def params_for(p: Policy, obj: RenderedObject) -> Mapping[str, Any]:
        calls.append((p.id, obj.profile))
        return {**dict(p.params), "min": 60}

    assert run(policy, body, params_for=params_for) == []
    assert calls == [("startup-delay", "prod")]

    def stricter(p: Policy, obj: RenderedObject) -> Mapping[str, Any]:
        return {"min": 300}

    (finding,) = run(policy, body, params_for=stricter)
    assert finding.message.endswith("needs >= 300")


def test_params_are_readable_in_messages(load: LoadPolicy) -> None:
    policy = load(
        """
        id: msg
        params: {min: 5}
        assert: {path: spec.value, gte: {param: min}}
        message: "{kind} {name} in {namespace} ({object}): {actual} < {params.min}, {missing}"
        """
    )
    (finding,) = run(policy, config_map(1))
    assert finding.message == "ConfigMap cm in ns (ConfigMap/ns/cm): 1 < 5, unset"


def test_objects_not_matched_and_items_absent_give_nothing(load: LoadPolicy) -> None:
    policy = load(STARTUP)
    assert run(policy, config_map()) == []
    assert run(policy, deployment()) == []
    assert check_policies([policy], []) == []


def test_each_object_and_policy_is_checked(load: LoadPolicy) -> None:
    startup = load(STARTUP)
    other = load("id: other\nassert: {path: metadata.labels, exists: true}\n")
    objects = [rendered(deployment({"name": "a"})), rendered(deployment({"name": "b"}))]
    findings = check_policies([startup, other], objects)
    assert sorted((f.rule, f.message.split(":")[0]) for f in findings) == [
        ("other", "metadata.labels is not set"),
        ("other", "metadata.labels is not set"),
        ("startup-delay", "container a"),
        ("startup-delay", "container b"),
    ]


# --- path references and within ---------------------------------------------------------------


def test_expected_value_read_from_another_path(load: LoadPolicy) -> None:
    policy = load(
        """
        id: probe-order
        each: "spec..containers[*]"
        assert:
          path: livenessProbe.initialDelaySeconds
          gte: {path: readinessProbe.initialDelaySeconds}
        """
    )
    ok = {"name": "a", "livenessProbe": {"initialDelaySeconds": 30}}
    ok["readinessProbe"] = {"initialDelaySeconds": 10}
    early = {"name": "b", "livenessProbe": {"initialDelaySeconds": 5}}
    early["readinessProbe"] = {"initialDelaySeconds": 10}
    (finding,) = run(policy, deployment(ok, early))
    assert finding.path == "spec.template.spec.containers[1].livenessProbe.initialDelaySeconds"


def test_within_checks_each_match_inside_the_parsed_item(load: LoadPolicy) -> None:
    policy = load(
        """
        id: template-rules
        each: "data['app-config.yaml']"
        parse: yaml
        within: "catalog.locations[*]"
        when: {path: target, matches: "(?i)template"}
        assert: {path: "rules[*].allow", contains: Template}
        """
    )
    text = (
        "catalog:\n"
        "  locations:\n"
        "    - {target: ./all.yaml}\n"
        "    - {target: ./templates.yaml, rules: [{allow: [Template]}]}\n"
        "    - {target: ./more-templates.yaml, rules: [{allow: [Component]}]}\n"
    )
    (finding,) = run(policy, app_config(text))
    assert finding.path.startswith("data['app-config.yaml'].catalog.locations[2]")


@pytest.mark.parametrize(
    ("operator", "value"),
    [("gte: 300m", 0.3), ("lte: 100m", 0.1), ("gte: 200m", 0.2), ("gte: 1", 1.0)],
)
def test_yaml_float_cpu_compares_as_its_decimal_quantity(
    load: LoadPolicy, operator: str, value: float
) -> None:
    # `cpu: 0.3` in a manifest is a YAML float that Kubernetes reads as 300m.
    policy = load(f"id: cpu-float\nassert: {{path: spec.value, {operator}}}\n")
    assert run(policy, config_map(value)) == []


@pytest.mark.parametrize(
    ("operator", "reference"),
    [
        ("in", 5),  # not a list
        ("not_in", 5),
        ("matches", 5),  # not text
        ("matches", "(["),  # not a valid regular expression
        ("not_matches", "(["),
    ],
)
def test_path_reference_to_an_unusable_value_is_a_finding_not_a_crash(
    load: LoadPolicy, operator: str, reference: Any
) -> None:
    # The expected value comes from the rendered object, so the loader cannot vouch
    # for it: a bad one must become a finding on that object, never an exception.
    policy = load(f"id: ref\nassert: {{path: spec.a, {operator}: {{path: spec.b}}}}\n")
    body = config_map()
    body["spec"] = {"a": "x", "b": reference}
    findings = run(policy, body)
    assert len(findings) == 1
    assert findings[0].rule == "ref"


@pytest.mark.parametrize(
    ("operator", "default", "override"),
    [
        ("not_matches", "^changeme$", "(["),  # an overridden regex that does not compile
        ("in", ["a"], 5),  # an overridden list that is a number
        ("gte", 120, "lots"),  # an overridden threshold that is not a quantity
    ],
)
def test_params_for_value_unusable_by_the_operator_does_not_crash(
    load: LoadPolicy, operator: str, default: Any, override: Any
) -> None:
    # gate.yaml `overrides` params reach the operator unvalidated: the gate must say what
    # is wrong (a GateError, exit 2, or a finding), never die with a Python exception.
    policy = load(
        f"id: tuned\nparams: {{p: {default!r}}}\n"
        f"assert: {{path: spec.value, {operator}: {{param: p}}}}\n"
    )
    try:
        findings = run(policy, config_map("x"), params_for=lambda p, o: {"p": override})
    except GateError:
        return
    assert [f.rule for f in findings] == ["tuned"]


# --- a test's own message, {container}, {named_path} (issue 14) ------------------------------


def test_the_failing_test_gives_its_own_message(load: LoadPolicy) -> None:
    policy = load(
        """
        id: probe
        each: "spec.template.spec.containers[*]"
        assert:
          all:
            - {path: startupProbe, exists: true, message: "container {container} has no probe"}
            - {path: startupProbe.initialDelaySeconds, default: 0, gte: 10}
        message: "container {container}: delay is {actual}, needs >= {expected}"
        """
    )
    absent = deployment({"name": "web"})
    low = deployment({"name": "web", "startupProbe": {"initialDelaySeconds": 3}})
    assert [f.message for f in run(policy, absent)] == ["container web has no probe"]
    assert [f.message for f in run(policy, low)] == ["container web: delay is 3, needs >= 10"]


def test_a_message_under_not_is_never_used(load: LoadPolicy) -> None:
    policy = load(
        """
        id: no-host-network
        assert:
          not: {path: spec.hostNetwork, eq: true, message: "this text describes the inner test"}
        message: "hostNetwork is on"
        """
    )
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"hostNetwork": True},
    }
    assert [f.message for f in run(policy, body)] == ["hostNetwork is on"]


@pytest.mark.parametrize("field", ["containers", "initContainers", "ephemeralContainers"])
def test_container_names_the_innermost_container(load: LoadPolicy, field: str) -> None:
    policy = load(
        f"""
        id: env
        each: "spec.template.spec.{field}[*].env[*]"
        assert: {{path: value, ne: bad}}
        message: "container {{container}}, {{named_path}}"
        """
    )
    body = deployment(
        pod={field: [{"name": "a"}, {"name": "b", "env": [{"name": "E", "value": "bad"}]}]}
    )
    if field != "containers":
        body["spec"]["template"]["spec"]["containers"] = []
    (finding,) = run(policy, body)
    assert finding.message == f"container b, spec.template.spec.{field}[name=b].env[name=E].value"
    assert finding.path == f"spec.template.spec.{field}[1].env[0].value"


def test_container_outside_a_container_reads_unset(load: LoadPolicy) -> None:
    policy = load(
        """
        id: cm
        assert: {path: spec.value, eq: 1}
        message: "{container} {named_path}"
        """
    )
    (finding,) = run(policy, config_map(2))
    assert finding.message == "unset spec.value"


def test_actual_reads_as_yaml_in_a_message(load: LoadPolicy) -> None:
    policy = load(
        """
        id: caps
        each: "spec.template.spec.containers[*]"
        assert:
          all:
            - {path: securityContext.privileged, ne: true}
            - {path: securityContext.capabilities.add, absent: true}
        message: "container {container}: {path} is {actual}"
        """
    )
    privileged = deployment({"name": "web", "securityContext": {"privileged": True}})
    adds = deployment({"name": "web", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}})
    assert [f.message for f in run(policy, privileged)] == [
        "container web: spec.template.spec.containers[0].securityContext.privileged is true"
    ]
    (finding,) = run(policy, adds)
    assert finding.message.endswith('securityContext.capabilities.add is ["NET_RAW"]')
