"""gate.randomness: a chart is random only when a template helm renders reaches a call
whose output changes between renders. The charts are written here, one per test; the
last tests render some of them twice with the real helms and compare the outputs."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import gate.randomness
from gate.helm import isolated_env
from gate.randomness import Randomness, reachable_randomness


def chart(
    folder: Path,
    files: dict[str, str],
    *,
    name: str = "app",
    type_: str | None = None,
    values: dict[str, Any] | None = None,
) -> Path:
    """A chart at `folder`: Chart.yaml, values.yaml, and `files` (paths inside it)."""
    meta: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": "0.1.0"}
    if type_ is not None:
        meta["type"] = type_
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    (folder / "values.yaml").write_text(yaml.safe_dump(values or {}))
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder


def library(folder: Path, helpers: str, name: str = "lib", type_: str = "library") -> Path:
    return chart(folder, {"templates/_helpers.tpl": helpers}, name=name, type_=type_)


def packed(source: Path, archive: Path) -> Path:
    """`source` as helm packs it: a .tgz whose members sit under the chart's name."""
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                info = tarfile.TarInfo(f"{source.name}/{path.relative_to(source)}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return archive


CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  name: {{ include "lib.name" . | quote }}
"""
LIB_HELPERS = """{{/* A name, the same on every render. */}}
{{- define "lib.name" -}}
{{ .Chart.Name }}-name
{{- end -}}

{{/* A password made up when none is given: bitnami's common.secrets.passwords.manage. */}}
{{- define "lib.password" -}}
{{ .Values.password | default (randAlphaNum 16) }}
{{- end -}}
"""
SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secret
stringData:
  password: {{ include "lib.password" . | quote }}
"""


def verdict(folder: Path, extra_values: tuple[Any, ...] = ()) -> Randomness:
    return reachable_randomness(folder, extra_values=extra_values)


# --- what a rendered template reaches -----------------------------------------------------


def test_a_library_helper_never_included_is_not_random(tmp_path: Path) -> None:
    app = chart(tmp_path / "app", {"templates/configmap.yaml": CONFIGMAP})
    library(app / "charts" / "lib", LIB_HELPERS)
    assert verdict(app) == Randomness(False)


def test_the_same_helper_included_from_a_rendered_template_is_random(tmp_path: Path) -> None:
    app = chart(
        tmp_path / "app", {"templates/configmap.yaml": CONFIGMAP, "templates/secret.yaml": SECRET}
    )
    library(app / "charts" / "lib", LIB_HELPERS)
    found = verdict(app)
    assert found.random
    assert found.reasons == (
        'templates/secret.yaml:6 includes "lib.password"; '
        '"lib.password" (charts/lib/templates/_helpers.tpl:8) calls randAlphaNum (random)',
    )


def test_a_random_call_in_a_rendered_template_is_random(tmp_path: Path) -> None:
    app = chart(tmp_path / "app", {"templates/x.yaml": "kind: A\nid: {{ uuidv4 }}\n"})
    assert verdict(app).reasons == ("templates/x.yaml:2 calls uuidv4 (random)",)


def test_a_random_define_in_helpers_nobody_includes_is_not_random(tmp_path: Path) -> None:
    files = {
        "templates/_helpers.tpl": '{{ define "app.stamp" }}{{ now | date "2006" }}{{ end }}',
        "templates/x.yaml": "kind: A\n",
    }
    assert not verdict(chart(tmp_path / "app", files)).random


def test_a_define_included_through_a_chain_of_two_defines_is_random(tmp_path: Path) -> None:
    helpers = """{{- define "app.outer" -}}
{{ template "app.inner" . }}
{{- end -}}
{{- define "app.inner" -}}
{{ randAlpha 4 }}
{{- end -}}
"""
    files = {"templates/_helpers.tpl": helpers, "templates/x.yaml": '{{ include "app.outer" . }}'}
    assert verdict(chart(tmp_path / "app", files)).reasons == (
        'templates/x.yaml:1 includes "app.outer", '
        '"app.outer" (templates/_helpers.tpl:2) includes "app.inner"; '
        '"app.inner" (templates/_helpers.tpl:5) calls randAlpha (random)',
    )


def test_defines_that_include_each_other_end(tmp_path: Path) -> None:
    helpers = (
        '{{ define "a" }}{{ if .x }}{{ include "b" .x }}{{ end }}{{ end }}'
        '{{ define "b" }}{{ include "a" . }}{{ template "b" . }}{{ end }}'
    )
    files = {"templates/_helpers.tpl": helpers, "templates/x.yaml": '{{ include "a" . }}'}
    assert not verdict(chart(tmp_path / "app", files)).random


def test_a_computed_include_name_counts_every_define(tmp_path: Path) -> None:
    helpers = '{{ define "app.token" }}{{ randNumeric 6 }}{{ end }}'
    files = {
        "templates/_helpers.tpl": helpers,
        "templates/x.yaml": "kind: A\nname: {{ include .Values.helper . }}\n",
    }
    assert verdict(chart(tmp_path / "app", files)).reasons == (
        "templates/x.yaml:2 includes a computed name (every define and file counts); "
        '"app.token" (templates/_helpers.tpl:1) calls randNumeric (random)',
    )


def test_a_name_computed_by_printf_counts_the_defines_it_fits(tmp_path: Path) -> None:
    helpers = '{{ define "app.token" }}{{ randNumeric 6 }}{{ end }}'
    include = 'kind: A\nname: {{ include (printf "%%s.%s" .Chart.Name) . }}\n'
    files = {"templates/_helpers.tpl": helpers, "templates/x.yaml": include % "name"}
    assert not verdict(chart(tmp_path / "calm", files)).random
    files["templates/x.yaml"] = include % "token"
    assert verdict(chart(tmp_path / "random", files)).reasons == (
        "templates/x.yaml:2 includes a computed name like '*.token'; "
        '"app.token" (templates/_helpers.tpl:1) calls randNumeric (random)',
    )


def test_a_checksum_of_a_file_reaches_that_file_only(tmp_path: Path) -> None:
    """`include (print $.Template.BasePath "/x")`: the name is computed, but only the
    files of that name fit it."""
    deployment = "checksum: {{ include (print $.Template.BasePath %s) . | sha256sum }}\n"
    files = {
        "templates/_helpers.tpl": '{{ define "app.token" }}{{ randNumeric 6 }}{{ end }}',
        "templates/_secret.tpl": "password: {{ randAlphaNum 8 }}\n",
        "templates/configmap.yaml": "kind: ConfigMap\n",
        "templates/deployment.yaml": deployment % '"/configmap.yaml"',
    }
    assert not verdict(chart(tmp_path / "calm", files)).random
    files["templates/deployment.yaml"] = deployment % '"/_secret.tpl"'
    assert verdict(chart(tmp_path / "random", files)).reasons == (
        "templates/deployment.yaml:1 includes a computed name like '<BasePath>/_secret.tpl'; "
        "templates/_secret.tpl:1 calls randAlphaNum (random)",
    )


def test_a_name_given_the_same_define_by_two_charts_is_random_when_either_is(
    tmp_path: Path,
) -> None:
    """helm keeps the parent's definition; gate counts both rather than rank them."""
    files = {
        "templates/_helpers.tpl": '{{ define "shared.id" }}fixed{{ end }}',
        "templates/x.yaml": 'id: {{ include "shared.id" . }}\n',
    }
    app = chart(tmp_path / "app", files)
    library(app / "charts" / "lib", '{{ define "shared.id" }}{{ uuidv4 }}{{ end }}')
    assert verdict(app).reasons == (
        'templates/x.yaml:1 includes "shared.id"; '
        '"shared.id" (charts/lib/templates/_helpers.tpl:1) calls uuidv4 (random)',
    )


# --- what helm does not render ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["library", "Library"])
def test_a_library_chart_renders_none_of_its_files(tmp_path: Path, kind: str) -> None:
    app = chart(tmp_path / "app", {"templates/x.yaml": "kind: A\n"})
    chart(
        app / "charts" / "lib",
        {"templates/secret.yaml": "password: {{ randAlphaNum 8 }}\n"},
        name="lib",
        type_=kind,
    )
    assert not verdict(app).random
    alone = chart(tmp_path / "alone", {"templates/x.yaml": "{{ now }}"}, type_=kind)
    assert not verdict(alone).random


def test_a_random_call_inside_a_comment_is_not_random(tmp_path: Path) -> None:
    text = '{{/* randAlphaNum 5 */}}\n{{- /* now | date "2006" */ -}}\nkind: A\n'
    assert not verdict(chart(tmp_path / "app", {"templates/x.yaml": text})).random


def test_notes_are_random_only_when_they_change_what_later_templates_read(
    tmp_path: Path,
) -> None:
    notes = "Your password: {{ randAlphaNum 8 }}\n"
    calm = chart(tmp_path / "calm", {"templates/NOTES.txt": notes, "templates/a.yaml": "kind: A"})
    assert not verdict(calm).random
    files = {
        "templates/NOTES.txt": '{{ $_ := set .Values "token" (randAlphaNum 8) }}',
        "templates/A.yaml": "kind: A\ntoken: {{ .Values.token }}\n",
    }
    found = verdict(chart(tmp_path / "mutating", files))
    assert found.random
    assert found.reasons[0].startswith("templates/NOTES.txt:1 calls randAlphaNum (random); ")


def test_a_packed_subchart_is_read(tmp_path: Path) -> None:
    source = library(tmp_path / "src" / "lib", LIB_HELPERS)
    calm = chart(tmp_path / "calm", {"templates/configmap.yaml": CONFIGMAP})
    packed(source, _mkdir(calm / "charts") / "lib-0.1.0.tgz")
    assert not verdict(calm).random
    random = chart(tmp_path / "random", {"templates/secret.yaml": SECRET})
    packed(source, _mkdir(random / "charts") / "lib-0.1.0.tgz")
    assert verdict(random).reasons == (
        'templates/secret.yaml:6 includes "lib.password"; "lib.password" '
        "(charts/lib-0.1.0.tgz#lib/templates/_helpers.tpl:8) calls randAlphaNum (random)",
    )


def _mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_template_that_does_not_parse_counts_as_random(tmp_path: Path) -> None:
    files = {"templates/x.yaml": "kind: A\n{{ if .Values.a }}\n"}
    found = verdict(chart(tmp_path / "app", files))
    assert found.random
    assert found.reasons[0].startswith("templates/x.yaml:2 does not parse for gate (")


def test_a_chart_past_the_actions_budget_counts_as_random(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate.randomness, "MOST_ACTIONS", 3)
    files = {"templates/x.yaml": "{{ .a }}{{ .b }}{{ .c }}{{ .d }}"}
    found = verdict(chart(tmp_path / "app", files))
    assert found.random
    assert "more than 3 actions" in found.reasons[0]


# --- which functions ---------------------------------------------------------------------


def test_lookup_and_dns_are_not_random_under_helm_template(tmp_path: Path) -> None:
    text = 'a: {{ lookup "v1" "Secret" "ns" "x" | toJson }}\nb: {{ getHostByName "example.com" }}\n'
    assert not verdict(chart(tmp_path / "app", {"templates/x.yaml": text})).random


@pytest.mark.parametrize(
    "text",
    [
        "{{ range keys .Values.m | sortAlpha }}{{ . }}{{ end }}",
        "{{ range sortAlpha (keys .Values.m) }}{{ . }}{{ end }}",
        "{{ range (keys .Values.m) | sortAlpha }}{{ . }}{{ end }}",
        '{{ if has "a" (keys .Values.m) }}a{{ end }}{{ len (values .Values.m) }}',
        '{{ if .Values.bad }}{{ printf "one of %s" (join "," (keys .Values.m)) | fail }}{{ end }}',
        '{{ if .Values.bad }}{{ fail (printf "at %s" now) }}{{ end }}',
    ],
)
def test_map_order_that_cannot_reach_the_output_is_not_random(tmp_path: Path, text: str) -> None:
    assert not verdict(chart(tmp_path / "app", {"templates/x.yaml": text})).random


@pytest.mark.parametrize(
    "text",
    [
        "{{ range keys .Values.m }}{{ . }}{{ end }}",
        "{{ first (values .Values.m) }}",
        "{{ $k := keys .Values.m }}{{ sortAlpha $k }}",  # not followed through a variable
    ],
)
def test_map_order_that_can_reach_the_output_is_random(tmp_path: Path, text: str) -> None:
    assert verdict(chart(tmp_path / "app", {"templates/x.yaml": text})).random


# --- tpl ---------------------------------------------------------------------------------


def test_tpl_runs_the_values_text(tmp_path: Path) -> None:
    files = {"templates/x.yaml": "name: {{ tpl .Values.name . }}\n"}
    calm = verdict(chart(tmp_path / "calm", files, values={"name": "{{ .Release.Name }}-x"}))
    assert calm == Randomness(False, (), ("templates/x.yaml:1",))
    random = verdict(chart(tmp_path / "random", files, values={"name": "{{ randAlpha 3 }}"}))
    assert random.reasons == (
        "templates/x.yaml:1 runs tpl on values text; "
        "values.yaml string '{{ randAlpha 3 }}' calls randAlpha (random)",
    )


def test_tpl_runs_a_profiles_values_when_given(tmp_path: Path) -> None:
    files = {"templates/x.yaml": "name: {{ tpl .Values.name . }}\n"}
    app = chart(tmp_path / "app", files, values={"name": "fixed"})
    assert not verdict(app, ({"name": "{{ .Release.Name }}"},)).random
    found = verdict(app, ({"name": "plain"}, {"nested": [{"name": "{{ uuidv4 }}"}]}))
    assert found.reasons == (
        "templates/x.yaml:1 runs tpl on values text; "
        "profile values string '{{ uuidv4 }}' calls uuidv4 (random)",
    )


def test_a_profiles_values_do_not_matter_where_no_tpl_runs(tmp_path: Path) -> None:
    app = chart(tmp_path / "app", {"templates/x.yaml": "name: {{ .Values.name }}\n"})
    assert verdict(app, ({"name": "{{ uuidv4 }}"},)) == Randomness(False)


def test_values_text_reaches_defines(tmp_path: Path) -> None:
    files = {
        "templates/_helpers.tpl": '{{ define "app.secret" }}{{ genPrivateKey "rsa" }}{{ end }}',
        "templates/x.yaml": "key: {{ tpl (toYaml .Values.key) . }}\n",
    }
    values = {"key": {"pem": '{{ include "app.secret" . }}'}}
    found = verdict(chart(tmp_path / "app", files, values=values))
    assert found.random
    assert '"app.secret" (templates/_helpers.tpl:1) calls genPrivateKey' in found.reasons[0]


def test_tpl_of_a_literal_is_read_as_a_template(tmp_path: Path) -> None:
    calm = {"templates/x.yaml": 'a: {{ tpl "{{ .Release.Name }}" . }}\n'}
    assert not verdict(chart(tmp_path / "calm", calm)).random
    random = {"templates/x.yaml": 'a: {{ tpl "{{ now | date \\"2006\\" }}" . }}\n'}
    assert verdict(chart(tmp_path / "random", random)).reasons == (
        "templates/x.yaml:1 calls now (reads the clock)",
    )


@pytest.mark.parametrize(
    "text",
    [
        '{{ tpl (.Files.Get "conf/app.tpl") . }}',
        '{{ $conf := .Files.Get "conf/app.tpl" }}{{ tpl $conf $ }}',
        '{{ range $path, $_ := .Files.Glob "conf/*" }}{{ tpl ($.Files.Get $path) $ }}{{ end }}',
        '{{ with .Files.Get "conf/app.tpl" }}{{ tpl . $ }}{{ end }}',
        '{{ include "app.render" (dict "value" (.Files.Get "conf/app.tpl") "context" $) }}',
    ],
)
def test_tpl_over_a_chart_files_text_is_random(tmp_path: Path, text: str) -> None:
    files = {
        "templates/_helpers.tpl": '{{ define "app.render" }}{{ tpl .value .context }}{{ end }}',
        "templates/x.yaml": text,
    }
    found = verdict(chart(tmp_path / "app", files))
    assert found.random
    assert "file's text" in found.reasons[0]


def test_a_chart_file_not_given_to_tpl_is_not_random(tmp_path: Path) -> None:
    """keycloak's config-cli ConfigMap: `.Files.Glob` in one branch, `tpl` of values in
    a helper of the other."""
    files = {
        "templates/_helpers.tpl": '{{ define "app.render" }}{{ tpl .value .context }}{{ end }}',
        "templates/x.yaml": (
            '{{ include "app.render" (dict "value" .Values.a "context" $) }}\n'
            '{{ (.Files.Glob "conf/*").AsConfig }}\n'
        ),
    }
    assert not verdict(chart(tmp_path / "app", files)).random


# --- against the real helms ---------------------------------------------------------------


def helm_template(helm: str, folder: Path, home: Path) -> str:
    done = subprocess.run(
        [helm, "template", "--namespace=ns", "--", "rel", str(folder)],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def calm_chart(folder: Path) -> Path:
    """Every case gate judges not random, in one chart helm can render."""
    helpers = """{{- define "app.unused" -}}{{ uuidv4 }}{{- end -}}
{{- define "app.keys" -}}
{{- range keys .Values.m | sortAlpha }}{{ . }},{{ end -}}
{{- if .Values.bad }}{{ printf "%s" (join "," (keys .Values.m)) | fail }}{{ end -}}
{{- end -}}
"""
    files = {
        "templates/_helpers.tpl": helpers,
        "templates/configmap.yaml": CONFIGMAP
        + '  keys: {{ include "app.keys" . | quote }}\n'
        + "  {{/* {{ randAlphaNum 9 }} */}}\n"
        + '  host: {{ getHostByName "localhost" | quote }}\n'
        + '  found: {{ lookup "v1" "Secret" "ns" "x" | len | quote }}\n'
        + "  name: {{ tpl .Values.name . | quote }}\n"
        + '  sum: {{ include (print $.Template.BasePath "/other.yaml") . | sha256sum }}\n',
        "templates/other.yaml": "kind: Other\nmetadata: {name: other}\n",
        "templates/NOTES.txt": "Your password: {{ randAlphaNum 8 }} {{ now }}\n",
    }
    m = {key: key.upper() for key in "abcdefghij"}
    app = chart(folder, files, values={"m": m, "name": "{{ .Release.Name }}-x"})
    source = library(folder.parent / "src" / "lib", LIB_HELPERS)
    packed(source, _mkdir(app / "charts") / "lib-0.1.0.tgz")
    return app


def test_a_chart_judged_not_random_renders_the_same_twice(helm_path: str, tmp_path: Path) -> None:
    app = calm_chart(tmp_path / "app")
    assert verdict(app) == Randomness(False, (), ("templates/configmap.yaml:11",))
    first = helm_template(helm_path, app, tmp_path / "home")
    assert "kind: ConfigMap" in first and "keys: " in first and 'name: "rel-x"' in first
    for _ in range(3):  # Go's map order changes between runs: give it a few chances
        assert helm_template(helm_path, app, tmp_path / "home") == first


@pytest.mark.parametrize("case", ["included helper", "notes mutate values"])
def test_a_chart_judged_random_renders_differently(
    helm_path: str, tmp_path: Path, case: str
) -> None:
    if case == "included helper":
        app = calm_chart(tmp_path / "app")
        (app / "templates" / "secret.yaml").write_text(SECRET)
    else:
        files = {
            "templates/NOTES.txt": '{{ $_ := set .Values "token" (randAlphaNum 12) }}',
            "templates/A.yaml": "kind: A\nmetadata: {name: a}\ntoken: {{ .Values.token }}\n",
        }
        app = chart(tmp_path / "app", files)
    assert verdict(app).random
    home = tmp_path / "home"
    assert helm_template(helm_path, app, home) != helm_template(helm_path, app, home)
