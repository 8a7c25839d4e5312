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

from collections.abc import Iterable, Mapping, Sequence
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
    if not isinstance(selector, dict):
        return False
    if plain:
        return bool(selector) and all(
            key in labels and str(labels[key]) == str(value) for key, value in selector.items()
        )
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return False
    if any(key not in labels or str(labels[key]) != str(v) for key, v in match_labels.items()):
        return False
    return all(_expression(e, labels) for e in expressions)


def _expression(expression: Any, labels: Mapping[str, Any]) -> bool:
    if not isinstance(expression, dict):
        return False
    key, operator = expression.get("key"), expression.get("operator")
    if not isinstance(key, str):
        return False
    values = [str(v) for v in expression.get("values") or []]
    present = key in labels
    if operator == "In":
        return present and str(labels[key]) in values
    if operator == "NotIn":
        return not present or str(labels[key]) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False  # an operator the API server refuses: it selects nothing


def _peers(
    obj: RenderedObject, rendering: Sequence[RenderedObject], kinds: Iterable[str]
) -> list[RenderedObject]:
    wanted = set(kinds)
    return [
        o for o in rendering if o.kind in wanted and o.namespace == obj.namespace and o is not obj
    ]


def _kinds(expected: Any) -> list[str]:
    return [expected] if isinstance(expected, str) else list(expected)


def selected_by(
    labels: Any, expected: Any, obj: RenderedObject, rendering: Sequence[RenderedObject]
) -> str | None:
    """`selected_by: [PodDisruptionBudget]`: some object of those kinds in the rendering
    and namespace selects pods with these labels."""
    if not isinstance(labels, dict):
        return "is not a map of labels"
    kinds = _kinds(expected)
    for peer in _peers(obj, rendering, kinds):
        if matches(selector_of(peer), labels, peer.kind in PLAIN_SELECTOR_KINDS):
            return None
    return f"no {' or '.join(kinds)} in this rendering selects these pods"


def selects(
    selector: Any, expected: Any, obj: RenderedObject, rendering: Sequence[RenderedObject]
) -> str | None:
    """`selects: [Deployment, ...]`: the selector selects the pods of some object of those
    kinds in the rendering and namespace."""
    plain = obj.kind in PLAIN_SELECTOR_KINDS
    kinds = _kinds(expected)
    for peer in _peers(obj, rendering, kinds):
        labels = pod_labels(peer)
        if labels is not None and matches(selector, labels, plain):
            return None
    return f"selects no pod of a {', '.join(kinds)} in this rendering"


def validate_kinds(expected: Any) -> None:
    if isinstance(expected, str) and expected:
        return
    if isinstance(expected, list) and expected and all(isinstance(k, str) for k in expected):
        return
    raise ValueError("needs a kind or a list of kinds")
