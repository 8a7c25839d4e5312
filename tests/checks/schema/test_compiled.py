"""The compiled JSON-schema subset, on kubernetes-validate's strict schemas and on CRD schemas.

Each test feeds a value parsed from YAML (as split_stream gives it) to a compiled
validator and compares the (path, message) pairs it reports.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.checks.policies.paths import format_path
from gate.checks.schema.compiled import Check, Compiler, SchemaError, describe
from gate.checks.schema.crds import crd_schemas
from gate.checks.schema.kubernetes import KubernetesSchemas

CRD_FILE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "crds" / "kserve-inferenceservice.yaml"
)
ISVC = ("serving.kserve.io/v1beta1", "InferenceService")

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          ports:
            - name: http
              containerPort: 8080
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 120
            failureThreshold: 30
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
"""

SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app.kubernetes.io/name: web
  ports:
    - name: http
      port: 80
      targetPort: http
"""

DEMO_IRIS_2 = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: demo-iris-2
  namespace: default
  labels:
    app: demo-iris-2
spec:
  predictor:
    minReplicas: 1
    sklearn:
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
      resources:
        requests:
          cpu: 100m
          memory: 256Mi
"""


@functools.cache
def kubernetes() -> KubernetesSchemas:
    return KubernetesSchemas("1.31.0")


def builtin(api_version: str, kind: str) -> Check:
    check = kubernetes().check_for(api_version, kind)
    assert check is not None, f"no bundled schema for {api_version} {kind}"
    return check


@functools.cache
def crd_body() -> dict[str, Any]:
    body = yaml.safe_load(CRD_FILE.read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


def crd_check(schema: Mapping[str, Any] | None = None) -> Check:
    """The InferenceService validator compiled the way CustomSchemas compiles CRD schemas."""
    if schema is None:
        schema = crd_schemas(crd_body())[ISVC]
    return Compiler(closed_by_default=True).compile(schema, root=True)


def load(text: str) -> Any:
    return yaml.safe_load(textwrap.dedent(text))


def errors(check: Check, value: Any) -> list[tuple[str, str]]:
    found: list[SchemaError] = []
    check(value, (), found)
    return [(format_path(e.path), e.message) for e in found]


def deployment() -> dict[str, Any]:
    body = load(DEPLOYMENT)
    assert isinstance(body, dict)
    return body


def container(body: dict[str, Any]) -> dict[str, Any]:
    result = body["spec"]["template"]["spec"]["containers"][0]
    assert isinstance(result, dict)
    return result


# --- the objects the other tests vary are valid to begin with ------------------------------


def test_the_reference_objects_are_valid() -> None:
    assert errors(builtin("apps/v1", "Deployment"), deployment()) == []
    assert errors(builtin("v1", "Service"), load(SERVICE)) == []
    assert errors(crd_check(), load(DEMO_IRIS_2)) == []


# --- types ----------------------------------------------------------------------------------


def test_a_string_where_an_integer_is_needed() -> None:
    body = deployment()
    body["spec"]["replicas"] = "3"
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.replicas", "is the string '3', needs an integer")
    ]


@pytest.mark.parametrize("value", [True, 2.5, [2], {"count": 2}])
def test_other_non_integers_are_refused_where_an_integer_is_needed(value: Any) -> None:
    body = deployment()
    body["spec"]["replicas"] = value
    (error,) = errors(builtin("apps/v1", "Deployment"), body)
    assert error[0] == "spec.replicas"
    assert error[1].endswith("needs an integer")


def test_a_whole_float_counts_as_an_integer() -> None:
    body = deployment()
    body["spec"]["replicas"] = 3.0
    assert errors(builtin("apps/v1", "Deployment"), body) == []


def test_a_number_where_a_string_is_needed() -> None:
    body = deployment()
    container(body)["image"] = 42
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.template.spec.containers[0].image", "is the number 42, needs a string")
    ]


def test_a_mapping_where_a_list_is_needed() -> None:
    body = deployment()
    body["spec"]["template"]["spec"]["containers"] = {"name": "web", "image": "web:1"}
    (error,) = errors(builtin("apps/v1", "Deployment"), body)
    assert error == ("spec.template.spec.containers", "is a mapping, needs a list")


# --- enum -----------------------------------------------------------------------------------


def test_enum_of_a_hand_written_schema() -> None:
    check = Compiler().compile({"type": "string", "enum": ["Always", "Never", "IfNotPresent"]})
    assert errors(check, "Never") == []
    assert errors(check, "Sometimes") == [
        ("", "is the string 'Sometimes', needs one of 'Always', 'Never', 'IfNotPresent'")
    ]


def test_enum_of_the_kubernetes_schema_pins_the_kind() -> None:
    body = load("apiVersion: v1\nkind: Configmap\nmetadata: {name: settings}\n")
    assert errors(builtin("v1", "ConfigMap"), body) == [
        ("kind", "is the string 'Configmap', needs one of 'ConfigMap'")
    ]


def test_enum_of_a_crd_schema() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["scaleMetric"] = "gpu"
    (error,) = errors(crd_check(), body)
    assert error[0] == "spec.predictor.scaleMetric"
    assert "'gpu'" in error[1]
    assert "'concurrency'" in error[1]


# --- required -------------------------------------------------------------------------------


def test_a_container_without_a_name() -> None:
    body = deployment()
    del container(body)["name"]
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.template.spec.containers[0].name", "is required")
    ]


def test_a_deployment_without_a_selector() -> None:
    body = deployment()
    del body["spec"]["selector"]
    assert errors(builtin("apps/v1", "Deployment"), body) == [("spec.selector", "is required")]


def test_a_required_field_set_to_null_is_missing() -> None:
    body = deployment()
    container(body)["name"] = None
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.template.spec.containers[0].name", "is required")
    ]


def test_a_container_port_without_its_number() -> None:
    body = deployment()
    container(body)["ports"] = [{"name": "http"}]
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.template.spec.containers[0].ports[0].containerPort", "is required")
    ]


def test_required_in_a_crd_schema() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"] = {"model": {"modelFormat": {"version": "1"}}}
    assert errors(crd_check(), body) == [("spec.predictor.model.modelFormat.name", "is required")]
    del body["spec"]["predictor"]
    assert errors(crd_check(), body) == [("spec.predictor", "is required")]


# --- IntOrString and Quantity ---------------------------------------------------------------


@pytest.mark.parametrize("port", [8080, "http"])
def test_int_or_string_takes_a_number_or_a_name(port: Any) -> None:
    service = load(SERVICE)
    service["spec"]["ports"][0]["targetPort"] = port
    assert errors(builtin("v1", "Service"), service) == []
    body = deployment()
    container(body)["startupProbe"]["httpGet"]["port"] = port
    assert errors(builtin("apps/v1", "Deployment"), body) == []


@pytest.mark.parametrize("port", [[8080], {"number": 8080}, True])
def test_int_or_string_refuses_anything_else(port: Any) -> None:
    service = load(SERVICE)
    service["spec"]["ports"][0]["targetPort"] = port
    (error,) = errors(builtin("v1", "Service"), service)
    assert error[0] == "spec.ports[0].targetPort"
    assert error[1].startswith(f"is {describe(port)}, needs")
    body = deployment()
    container(body)["startupProbe"]["httpGet"]["port"] = port
    (error,) = errors(builtin("apps/v1", "Deployment"), body)
    assert error[0] == "spec.template.spec.containers[0].startupProbe.httpGet.port"


@pytest.mark.parametrize("cpu", ["100m", 0.5, 1, "1.5", "2"])
def test_quantities_as_strings_and_numbers(cpu: Any) -> None:
    body = deployment()
    container(body)["resources"] = {
        "requests": {"cpu": cpu, "memory": "1Gi"},
        "limits": {"cpu": cpu},
    }
    assert errors(builtin("apps/v1", "Deployment"), body) == []


@pytest.mark.parametrize("cpu", [["100m"], {"value": "100m"}, True])
def test_a_quantity_is_not_a_list_a_mapping_or_a_boolean(cpu: Any) -> None:
    body = deployment()
    container(body)["resources"] = {"requests": {"cpu": cpu}}
    (error,) = errors(builtin("apps/v1", "Deployment"), body)
    assert error[0] == "spec.template.spec.containers[0].resources.requests.cpu"


@pytest.mark.parametrize("cpu", ["100m", 1, "0.5"])
def test_a_crd_quantity_as_int_or_string(cpu: Any) -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["sklearn"]["resources"]["requests"]["cpu"] = cpu
    assert errors(crd_check(), body) == []


def test_a_crd_quantity_that_does_not_match_the_pattern() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["sklearn"]["resources"]["requests"]["cpu"] = "a lot"
    (error,) = errors(crd_check(), body)
    assert error[0] == "spec.predictor.sklearn.resources.requests.cpu"
    assert error[1].startswith("is the string 'a lot', needs to match")


# --- null -----------------------------------------------------------------------------------


NULLABLE = [
    ("metadata", "labels"),
    ("metadata", "annotations"),
    ("metadata", "creationTimestamp"),
    ("spec", "replicas"),
    ("spec", "strategy"),
    ("spec", "template", "metadata"),
    ("spec", "template", "spec", "containers", 0, "image"),
    ("spec", "template", "spec", "containers", 0, "ports"),
    ("spec", "template", "spec", "containers", 0, "ports", 0, "name"),
    ("spec", "template", "spec", "containers", 0, "startupProbe", "httpGet", "path"),
    ("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu"),
    ("spec", "template", "spec", "containers", 0, "env"),
    ("status",),
]


@pytest.mark.parametrize("path", NULLABLE, ids=lambda p: format_path(p))
def test_null_is_accepted_anywhere_a_value_is_optional(path: tuple[str | int, ...]) -> None:
    body = deployment()
    holder: Any = body
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = None
    assert errors(builtin("apps/v1", "Deployment"), body) == []


def test_null_passes_every_keyword_of_a_hand_written_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 1},
            "mode": {"type": "string", "enum": ["a", "b"], "pattern": "^[ab]$"},
            "items": {"type": "array", "items": {"type": "string"}},
            "port": {"x-kubernetes-int-or-string": True},
            "choice": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
        },
        "additionalProperties": False,
    }
    check = Compiler().compile(schema)
    value = dict.fromkeys(("count", "mode", "items", "port", "choice"))
    assert errors(check, value) == []
    assert errors(check, None) == []


def test_null_in_a_crd_object() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["minReplicas"] = None
    body["spec"]["predictor"]["sklearn"] = None
    body["status"] = None
    assert errors(crd_check(), body) == []


# --- dates and times that YAML parsed -------------------------------------------------------


def test_yaml_timestamps_count_as_the_strings_they_were_written_as() -> None:
    body = load(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: schedule
          creationTimestamp: 2024-01-01T00:00:00Z
          annotations:
            example.com/released: 2024-01-01T00:00:00Z
            example.com/day: 2024-01-01
        data:
          since: 2024-01-01T00:00:00Z
          day: 2024-01-01
        """
    )
    assert isinstance(body["metadata"]["creationTimestamp"], dt.datetime)
    assert isinstance(body["data"]["since"], dt.datetime)
    assert isinstance(body["data"]["day"], dt.date)
    assert errors(builtin("v1", "ConfigMap"), body) == []


def test_a_timestamp_is_still_not_an_integer() -> None:
    body = deployment()
    body["spec"]["replicas"] = load("when: 2024-01-01T00:00:00Z")["when"]
    (error,) = errors(builtin("apps/v1", "Deployment"), body)
    assert error[0] == "spec.replicas"
    assert error[1].endswith("needs an integer")


def test_a_crd_string_field_takes_a_timestamp() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["sklearn"]["runtimeVersion"] = dt.date(2024, 1, 1)
    assert errors(crd_check(), body) == []


# --- string maps: labels, annotations, ConfigMap data ---------------------------------------


def test_labels_take_any_key() -> None:
    body = deployment()
    body["metadata"]["labels"] = {
        "app.kubernetes.io/name": "web",
        "team": "search",
        "anything-at-all": "yes",
        "example.com/tier": "",
    }
    assert errors(builtin("apps/v1", "Deployment"), body) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "is the number 3, needs a string"),
        (True, "is the boolean true, needs a string"),
        (["a"], "is a list, needs a string"),
    ],
)
def test_a_label_value_that_is_not_a_string(value: Any, message: str) -> None:
    body = deployment()
    body["metadata"]["labels"]["version"] = value
    body["spec"]["template"]["metadata"]["labels"]["version"] = value
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("metadata.labels.version", message),
        ("spec.template.metadata.labels.version", message),
    ]


def test_a_configmap_value_that_yaml_read_as_a_number() -> None:
    body = load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {retries: 3}\n")
    assert errors(builtin("v1", "ConfigMap"), body) == [
        ("data.retries", "is the number 3, needs a string")
    ]


# --- unknown fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "typo", "meant"),
    [
        (("spec",), "replica", "replicas"),
        (("spec", "template", "spec", "containers", 0), "imagePullPolicyy", "imagePullPolicy"),
        (
            ("spec", "template", "spec", "containers", 0, "startupProbe"),
            "initialDelaySecond",
            "initialDelaySeconds",
        ),
        (("spec", "template", "spec", "containers", 0, "resources"), "request", "requests"),
        (("metadata",), "label", "labels"),
    ],
)
def test_an_unknown_field_is_refused_with_a_did_you_mean(
    path: tuple[str | int, ...], typo: str, meant: str
) -> None:
    body = deployment()
    holder: Any = body
    for part in path:
        holder = holder[part]
    holder[typo] = copy.deepcopy(holder.get(meant, 1))
    holder.pop(meant, None)
    assert (
        format_path((*path, typo)),
        f"is not a field of this object; did you mean {meant!r}?",
    ) in errors(builtin("apps/v1", "Deployment"), body)


def test_an_unknown_field_unlike_any_other_has_no_suggestion() -> None:
    body = deployment()
    body["spec"]["zzqxv"] = 1
    assert errors(builtin("apps/v1", "Deployment"), body) == [
        ("spec.zzqxv", "is not a field of this object")
    ]


def test_additional_properties_false_in_a_hand_written_schema() -> None:
    check = Compiler().compile(
        {
            "type": "object",
            "properties": {"timeout": {"type": "integer"}},
            "additionalProperties": False,
        }
    )
    assert errors(check, {"timeout": 3}) == []
    assert errors(check, {"timeuot": 3}) == [
        ("timeuot", "is not a field of this object; did you mean 'timeout'?")
    ]


def test_an_unsaid_additional_properties_is_open_outside_crds() -> None:
    schema = {"type": "object", "properties": {"timeout": {"type": "integer"}}}
    assert errors(Compiler().compile(schema), {"extra": 1}) == []
    assert errors(Compiler(closed_by_default=True).compile(schema), {"extra": 1}) == [
        ("extra", "is not a field of this object")
    ]


def test_every_object_may_carry_apiversion_kind_and_metadata() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}}
    check = Compiler(closed_by_default=True).compile(schema, root=True)
    value = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert errors(check, value) == []
    assert errors(check, {**value, "sepc": {}}) == [
        ("sepc", "is not a field of this object; did you mean 'spec'?")
    ]


# --- recursion ------------------------------------------------------------------------------


def test_a_recursive_ref_is_compiled_once_and_checked_at_any_depth() -> None:
    definitions = {
        "Node": {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
            },
            "additionalProperties": False,
        }
    }
    check = Compiler(definitions).compile({"$ref": "#/$defs/Node"})
    tree = {"value": 1, "children": [{"value": 2, "children": [{"value": "three"}, {"valu": 4}]}]}
    assert errors(check, tree) == [
        ("children[0].children[0].value", "is the string 'three', needs an integer"),
        ("children[0].children[1].valu", "is not a field of this object; did you mean 'value'?"),
    ]


def test_the_crd_kind_itself_is_checked_through_recursive_json_schema_props() -> None:
    check = builtin("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert errors(check, crd_body()) == []
    body = copy.deepcopy(crd_body())
    predictor = body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"][
        "properties"
    ]["predictor"]
    predictor["propertes"] = predictor.pop("properties")
    predictor["x-kubernetes-preserve-unknown-field"] = True
    found = errors(check, body)
    where = "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.predictor"
    assert (
        f"{where}.propertes",
        "is not a field of this object; did you mean 'properties'?",
    ) in found
    assert (
        f"{where}.x-kubernetes-preserve-unknown-field",
        "is not a field of this object; did you mean 'x-kubernetes-preserve-unknown-fields'?",
    ) in found
    assert len(found) == 2


def test_preserve_unknown_fields_keeps_a_subtree_open_at_any_depth() -> None:
    body = load(DEMO_IRIS_2)
    body["status"] = {
        "url": "http://demo-iris-2.default.example.com",
        "conditions": [{"type": "Ready", "status": "True", "extra": {"deep": [1, {"x": None}]}}],
        "components": {"predictor": {"latestReadyRevision": "demo-iris-2-predictor-00001"}},
    }
    body["spec"]["transformer"] = {"containers": [{"name": "t", "anything": {"goes": True}}]}
    body["spec"]["predictor"]["containers"] = [{"name": "kserve-container", "whatever": 1}]
    assert errors(crd_check(), body) == []


def test_preserve_unknown_fields_beside_properties_still_checks_listed_fields() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {"replicas": {"type": "integer"}},
    }
    check = Compiler(closed_by_default=True).compile(schema)
    assert errors(check, {"replicas": 2, "anything": {"else": 1}}) == []
    assert errors(check, {"replicas": "two"}) == [
        ("replicas", "is the string 'two', needs an integer")
    ]


# --- structural CRD schemas -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "meant"),
    [
        (("spec",), "predicter", "predictor"),
        (("spec", "predictor"), "minReplica", "minReplicas"),
        (("spec", "predictor", "sklearn"), "storageUrl", "storageUri"),
        (("spec", "predictor", "sklearn", "resources"), "request", "requests"),
    ],
)
def test_a_structural_crd_schema_refuses_a_field_it_does_not_list(
    path: tuple[str, ...], field: str, meant: str
) -> None:
    body = load(DEMO_IRIS_2)
    holder: Any = body
    for part in path:
        holder = holder[part]
    holder[field] = {"x": 1} if meant in ("predictor", "requests") else 1
    assert errors(crd_check(), body) == [
        (format_path((*path, field)), f"is not a field of this object; did you mean {meant!r}?")
    ]


def test_a_field_unlike_any_listed_has_no_suggestion_in_a_crd() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["pytorch"] = {"storageUri": "gs://models/torch"}
    assert errors(crd_check(), body) == [
        ("spec.predictor.pytorch", "is not a field of this object")
    ]


def test_a_crd_string_map_takes_any_key() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["annotations"] = {"autoscaling.knative.dev/target": "10", "x": "y"}
    assert errors(crd_check(), body) == []
    body["spec"]["predictor"]["annotations"]["x"] = 10
    assert errors(crd_check(), body) == [
        ("spec.predictor.annotations.x", "is the number 10, needs a string")
    ]


def test_wrong_types_in_a_crd_object() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["minReplicas"] = "two"
    assert errors(crd_check(), body) == [
        ("spec.predictor.minReplicas", "is the string 'two', needs an integer")
    ]
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"] = "sklearn"
    assert errors(crd_check(), body) == [
        ("spec.predictor", "is the string 'sklearn', needs a mapping")
    ]


def test_bounds_of_a_crd_schema() -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"]["minReplicas"] = -1
    assert errors(crd_check(), body) == [("spec.predictor.minReplicas", "is -1, needs at least 0")]
    body["spec"]["predictor"]["minReplicas"] = 0
    assert errors(crd_check(), body) == []


# --- oneOf / anyOf --------------------------------------------------------------------------


def test_alternatives_pass_when_one_option_passes_and_report_the_first_otherwise() -> None:
    check = Compiler().compile(
        {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[a-z]+$"}]}
    )
    assert errors(check, 3) == []
    assert errors(check, "http") == []
    assert errors(check, 0) == [("", "is 0, needs at least 1")]
    assert errors(check, "HTTP") == [("", "is the string 'HTTP', needs an integer")]


def test_describe_names_values_as_a_person_would() -> None:
    assert describe(True) == "the boolean true"
    assert describe(3) == "the number 3"
    assert describe("x" * 50) == f"the string {'x' * 37 + '...'!r}"
    assert describe({}) == "a mapping"
    assert describe([]) == "a list"


# --- what the API server does that a plain JSON-schema validator does not -------------------


def test_a_crd_pattern_is_go_regexp_syntax() -> None:
    """prometheus-operator's CRDs say `^(?i)(abort|warn)?$` and `^((?i)january|...)$`: flags
    inside the pattern, which Go (RE2) takes and Python's `re` refuses."""
    schema = {
        "type": "object",
        "properties": {
            "action": {"type": "string", "pattern": "^(?i)(abort|warn)?$"},
            "month": {"type": "string", "pattern": "^((?i)january|february)$"},
        },
    }
    check = crd_check(schema)
    assert errors(check, {"action": "WARN", "month": "January"}) == []
    assert [path for path, _ in errors(check, {"action": "stop", "month": "May"})] == [
        "action",
        "month",
    ]


def test_a_crd_pattern_is_matched_in_linear_time() -> None:
    check = crd_check(
        {"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a|aa)+$"}}}
    )
    assert [path for path, _ in errors(check, {"x": "a" * 5000 + "b"})] == ["x"]


def test_a_required_crd_field_with_a_default_is_never_missing() -> None:
    """The API server fills defaults in before it validates (kuberay's maxReplicas)."""
    schema = {
        "type": "object",
        "required": ["maxReplicas", "name"],
        "properties": {
            "maxReplicas": {"type": "integer", "default": 2147483647},
            "name": {"type": "string"},
        },
    }
    assert errors(crd_check(schema), {"name": "workers"}) == []
    assert errors(crd_check(schema), {"maxReplicas": 3}) == [("name", "is required")]
