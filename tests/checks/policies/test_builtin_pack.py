"""The built-in pack: every shipped example, and the cases of DESIGN.md's rule table."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import pytest

from gate.checks.policies.engine import check_policies
from gate.checks.policies.examples import example_findings
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Example, Policy
from gate.model import Finding, RenderedObject

PACK = load_policies([], builtin=True)
BY_ID = {p.id: p for p in PACK}
DIGEST = "sha256:" + "0123456789abcdef" * 4
STARTUP_RULES = ("startup-probe-initial-delay", "startup-probe-failure-threshold")
IMAGE_RULES = ("image-digest-pinned", "image-tag-not-latest")
GOOD_PROBE = {"tcpSocket": {"port": 7007}, "initialDelaySeconds": 120, "failureThreshold": 30}
GOOD_RESOURCES = {"requests": {"cpu": "100m", "memory": "512Mi"}}


def rendered(body: dict[str, Any]) -> RenderedObject:
    metadata = body.get("metadata") or {}
    return RenderedObject(
        target="backstage",
        profile="prod",
        api_version=body.get("apiVersion", "v1"),
        kind=body["kind"],
        namespace=metadata.get("namespace", "backstage"),
        name=metadata.get("name", ""),
        body=body,
        source="backstage/templates/object.yaml",
    )


def findings(*bodies: dict[str, Any]) -> list[Finding]:
    return check_policies(PACK, [rendered(b) for b in bodies])


def rules(*bodies: dict[str, Any]) -> set[str]:
    return {f.rule for f in findings(*bodies)}


def of(rule: str, *bodies: dict[str, Any]) -> list[Finding]:
    return [f for f in findings(*bodies) if f.rule == rule]


EXAMPLES = [
    pytest.param(policy, example, id=f"{policy.id}-{'pass' if example.passes else 'fail'}-{n}")
    for policy in PACK
    for n, example in enumerate(policy.examples)
]


@pytest.mark.parametrize(("policy", "example"), EXAMPLES)
def test_shipped_examples(policy: Policy, example: Example) -> None:
    own = example_findings(policy, example)
    if example.passes:
        assert own == [], [f.message for f in own]
    else:
        assert own, f"{policy.id} let a fail example through"


# --- objects for the rule table ---------------------------------------------------------------


def container(
    name: str = "app",
    image: str = f"ghcr.io/acme/app:1.2.3@{DIGEST}",
    probe: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": image}
    out["resources"] = GOOD_RESOURCES if resources is None else resources
    if probe is not None:
        out["startupProbe"] = probe
    out.update(extra)
    return out


def pod_spec(*containers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"containers": list(containers), **extra}


def deployment(spec: dict[str, Any], kind: str = "Deployment") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "backstage"},
        "spec": {"template": {"spec": spec}},
    }


def pod(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "pod", "namespace": "backstage"}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def job(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "backstage"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", **spec}}},
    }


def cron_job(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "backup", "namespace": "backstage"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", **spec}}}},
        },
    }


def test_a_good_deployment_passes_everything() -> None:
    assert findings(deployment(pod_spec(container(probe=GOOD_PROBE)))) == []


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"])
def test_long_running_workloads_need_a_startup_probe(kind: str) -> None:
    body = deployment(pod_spec(container(name="backstage")), kind=kind)
    (finding,) = of("startup-probe-initial-delay", body)
    assert finding.path == "spec.template.spec.containers[0].startupProbe.initialDelaySeconds"
    assert "backstage" in finding.message
    assert rules(deployment(pod_spec(container(probe=GOOD_PROBE)), kind=kind)) == set()


def test_initial_delay_below_min() -> None:
    body = deployment(
        pod_spec(
            container(name="ok", probe=GOOD_PROBE),
            container(name="eager", probe={**GOOD_PROBE, "initialDelaySeconds": 2}),
        )
    )
    (finding,) = of("startup-probe-initial-delay", body)
    assert finding.path == "spec.template.spec.containers[1].startupProbe.initialDelaySeconds"
    assert "eager" in finding.message and "2" in finding.message and "120" in finding.message


def test_restarting_pod_is_long_running() -> None:
    for extra in ({}, {"restartPolicy": "Always"}):
        assert "startup-probe-initial-delay" in rules(pod(pod_spec(container(), **extra)))


RUN_TO_COMPLETION = {
    "job": job(pod_spec(container(image="migrate:latest", resources={}))),
    "cronjob": cron_job(pod_spec(container(image="backup:latest", resources={}))),
    "hook-pod": pod(
        pod_spec(container(image="curl:latest", resources={})),
        annotations={"helm.sh/hook": "test"},
    ),
    "pre-install-hook-pod": pod(
        pod_spec(container(image="curl:latest", resources={})),
        annotations={"helm.sh/hook": "pre-install"},
    ),
    "never-restarting-pod": pod(
        pod_spec(container(image="curl:latest", resources={}), restartPolicy="Never")
    ),
    "on-failure-pod": pod(
        pod_spec(container(image="curl:latest", resources={}), restartPolicy="OnFailure")
    ),
}


@pytest.mark.parametrize("name", sorted(RUN_TO_COMPLETION))
def test_run_to_completion_pods_skip_startup_rules_only(name: str) -> None:
    found = rules(RUN_TO_COMPLETION[name])
    assert not found & set(STARTUP_RULES)
    assert {"resource-requests", "image-tag-not-latest", "image-digest-pinned"} <= found


def test_run_to_completion_pod_with_an_eager_probe_is_still_skipped() -> None:
    eager = {"initialDelaySeconds": 1, "failureThreshold": 1}
    body = pod(pod_spec(container(probe=eager)), annotations={"helm.sh/hook": "test"})
    assert rules(body) == set()


def test_init_containers_skip_startup_rules_but_not_requests_and_images() -> None:
    init = {"name": "init", "image": "busybox", "resources": {}}
    body = deployment(pod_spec(container(probe=GOOD_PROBE), initContainers=[init]))
    found = findings(body)
    assert {f.rule for f in found} == {
        "resource-requests",
        "image-tag-not-latest",
        "image-digest-pinned",
    }
    for finding in found:
        assert finding.path.startswith("spec.template.spec.initContainers[0]"), finding


def test_failure_threshold_unset_counts_as_three() -> None:
    probe = {"tcpSocket": {"port": 7007}, "initialDelaySeconds": 120}
    (finding,) = findings(deployment(pod_spec(container(name="backstage", probe=probe))))
    assert finding.rule == "startup-probe-failure-threshold"
    assert finding.path == "spec.template.spec.containers[0].startupProbe.failureThreshold"
    assert "is 3" in finding.message
    assert "30" in finding.message


@pytest.mark.parametrize(("threshold", "fails"), [(29, True), (30, False), (100, False)])
def test_failure_threshold_min(threshold: int, fails: bool) -> None:
    probe = {**GOOD_PROBE, "failureThreshold": threshold}
    found = of("startup-probe-failure-threshold", deployment(pod_spec(container(probe=probe))))
    assert bool(found) is fails


def test_no_startup_probe_is_reported_once_by_initial_delay_only() -> None:
    assert rules(deployment(pod_spec(container()))) == {"startup-probe-initial-delay"}


@pytest.mark.parametrize(
    ("resources", "fails"),
    [
        ({"requests": {"cpu": "100m", "memory": "512Mi"}}, False),
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, False),
        ({"requests": {"cpu": "100m"}, "limits": {"memory": "1Gi"}}, False),
        ({"requests": {"cpu": "100m"}}, True),
        ({"requests": {"memory": "512Mi"}}, True),
        ({}, True),
    ],
)
def test_resource_requests(resources: dict[str, Any], fails: bool) -> None:
    body = deployment(pod_spec(container(probe=GOOD_PROBE, resources=resources)))
    assert bool(of("resource-requests", body)) is fails


def test_resource_requests_without_resources_key() -> None:
    bare = {"name": "bare", "image": f"app@{DIGEST}", "startupProbe": GOOD_PROBE}
    (finding,) = findings(deployment(pod_spec(bare)))
    assert finding.rule == "resource-requests"
    assert "bare" in finding.message


def image_rules(image: str) -> set[str]:
    body = deployment(pod_spec(container(image=image, probe=GOOD_PROBE)))
    return rules(body) & set(IMAGE_RULES)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", {"image-tag-not-latest", "image-digest-pinned"}),
        ("nginx:latest", {"image-tag-not-latest", "image-digest-pinned"}),
        ("docker.io/library/nginx:latest", {"image-tag-not-latest", "image-digest-pinned"}),
        ("registry:5000/app", {"image-tag-not-latest", "image-digest-pinned"}),
        ("registry:5000/app:latest", {"image-tag-not-latest", "image-digest-pinned"}),
        ("nginx:1.27", {"image-digest-pinned"}),
        ("registry:5000/app:1.2", {"image-digest-pinned"}),
        (f"nginx:latest@{DIGEST}", set()),
        (f"nginx@{DIGEST}", set()),
        (f"registry:5000/app:1.2@{DIGEST}", set()),
    ],
)
def test_image_rules(image: str, expected: set[str]) -> None:
    assert image_rules(image) == expected


def test_image_rule_message_and_path() -> None:
    body = deployment(pod_spec(container(name="web", image="nginx:latest", probe=GOOD_PROBE)))
    (finding,) = of("image-tag-not-latest", body)
    assert finding.path.startswith("spec.template.spec.containers[0]")
    assert "web" in finding.message and "nginx:latest" in finding.message


# --- placeholder-secret -----------------------------------------------------------------------


def secret(**fields: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, **fields}


def b64(raw: str | bytes) -> str:
    return base64.b64encode(raw.encode() if isinstance(raw, str) else raw).decode()


def env_deployment(*values: str) -> dict[str, Any]:
    env = [{"name": f"VAR{i}", "value": v} for i, v in enumerate(values)]
    return deployment(pod_spec(container(probe=GOOD_PROBE, env=env)))


@pytest.mark.parametrize(
    "value",
    ["<YOUR_TOKEN_HERE>", "changeme", "CHANGE_ME", "replace-me", "TODO", "xxxx", "${TOKEN}"],
)
def test_placeholder_in_string_data(value: str) -> None:
    (finding,) = of("placeholder-secret", secret(stringData={"GITHUB_TOKEN": value}))
    assert finding.path == "stringData.GITHUB_TOKEN"


def test_placeholder_in_base64_data() -> None:
    (finding,) = of("placeholder-secret", secret(data={"password": b64("changeme")}))
    assert finding.path == "data.password"
    assert "changeme" in finding.message


def test_placeholder_as_env_value() -> None:
    (finding,) = of("placeholder-secret", env_deployment("fine", "changeme"))
    assert finding.path == "spec.template.spec.containers[0].env[1].value"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            secret(stringData={"GITHUB_TOKEN": "ghp_8f2kQ0xZr3VbN1mT7yLw4cHs9dJ6uAeP5gRi"}),
            id="real-token",
        ),
        pytest.param(
            secret(data={"token": b64("ghp_8f2kQ0xZr3VbN1mT7yLw4cHs9dJ6uAeP5gRi")}),
            id="real-token-base64",
        ),
        pytest.param(secret(data={"keystore": b64(bytes(range(256)))}), id="binary-0-255"),
        pytest.param(secret(data={"cert": b64(bytes(range(255, -1, -1)) * 3)}), id="binary-rev"),
        pytest.param(secret(data={"empty": ""}), id="empty-data"),
        pytest.param(env_deployment("production"), id="env-production"),
        pytest.param(env_deployment("test"), id="env-test"),
        pytest.param(env_deployment("https://example.com"), id="env-url"),
        pytest.param(env_deployment("prod", "dev", "1", "true", "info"), id="env-misc"),
    ],
)
def test_placeholder_does_not_fire_on_real_values(body: dict[str, Any]) -> None:
    assert of("placeholder-secret", body) == []


def test_placeholder_ignores_env_value_from() -> None:
    env = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}]
    body = deployment(pod_spec(container(probe=GOOD_PROBE, env=env)))
    assert findings(body) == []


@pytest.mark.parametrize("profile", ["dev", "staging", "prod", "anything"])
def test_pack_applies_to_every_profile_and_target(profile: str) -> None:
    for policy in PACK:
        assert policy.match.profiles == () and policy.match.targets == (), policy.id
    body = deployment(pod_spec(container(name="web")))
    obj = dataclasses.replace(rendered(body), profile=profile, target="any-target")
    assert {f.rule for f in check_policies(PACK, [obj])} == {"startup-probe-initial-delay"}


# --- messages that say what is wrong, and the peers' cases (issue 14) -----------------------


def test_a_missing_startup_probe_is_said_so() -> None:
    (finding,) = of("startup-probe-initial-delay", deployment(pod_spec(container(name="web"))))
    assert finding.message.startswith("container web has no startupProbe; add one")
    assert "initialDelaySeconds >= 120" in finding.message


@pytest.mark.parametrize(("probe", "shown"), [({"initialDelaySeconds": 2}, "2"), ({}, "unset")])
def test_a_low_startup_delay_says_is_and_needs(probe: dict[str, Any], shown: str) -> None:
    body = deployment(pod_spec(container(name="web", probe={"tcpSocket": {"port": 1}, **probe})))
    (finding,) = of("startup-probe-initial-delay", body)
    assert finding.message == (
        f"container web: startupProbe.initialDelaySeconds is {shown}, needs >= 120"
    )


@pytest.mark.parametrize(
    ("resources", "field"),
    [
        ({"requests": {"cpu": 0, "memory": "128Mi"}}, "cpu"),
        ({"requests": {"cpu": "0m", "memory": "128Mi"}}, "cpu"),
        ({"requests": {"cpu": "100m", "memory": "0Mi"}}, "memory"),
        # A limit fills a missing request, not one set to zero.
        ({"requests": {"cpu": "0"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "cpu"),
        ({"limits": {"cpu": "0", "memory": "1Gi"}}, "cpu"),
    ],
)
def test_a_zero_request_is_no_request(resources: dict[str, Any], field: str) -> None:
    body = deployment(pod_spec(container(name="web", probe=GOOD_PROBE, resources=resources)))
    (finding,) = of("resource-requests", body)
    assert finding.message.startswith(f"container web: resources.requests.{field} is ")
    assert "above zero" in finding.message


def test_no_resources_at_all_is_one_finding_naming_both() -> None:
    body = deployment(pod_spec(container(name="web", probe=GOOD_PROBE, resources={})))
    (finding,) = of("resource-requests", body)
    assert finding.message == (
        "container web requests no resources; set resources.requests.cpu and "
        "resources.requests.memory above zero"
    )


@pytest.mark.parametrize(
    ("image", "floats", "pinned"),
    [
        ("nginx:latest@" + DIGEST, False, True),  # the digest decides what runs
        ("nginx:latest@sha256:123456", True, False),  # not a digest: the tag is latest
        ("nginx@sha256:123456", True, False),  # no tag, no digest
        ("nginx:1.27@sha256:123456", False, False),  # a tag, a fake digest
        ("registry:5000/nginx:1.27", False, False),
        ("registry:5000/nginx", True, False),
    ],
)
def test_image_tag_and_digest_agree(image: str, floats: bool, pinned: bool) -> None:
    body = deployment(pod_spec(container(name="web", image=image, probe=GOOD_PROBE)))
    found = rules(body)
    assert ("image-tag-not-latest" in found) is floats
    assert ("image-digest-pinned" in found) is not pinned


def test_every_container_message_names_the_container() -> None:
    body = deployment(
        pod_spec(
            container(
                name="sidecar",
                image="nginx:latest",
                resources={},
                env=[{"name": "TOKEN", "value": "changeme"}],
            ),
        )
    )
    messages = {f.rule: f.message for f in findings(body)}
    assert set(messages) == {
        "image-digest-pinned",
        "image-tag-not-latest",
        "resource-requests",
        "startup-probe-initial-delay",
        "placeholder-secret",
    }
    for rule, text in messages.items():
        assert "sidecar" in text, (rule, text)
    assert messages["placeholder-secret"].startswith(
        "spec.template.spec.containers[name=sidecar].env[name=TOKEN].value is the placeholder"
    )
