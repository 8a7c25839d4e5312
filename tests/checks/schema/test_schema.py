"""SchemaCheck on hand-made RenderedObjects: rules, severities, paths, messages, CRDs."""

from __future__ import annotations

import copy
import functools
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.checks.policies.paths import Concrete
from gate.checks.schema import MAX_ERRORS_PER_OBJECT, SchemaCheck
from gate.checks.schema.kubernetes import bundled_versions
from gate.errors import GateError
from gate.model import Category, Finding, RenderedObject, Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CRD_FILE = FIXTURES / "crds" / "kserve-inferenceservice.yaml"
TEMPLATE = "/charts/web/templates/deployment.yaml"
LINE = 17

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          startupProbe:
            httpGet: {path: /healthz, port: 8080}
            initialDelaySeconds: 120
            failureThreshold: 30
          resources:
            requests: {cpu: 100m, memory: 128Mi}
"""

DEMO_IRIS_2 = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: demo-iris-2
  namespace: default
spec:
  predictor:
    sklearn:
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
"""

WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
"""

WIDGET = """
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: shop
  labels: {app: web}
spec:
  size: 3
"""


def load(text: str) -> dict[str, Any]:
    body = yaml.safe_load(textwrap.dedent(text))
    assert isinstance(body, dict)
    return body


def rendered(
    body: dict[str, Any] | str,
    target: str = "web",
    profile: str = "prod",
    file: str = TEMPLATE,
    source: str = "web/templates/deployment.yaml",
) -> RenderedObject:
    if isinstance(body, str):
        body = load(body)
    metadata = body.get("metadata") or {}
    return RenderedObject(
        target=target,
        profile=profile,
        api_version=body.get("apiVersion", ""),
        kind=body.get("kind", ""),
        namespace=metadata.get("namespace", "default"),
        name=metadata.get("name", ""),
        body=body,
        source=source,
        file=file,
    )


class Lines:
    """A locate that answers the object's file and LINE and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Concrete]] = []

    def __call__(self, obj: RenderedObject, path: Concrete) -> tuple[str, int | None]:
        self.asked.append((obj.identity, path))
        return obj.file or obj.source, LINE


@functools.cache
def check_131() -> SchemaCheck:
    return SchemaCheck("1.31.0")


def run(*objects: RenderedObject, check: SchemaCheck | None = None) -> list[Finding]:
    return (check or check_131()).check(objects, Lines())


def rules(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.object, f.path) for f in findings]


def deployment() -> dict[str, Any]:
    return load(DEPLOYMENT)


def container(body: dict[str, Any]) -> dict[str, Any]:
    result = body["spec"]["template"]["spec"]["containers"][0]
    assert isinstance(result, dict)
    return result


# --- the two typos of the incident ----------------------------------------------------------


def test_a_correct_deployment_has_no_findings() -> None:
    assert run(rendered(deployment())) == []


def test_the_startup_probe_typo_is_one_finding_with_path_message_file_and_line() -> None:
    body = deployment()
    probe = container(body)["startupProbe"]
    probe["initialDelaySecond"] = probe.pop("initialDelaySeconds")
    lines = Lines()
    findings = check_131().check([rendered(body)], lines)
    path = "spec.template.spec.containers[0].startupProbe.initialDelaySecond"
    assert findings == [
        Finding(
            Category.SCHEMA,
            "schema-invalid",
            Severity.ERROR,
            f"{path} is not a field of this object; did you mean 'initialDelaySeconds'?",
            target="web",
            profile="prod",
            object="apps/v1/Deployment/shop/web",
            path=path,
            file=TEMPLATE,
            line=LINE,
        )
    ]
    assert lines.asked == [
        (
            "apps/v1/Deployment/shop/web",
            ("spec", "template", "spec", "containers", 0, "startupProbe", "initialDelaySecond"),
        )
    ]


def test_the_resources_typo_is_one_finding_suggesting_requests() -> None:
    body = deployment()
    resources = container(body)["resources"]
    resources["request"] = resources.pop("requests")
    (finding,) = run(rendered(body))
    assert finding.rule == "schema-invalid"
    assert finding.severity is Severity.ERROR
    assert finding.category is Category.SCHEMA
    assert finding.path == "spec.template.spec.containers[0].resources.request"
    assert "did you mean 'requests'?" in finding.message
    assert finding.file == TEMPLATE
    assert finding.line == LINE


def test_a_finding_names_the_helm_source_when_the_file_is_unknown() -> None:
    body = deployment()
    body["spec"]["replicas"] = "3"
    (finding,) = run(rendered(body, file=""))
    assert finding.file == "web/templates/deployment.yaml"
    assert finding.message == "spec.replicas is the string '3', needs an integer"


def test_every_error_of_an_object_is_a_finding_up_to_the_cap() -> None:
    body = deployment()
    body["spec"]["replicas"] = "3"
    del container(body)["name"]
    findings = run(rendered(body))
    assert sorted(f.path for f in findings) == [
        "spec.replicas",
        "spec.template.spec.containers[0].name",
    ]
    body = deployment()
    for index in range(MAX_ERRORS_PER_OBJECT + 10):
        body["spec"][f"unknown{index}"] = index
    findings = run(rendered(body))
    assert len(findings) == MAX_ERRORS_PER_OBJECT
    assert {f.rule for f in findings} == {"schema-invalid"}


# --- wrong types and versions of built-in kinds ---------------------------------------------


def test_a_service_port_written_as_a_string() -> None:
    service = rendered(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports:
            - port: "80"
              targetPort: http
        """
    )
    (finding,) = run(service)
    assert (finding.rule, finding.path) == ("schema-invalid", "spec.ports[0].port")
    assert finding.message == "spec.ports[0].port is the string '80', needs an integer"
    assert finding.severity is Severity.ERROR


def test_a_version_apps_never_served_names_the_served_one() -> None:
    body = deployment()
    body["apiVersion"] = "apps/v1beta3"
    (finding,) = run(rendered(body))
    assert (finding.rule, finding.severity, finding.path) == (
        "schema-invalid",
        Severity.ERROR,
        "apiVersion",
    )
    assert "apps/v1beta3" in finding.message
    assert "serves Deployment as apps/v1," in finding.message


def test_a_core_kind_under_a_version_core_never_served() -> None:
    (finding,) = run(rendered("apiVersion: v2\nkind: ConfigMap\nmetadata: {name: c}\n"))
    assert (finding.rule, finding.path) == ("schema-invalid", "apiVersion")
    assert "serves ConfigMap as v1, not v2" in finding.message


@pytest.mark.parametrize("missing", ["apiVersion", "kind"])
def test_an_object_without_api_version_or_kind(missing: str) -> None:
    body = load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    del body[missing]
    (finding,) = run(rendered(body))
    assert (finding.rule, finding.severity, finding.path) == (
        "schema-invalid",
        Severity.ERROR,
        missing,
    )
    assert finding.message.startswith(f"the object has no {missing}; set it to a string such as ")


# --- kinds with no schema -------------------------------------------------------------------


def test_a_made_up_kind_without_a_crd_is_unknown_and_a_warning() -> None:
    (finding,) = run(rendered(WIDGET))
    assert finding.rule == "schema-unknown-kind"
    assert finding.severity is Severity.WARNING
    assert finding.category is Category.SCHEMA
    assert finding.object == "example.com/v1/Widget/shop/w"
    assert finding.path == ""
    assert "example.com/v1 Widget" in finding.message
    assert "schemas.crds" in finding.message
    assert not finding.fails_gate


def test_strict_makes_an_unknown_kind_an_error() -> None:
    (finding,) = run(rendered(WIDGET), check=SchemaCheck("1.31.0", strict=True))
    assert (finding.rule, finding.severity) == ("schema-unknown-kind", Severity.ERROR)
    assert finding.fails_gate


def test_a_built_in_kind_name_in_another_group_is_not_the_built_in() -> None:
    body = deployment()
    body["apiVersion"] = "apps.example.com/v1"
    (finding,) = run(rendered(body))
    assert (finding.rule, finding.severity) == ("schema-unknown-kind", Severity.WARNING)


# --- apiVersions Kubernetes stopped serving -------------------------------------------------


INGRESS = """
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            backend: {serviceName: web, servicePort: 80}
"""
PDB = """
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
"""
CRONJOB = """
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: job, image: "job:1"}]
"""


@pytest.mark.parametrize(
    ("manifest", "kube_version", "removed_in", "replacement"),
    [
        (INGRESS, "1.31.0", "1.22", "networking.k8s.io/v1"),
        (INGRESS, "1.25.0", "1.22", "networking.k8s.io/v1"),
        (PDB, "1.25.0", "1.25", "policy/v1"),
        (PDB, "1.31.0", "1.25", "policy/v1"),
        (PDB, "1.37.0", "1.25", "policy/v1"),
        (CRONJOB, "1.31.0", "1.25", "batch/v1"),
    ],
)
def test_a_removed_api_version_names_its_replacement(
    manifest: str, kube_version: str, removed_in: str, replacement: str
) -> None:
    obj = rendered(manifest)
    (finding,) = run(obj, check=SchemaCheck(kube_version))
    assert finding.rule == "schema-deprecated-api"
    assert finding.severity is Severity.ERROR
    assert finding.path == "apiVersion"
    assert finding.line == LINE
    minor = ".".join(kube_version.split(".")[:2])
    assert finding.message == (
        f"{obj.api_version} {obj.kind} is not served by Kubernetes {minor} "
        f"(removed in {removed_in}); use {replacement}"
    )


def test_a_removed_api_version_without_replacement_says_so() -> None:
    psp = rendered("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n")
    (finding,) = run(psp)
    assert finding.rule == "schema-deprecated-api"
    assert "no replacement" in finding.message


@pytest.mark.parametrize(
    ("api_version", "kind", "last_served", "removed_in"),
    [
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25.0", "1.26.0"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.31.0", "1.32.0"),
    ],
)
def test_an_api_version_is_checked_by_its_schema_until_the_release_that_removes_it(
    api_version: str, kind: str, last_served: str, removed_in: str
) -> None:
    obj = rendered(
        {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {"bogus": 1}}
    )
    served = rules(run(obj, check=SchemaCheck(last_served)))
    assert ("schema-invalid", obj.identity, "spec.bogus") in served
    # Still served, and validated; already replaced, so deprecated too.
    assert {rule for rule, _, _ in served} == {"schema-invalid", "schema-api-removal-pending"}
    assert rules(run(obj, check=SchemaCheck(removed_in))) == [
        ("schema-deprecated-api", obj.identity, "apiVersion")
    ]


def test_current_api_versions_of_the_same_kinds_pass() -> None:
    ingress = rendered(
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: shop}
        spec:
          rules:
            - host: web.example.com
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend: {service: {name: web, port: {number: 80}}}
        """
    )
    pdb = load(PDB)
    pdb["apiVersion"] = "policy/v1"
    cronjob = load(CRONJOB)
    cronjob["apiVersion"] = "batch/v1"
    assert run(ingress, rendered(pdb), rendered(cronjob)) == []


# --- Kubernetes versions --------------------------------------------------------------------


@pytest.mark.parametrize("kube_version", ["1.24.0", "1.20.0", "1.99.0"])
def test_a_kubernetes_version_without_bundled_schemas_is_a_gate_error(kube_version: str) -> None:
    versions = bundled_versions()
    with pytest.raises(GateError) as raised:
        SchemaCheck(kube_version)
    message = raised.value.message
    assert kube_version in message
    assert f"{versions[0]} to {versions[-1]}" in message


def test_the_bundled_versions_start_at_125() -> None:
    versions = bundled_versions()
    assert versions[0] == "1.25"
    assert "1.31" in versions
    assert list(versions) == sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


@pytest.mark.parametrize("kube_version", ["1.31", "v1.31.0", "1.31.7"])
def test_any_patch_of_a_bundled_minor_is_that_minor(kube_version: str) -> None:
    check = SchemaCheck(kube_version)
    assert check.kubernetes.minor == "1.31"
    body = deployment()
    body["spec"]["replicas"] = "3"
    assert rules(run(rendered(body), check=check)) == [
        ("schema-invalid", "apps/v1/Deployment/shop/web", "spec.replicas")
    ]


# --- custom resources -----------------------------------------------------------------------


@functools.cache
def with_kserve() -> SchemaCheck:
    return SchemaCheck("1.31.0", [CRD_FILE])


def test_the_field_notes_inference_service_passes_with_the_crd() -> None:
    assert run(rendered(DEMO_IRIS_2), check=with_kserve()) == []


def test_a_crd_folder_works_like_its_files() -> None:
    check = SchemaCheck("1.31.0", [FIXTURES / "crds"])
    assert run(rendered(DEMO_IRIS_2), check=check) == []
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"] = "sklearn"
    identity = "serving.kserve.io/v1beta1/InferenceService/default/demo-iris-2"
    assert rules(run(rendered(body), check=check)) == [
        ("schema-invalid", identity, "spec.predictor")
    ]


@pytest.mark.parametrize(
    ("predictor", "path", "message"),
    [
        ("sklearn", "spec.predictor", "is the string 'sklearn', needs a mapping"),
        (
            {"minReplicas": "two", "sklearn": {"storageUri": "gs://m"}},
            "spec.predictor.minReplicas",
            "is the string 'two', needs an integer",
        ),
        (
            {"sklearn": {"storageUri": 42}},
            "spec.predictor.sklearn.storageUri",
            "is the number 42, needs a string",
        ),
        (
            {"sklearn": {"storageUrl": "gs://m"}},
            "spec.predictor.sklearn.storageUrl",
            "is not a field of this object; did you mean 'storageUri'?",
        ),
    ],
)
def test_an_inference_service_the_crd_refuses(predictor: Any, path: str, message: str) -> None:
    body = load(DEMO_IRIS_2)
    body["spec"]["predictor"] = predictor
    (finding,) = run(rendered(body), check=with_kserve())
    assert (finding.rule, finding.severity, finding.path) == (
        "schema-invalid",
        Severity.ERROR,
        path,
    )
    assert finding.message == f"{path} {message}"


def test_an_inference_service_without_the_crd_is_an_unknown_kind() -> None:
    (finding,) = run(rendered(DEMO_IRIS_2))
    assert (finding.rule, finding.severity) == ("schema-unknown-kind", Severity.WARNING)
    assert "serving.kserve.io/v1beta1 InferenceService" in finding.message
    strict = SchemaCheck("1.31.0", strict=True)
    (finding,) = run(rendered(DEMO_IRIS_2), check=strict)
    assert (finding.rule, finding.severity) == ("schema-unknown-kind", Severity.ERROR)


def test_the_vendored_crd_is_itself_a_valid_crd() -> None:
    crd = rendered(yaml.safe_load(CRD_FILE.read_text(encoding="utf-8")))
    assert crd.kind == "CustomResourceDefinition"
    assert run(crd) == []


def test_a_crd_in_the_rendering_gives_its_schema_to_that_rendering_only() -> None:
    check = SchemaCheck("1.31.0")
    crd, widget = rendered(WIDGET_CRD), rendered(WIDGET)
    assert check.check([crd, widget], Lines()) == []
    bad = load(WIDGET)
    bad["spec"]["size"] = "big"
    assert rules(check.check([crd, rendered(bad)], Lines())) == [
        ("schema-invalid", widget.identity, "spec.size")
    ]
    # another rendering, without the CRD, does not see it
    assert rules(check.check([widget], Lines())) == [("schema-unknown-kind", widget.identity, "")]


def test_a_crd_version_that_is_not_served_gives_no_schema() -> None:
    body = load(WIDGET_CRD)
    body["spec"]["versions"][0]["served"] = False
    widget = load(WIDGET)
    widget["spec"]["size"] = "big"
    # The unserved version's schema is not used (no spec.size finding), and the object
    # does not pass silently either (today: schema-unknown-kind).
    (finding,) = run(rendered(body), rendered(widget))
    assert finding.object == "example.com/v1/Widget/shop/w"
    assert finding.path != "spec.size"


def test_an_old_apiextensions_v1beta1_crd_still_gives_its_schema(tmp_path: Path) -> None:
    old = {
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "version": "v1",
            "names": {"kind": "Widget", "plural": "widgets"},
            "validation": {
                "openAPIV3Schema": load(WIDGET_CRD)["spec"]["versions"][0]["schema"][
                    "openAPIV3Schema"
                ]
            },
        },
    }
    file = tmp_path / "widget-crd.yaml"
    file.write_text(yaml.safe_dump(old), encoding="utf-8")
    check = SchemaCheck("1.31.0", [file])
    assert run(rendered(WIDGET), check=check) == []
    bad = load(WIDGET)
    bad["spec"]["colour"] = "red"
    assert rules(run(rendered(bad), check=check)) == [
        ("schema-invalid", "example.com/v1/Widget/shop/w", "spec.colour")
    ]


def test_a_missing_crd_path_is_a_gate_error(tmp_path: Path) -> None:
    missing = tmp_path / "crds" / "nothing.yaml"
    with pytest.raises(GateError) as raised:
        SchemaCheck("1.31.0", [missing])
    assert raised.value.file == str(missing)
    assert "schemas.crds" in raised.value.message


def test_a_crd_file_that_is_not_yaml_is_a_gate_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: CustomResourceDefinition\nspec: [unclosed\n", encoding="utf-8")
    with pytest.raises(GateError) as raised:
        SchemaCheck("1.31.0", [broken])
    assert raised.value.file == str(broken)


def test_labels_on_a_custom_resource_whose_crd_restricts_metadata_name() -> None:
    """Kubernetes lets a CRD schema constrain metadata.name and generateName only;
    the API server validates the rest of metadata as ObjectMeta, so labels and
    annotations stay allowed whatever the CRD lists under metadata."""
    crd = load(WIDGET_CRD)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["metadata"] = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 63}},
    }
    widget = load(WIDGET)
    widget["metadata"]["annotations"] = {"example.com/owner": "search"}
    assert run(rendered(crd), rendered(widget)) == []


def test_a_rendered_crd_is_used_whatever_was_checked_before(tmp_path: Path) -> None:
    """`schemas.crds` lists an older Widget CRD (no spec.colour); one rendering ships a
    newer CRD that lists spec.colour. That rendering's Widgets are checked against
    its own CRD, and the answer must not depend on which rendering came first."""
    older = tmp_path / "widget-crd.yaml"
    older.write_text(WIDGET_CRD, encoding="utf-8")
    newer = load(WIDGET_CRD)
    newer["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "colour"
    ] = {"type": "string"}
    widget = load(WIDGET)
    widget["spec"]["colour"] = "red"
    rendering = [rendered(newer), rendered(widget)]

    first = SchemaCheck("1.31.0", [older]).check(rendering, Lines())
    assert first == []

    check = SchemaCheck("1.31.0", [older])
    alone = check.check([rendered(copy.deepcopy(widget))], Lines())
    assert rules(alone) == [("schema-invalid", "example.com/v1/Widget/shop/w", "spec.colour")]
    assert check.check(rendering, Lines()) == first
