"""Label selectors across the objects of one rendering: the `selects` and `selected_by`
operators (a Service that selects no pod, a Deployment no PodDisruptionBudget covers).

A selector is read as the API server reads it for the kind that holds it: a Service's
and a ReplicationController's `spec.selector` is a plain map (empty selects nothing: a
Service without a selector has its endpoints managed by hand); every other kind's is a
LabelSelector (`matchLabels`, `matchExpressions`; empty selects every pod of its
namespace, as a policy/v1 PodDisruptionBudget's does). Objects are compared within one
rendering and one namespace, as rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gate.model import RenderedObject

PLAIN_SELECTOR_KINDS = frozenset({"Service", "ReplicationController"})


def pod_labels(obj: RenderedObject) -> Mapping[str, Any] | None:
    """The labels the object's pods carry; None for an object that makes no pods."""
    body = obj.body
    if obj.kind == "Pod":
        path: tuple[str, ...] = ("metadata", "labels")
    elif obj.kind == "CronJob":
        path = ("spec", "jobTemplate", "spec", "template", "metadata", "labels")
    else:
        path = ("spec", "template", "metadata", "labels")
    node: Any = body
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    if node is None and isinstance(body.get("spec"), dict):
        return {}  # a pod template without labels: it makes pods no selector names
    return node if isinstance(node, dict) else None


def selector_of(obj: RenderedObject) -> Any:
    spec = obj.body.get("spec")
    if not isinstance(spec, dict):
        return None
    return spec.get("podSelector") if obj.kind == "NetworkPolicy" else spec.get("selector")


def matches(selector: Any, labels: Mapping[str, Any], plain: bool) -> bool:
    """Whether `selector` (as the kind holding it reads it) selects pods with `labels`."""
    return bool(_Pods([(None, labels)]).selected(selector, plain))


POD_KINDS = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}
    | {"Job", "CronJob"}
)
_NONE: frozenset[int] = frozenset()


class _Pods:
    """The pod labels of some objects, indexed so that a selector's pods are set algebra:
    a rendering of thousands of Services and Deployments is related in linear time, not
    each Service against each Deployment."""

    def __init__(self, entries: Sequence[tuple[RenderedObject | None, Mapping[str, Any]]]):
        self.owners = [obj for obj, _ in entries]
        self.position = {id(obj): index for index, (obj, _) in enumerate(entries)}
        self.every = frozenset(range(len(entries)))
        by_pair: dict[tuple[str, str], set[int]] = {}
        by_key: dict[str, set[int]] = {}
        for index, (_, labels) in enumerate(entries):
            for key, value in labels.items():
                by_pair.setdefault((str(key), str(value)), set()).add(index)
                by_key.setdefault(str(key), set()).add(index)
        self.by_pair = {pair: frozenset(ids) for pair, ids in by_pair.items()}
        self.by_key = {key: frozenset(ids) for key, ids in by_key.items()}

    def _any_of(self, key: str, values: Any) -> frozenset[int]:
        if not isinstance(values, list):
            return _NONE
        found: set[int] = set()
        for value in values:
            found |= self.by_pair.get((key, str(value)), _NONE)
        return frozenset(found)

    def selected(self, selector: Any, plain: bool) -> frozenset[int]:
        """The pods `selector` (as the kind holding it reads it) selects."""
        if not isinstance(selector, dict) or (plain and not selector):
            return _NONE
        pairs = selector if plain else selector.get("matchLabels") or {}
        expressions = [] if plain else selector.get("matchExpressions") or []
        if not isinstance(pairs, dict) or not isinstance(expressions, list):
            return _NONE
        found = self.every
        for key, value in pairs.items():
            found = found & self.by_pair.get((str(key), str(value)), _NONE)
        for expression in expressions:
            if not found:
                break
            if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
                return _NONE
            key, operator = expression["key"], expression.get("operator")
            if operator == "In":
                found = found & self._any_of(key, expression.get("values") or [])
            elif operator == "NotIn":
                found = found - self._any_of(key, expression.get("values") or [])
            elif operator == "Exists":
                found = found & self.by_key.get(key, _NONE)
            elif operator == "DoesNotExist":
                found = found - self.by_key.get(key, _NONE)
            else:
                return _NONE  # an operator the API server refuses: it selects nothing
        return found


class Rendering:
    """The objects of one rendering, for the operators that relate an object to the
    others: indexes are built on first use, per namespace and set of kinds."""

    def __init__(self, objects: Sequence[RenderedObject]):
        self.objects = objects
        self._pods: dict[tuple[str, frozenset[str]], _Pods] = {}
        self._covered: dict[tuple[str, frozenset[str]], frozenset[int]] = {}
        self._of_kinds: dict[tuple[str, frozenset[str]], list[RenderedObject]] = {}

    def pods(self, namespace: str, kinds: frozenset[str]) -> _Pods:
        key = (namespace, kinds)
        if key not in self._pods:
            entries: list[tuple[RenderedObject | None, Mapping[str, Any]]] = []
            for obj in self.objects:
                if obj.kind in kinds and obj.namespace == namespace:
                    labels = pod_labels(obj)
                    if labels is not None:
                        entries.append((obj, labels))
            self._pods[key] = _Pods(entries)
        return self._pods[key]

    def covered(self, namespace: str, kinds: frozenset[str]) -> frozenset[int]:
        """The pods (of every pod-making object in the namespace) that some object of
        `kinds` there selects."""
        key = (namespace, kinds)
        if key not in self._covered:
            pods = self.pods(namespace, POD_KINDS)
            found: set[int] = set()
            for obj in self.objects:
                if obj.kind in kinds and obj.namespace == namespace:
                    found |= pods.selected(selector_of(obj), obj.kind in PLAIN_SELECTOR_KINDS)
            self._covered[key] = frozenset(found)
        return self._covered[key]

    def selectors(self, namespace: str, kinds: frozenset[str]) -> list[RenderedObject]:
        """The objects of `kinds` in the namespace (kept: every object asks)."""
        key = (namespace, kinds)
        if key not in self._of_kinds:
            self._of_kinds[key] = [
                o for o in self.objects if o.kind in kinds and o.namespace == namespace
            ]
        return self._of_kinds[key]


def _kinds(expected: Any) -> frozenset[str]:
    return frozenset([expected] if isinstance(expected, str) else expected)


def _named(kinds: frozenset[str], joiner: str) -> str:
    return joiner.join(sorted(kinds))


def selected_by(
    labels: Any, expected: Any, obj: RenderedObject, rendering: Rendering
) -> str | None:
    """`selected_by: [PodDisruptionBudget]`: some object of those kinds in the rendering
    and namespace selects pods with these labels."""
    if not isinstance(labels, dict):
        return "is not a map of labels"
    kinds = _kinds(expected)
    missing = f"no {_named(kinds, ' or ')} in this rendering selects these pods"
    if obj.kind in POD_KINDS and labels is pod_labels(obj):
        # The object's own pod labels (the usual path): one index answers for all objects.
        pods = rendering.pods(obj.namespace, POD_KINDS)
        index = pods.position[id(obj)]
        return None if index in rendering.covered(obj.namespace, kinds) else missing
    alone = _Pods([(obj, labels)])
    for peer in rendering.selectors(obj.namespace, kinds):
        if peer is not obj and alone.selected(selector_of(peer), peer.kind in PLAIN_SELECTOR_KINDS):
            return None
    return missing


# Labels a controller puts on the pods it makes, which no template renders: a Service
# for one pod of a StatefulSet selects `statefulset.kubernetes.io/pod-name: db-0`.
CONTROLLER_LABELS = frozenset(
    {
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-revision-hash",
        "pod-template-hash",
        "batch.kubernetes.io/job-completion-index",
    }
)


def _without_controller_labels(selector: Any, plain: bool) -> tuple[Any, bool]:
    """The selector without the terms on controller-made labels, and whether it had any."""
    if not isinstance(selector, dict):
        return selector, False
    if plain:
        kept = {k: v for k, v in selector.items() if k not in CONTROLLER_LABELS}
        return kept, len(kept) != len(selector)
    labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    dropped = False
    out = dict(selector)
    if isinstance(labels, dict):
        out["matchLabels"] = {k: v for k, v in labels.items() if k not in CONTROLLER_LABELS}
        dropped = len(out["matchLabels"]) != len(labels)
    if isinstance(expressions, list):
        out["matchExpressions"] = [
            e
            for e in expressions
            if not (isinstance(e, dict) and e.get("key") in CONTROLLER_LABELS)
        ]
        dropped = dropped or len(out["matchExpressions"]) != len(expressions)
    return out, dropped


def selects(selector: Any, expected: Any, obj: RenderedObject, rendering: Rendering) -> str | None:
    """`selects: [Deployment, ...]`: the selector selects the pods of some object of those
    kinds in the rendering and namespace. Terms on labels controllers add to the pods they
    make (CONTROLLER_LABELS) are left out: the rendering cannot show them."""
    kinds = _kinds(expected)
    pods = rendering.pods(obj.namespace, kinds)
    plain = obj.kind in PLAIN_SELECTOR_KINDS
    selector, dropped = _without_controller_labels(selector, plain)
    if dropped and plain and not selector:
        return None  # only controller-made labels: which pod it is, the rendering cannot say
    found = pods.selected(selector, plain)
    if any(pods.owners[i] is not obj for i in found):
        return None
    return f"selects no pod of a {_named(kinds, ', ')} in this rendering"


def scaled_by(name: Any, expected: Any, obj: RenderedObject, rendering: Rendering) -> str | None:
    """`{path: metadata.name, scaled_by: [HorizontalPodAutoscaler]}`: some object of those
    kinds in the rendering and namespace names this object in `spec.scaleTargetRef` (its
    kind, when given, and its name), so that object decides the replicas."""
    kinds = _kinds(expected)
    for peer in rendering.selectors(obj.namespace, kinds):
        spec = peer.body.get("spec")
        ref = spec.get("scaleTargetRef") if isinstance(spec, dict) else None
        if (
            isinstance(ref, dict)
            and ref.get("name") == name
            and ref.get("kind", obj.kind) == obj.kind
        ):
            return None
    return f"no {_named(kinds, ' or ')} in this rendering scales it"


def validate_kinds(expected: Any) -> None:
    if isinstance(expected, str) and expected:
        return
    if isinstance(expected, list) and expected and all(isinstance(k, str) for k in expected):
        return
    raise ValueError("needs a kind or a list of kinds")
