"""Property tests: random documents and random valid policies never break the engine,
and `not X` always gives the opposite verdict of `X`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.checks.policies.engine import Item, check_policies, evaluate
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import NotOf, Policy
from gate.model import RenderedObject

KEYS = ["a", "b", "c", "name", "image"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["100m", "0.5", "512Mi", "1Gi", "1e3", "latest", "x", "", "<nil>"]),
    st.text(max_size=8),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
steps = st.sampled_from([*(f".{key}" for key in KEYS), "[*]", "[0]"])
paths = st.tuples(st.sampled_from(KEYS), st.lists(steps, max_size=2)).map(
    lambda parts: parts[0] + "".join(parts[1])
)


def _expected(operator: str) -> st.SearchStrategy[Any]:
    if operator in ("exists", "absent"):
        return st.just(True)
    if operator in ("gt", "gte", "lt", "lte"):
        return st.sampled_from([0, 1, 120, "100m", "512Mi", 0.5])
    if operator in ("in", "not_in"):
        return st.lists(scalars, max_size=3)
    if operator in ("matches", "not_matches"):
        return st.sampled_from(["^a", "latest$", "@sha256:", ".*", "[0-9]+"])
    return scalars


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(
        st.sampled_from(
            [
                "exists",
                "absent",
                "eq",
                "ne",
                "gt",
                "gte",
                "lt",
                "lte",
                "in",
                "not_in",
                "matches",
                "not_matches",
                "contains",
            ]
        )
    )
    leaf: dict[str, Any] = {operator: draw(_expected(operator))}
    if draw(st.booleans()):
        leaf["path"] = draw(paths)
    return leaf


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=6,
)


def _load(condition: dict[str, Any], each: str | None) -> Policy:
    document: dict[str, Any] = {"id": "random", "assert": condition}
    if each is not None:
        document["each"] = each
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "random.yaml"
        file.write_text(yaml.safe_dump(document), encoding="utf-8")
        (policy,) = load_policies([file], builtin=False)
    return policy


def _object(body: Any) -> RenderedObject:
    return RenderedObject("t", "p", "v1", "Thing", "ns", "x", {"kind": "Thing", "spec": body})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=conditions, body=documents, each=st.sampled_from([None, "spec", "spec[*]"]))
def test_engine_never_raises(condition: dict[str, Any], body: Any, each: str | None) -> None:
    policy = _load(condition, each)
    findings = check_policies([policy], [_object(body)])
    assert all(f.rule == "random" and isinstance(f.message, str) for f in findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=conditions, body=documents)
def test_not_is_the_opposite_verdict(condition: dict[str, Any], body: Any) -> None:
    policy = _load(condition, None)
    item = Item({"spec": body}, (), {"spec": body})
    verdict = evaluate(policy.assertion, item, dict(policy.params)).holds
    negated = evaluate(NotOf(policy.assertion), item, dict(policy.params)).holds
    assert negated is (not verdict)
    double = evaluate(NotOf(NotOf(policy.assertion)), item, dict(policy.params)).holds
    assert double is verdict
