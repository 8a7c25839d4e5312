"""The baseline: adopt gate on a failing repository, fail only on what is new, report
what was fixed, list what is stale; the file is untrusted input and read as such.

The repository: one chart whose Deployment has containers without cpu requests, checked
by a policy of its own (the built-in pack is off, so every finding is one we chose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.baseline import Baseline, Entry, dumps, load, named_path
from gate.errors import GateError
from gate.repository import Fence
from tests.gate_cli import Run, run

POLICY = """\
id: container-requests
severity: error
match: {kinds: [Deployment]}
each: spec.template.spec.containers[*]
assert: {path: resources.requests.cpu, exists: true}
message: "container {item.name} has no cpu request"
---
id: container-port-named
severity: warning
match: {kinds: [Deployment]}
each: spec.template.spec.containers[*]
assert: {path: "ports[0].name", exists: true}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      {{- range .Values.containers }}
        - name: {{ .name }}
          image: {{ .image | default "registry.example.com/app:1" }}
          {{- with .cpu }}
          resources: {requests: {cpu: {{ . }}}}
          {{- end }}
          ports: [{containerPort: 8080, name: http}]
      {{- end }}
"""


class Shop:
    def __init__(self, root: Path, helm: str) -> None:
        self.root, self.helm = root, helm
        chart = root / "charts" / "shop"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text("containers: []\n")
        (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT)
        (root / "policies").mkdir()
        (root / "policies" / "shop.yaml").write_text(POLICY)
        (root / ".git").mkdir()  # the repository root
        self.containers([{"name": "web"}, {"name": "log"}])
        self.configure({"dev": {"values": ["values-dev.yaml"]}})

    def configure(self, profiles: dict[str, Any], **extra: Any) -> None:
        config = {
            "builtin_policies": False,
            "policies": ["policies/"],
            "targets": [{"name": "shop", "chart": "charts/shop", "profiles": profiles}],
            **extra,
        }
        (self.root / "gate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def containers(self, containers: list[dict[str, Any]], **values: Any) -> None:
        data = {"containers": containers, **values}
        (self.root / "values-dev.yaml").write_text(yaml.safe_dump(data))

    def gate(self, *args: str) -> Run:
        result = run(*args, "--helm", self.helm, cwd=self.root)
        assert "Traceback" not in result.stderr, result.stderr
        assert "internal error" not in result.stderr, result.stderr
        return result

    def check(self, *args: str) -> tuple[Run, dict[str, Any]]:
        report = self.root / "report.json"
        report.unlink(missing_ok=True)
        result = self.gate("check", *args, "--format", f"json:{report}")
        return result, json.loads(report.read_text()) if report.exists() else {}

    def baseline(self) -> dict[str, Any]:
        return json.loads((self.root / "gate-baseline.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def shop(tmp_path: Path, helm_path: str) -> Shop:
    return Shop(tmp_path, helm_path)


def counted(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if not f.get("baselined")]


WEB = "spec.template.spec.containers[name=web].resources.requests.cpu"
LOG = "spec.template.spec.containers[name=log].resources.requests.cpu"
METRICS = "spec.template.spec.containers[name=metrics].resources.requests.cpu"
DEPLOY = "apps/v1/Deployment/default/shop"


def test_adopt_ratchet_and_fix(shop: Shop) -> None:
    """Issue 12: adopt on a failing repository (exit 0 with the baseline), add one new
    violation (exit 1 naming only it), fix an old one (reported as fixed)."""
    result, report = shop.check()
    assert result.code == 1 and report["summary"]["errors"] == 2

    update = shop.gate("baseline", "update")
    assert update.code == 0, update.output
    assert "wrote gate-baseline.json: 2 findings (2 added, 0 removed)" in update.stdout
    written = shop.baseline()
    assert written == {
        "version": 1,
        "findings": [
            {"rule": "container-requests", "target": "shop", "profile": "dev", "object": DEPLOY,
             "path": LOG},
            {"rule": "container-requests", "target": "shop", "profile": "dev", "object": DEPLOY,
             "path": WEB},
        ],
    }  # fmt: skip

    result, report = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 0, result.output
    assert report["passed"] is True and report["summary"]["errors"] == 0
    assert [f.get("baselined") for f in report["findings"]] == [True, True]
    assert report["baseline"] == {
        "file": "gate-baseline.json", "accepted": 2, "fixed": [], "stale": [],
    }  # fmt: skip
    assert "baseline gate-baseline.json: 2 accepted, 0 new, 0 fixed, 0 stale" in result.stderr

    # A new container above the others: their indexes move, their names do not.
    shop.containers([{"name": "metrics"}, {"name": "web"}, {"name": "log"}])
    result, report = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 1, result.output
    new = counted(report)
    assert [(f["rule"], f["path"]) for f in new] == [
        ("container-requests", "spec.template.spec.containers[0].resources.requests.cpu")
    ]
    assert "container metrics" in new[0]["message"]
    assert report["summary"]["errors"] == 1
    new_lines = [line for line in result.stderr.splitlines() if line.startswith("gate:   new:")]
    assert new_lines == [f"gate:   new: container-requests shop/dev {DEPLOY} at {METRICS}"]

    # web gets its request: fixed, and said so; metrics gets one too: exit 0 again.
    shop.containers([{"name": "metrics", "cpu": "50m"}, {"name": "web", "cpu": "100m"},
                     {"name": "log"}])  # fmt: skip
    result, report = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 0, result.output
    assert report["baseline"]["fixed"] == [
        {"rule": "container-requests", "target": "shop", "profile": "dev", "object": DEPLOY,
         "path": WEB},
    ]  # fmt: skip
    assert report["baseline"]["accepted"] == 1
    assert f"gate:   fixed: container-requests shop/dev {DEPLOY} at {WEB}" in result.stderr
    assert "1 accepted, 0 new, 1 fixed, 0 stale" in result.stderr

    # The ratchet: update drops the fixed entry.
    update = shop.gate("baseline", "update")
    assert update.code == 0 and "1 finding (0 added, 1 removed)" in update.stdout
    assert [e["path"] for e in shop.baseline()["findings"]] == [LOG]


def test_stale_entries_are_listed_and_dropped(shop: Shop) -> None:
    assert shop.gate("baseline", "update").code == 0
    shop.configure({"live": {"values": ["values-dev.yaml"]}})  # the profile is renamed
    result, report = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 1  # the findings of `live` are new
    stale = report["baseline"]["stale"]
    assert [(s["profile"], s["reason"]) for s in stale] == [
        ("dev", "gate.yaml has no shop/dev"),
        ("dev", "gate.yaml has no shop/dev"),
    ]
    assert "0 accepted, 2 new, 0 fixed, 2 stale" in result.stderr
    assert "gate:   stale: container-requests shop/dev" in result.stderr
    assert shop.gate("baseline", "update").code == 0
    assert {e["profile"] for e in shop.baseline()["findings"]} == {"live"}


def test_a_partial_update_keeps_the_entries_of_what_it_did_not_check(shop: Shop) -> None:
    shop.configure(
        {"dev": {"values": ["values-dev.yaml"]}, "prod": {"values": ["values-dev.yaml"]}}
    )
    assert shop.gate("baseline", "update").code == 0
    assert len(shop.baseline()["findings"]) == 4
    shop.containers([{"name": "web", "cpu": "1"}, {"name": "log", "cpu": "1"}])
    assert shop.gate("baseline", "update", "--profile", "dev").code == 0
    # dev's entries go (nothing found), prod's stay: prod was not checked
    assert {e["profile"] for e in shop.baseline()["findings"]} == {"prod"}


def test_warnings_and_fail_on(shop: Shop) -> None:
    shop.containers([{"name": "web", "cpu": "1"}])
    template = shop.root / "charts" / "shop" / "templates" / "deployment.yaml"
    template.write_text(template.read_text().replace(", name: http", ""))
    result, report = shop.check()
    assert result.code == 0 and report["summary"]["warnings"] == 1
    result, report = shop.check("--fail-on", "warning")
    assert result.code == 1 and report["fail_on"] == "warning" and not report["passed"]
    assert shop.gate("baseline", "update").code == 0
    result, report = shop.check("--fail-on", "warning", "--baseline", "gate-baseline.json")
    assert result.code == 0, result.output
    assert report["summary"]["warnings"] == 0


def test_values_findings_are_baselined_by_their_key(shop: Shop) -> None:
    shop.containers([{"name": "web", "cpu": "1"}], replicas=3)  # the chart reads no replicas
    result, report = shop.check()
    assert result.code == 1
    assert [f["rule"] for f in report["findings"]] == ["values-unknown-key"]
    assert shop.gate("baseline", "update").code == 0
    assert shop.baseline()["findings"] == [
        {"rule": "values-unknown-key", "target": "shop", "profile": "dev", "object": "",
         "path": "replicas"}
    ]  # fmt: skip
    result, _ = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 0, result.output


def test_a_render_failure_is_never_baselined(shop: Shop) -> None:
    assert shop.gate("baseline", "update").code == 0
    before = (shop.root / "gate-baseline.json").read_bytes()
    template = shop.root / "charts" / "shop" / "templates" / "deployment.yaml"
    template.write_text(template.read_text() + '{{ fail "broken" }}\n')
    result, report = shop.check("--baseline", "gate-baseline.json")
    assert result.code == 2 and report["findings"][0]["rule"] == "render-failed"
    assert report["baseline"]["fixed"] == []  # a pair that did not render fixed nothing
    update = shop.gate("baseline", "update")
    assert update.code == 2 and "the baseline was not written" in update.stderr
    assert (shop.root / "gate-baseline.json").read_bytes() == before


# --- the file is untrusted input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"version": 1,\n "findings": [\n  {"rule": "x",,}\n]}\n', "gate-baseline.json:3:"),
        ('{"version": 2, "findings": []}\n', "baseline version 2 is not one this gate reads"),
        ('{"version": 1, "findings": [], "extra": 1}\n', "unknown key 'extra'"),
        (
            '{"version": 1, "findings": [\n {"rule": "r", "target": "t", "profile": "p",'
            ' "object": "", "path": "", "line": 3}]}\n',
            "gate-baseline.json:2: findings[0] has the unknown key 'line'",
        ),
        (
            '{"version": 1, "findings": [{"rule": "r", "target": "t"}]}\n',
            "findings[0] needs 'profile' as a string",
        ),
        ('{"version": 1, "version": 1, "findings": []}\n', "key 'version' is set twice"),
        ("[1, 2]\n", 'a baseline file is a JSON object with "version" and "findings"'),
        ('{"version": 1, "findings": []}\n\xff\n', "not UTF-8"),
    ],
)
def test_a_bad_baseline_file_is_one_located_sentence(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "gate-baseline.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    if "\xff" in text:
        (tmp_path / "gate-baseline.json").write_bytes(text.encode("latin-1"))
    with pytest.raises(GateError) as raised:
        load(tmp_path / "gate-baseline.json", Fence(tmp_path))
    assert says in raised.value.render()


def test_a_bad_baseline_through_the_cli_is_exit_2_before_helm(shop: Shop) -> None:
    (shop.root / "gate-baseline.json").write_text('{"version": "1", "findings": []}\n')
    result = run("check", "--baseline", "gate-baseline.json", "--helm", "/no/helm", cwd=shop.root)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr == (
        "gate: gate-baseline.json:1: baseline version '1' is not one this gate reads (1); "
        "fix it, or write the file again with `gate baseline update`\n"
    )
    missing = run("check", "--baseline", "nope.json", "--helm", "/no/helm", cwd=shop.root)
    assert missing.code == 2 and "gate baseline update --baseline nope.json" in missing.stderr


def test_a_baseline_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    from gate.limits import DEFAULT_LIMITS

    path = tmp_path / "gate-baseline.json"
    path.write_text('{"version": 1, "findings": []}' + " " * 2000)
    small = DEFAULT_LIMITS.__class__(document_bytes=1000)
    with pytest.raises(GateError, match=r"larger than 1,000 bytes \(limits.document_bytes"):
        load(path, Fence(tmp_path), small)


def test_a_baseline_outside_the_repository_is_neither_read_nor_written(
    tmp_path: Path, shop: Shop
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.json"
    outside.write_text('{"version": 1, "findings": []}\n')
    try:
        result = shop.gate("check", "--baseline", str(outside))
        assert result.code == 2 and "outside the repository" in result.stderr
        result = shop.gate("baseline", "update", "--baseline", str(outside))
        assert result.code == 2 and "outside the repository" in result.stderr
        assert outside.read_text() == '{"version": 1, "findings": []}\n'
    finally:
        outside.unlink()


def test_the_written_file_reads_back_whatever_the_names_hold(tmp_path: Path) -> None:
    odd = [
        Entry("t", "p", "r", "v1/ConfigMap/ns/a", "data['k\x7f\u2028\u00e9\U0001f600\"']"),
        Entry("t", "p", "r", "", "a.b[name='we]b'].c"),
    ]
    (tmp_path / "b.json").write_text(dumps(odd), encoding="utf-8")
    assert load(tmp_path / "b.json", Fence(tmp_path)) == Baseline(
        tmp_path / "b.json", frozenset(odd)
    )
    assert json.loads((tmp_path / "b.json").read_text())["version"] == 1


# --- names, not indexes ---------------------------------------------------------------------

BODY = {
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {"name": "web", "env": [{"name": "A"}, {"name": "B"}, {"value": "x"}]},
                    {"name": "my sidecar"},
                ],
                "volumes": [{"name": "v"}, {"name": "v"}],
            }
        }
    },
    "data": {"app-config.yaml": "list: [a, b]"},
}


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("spec.template.spec.containers[0].image", "spec.template.spec.containers[name=web].image"),
        (
            "spec.template.spec.containers[0].env[1].value",
            "spec.template.spec.containers[name=web].env[name=B].value",
        ),
        (  # an item without a name keeps its index
            "spec.template.spec.containers[0].env[2].value",
            "spec.template.spec.containers[name=web].env[2].value",
        ),
        (
            "spec.template.spec.containers[1].resources",
            "spec.template.spec.containers[name='my sidecar'].resources",
        ),
        ("spec.template.spec.volumes[1].name", ""),  # two items named v: the index stays
        ("spec.template.spec.containers[5].image", ""),  # not in the body
        ("data['app-config.yaml'].list[1]", ""),  # inside an embedded document
        ("metadata.name", ""),
        ("", ""),
        ("not a [path", ""),
    ],
)
def test_list_items_are_named(path: str, named: str) -> None:
    assert named_path(path, BODY) == named
