"""gate/checks/locate.py: the line of a finding's path in the template (or helper, or
plain manifest) that wrote it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.checks.locate import Locator, choose, manifest_line
from gate.model import RenderedObject
from gate.sources import Sources
from tests.shop_chart import line_of, write_files

CHART = "apiVersion: v2\nname: app\nversion: 1.0.0\n"


def locator(tmp_path: Path, templates: dict[str, str]) -> Locator:
    folder = tmp_path / "app"
    write_files(
        folder, {"Chart.yaml": CHART, **{f"templates/{k}": v for k, v in templates.items()}}
    )
    return Locator(Sources(folder))


def rendered(
    template: str, body: dict[str, Any], source_index: int = 0, kind_index: int = 0
) -> RenderedObject:
    return RenderedObject(
        target="t",
        profile="p",
        api_version=str(body.get("apiVersion", "v1")),
        kind=str(body.get("kind", "")),
        namespace="ns",
        name="x",
        body=body,
        source=f"app/templates/{template}",
        source_index=source_index,
        kind_index=kind_index,
    )


def pod(*containers: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "spec": {"containers": [{"name": name, "image": f"{name}:1"} for name in containers]},
    }


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
  annotations:
    image: "an annotation, not the image"
spec:
  containers:
  - name: first
    image: first:1
  - name: second
    env:
      - name: image
        value: x
    image: second:1
"""


def test_a_list_at_its_keys_indentation_and_keys_at_their_own_level(tmp_path: Path) -> None:
    locate = locator(tmp_path, {"pod.yaml": POD})
    obj = rendered("pod.yaml", pod("first", "second"))
    file = str(tmp_path / "app/templates/pod.yaml")
    assert locate(obj, ("spec", "containers", 0, "image")) == (file, 10)
    # env's `- name: image` is deeper than the container's own `image:`
    assert locate(obj, ("spec", "containers", 1, "image")) == (file, 15)
    assert locate(obj, ("spec", "containers", 1, "name")) == (file, 11)
    # the object itself: its first line
    assert locate(obj, ()) == (file, 1)


def test_a_key_the_template_does_not_write_stops_at_its_parent(tmp_path: Path) -> None:
    template = """\
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: app
      livenessProbe:
        initialDelaySeconds: 3
      resources: {{ toYaml .Values.resources | nindent 8 }}
"""
    locate = locator(tmp_path, {"pod.yaml": template})
    obj = rendered("pod.yaml", pod("app"))
    file = str(tmp_path / "app/templates/pod.yaml")
    # no startupProbe: the container, not the livenessProbe's initialDelaySeconds
    path = ("spec", "containers", 0, "startupProbe", "initialDelaySeconds")
    assert locate(obj, path) == (file, line_of(template, "- name: app"))
    assert locate(obj, ("spec", "containers", 0, "resources", "requests", "cpu")) == (
        file,
        line_of(template, "resources:"),
    )


def test_a_list_written_by_toyaml_stops_at_its_key(tmp_path: Path) -> None:
    template = """\
apiVersion: v1
kind: Pod
spec:
  initContainers:
    - name: init
      image: busybox
  containers:
    {{- toYaml .Values.containers | nindent 4 }}
"""
    locate = locator(tmp_path, {"pod.yaml": template})
    obj = rendered("pod.yaml", pod("a", "b"))
    assert locate(obj, ("spec", "containers", 1, "image"))[1] == line_of(template, "  containers:")


def test_items_without_names_by_index(tmp_path: Path) -> None:
    template = """\
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: app
      args:
        - --one
        {{- if .Values.two }}
        - --two
        {{- end }}
        - --three
"""
    locate = locator(tmp_path, {"pod.yaml": template})
    body = pod("app")
    body["spec"]["containers"][0]["args"] = ["--one", "--two", "--three"]
    obj = rendered("pod.yaml", body)
    assert locate(obj, ("spec", "containers", 0, "args", 2))[1] == line_of(template, "--three")


def test_helpers_within_helpers_and_a_define_ends_at_its_own_end(tmp_path: Path) -> None:
    helpers = """\
{{- define "app.container" -}}
- name: app
  image: app:1
  {{- include "app.probes" . | nindent 2 }}
{{- end }}
{{- define "app.probes" -}}
{{- if .Values.probes }}
readinessProbe:
  periodSeconds: 5
{{- end }}
{{- end }}
{{- define "app.other" -}}
startupProbe:
  initialDelaySeconds: 1
{{- end }}
"""
    template = """\
apiVersion: v1
kind: Pod
spec:
  containers:
    {{- include "app.container" . | nindent 4 }}
"""
    locate = locator(tmp_path, {"pod.yaml": template, "_helpers.tpl": helpers})
    obj = rendered("pod.yaml", pod("app"))
    helper_file = str(tmp_path / "app/templates/_helpers.tpl")
    assert locate(obj, ("spec", "containers", 0, "image")) == (
        helper_file,
        line_of(helpers, "image: app:1"),
    )
    assert locate(obj, ("spec", "containers", 0, "readinessProbe", "periodSeconds")) == (
        helper_file,
        line_of(helpers, "periodSeconds: 5"),
    )
    # app.probes ends before app.other: its startupProbe is not the container's
    path = ("spec", "containers", 0, "startupProbe", "initialDelaySeconds")
    assert locate(obj, path) == (helper_file, line_of(helpers, "- name: app"))


def test_a_helper_that_includes_itself_is_followed_a_bounded_number_of_times(
    tmp_path: Path,
) -> None:
    helpers = '{{- define "loop" -}}\n{{ include "loop" . }}\n{{- end }}\n'
    template = 'apiVersion: v1\nkind: Pod\nspec:\n  {{- include "loop" . | nindent 2 }}\n'
    locate = locator(tmp_path, {"pod.yaml": template, "_helpers.tpl": helpers})
    obj = rendered("pod.yaml", pod("app"))
    assert locate(obj, ("spec", "containers", 0, "image")) == (
        str(tmp_path / "app/templates/pod.yaml"),
        3,
    )


def test_documents_by_kind_as_helm_sorts_them(tmp_path: Path) -> None:
    # helm writes a template's documents sorted by kind (ServiceAccount before
    # Deployment; unknown kinds last, by name): the place among the object's kind
    # finds its document
    template = """\
{{- $name := .Release.Name -}}
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: one
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: two
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: three
---
apiVersion: {{ .Values.apiVersion }}
kind: {{ .Values.kind }}
metadata:
  name: four
"""
    locate = locator(tmp_path, {"certs.yaml": template})
    issuer = {"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "x"}}
    certificate = {**issuer, "kind": "Certificate"}
    computed = {**issuer, "kind": "Secret"}
    names = "metadata", "name"
    # rendered order: Certificate two, Issuer one, Issuer three, Secret four
    assert locate(rendered("certs.yaml", certificate, 0, 0), names)[1] == 10
    assert locate(rendered("certs.yaml", issuer, 1, 0), names)[1] == 5
    assert locate(rendered("certs.yaml", issuer, 2, 1), names)[1] == 15
    assert locate(rendered("certs.yaml", computed, 3, 0), names)[1] == 20
    # a prologue of actions is no document
    assert locate(rendered("certs.yaml", issuer, 1, 0), ())[1] == 2


@pytest.mark.parametrize(
    ("names", "index", "wanted", "chosen"),
    [
        (["a", "b"], 1, "b", 1),  # literal names
        (["a", "b"], 0, "b", 1),  # an `if` left out a
        (["sidecar", None], 0, "web-1", 1),  # a's literal name says it is not web-1
        (["main", None], 3, "extra", 1),  # a `range` item writes every extra
        ([None], 5, "x", 0),
        ([None, None], 1, None, 1),  # nothing to tell them apart: the index
        (["a", "b"], 2, "c", None),  # none of them: the list's key
        ([], 0, "a", None),
        (["a", None, "a"], 2, "a", 2),  # the nearest of two (a template's two Issuers)
    ],
)
def test_choose(
    names: list[str | None], index: int, wanted: str | None, chosen: int | None
) -> None:
    assert choose(names, index, wanted) == chosen


def test_a_plain_manifest(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + POD
    bodies = list(yaml.safe_load_all(text))
    second = text.split("\n").index("apiVersion: v1", 1) + 1
    assert manifest_line(text, second, ("spec", "containers", 1, "image"), bodies[1]) == (
        second + 14
    )
    assert manifest_line(text, second, ("spec", "volumes"), bodies[1]) == second + 6
    assert manifest_line(text, 1, ("data",), bodies[0]) == 1


def test_many_findings_on_a_large_template_stay_fast(tmp_path: Path) -> None:
    count = 2_000
    items = "".join(
        f"    - name: c{n}\n      image: c{n}:1\n      resources: {{}}\n" for n in range(count)
    )
    template = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n" + items
    locate = locator(tmp_path, {"pod.yaml": template})
    obj = rendered("pod.yaml", pod(*(f"c{n}" for n in range(count))))
    started = time.perf_counter()
    lines = [locate(obj, ("spec", "containers", n, "image"))[1] for n in range(count)]
    assert lines == [6 + 3 * n for n in range(count)]
    # 0.05 s here; seconds if each finding scanned every item
    assert time.perf_counter() - started < 5


def test_a_helper_file_named_to_repaint_a_terminal_is_shown_on_one_line(tmp_path: Path) -> None:
    helpers = '{{- define "app.container" -}}\n- name: app\n  image: app:1\n{{- end }}\n'
    template = (
        'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    {{- include "app.container" . }}\n'
    )
    locate = locator(tmp_path, {"pod.yaml": template, "_\x1b[2J\n::error::x.tpl": helpers})
    file, line = locate(rendered("pod.yaml", pod("app")), ("spec", "containers", 0, "image"))
    assert file.endswith("templates/_\\x1b[2J\\n::error::x.tpl") and line == 3
