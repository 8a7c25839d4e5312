"""Cases where gate once disagreed with its peers' own test suites (kubeconform's fixtures,
Pluto's version table, checkov's Kubernetes examples) and was wrong (issue 14). Each is
our own object, rendered by real Helm 3 and Helm 4 where helm renders it, and given to
`gate validate` where only a file can hold it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.gate_cli import run

CHART = REPO / "tests" / "fixtures" / "charts" / "peer-cases"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def check(
    root: Path, helm: str, case: str, kube: str = "1.31.0", **values: Any
) -> tuple[int, dict[str, Any]]:
    if not (root / "chart").exists():
        shutil.copytree(CHART, root / "chart")
    sets = {"case": case, **values}
    (root / "gate.yaml").write_text(
        f'helm: {{kube_version: "{kube}"}}\n'
        "targets:\n"
        "  - name: peer\n"
        "    chart: chart\n"
        "    namespace: apps\n"
        f"    profiles: {{prod: {{set: {json.dumps(sets)}}}}}\n",
        encoding="utf-8",
    )
    out = root / "report.json"
    result = run(
        "check",
        "--helm",
        helm,
        "--format",
        f"json:{out}",
        cwd=root,
        env={"XDG_CACHE_HOME": str(root / "xdg")},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.code, json.loads(out.read_text(encoding="utf-8"))


def findings(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule]


@pytest.mark.parametrize(
    "requests",
    [{"cpu": 0, "memory": "128Mi"}, {"cpu": "100m", "memory": "0Mi"}, {"cpu": "0", "memory": 0}],
)
def test_a_zero_request_fails_resource_requests(
    tmp_path: Path, helm_path: str, requests: dict[str, Any]
) -> None:
    code, report = check(tmp_path, helm_path, "workload", resources={"requests": requests})
    (finding,) = findings(report, "resource-requests")
    assert finding["message"].startswith("container web: resources.requests.")
    assert "above zero" in finding["message"]
    assert code == 1


@pytest.mark.parametrize(
    ("image", "floats", "pinned"),
    [
        (f"nginx:latest@{DIGEST}", False, True),
        ("nginx:latest@sha256:123456", True, False),
        ("nginx:1.27", False, False),
    ],
)
def test_tag_and_digest_verdicts_agree(
    tmp_path: Path, helm_path: str, image: str, floats: bool, pinned: bool
) -> None:
    _, report = check(tmp_path, helm_path, "workload", image=image)
    assert bool(findings(report, "image-tag-not-latest")) is floats
    assert bool(findings(report, "image-digest-pinned")) is not pinned


def test_a_kind_that_is_not_a_string_is_an_error(tmp_path: Path, helm_path: str) -> None:
    code, report = check(tmp_path, helm_path, "kinds")
    invalid = findings(report, "schema-invalid")
    names = sorted(f["object"].rsplit("/", 1)[1] for f in invalid)
    assert names == ["emptied", "nulled", "numbered"]
    assert all(f["path"] == "kind" for f in invalid)
    assert "kind is a number" in next(f for f in invalid if "numbered" in f["object"])["message"]
    assert findings(report, "schema-unknown-kind") == []
    assert code == 1


@pytest.mark.parametrize(
    ("kube", "served"),
    [
        ("1.26.0", "flowcontrol.apiserver.k8s.io/v1beta3"),
        ("1.28.0", "flowcontrol.apiserver.k8s.io/v1beta3"),
        ("1.29.0", "flowcontrol.apiserver.k8s.io/v1"),
    ],
)
def test_a_replacement_is_one_the_target_version_serves(
    tmp_path: Path, helm_path: str, kube: str, served: str
) -> None:
    code, report = check(tmp_path, helm_path, "flowcontrol", kube=kube)
    (finding,) = findings(report, "schema-deprecated-api")
    assert finding["message"].endswith(f"; use {served}")
    assert code == 1


@pytest.mark.parametrize(
    ("api_version", "kube", "warned"),
    [
        ("flowcontrol.apiserver.k8s.io/v1beta3", "1.31.0", "1.32"),  # v1 served since 1.29
        ("flowcontrol.apiserver.k8s.io/v1beta3", "1.28.0", None),  # nothing newer served yet
        ("flowcontrol.apiserver.k8s.io/v1beta2", "1.27.0", "1.29"),  # v1beta3 served
        ("flowcontrol.apiserver.k8s.io/v1", "1.31.0", None),
    ],
)
def test_deprecated_but_served_is_a_warning_naming_the_removal(
    tmp_path: Path, helm_path: str, api_version: str, kube: str, warned: str | None
) -> None:
    code, report = check(tmp_path, helm_path, "flowcontrol", kube=kube, flowcontrol=api_version)
    pending = findings(report, "schema-api-removal-pending")
    assert findings(report, "schema-deprecated-api") == []
    if warned is None:
        assert pending == []
    else:
        (finding,) = pending
        assert finding["severity"] == "warning"
        assert f"Kubernetes {warned} stops serving it" in finding["message"]
    assert code == 0


PLUTO_AT_131 = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: a}
spec: {priorityLevelConfiguration: {name: x}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: PriorityLevelConfiguration
metadata: {name: b}
spec: {type: Exempt}
---
apiVersion: authentication.k8s.io/v1beta1
kind: SelfSubjectReview
metadata: {name: c}
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: ValidatingAdmissionPolicy
metadata: {name: d}
spec: {}
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: e}
spec: {}
---
apiVersion: networking.k8s.io/v1beta1
kind: IPAddress
metadata: {name: f}
spec: {parentRef: {resource: services, name: x}}
"""


def validate(root: Path, text: str, kube: str = "1.31.0") -> tuple[int, dict[str, Any]]:
    (root / "gate.yaml").write_text(f'helm: {{kube_version: "{kube}"}}\n', encoding="utf-8")
    (root / "in.yaml").write_text(text, encoding="utf-8")
    out = root / "report.json"
    result = run("validate", "in.yaml", "--format", f"json:{out}", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.code, json.loads(out.read_text(encoding="utf-8"))


def test_five_deprecated_apis_at_131_as_pluto_counts(tmp_path: Path) -> None:
    _, report = validate(tmp_path, PLUTO_AT_131)
    warned = sorted(f["object"] for f in findings(report, "schema-api-removal-pending"))
    assert len(warned) == 5, warned
    assert not any("IPAddress" in o for o in warned)  # v1 is not served at 1.31


def test_a_null_list_item_is_reported_and_the_rest_checked(tmp_path: Path) -> None:
    code, report = validate(
        tmp_path,
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
        "  - null\n"
        "  - {apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {t: changeme}}\n",
    )
    (bad,) = [f for f in findings(report, "schema-invalid") if not f["object"]]
    assert "items[1] is null" in bad["message"]
    assert bad["file"] == "in.yaml"
    assert report["summary"]["objects"] == 2
    assert findings(report, "placeholder-secret"), "the item after the null one was dropped"
    assert code == 1


def test_a_duplicate_key_is_reported_and_the_other_documents_checked(tmp_path: Path) -> None:
    code, report = validate(
        tmp_path,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1', x: '2'}\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {t: changeme}\n",
    )
    (bad,) = findings(report, "schema-invalid")
    assert "sets key 'x' twice" in bad["message"]
    assert bad["line"] == 4
    assert findings(report, "placeholder-secret")
    assert code == 1


def test_a_list_as_kind_is_an_error_not_a_warning(tmp_path: Path) -> None:
    code, report = validate(tmp_path, "apiVersion: v1\nkind: [Pod]\nmetadata: {name: a}\n")
    (finding,) = findings(report, "schema-invalid")
    assert "kind is a list" in finding["message"]
    assert code == 1
