"""`selects` and `selected_by`: label selectors across the objects of one rendering."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gate.checks.policies.engine import check_policies
from gate.checks.policies.examples import example_holds
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Example, Policy
from gate.checks.policies.selectors import matches
from gate.errors import GateError
from gate.model import RenderedObject

SERVICE_POLICY = """
id: service-selects-pods
match: {kinds: [Service]}
when: {path: spec.selector, exists: true}
assert: {path: spec.selector, selects: [Deployment, StatefulSet, Pod, CronJob]}
"""
PDB_POLICY = """
id: pdb-covers
match: {kinds: [Deployment]}
assert: {path: spec.template.metadata.labels, selected_by: PodDisruptionBudget}
message: "no PodDisruptionBudget covers {name}: {reason}"
"""


@pytest.fixture
def load(tmp_path: Path) -> Any:
    counter = itertools.count()

    def _load(text: str) -> Policy:
        path = tmp_path / f"p{next(counter)}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        (policy,) = load_policies([path], builtin=False)
        return policy

    return _load


def obj(body: dict[str, Any], namespace: str = "shop") -> RenderedObject:
    return RenderedObject(
        "t",
        "p",
        body.get("apiVersion", "v1"),
        body["kind"],
        namespace,
        body["metadata"]["name"],
        body,
        "t/templates/x.yaml",
    )


def service(selector: Any, name: str = "web") -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": name}, "spec": {"selector": selector}}


def deployment(labels: dict[str, str], name: str = "web") -> dict[str, Any]:
    template = {"metadata": {"labels": labels}, "spec": {"containers": []}}
    return {"kind": "Deployment", "metadata": {"name": name}, "spec": {"template": template}}


def pdb(selector: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web"},
        "spec": {"selector": selector},
    }


def rules(policy: Policy, *objects: RenderedObject) -> list[str]:
    return [f.object for f in check_policies([policy], objects)]


def test_a_service_selecting_a_deployments_pods_passes(load: Any) -> None:
    policy = load(SERVICE_POLICY)
    assert (
        rules(policy, obj(service({"app": "web"})), obj(deployment({"app": "web", "x": "1"}))) == []
    )
    assert rules(policy, obj(service({"app": "web"})), obj(deployment({"app": "api"}))) == [
        "v1/Service/shop/web"
    ]
    # Equal labels in another namespace do not count.
    other = obj(deployment({"app": "web"}), namespace="other")
    assert rules(policy, obj(service({"app": "web"})), other) == ["v1/Service/shop/web"]


def test_selects_reads_a_cronjobs_and_a_pods_labels(load: Any) -> None:
    policy = load(SERVICE_POLICY)
    cron = {
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "c"}}}}}},
    }
    pod = {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "p"}}, "spec": {}}
    assert rules(policy, obj(service({"app": "c"})), obj(cron)) == []
    assert rules(policy, obj(service({"app": "p"})), obj(pod)) == []


def test_a_service_without_selector_is_left_to_when(load: Any) -> None:
    policy = load(SERVICE_POLICY)
    headless = {"kind": "Service", "metadata": {"name": "ext"}, "spec": {"type": "ExternalName"}}
    assert rules(policy, obj(headless)) == []


def test_selected_by_a_pdb_with_match_labels_and_expressions(load: Any) -> None:
    policy = load(PDB_POLICY)
    web = obj(deployment({"app": "web", "tier": "front"}))
    assert rules(policy, web, obj(pdb({"matchLabels": {"app": "web"}}))) == []
    expressions = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}
    assert rules(policy, web, obj(pdb(expressions))) == []
    assert rules(policy, web, obj(pdb({"matchLabels": {"app": "api"}}))) == [
        "v1/Deployment/shop/web"
    ]
    (finding,) = check_policies([policy], [web])
    assert finding.message == (
        "no PodDisruptionBudget covers web: no PodDisruptionBudget in this rendering "
        "selects these pods"
    )


def test_an_empty_label_selector_selects_every_pod_an_empty_map_none() -> None:
    labels = {"app": "web"}
    assert matches({}, labels, plain=False)
    assert not matches({}, labels, plain=True)
    assert matches({"app": "web"}, labels, plain=True)
    assert not matches({"app": "web", "x": "y"}, labels, plain=True)


@pytest.mark.parametrize(
    ("operator", "values", "labels", "selected"),
    [
        ("In", ["a", "b"], {"k": "b"}, True),
        ("In", ["a"], {}, False),
        ("NotIn", ["a"], {}, True),
        ("NotIn", ["a"], {"k": "a"}, False),
        ("Exists", None, {"k": ""}, True),
        ("Exists", None, {}, False),
        ("DoesNotExist", None, {}, True),
        ("DoesNotExist", None, {"k": "x"}, False),
        ("Bogus", ["a"], {"k": "a"}, False),
    ],
)
def test_match_expressions(
    operator: str, values: list[str] | None, labels: dict[str, str], selected: bool
) -> None:
    expression: dict[str, Any] = {"key": "k", "operator": operator}
    if values is not None:
        expression["values"] = values
    assert matches({"matchExpressions": [expression]}, labels, plain=False) is selected


def test_a_list_example_is_a_whole_rendering(load: Any) -> None:
    policy = load(SERVICE_POLICY)
    together = Example(
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [service({"app": "w"}), deployment({"app": "w"})],
        }
    )
    alone = Example(service({"app": "w"}), passes=False)
    assert example_holds(policy, together)
    assert example_holds(policy, alone)
    assert not example_holds(policy, Example(service({"app": "w"})))


def test_selects_needs_kinds(load: Any) -> None:
    with pytest.raises(GateError, match="selects needs a kind or a list of kinds"):
        load("id: x\nassert: {path: spec.selector, selects: []}\n")


def test_controller_made_labels_are_left_out(load: Any) -> None:
    policy = load(SERVICE_POLICY)
    db = {
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {"template": {"metadata": {"labels": {"app": "db"}}}},
    }
    one_pod = service({"app": "db", "statefulset.kubernetes.io/pod-name": "db-0"}, name="db-0")
    only_pod_name = service({"statefulset.kubernetes.io/pod-name": "db-0"}, name="db-0-x")
    assert rules(policy, obj(one_pod), obj(db)) == []
    assert rules(policy, obj(only_pod_name), obj(db)) == []
    # The other terms still count.
    wrong = service({"app": "cache", "statefulset.kubernetes.io/pod-name": "db-0"}, name="w")
    assert rules(policy, obj(wrong), obj(db)) == ["v1/Service/shop/w"]
