"""apiVersions that Kubernetes stopped serving, with the version that removed them.

From the Kubernetes deprecated API migration guide. The bundled schemas start
at 1.25, so removals before that cannot be read from them; later ones are
listed too so the message can say when and what to use instead.
"""

from __future__ import annotations

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


def removal(api_version: str, kind: str, minor: str) -> tuple[str, str | None] | None:
    """(removed in, replacement) when `minor` no longer serves this apiVersion of `kind`."""
    entry = REMOVED.get((api_version, kind))
    if entry is None:
        return None
    removed_in = entry[0]
    as_tuple = tuple(int(p) for p in minor.split("."))
    return entry if as_tuple >= tuple(int(p) for p in removed_in.split(".")) else None
