"""apiVersions that Kubernetes stopped serving, with the version that removed them.

From the Kubernetes deprecated API migration guide. The bundled schemas start
at 1.25, so removals before that cannot be read from them; later ones are
listed too so the message can say when and what to use instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# (apiVersion, kind) -> (removed in, replacement apiVersion or None)
REMOVED: dict[tuple[str, str], tuple[str, str | None]] = {
    **{
        ("extensions/v1beta1", kind): ("1.16", "apps/v1")
        for kind in ("Deployment", "DaemonSet", "ReplicaSet")
    },
    ("extensions/v1beta1", "NetworkPolicy"): ("1.16", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy"): ("1.16", None),
    ("extensions/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1"),
    **{
        (group, kind): ("1.16", "apps/v1")
        for group in ("apps/v1beta1", "apps/v1beta2")
        for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision")
    },
    ("networking.k8s.io/v1beta1", "Ingress"): ("1.22", "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "IngressClass"): ("1.22", "networking.k8s.io/v1"),
    **{
        ("rbac.authorization.k8s.io/v1beta1", kind): ("1.22", "rbac.authorization.k8s.io/v1")
        for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    },
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): (
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    **{
        ("admissionregistration.k8s.io/v1beta1", kind): (
            "1.22",
            "admissionregistration.k8s.io/v1",
        )
        for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
    },
    ("apiregistration.k8s.io/v1beta1", "APIService"): ("1.22", "apiregistration.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): (
        "1.22",
        "certificates.k8s.io/v1",
    ),
    ("coordination.k8s.io/v1beta1", "Lease"): ("1.22", "coordination.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): ("1.22", "scheduling.k8s.io/v1"),
    **{
        ("storage.k8s.io/v1beta1", kind): ("1.22", "storage.k8s.io/v1")
        for kind in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")
    },
    ("batch/v1beta1", "CronJob"): ("1.25", "batch/v1"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): ("1.25", "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "Event"): ("1.25", "events.k8s.io/v1"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ("1.25", "autoscaling/v2"),
    ("policy/v1beta1", "PodDisruptionBudget"): ("1.25", "policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy"): ("1.25", None),
    ("node.k8s.io/v1beta1", "RuntimeClass"): ("1.25", "node.k8s.io/v1"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ("1.26", "autoscaling/v2"),
    **{
        ("flowcontrol.apiserver.k8s.io/v1beta1", kind): ("1.26", "flowcontrol.apiserver.k8s.io/v1")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    },
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ("1.27", "storage.k8s.io/v1"),
    **{
        ("flowcontrol.apiserver.k8s.io/v1beta2", kind): ("1.29", "flowcontrol.apiserver.k8s.io/v1")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    },
    **{
        ("flowcontrol.apiserver.k8s.io/v1beta3", kind): ("1.32", "flowcontrol.apiserver.k8s.io/v1")
        for kind in ("FlowSchema", "PriorityLevelConfiguration")
    },
    ("authentication.k8s.io/v1beta1", "SelfSubjectReview"): ("1.33", "authentication.k8s.io/v1"),
    **{
        ("admissionregistration.k8s.io/v1beta1", kind): (
            "1.34",
            "admissionregistration.k8s.io/v1",
        )
        for kind in ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
    },
    **{
        ("networking.k8s.io/v1beta1", kind): ("1.37", "networking.k8s.io/v1")
        for kind in ("IPAddress", "ServiceCIDR")
    },
    ("storage.k8s.io/v1beta1", "VolumeAttributesClass"): ("1.37", "storage.k8s.io/v1"),
}


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


_STAGE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_RANK = {"alpha": 0, "beta": 1, None: 2}


def stage(api_version: str) -> tuple[int, int, int]:
    """How Kubernetes orders versions of one group: v1alpha1 < v1beta1 < v1beta3 < v1 < v2."""
    match = _STAGE.match(api_version.rpartition("/")[2])
    if match is None:
        return (-1, -1, -1)
    return (int(match[1]), _RANK[match[2]], int(match[3] or 0))


def replacement(api_version: str, kind: str, served: Sequence[str]) -> str | None:
    """What to use instead of a removed or deprecated apiVersion, among those the target
    version serves (`served`, the apiVersions it serves `kind` under): the migration
    guide's replacement when served, else the newest served version of its group that is
    newer than `api_version` (flowcontrol v1beta1 at 1.26-1.28: v1beta3, since v1 is
    served only from 1.29); None when the target version serves none."""
    entry = REMOVED.get((api_version, kind))
    if entry is None or entry[1] is None:
        return None
    if entry[1] in served:
        return entry[1]
    group = entry[1].rpartition("/")[0]
    newer = [
        v
        for v in served
        if v.rpartition("/")[0] == group and v != api_version and stage(v) > stage(api_version)
    ]
    return max(newer, key=stage) if newer else None


def is_listed(api_version: str, kind: str) -> bool:
    """Whether some Kubernetes version removes this apiVersion of `kind` (a cheap test
    before asking which versions the target serves)."""
    return (api_version, kind) in REMOVED


def removal(api_version: str, kind: str, minor: str) -> str | None:
    """The version that removed this apiVersion of `kind`, when `minor` no longer serves it."""
    entry = REMOVED.get((api_version, kind))
    if entry is None or _release(minor) < _release(entry[0]):
        return None
    return entry[0]


def pending_removal(
    api_version: str, kind: str, minor: str, served: Sequence[str]
) -> tuple[str, str] | None:
    """(removed in, replacement) for an apiVersion `minor` still serves but a later version
    removes, once `minor` serves its replacement: deprecated, and movable today."""
    entry = REMOVED.get((api_version, kind))
    if entry is None or _release(minor) >= _release(entry[0]) or api_version not in served:
        return None
    instead = replacement(api_version, kind, served)
    return (entry[0], instead) if instead is not None else None
