"""The opt-in policy packs under policies/packs/: every shipped example, and the cases
of the Kubernetes Pod Security Standards page a reviewer checks first."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pytest

from gate.checks.policies.engine import check_policies
from gate.checks.policies.examples import example_findings
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import AllOf, AnyOf, Condition, Example, Leaf, NotOf, Policy
from gate.model import Finding, RenderedObject
from tests.conftest import REPO

PACKS_DIR = REPO / "policies" / "packs"
BASELINE = "pod-security-baseline"
RESTRICTED = "pod-security-restricted"
RELIABILITY = "reliability"
PACK_NAMES = (BASELINE, RESTRICTED, RELIABILITY)
DIGEST = "sha256:" + "0123456789abcdef" * 4
WORKLOAD_KINDS = (
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)
# The capabilities and sysctls the Pod Security Standards page lists (kubernetes.io,
# concepts/security/pod-security-standards), written out here so that a changed
# default in a policy file is a failing test, not a silent change of the standard.
BASELINE_CAPABILITIES = (
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
)
SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
)
SELINUX_TYPES = ("container_t", "container_init_t", "container_kvm_t", "container_engine_t")
RESTRICTED_VOLUMES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)


@cache
def pack(name: str) -> tuple[Policy, ...]:
    """A pack's folder as gate loads it. check_policies runs a policy whatever its
    `enabled` (the pipeline's `skips` leaves out what is off), so the policies that are
    off by default are tested as a profile that turns them on sees them."""
    return tuple(load_policies([PACKS_DIR / name], builtin=False))


def leaves(condition: Condition | None) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for child in condition.children:
            yield from leaves(child)
    elif isinstance(condition, NotOf):
        yield from leaves(condition.child)


def rendered(body: dict[str, Any]) -> RenderedObject:
    metadata = body.get("metadata") or {}
    return RenderedObject(
        target="shop",
        profile="prod",
        api_version=body.get("apiVersion", "v1"),
        kind=body["kind"],
        namespace=metadata.get("namespace", "shop"),
        name=metadata.get("name", ""),
        body=body,
        source="shop/templates/object.yaml",
    )


def rendering(body: dict[str, Any]) -> list[RenderedObject]:
    """An example is one object, or a `kind: List` whose items are one rendering."""
    if body.get("kind") == "List":
        return [rendered(item) for item in body.get("items") or []]
    return [rendered(body)]


def findings(
    name: str, *bodies: dict[str, Any], params: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Finding]:
    objects = [obj for body in bodies for obj in rendering(body)]
    tuned = params or {}

    def params_for(policy: Policy, obj: RenderedObject) -> Mapping[str, Any]:
        return {**dict(policy.params), **tuned.get(policy.id, {})}

    return check_policies(pack(name), objects, params_for=params_for)


def of(rule: str, *bodies: dict[str, Any], **kwargs: Any) -> list[Finding]:
    name = next(n for n in PACK_NAMES if rule in {p.id for p in pack(n)})
    return [f for f in findings(name, *bodies, **kwargs) if f.rule == rule]


def fires(rule: str, *bodies: dict[str, Any], **kwargs: Any) -> bool:
    return bool(of(rule, *bodies, **kwargs))


# --- every shipped example -------------------------------------------------------------------

EXAMPLES = [
    pytest.param(
        name, policy, example, id=f"{policy.id}-{'pass' if example.passes else 'fail'}-{n}"
    )
    for name in PACK_NAMES
    for policy in pack(name)
    for n, example in enumerate(policy.examples)
]


@pytest.mark.parametrize(("name", "policy", "example"), EXAMPLES)
def test_shipped_examples(name: str, policy: Policy, example: Example) -> None:
    own = example_findings(policy, example)
    if example.passes:
        assert own == [], [f.message for f in own]
    else:
        assert own, f"{policy.id} let a fail example through"
    # The same verdict beside the rest of its pack, in a namespace of its own.
    alongside = [f for f in findings(name, example.body) if f.rule == policy.id]
    assert bool(alongside) is bool(own)


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_policy_has_a_passing_and_a_failing_example(name: str) -> None:
    for policy in pack(name):
        assert any(e.passes for e in policy.examples), f"{policy.id}: no pass example"
        assert any(not e.passes for e in policy.examples), f"{policy.id}: no fail example"


@pytest.mark.parametrize("name", PACK_NAMES)
def test_one_policy_per_file_named_after_its_id(name: str) -> None:
    files = sorted((PACKS_DIR / name).glob("*.y*ml"))
    assert files, name
    for file in files:
        (policy,) = load_policies([file], builtin=False)
        assert file.name == f"{policy.id}.yaml"
        assert policy.title != policy.id and policy.description.strip(), policy.id


def test_ids_are_unique_across_every_pack_and_the_built_in_pack() -> None:
    folders = [PACKS_DIR / name for name in PACK_NAMES] + [REPO / "policies" / "examples"]
    everything = load_policies(folders, builtin=True)  # a duplicate id is a GateError
    ids = [p.id for p in everything]
    assert len(ids) == len(set(ids))
    for policy in everything:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", policy.id)


def test_pod_security_ids_name_their_level_and_every_one_is_an_error() -> None:
    for name, prefix in ((BASELINE, "pss-baseline-"), (RESTRICTED, "pss-restricted-")):
        for policy in pack(name):
            assert policy.id.startswith(prefix), policy.id
            assert policy.severity.value == "error", policy.id


def test_reliability_ids_are_plain() -> None:
    for policy in pack(RELIABILITY):
        assert not policy.id.startswith("pss-"), policy.id


@pytest.mark.parametrize("name", PACK_NAMES)
def test_container_messages_name_the_container(name: str) -> None:
    for policy in pack(name):
        each = " ".join(str(path) for path in policy.each)
        if "containers" not in each.lower():
            continue
        assert policy.message, policy.id
        texts = [policy.message, *(leaf.message for leaf in leaves(policy.assertion))]
        for text in (t for t in texts if t is not None):
            assert text.startswith(("container {item.name}: ", "container {container}: ")), (
                policy.id,
                text,
            )


def test_every_pack_policy_is_in_the_mapping_table() -> None:
    mapping = (REPO / "docs" / "pack-mapping.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z0-9-]+)` \|", mapping, flags=re.MULTILINE))
    for name in PACK_NAMES:
        for policy in pack(name):
            assert policy.id in rows, f"{policy.id} has no row in docs/pack-mapping.md"
    every = {p.id for name in PACK_NAMES for p in pack(name)}
    assert rows <= every, f"rows for policies that do not exist: {sorted(rows - every)}"


def test_every_pack_has_a_page_and_is_listed_in_packs_md() -> None:
    overview = (REPO / "docs" / "packs.md").read_text(encoding="utf-8")
    for name in PACK_NAMES:
        assert (REPO / "docs" / "packs" / f"{name}.md").is_file(), name
        assert f"(packs/{name}.md)" in overview, name


# --- objects ---------------------------------------------------------------------------------


def container(name: str = "app", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": f"registry.example/{name}:1.4.2", **extra}


def secured(name: str = "app", **context: Any) -> dict[str, Any]:
    return container(name, securityContext=context)


def workload(kind: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    """`spec` is a pod spec; it lands where `kind` keeps its pods."""
    meta = {"name": "web", "namespace": "shop", **metadata}
    api = {"Pod": "v1", "ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}
    body: dict[str, Any] = {"apiVersion": api.get(kind, "apps/v1"), "kind": kind, "metadata": meta}
    if kind == "Pod":
        body["spec"] = spec
    elif kind == "CronJob":
        job = {"template": {"spec": spec}}
        body["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": job}}
    else:
        body["spec"] = {"template": {"spec": spec}}
    return body


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return workload("Pod", {"containers": list(containers), **spec})


def deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return workload("Deployment", {"containers": list(containers), **spec})


POD_SPEC_PREFIX = {
    "Pod": "spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
    **{k: "spec.template.spec" for k in WORKLOAD_KINDS if k not in ("Pod", "CronJob")},
}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def hardened(kind: str) -> dict[str, Any]:
    """A pod that meets Restricted (and so Baseline), in the shape of `kind`."""
    spec = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [secured("init", **RESTRICTED_CONTAINER)],
        "containers": [
            secured("web", **RESTRICTED_CONTAINER, runAsUser=1000),
            container(
                "proxy",
                securityContext={
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                },
                ports=[{"containerPort": 443}],
            ),
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "x"}}],
    }
    return workload(kind, spec)


# --- both Pod Security packs on whole objects ------------------------------------------------


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_a_restricted_pod_passes_both_pod_security_packs(kind: str) -> None:
    body = hardened(kind)
    assert findings(BASELINE, body) == []
    assert findings(RESTRICTED, body) == []


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_the_default_pod_passes_baseline_and_fails_restricted(kind: str) -> None:
    """Baseline allows the default, minimally specified pod; Restricted does not."""
    body = workload(kind, {"containers": [container("web")]})
    assert findings(BASELINE, body) == []
    assert {f.rule for f in findings(RESTRICTED, body)} == {
        "pss-restricted-privilege-escalation",
        "pss-restricted-run-as-non-root",
        "pss-restricted-seccomp",
        "pss-restricted-capabilities",
    }


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_every_kind_is_checked_where_it_keeps_its_pods(kind: str) -> None:
    body = workload(
        kind,
        {
            "hostNetwork": True,
            "containers": [container("web")],
            "ephemeralContainers": [secured("debugger", privileged=True)],
        },
    )
    prefix = POD_SPEC_PREFIX[kind]
    (network,) = of("pss-baseline-host-namespaces", body)
    assert network.path == f"{prefix}.hostNetwork"
    (privileged,) = of("pss-baseline-privileged", body)
    assert privileged.path == f"{prefix}.ephemeralContainers[0].securityContext.privileged"
    assert privileged.message.startswith("container debugger: ")


def test_pod_level_policies_ignore_the_workload_spec_itself() -> None:
    """A Deployment's own spec is no pod spec: nothing there may pass for a pod field."""
    body = deployment(container("web"))
    body["spec"]["hostNetwork"] = True  # not a Deployment field; the pod template is clean
    assert findings(BASELINE, body) == []


# --- Baseline ---------------------------------------------------------------------------------


def test_the_allowed_capabilities_are_the_standard_s() -> None:
    (policy,) = (p for p in pack(BASELINE) if p.id == "pss-baseline-capabilities")
    assert tuple(dict(policy.params)["allowed"]) == BASELINE_CAPABILITIES


@pytest.mark.parametrize("capability", BASELINE_CAPABILITIES)
def test_each_baseline_capability_may_be_added(capability: str) -> None:
    body = pod(secured("web", capabilities={"add": [capability]}))
    assert not fires("pss-baseline-capabilities", body)


@pytest.mark.parametrize(
    "capability", ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "CAP_CHOWN", "chown", "ALL"]
)
def test_other_capabilities_may_not(capability: str) -> None:
    body = deployment(
        container("web"), secured("agent", capabilities={"add": ["CHOWN", capability]})
    )
    (finding,) = of("pss-baseline-capabilities", body)
    assert finding.path == "spec.template.spec.containers[1].securityContext.capabilities.add[1]"
    assert finding.message.startswith("container agent: ")
    assert capability in finding.message


def test_capabilities_dropped_or_an_empty_add_are_fine() -> None:
    body = pod(secured("web", capabilities={"drop": ["ALL"], "add": []}))
    assert not fires("pss-baseline-capabilities", body)


def test_a_team_can_shrink_the_allowed_capabilities() -> None:
    body = pod(secured("web", capabilities={"add": ["CHOWN"]}))
    tuned = {"pss-baseline-capabilities": {"allowed": ["NET_BIND_SERVICE"]}}
    assert fires("pss-baseline-capabilities", body, params=tuned)


@pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
def test_each_host_namespace_fails_alone(field: str) -> None:
    (finding,) = of("pss-baseline-host-namespaces", pod(container(), **{field: True}))
    assert finding.path == f"spec.{field}"
    assert field in finding.message
    assert not fires("pss-baseline-host-namespaces", pod(container(), **{field: False}))


@pytest.mark.parametrize(
    ("ports", "fails"),
    [
        ([{"containerPort": 8080}], False),
        ([{"containerPort": 8080, "hostPort": 0}], False),
        ([], False),
        ([{"containerPort": 8080, "hostPort": 8080}], True),
        ([{"containerPort": 53, "hostPort": 0}, {"containerPort": 9100, "hostPort": 9100}], True),
    ],
)
def test_host_ports(ports: list[dict[str, int]], fails: bool) -> None:
    found = of("pss-baseline-host-ports", pod(container("dns", ports=ports)))
    assert bool(found) is fails
    if fails:
        assert found[0].message.startswith("container dns: hostPort is ")
        assert found[0].path.endswith(f"ports[{len(ports) - 1}].hostPort")


def test_a_known_host_port_can_be_allowed_by_a_parameter() -> None:
    body = pod(container("exporter", ports=[{"containerPort": 9100, "hostPort": 9100}]))
    tuned = {"pss-baseline-host-ports": {"allowed": [0, 9100]}}
    assert not fires("pss-baseline-host-ports", body, params=tuned)


@pytest.mark.parametrize("level", ["pod", "container"])
def test_host_process(level: str) -> None:
    windows = {"windowsOptions": {"hostProcess": True}}
    if level == "pod":
        body = pod(container(), securityContext=windows)
        rule = "pss-baseline-host-process-pod"
    else:
        body = pod(container(), secured("agent", **windows))
        rule = "pss-baseline-host-process"
    (finding,) = of(rule, body)
    assert finding.path.endswith("securityContext.windowsOptions.hostProcess")
    other = {"pss-baseline-host-process", "pss-baseline-host-process-pod"} - {rule}
    assert not fires(other.pop(), body)


def test_host_path_volumes_name_the_volume() -> None:
    volumes = [{"name": "data", "emptyDir": {}}, {"name": "sock", "hostPath": {"path": "/run"}}]
    (finding,) = of("pss-baseline-host-path-volumes", deployment(container(), volumes=volumes))
    assert finding.path == "spec.template.spec.volumes[1].hostPath"
    assert finding.message.startswith("volume sock: hostPath /run ")


@pytest.mark.parametrize(
    ("where", "fails"),
    [
        ({"livenessProbe": {"httpGet": {"port": 80, "host": "10.0.0.1"}}}, True),
        ({"readinessProbe": {"tcpSocket": {"port": 80, "host": "db"}}}, True),
        ({"startupProbe": {"httpGet": {"port": 80, "host": "example.com"}}}, True),
        ({"lifecycle": {"preStop": {"httpGet": {"port": 80, "host": "example.com"}}}}, True),
        ({"lifecycle": {"postStart": {"tcpSocket": {"port": 80, "host": "db"}}}}, True),
        ({"livenessProbe": {"httpGet": {"port": 80, "host": ""}}}, False),
        (
            {"livenessProbe": {"httpGet": {"port": 80}}, "readinessProbe": {"grpc": {"port": 9}}},
            False,
        ),
    ],
)
def test_probe_and_lifecycle_hosts(where: dict[str, Any], fails: bool) -> None:
    assert fires("pss-baseline-probe-host", pod(container("web", **where))) is fails


@pytest.mark.parametrize(
    ("value", "fails"), [("RuntimeDefault", False), ("Localhost", False), ("Unconfined", True)]
)
def test_apparmor_fields(value: str, fails: bool) -> None:
    profile = {"appArmorProfile": {"type": value}}
    assert fires("pss-baseline-apparmor", pod(secured("web", **profile))) is fails
    assert fires("pss-baseline-apparmor-pod", pod(container(), securityContext=profile)) is fails


@pytest.mark.parametrize(
    ("value", "fails"),
    [("runtime/default", False), ("localhost/k8s-nginx", False), ("", False), ("unconfined", True)],
)
def test_apparmor_annotations(value: str, fails: bool) -> None:
    key = "container.apparmor.security.beta.kubernetes.io/web"
    body = workload("Pod", {"containers": [container("web")]}, annotations={key: value})
    found = of("pss-baseline-apparmor-pod", body)
    assert bool(found) is fails
    if fails:
        assert found[0].path == f"metadata.annotations['{key}']"


def test_apparmor_annotations_of_a_deployment_itself_are_not_the_pod_s() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/web"
    body = deployment(container("web"))
    body["metadata"]["annotations"] = {key: "unconfined"}  # on the Deployment, not its pods
    assert not fires("pss-baseline-apparmor-pod", body)
    body["spec"]["template"]["metadata"] = {"annotations": {key: "unconfined"}}
    assert fires("pss-baseline-apparmor-pod", body)


@pytest.mark.parametrize("selinux_type", ["", *SELINUX_TYPES])
def test_each_allowed_selinux_type(selinux_type: str) -> None:
    options = {"seLinuxOptions": {"type": selinux_type, "level": "s0:c1,c2"}}
    assert not fires("pss-baseline-selinux", pod(secured("web", **options)))
    assert not fires("pss-baseline-selinux-pod", pod(container(), securityContext=options))


@pytest.mark.parametrize(
    "options",
    [{"type": "spc_t"}, {"type": "unconfined_t"}, {"user": "system_u"}, {"role": "system_r"}],
)
def test_forbidden_selinux_options(options: dict[str, str]) -> None:
    (finding,) = of("pss-baseline-selinux", pod(secured("web", seLinuxOptions=options)))
    (field,) = options
    assert finding.path == f"spec.containers[0].securityContext.seLinuxOptions.{field}"
    body = pod(container(), securityContext={"seLinuxOptions": options})
    (finding,) = of("pss-baseline-selinux-pod", body)
    assert finding.path == f"spec.securityContext.seLinuxOptions.{field}"


def test_empty_selinux_user_and_role_are_allowed() -> None:
    options = {"seLinuxOptions": {"user": "", "role": ""}}
    assert not fires("pss-baseline-selinux", pod(secured("web", **options)))


@pytest.mark.parametrize(("value", "fails"), [("Default", False), ("Unmasked", True)])
def test_proc_mount(value: str, fails: bool) -> None:
    assert fires("pss-baseline-proc-mount", pod(secured("web", procMount=value))) is fails


@pytest.mark.parametrize(
    ("value", "fails"), [("RuntimeDefault", False), ("Localhost", False), ("Unconfined", True)]
)
def test_baseline_seccomp(value: str, fails: bool) -> None:
    profile = {"seccompProfile": {"type": value}}
    assert fires("pss-baseline-seccomp", pod(secured("web", **profile))) is fails
    assert fires("pss-baseline-seccomp-pod", pod(container(), securityContext=profile)) is fails


def test_baseline_leaves_seccomp_unset_alone() -> None:
    assert not fires("pss-baseline-seccomp", pod(container()))
    assert not fires("pss-baseline-seccomp-pod", pod(container()))


def test_the_safe_sysctls_are_the_standard_s() -> None:
    (policy,) = (p for p in pack(BASELINE) if p.id == "pss-baseline-sysctls")
    assert tuple(dict(policy.params)["allowed"]) == SAFE_SYSCTLS
    for name in SAFE_SYSCTLS:  # the description says when each arrived
        assert name in policy.description, name


def sysctl_pod(*names: str) -> dict[str, Any]:
    sysctls = [{"name": name, "value": "1"} for name in names]
    return pod(container(), securityContext={"sysctls": sysctls})


def test_every_safe_sysctl_passes() -> None:
    assert not fires("pss-baseline-sysctls", sysctl_pod(*SAFE_SYSCTLS))


@pytest.mark.parametrize("name", ["kernel.msgmax", "net.core.somaxconn", "vm.overcommit_memory"])
def test_an_unsafe_sysctl_fails(name: str) -> None:
    (finding,) = of("pss-baseline-sysctls", sysctl_pod("kernel.shm_rmid_forced", name))
    assert finding.path == "spec.securityContext.sysctls[1].name"
    assert name in finding.message


def test_sysctls_newer_than_the_page_can_be_added_by_a_parameter() -> None:
    body = sysctl_pod("net.ipv4.tcp_rmem")
    assert fires("pss-baseline-sysctls", body)
    tuned = {"pss-baseline-sysctls": {"allowed": [*SAFE_SYSCTLS, "net.ipv4.tcp_rmem"]}}
    assert not fires("pss-baseline-sysctls", body, params=tuned)


# --- Restricted -------------------------------------------------------------------------------


def test_restricted_holds_only_what_baseline_does_not() -> None:
    """Each Restricted policy fails some example that the whole Baseline pack passes:
    none of them repeats a Baseline control."""
    for policy in pack(RESTRICTED):
        beyond = [
            e
            for e in policy.examples
            if not e.passes
            and findings(BASELINE, e.body) == []
            and any(f.rule == policy.id for f in findings(RESTRICTED, e.body))
        ]
        assert beyond, f"{policy.id}: every fail example already fails Baseline"


@pytest.mark.parametrize("volume", RESTRICTED_VOLUMES)
def test_each_restricted_volume_type_passes(volume: str) -> None:
    body = pod(container(), volumes=[{"name": "v", volume: {}}])
    assert not fires("pss-restricted-volume-types", body)


@pytest.mark.parametrize("volume", ["nfs", "iscsi", "gitRepo", "rbd", "cephfs"])
def test_other_volume_types_fail(volume: str) -> None:
    body = pod(container(), volumes=[{"name": "ok", "emptyDir": {}}, {"name": "v", volume: {}}])
    (finding,) = of("pss-restricted-volume-types", body)
    assert finding.path == "spec.volumes[1]"
    assert finding.message.startswith("volume v: ")


def test_a_host_path_volume_is_one_finding_of_baseline_not_two() -> None:
    body = pod(container(), volumes=[{"name": "root", "hostPath": {"path": "/"}}])
    assert fires("pss-baseline-host-path-volumes", body)
    assert not fires("pss-restricted-volume-types", body)


@pytest.mark.parametrize("empty", [{"secret": None}, {"configMap": None, "nfs": None}, {}])
def test_a_volume_without_source_is_an_empty_dir(empty: dict[str, Any]) -> None:
    body = pod(container(), volumes=[{"name": "ca", **empty}])
    assert not fires("pss-restricted-volume-types", body)


@pytest.mark.parametrize(("value", "fails"), [(False, False), (True, True), (None, True)])
def test_privilege_escalation_must_be_false(value: bool | None, fails: bool) -> None:
    context = {} if value is None else {"allowPrivilegeEscalation": value}
    found = of("pss-restricted-privilege-escalation", pod(secured("web", **context)))
    assert bool(found) is fails


@pytest.mark.parametrize(
    ("pod_level", "container_level", "fails"),
    [
        (True, None, False),
        (None, True, False),
        (True, True, False),
        (False, True, False),  # the container passes; the pod-level false is its own finding
        (None, None, True),
        (True, False, True),  # a container that overrides the pod's true
        (False, None, True),
        (None, False, True),
    ],
)
def test_run_as_non_root_with_inheritance(
    pod_level: bool | None, container_level: bool | None, fails: bool
) -> None:
    context = {} if container_level is None else {"runAsNonRoot": container_level}
    spec_context = {} if pod_level is None else {"runAsNonRoot": pod_level}
    body = pod(container("init-free"), secured("web", **context), securityContext=spec_context)
    body["spec"]["containers"][0]["securityContext"] = {"runAsNonRoot": True}
    found = of("pss-restricted-run-as-non-root", body)
    assert bool(found) is fails
    if fails:
        (finding,) = found
        assert finding.message.startswith("container web: ")
    assert fires("pss-restricted-run-as-non-root-pod", body) is (pod_level is False)


def test_an_init_container_inherits_the_pod_s_run_as_non_root_too() -> None:
    body = deployment(container("web"), securityContext={"runAsNonRoot": True})
    body["spec"]["template"]["spec"]["initContainers"] = [secured("init", runAsNonRoot=False)]
    (finding,) = of("pss-restricted-run-as-non-root", body)
    assert finding.path == "spec.template.spec.initContainers[0].securityContext.runAsNonRoot"


@pytest.mark.parametrize(("uid", "fails"), [(0, True), (1, False), (1000, False)])
def test_run_as_user(uid: int, fails: bool) -> None:
    assert fires("pss-restricted-run-as-user", pod(secured("web", runAsUser=uid))) is fails
    body = pod(secured("web", runAsUser=1000), securityContext={"runAsUser": uid})
    assert fires("pss-restricted-run-as-user-pod", body) is fails


@pytest.mark.parametrize(
    ("pod_type", "container_type", "fails"),
    [
        ("RuntimeDefault", None, False),
        ("Localhost", None, False),
        (None, "Localhost", False),
        (None, "RuntimeDefault", False),
        ("Unconfined", "RuntimeDefault", False),  # the container's own profile counts
        (None, None, True),
        ("RuntimeDefault", "Unconfined", True),
        ("Unconfined", None, True),
    ],
)
def test_restricted_seccomp(pod_type: str | None, container_type: str | None, fails: bool) -> None:
    context = {} if container_type is None else {"seccompProfile": {"type": container_type}}
    spec_context = {} if pod_type is None else {"seccompProfile": {"type": pod_type}}
    body = workload(
        "CronJob", {"containers": [secured("job", **context)], "securityContext": spec_context}
    )
    assert fires("pss-restricted-seccomp", body) is fails


def test_restricted_seccomp_is_satisfied_by_localhost() -> None:
    profile = {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/web.json"}}
    assert not fires("pss-restricted-seccomp", pod(secured("web", **profile)))
    assert not fires("pss-restricted-seccomp", pod(container("web"), securityContext=profile))


@pytest.mark.parametrize(
    ("capabilities", "fails"),
    [
        ({"drop": ["ALL"]}, False),
        ({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, False),
        ({"drop": ["NET_RAW", "ALL"]}, False),
        ({}, True),
        ({"drop": ["all"]}, True),  # compared exactly, as the admission controller does
        ({"drop": ["NET_RAW"]}, True),
        ({"drop": ["ALL"], "add": ["CHOWN"]}, True),
        ({"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_TIME"]}, True),
    ],
)
def test_restricted_capabilities(capabilities: dict[str, list[str]], fails: bool) -> None:
    body = pod(secured("web", capabilities=capabilities))
    assert fires("pss-restricted-capabilities", body) is fails


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_windows_pods_skip_only_the_linux_controls(kind: str) -> None:
    windows = workload(kind, {"os": {"name": "windows"}, "containers": [container("iis")]})
    assert {f.rule for f in findings(RESTRICTED, windows)} == {"pss-restricted-run-as-non-root"}
    linux = workload(kind, {"os": {"name": "linux"}, "containers": [container("web")]})
    assert len({f.rule for f in findings(RESTRICTED, linux)}) == 4


# --- reliability -------------------------------------------------------------------------------


def test_memory_limits_cover_init_containers() -> None:
    limited = {"limits": {"memory": "256Mi"}}
    body = deployment(container("web", resources=limited))
    assert not fires("memory-limits", body)
    body["spec"]["template"]["spec"]["initContainers"] = [container("migrate")]
    (finding,) = of("memory-limits", body)
    assert finding.message.startswith("container migrate: ")


@pytest.mark.parametrize(
    ("liveness", "readiness", "fails"),
    [(120, 120, False), (300, 120, False), (60, 120, True), (None, 30, True), (30, None, False)],
)
def test_liveness_not_before_readiness(
    liveness: int | None, readiness: int | None, fails: bool
) -> None:
    def probe(delay: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"tcpSocket": {"port": 8080}}
        if delay is not None:
            out["initialDelaySeconds"] = delay
        return out

    body = deployment(
        container("web", livenessProbe=probe(liveness), readinessProbe=probe(readiness))
    )
    found = of("liveness-not-before-readiness", body)
    assert bool(found) is fails
    if fails:
        assert f"is {liveness or 0}, needs >= {readiness}" in found[0].message


def test_liveness_without_readiness_is_not_compared() -> None:
    body = deployment(container("web", livenessProbe={"tcpSocket": {"port": 80}}))
    assert not fires("liveness-not-before-readiness", body)


def test_replicas_and_budgets_are_off_until_a_profile_turns_them_on() -> None:
    off = {p.id for name in PACK_NAMES for p in pack(name) if not p.enabled}
    assert off == {"replicas-more-than-one", "autoscaler-min-replicas", "pod-disruption-budget"}


@pytest.mark.parametrize(("replicas", "fails"), [(None, True), (1, True), (2, False), (5, False)])
def test_replicas(replicas: int | None, fails: bool) -> None:
    body = deployment(container())
    if replicas is not None:
        body["spec"]["replicas"] = replicas
    found = of("replicas-more-than-one", body)
    assert bool(found) is fails
    if fails:
        assert found[0].message.startswith(
            f"spec.replicas is {replicas or 1} (unset means 1), needs >= 2"
        )


def test_a_workload_an_autoscaler_scales_is_left_to_its_min_replicas() -> None:
    body = deployment(container())
    name = body["metadata"]["name"]
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "scaler", "namespace": body["metadata"].get("namespace", "")},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": name}, "maxReplicas": 5},
    }
    assert of("replicas-more-than-one", body, hpa) == []
    assert [f.object for f in of("autoscaler-min-replicas", body, hpa)] == [rendered(hpa).identity]
    other = dict(hpa, spec={**hpa["spec"], "scaleTargetRef": {"kind": "StatefulSet", "name": name}})
    assert of("replicas-more-than-one", body, other)


def test_the_replica_minimum_is_a_parameter() -> None:
    body = workload("StatefulSet", {"containers": [container()]})
    body["spec"]["replicas"] = 2
    assert fires("replicas-more-than-one", body, params={"replicas-more-than-one": {"min": 3}})


@pytest.mark.parametrize(
    ("image", "policy", "fails"),
    [
        ("registry.example/web:1.4.2", None, True),
        ("registry.example/web:1.4.2", "IfNotPresent", True),
        ("registry.example/web:1.4.2", "Never", True),
        ("registry.example/web:1.4.2", "Always", False),
        ("registry.example:5000/web:1.4.2", None, True),
        (f"registry.example/web:1.4.2@{DIGEST}", None, False),
        (f"registry.example/web@{DIGEST}", "IfNotPresent", False),
        (f"registry.example/web@{DIGEST}", "Never", False),
        ("registry.example/web:latest", None, False),  # defaults to Always
        ("registry.example:5000/web", None, False),  # no tag: defaults to Always
        ("registry.example/web:latest", "IfNotPresent", True),
    ],
)
def test_image_pull_policy(image: str, policy: str | None, fails: bool) -> None:
    extra = {} if policy is None else {"imagePullPolicy": policy}
    body = pod({"name": "web", "image": image, **extra})
    found = of("image-pull-policy", body)
    assert bool(found) is fails
    if fails:
        assert found[0].path == "spec.containers[0].imagePullPolicy"


@pytest.mark.parametrize(
    "tag",
    ["0.0.0", "v0.0.0", "V0.0.0", "0.0.0-dev", "0.0.0+build.1", "0.0", "0", "", "changeme",
     "CHANGE_ME", "replace-me", "TODO", "tbd", "placeholder", "xxx", "x.y.z", "${TAG}",
     "$IMAGE_TAG", "<tag>", "undefined", "null"],
)  # fmt: skip
def test_placeholder_tags(tag: str) -> None:
    for image in (f"registry.example/web:{tag}", f"registry.example:5000/team/web:{tag}"):
        (finding,) = of("image-tag-placeholder", pod({"name": "web", "image": image}))
        assert finding.message.startswith(f"container web: image {image} ")


@pytest.mark.parametrize(
    "image",
    [
        "registry.example/web:1.0.0",
        "registry.example/web:0.0.1",
        "registry.example/web:v0.1.0",
        "registry.example/web:0.10.0",
        "registry.example/web:10.0.0",
        "registry.example/web:2024.01.0",
        "registry.example:5000/web:1.2",
        "registry.example/xxxtentacion:1.0",
        "registry.example/todo-app:1.0.3",
        f"registry.example/web:0.0.0@{DIGEST}",
    ],
)
def test_real_versions_are_no_placeholder(image: str) -> None:
    assert not fires("image-tag-placeholder", pod({"name": "web", "image": image}))


def labelled(kind: str, labels: dict[str, str], namespace: str = "shop") -> dict[str, Any]:
    body = workload(kind, {"containers": [container()]}, namespace=namespace)
    if kind == "Pod":
        body["metadata"]["labels"] = labels
    elif kind == "CronJob":
        body["spec"]["jobTemplate"]["spec"]["template"]["metadata"] = {"labels": labels}
    else:
        body["spec"]["template"]["metadata"] = {"labels": labels}
    return body


def service(
    selector: dict[str, str] | None, namespace: str = "shop", **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"ports": [{"port": 80}], **spec},
    }
    if selector is not None:
        body["spec"]["selector"] = selector
    return body


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_a_service_may_select_the_pods_of_any_workload_kind(kind: str) -> None:
    web = {"app.kubernetes.io/name": "web", "tier": "front"}
    assert not fires(
        "service-selector-matches-pods", service({"tier": "front"}), labelled(kind, web)
    )
    (finding,) = of("service-selector-matches-pods", service({"tier": "back"}), labelled(kind, web))
    assert finding.object.endswith("Service/shop/web")


def test_a_service_selects_only_in_its_own_namespace() -> None:
    pods = labelled("Deployment", {"app": "web"}, namespace="payments")
    assert fires("service-selector-matches-pods", service({"app": "web"}), pods)


def test_services_without_a_selector_are_not_checked() -> None:
    assert not fires("service-selector-matches-pods", service(None))
    external = service({"app": "web"}, type="ExternalName", externalName="db.example.com")
    assert not fires("service-selector-matches-pods", external)


def budget(selector: dict[str, Any], namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"maxUnavailable": 1, "selector": selector},
    }


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet"])
def test_pod_disruption_budget(kind: str) -> None:
    pods = labelled(kind, {"app": "web", "tier": "front"})
    (finding,) = of("pod-disruption-budget", pods)
    assert kind in finding.message
    assert not fires("pod-disruption-budget", pods, budget({"matchLabels": {"app": "web"}}))
    in_list = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}
    assert not fires("pod-disruption-budget", pods, budget(in_list))
    assert fires("pod-disruption-budget", pods, budget({"matchLabels": {"app": "api"}}))
    other_namespace = budget({"matchLabels": {"app": "web"}}, namespace="payments")
    assert fires("pod-disruption-budget", pods, other_namespace)


def test_budgets_and_replicas_leave_other_kinds_alone() -> None:
    for kind in ("DaemonSet", "Job", "CronJob", "Pod"):
        body = labelled(kind, {"app": "web"})
        assert not fires("pod-disruption-budget", body), kind
        assert not fires("replicas-more-than-one", body), kind
