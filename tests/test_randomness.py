"""gate.randomness: a chart is random only when a template helm renders reaches a call
whose output changes between renders. The charts are written here, one per test; the
last tests render some of them twice with the real helms and compare the outputs."""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Sequence
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
    dependencies: list[dict[str, Any]] | None = None,
) -> Path:
    """A chart at `folder`: Chart.yaml, values.yaml, and `files` (paths inside it)."""
    meta: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": "0.1.0"}
    if type_ is not None:
        meta["type"] = type_
    if dependencies is not None:
        meta["dependencies"] = dependencies
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
    """The answer with the chart's own values and these documents (`extra_values` is
    the former name of `profile_values`)."""
    return reachable_randomness(folder, extra_values=extra_values)


def with_values(folder: Path, *documents: dict[str, Any]) -> Randomness:
    return reachable_randomness(folder, profile_values=documents)


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


# --- with a profile's values ---------------------------------------------------------------
#
# Each case is a chart whose random call only runs under some values: `calm` are values
# documents (after the chart's own) under which it does not run, `random` ones under
# which it does. The last tests render every case twice with the real helms.

RANDOM_SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
stringData:
  password: {{ randAlphaNum 16 | quote }}
"""
COMMON = """{{- define "common.names.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}

{{/* bitnami's: a password from the values when given, else a new one */}}
{{- define "common.secrets.passwords.manage" -}}
{{- $value := index .context.Values.auth .key -}}
{{- if $value -}}
{{ $value | b64enc | quote }}
{{- else -}}
{{ randAlphaNum 10 | b64enc | quote }}
{{- end -}}
{{- end -}}
"""


PLAIN = {"templates/cm.yaml": "kind: ConfigMap\nmetadata: {name: cm}\n"}


def condition_case(folder: Path) -> Path:
    app = chart(
        folder,
        {"templates/cm.yaml": CONFIGMAP.replace('{{ include "lib.name" . | quote }}', "app")},
        values={"db": {"enabled": False}},
        dependencies=[{"name": "db", "version": "0.1.0", "condition": "db.enabled"}],
    )
    chart(app / "charts" / "db", {"templates/secret.yaml": RANDOM_SECRET}, name="db")
    return app


def tags_case(folder: Path) -> Path:
    app = chart(
        folder,
        PLAIN,
        values={"tags": {"database": False}},
        dependencies=[{"name": "db", "version": "0.1.x", "tags": ["database", "storage"]}],
    )
    chart(app / "charts" / "db", {"templates/secret.yaml": RANDOM_SECRET}, name="db")
    return app


def values_condition_case(folder: Path) -> Path:
    secret = """apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secret
stringData:
  {{- if .Values.auth.generate }}
  password: {{ include "lib.password" . | quote }}
  {{- end }}
"""
    app = chart(folder, {"templates/secret.yaml": secret}, values={"auth": {"generate": False}})
    library(app / "charts" / "lib", LIB_HELPERS)
    return app


def bitnami_case(folder: Path) -> Path:
    secret = """{{- if not .Values.auth.existingSecret }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "common.names.fullname" . }}
data:
  password: {{ include "common.secrets.passwords.manage" (dict "secret" "s" "key" "password"
    "providedValues" (list "auth.password") "context" $) }}
{{- end }}
"""
    app = chart(
        folder,
        {**PLAIN, "templates/secret.yaml": secret},
        values={"auth": {"existingSecret": "", "password": ""}},
        dependencies=[{"name": "common", "version": "0.x.x"}],
    )
    chart(app / "charts" / "common", {"templates/_helpers.tpl": COMMON}, name="common")
    return app


def with_case(folder: Path) -> Path:
    text = (
        "kind: A\nmetadata: {name: a}\n{{- with .Values.extra }}\nid: {{ randAlpha 8 }}\n{{- end }}"
    )
    return chart(folder, {"templates/a.yaml": text}, values={"extra": {}})


def quiet_helper_case(folder: Path) -> Path:
    helpers = """{{/* A certificate to make? "true" or nothing (bitnami's createTlsSecret) */}}
{{- define "app.createTls" -}}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}
    {{- true -}}
{{- end -}}
{{- end -}}
"""
    tls = """{{- if (include "app.createTls" .) }}
{{- $ca := genCA "app-ca" 365 }}
apiVersion: v1
kind: Secret
metadata: {name: tls}
data:
  ca.crt: {{ $ca.Cert | b64enc | quote }}
{{- end }}
"""
    files = {**PLAIN, "templates/_helpers.tpl": helpers, "templates/tls.yaml": tls}
    return chart(folder, files, values={"tls": {"enabled": True, "existingSecret": "mine"}})


def alias_case(folder: Path) -> Path:
    """One chart mounted twice: the replica (generate: true) is disabled."""
    app = chart(
        folder,
        {},
        values={
            "primary": {"enabled": True, "generate": False},
            "replica": {"enabled": False, "generate": True},
        },
        dependencies=[
            {"name": "db", "alias": "primary", "version": "0.1.0", "condition": "primary.enabled"},
            {"name": "db", "alias": "replica", "version": "0.1.0", "condition": "replica.enabled"},
        ],
    )
    text = (
        "kind: A\nmetadata: {name: {{ .Chart.Name }}}\n"
        "{{- if .Values.generate }}\ntoken: {{ uuidv4 }}\n{{- end }}\n"
    )
    chart(app / "charts" / "db", {"templates/a.yaml": text}, name="db")
    return app


def global_case(folder: Path) -> Path:
    """The parent's `global` wins over the subchart's own default."""
    app = chart(folder, {}, values={"global": {"tls": {"generate": False}}})
    text = (
        "kind: A\nmetadata: {name: sub}\n"
        '{{- if .Values.global.tls.generate }}\nca: {{ (genCA "x" 1).Cert | quote }}\n{{- end }}\n'
    )
    chart(
        app / "charts" / "sub",
        {"templates/a.yaml": text},
        name="sub",
        values={"global": {"tls": {"generate": True}}},
    )
    return app


def unfitting_version_case(folder: Path) -> Path:
    """charts/db is 0.1.0, Chart.yaml asks for 9.x.x: helm keeps it as a chart Chart.yaml
    does not list, but removes it all the same while the dependency of its name is
    disabled (it removes by name)."""
    app = chart(
        folder,
        PLAIN,
        values={"db": {"enabled": False}},
        dependencies=[{"name": "db", "version": "9.x.x", "condition": "db.enabled"}],
    )
    chart(app / "charts" / "db", {"templates/secret.yaml": RANDOM_SECRET}, name="db")
    return app


def merge_loop_case(folder: Path) -> Path:
    """bitnami's common.tplvalues.merge: merging into a map of its own, in a loop,
    changes no values."""
    text = """{{- $dst := dict -}}
{{- range .Values.layers -}}
{{- $dst = . | merge $dst -}}
{{- end -}}
kind: A
metadata: {name: a}
merged: {{ $dst | toJson | quote }}
{{- if .Values.generate }}
token: {{ randAlphaNum 8 }}
{{- end }}
"""
    values = {"layers": [{"a": 1}, {"b": 2}], "generate": False}
    return chart(folder, {"templates/a.yaml": text}, values=values)


def equality_case(folder: Path) -> Path:
    text = (
        "kind: A\nmetadata: {name: a}\n"
        '{{- if eq .Values.mode "generate" }}\ntoken: {{ randNumeric 9 }}\n{{- end }}\n'
        '{{- if ne .Values.mode "fixed" }}\nother: {{ randNumeric 9 }}\n{{- end }}\n'
    )
    return chart(folder, {"templates/a.yaml": text}, values={"mode": "fixed"})


def has_key_case(folder: Path) -> Path:
    text = (
        "kind: A\nmetadata: {name: a}\n"
        '{{- if not (hasKey .Values.auth "password") }}\npassword: {{ randAlpha 9 }}\n{{- end }}\n'
    )
    return chart(folder, {"templates/a.yaml": text}, values={"auth": {}})


def truth_case(folder: Path) -> Path:
    """Go's truth: 0 is false, "0" is true."""
    text = "kind: A\nmetadata: {name: a}\n{{- if .Values.flag }}\nid: {{ uuidv4 }}\n{{- end }}\n"
    return chart(folder, {"templates/a.yaml": text}, values={"flag": 0})


def kind_case(folder: Path) -> Path:
    """prometheus-community's extra-objects.yaml: a list by default, a map if given."""
    text = """{{- $extra := .Values.extra | default (list) }}
kind: A
metadata: {name: a}
{{- if kindIs "map" $extra }}
id: {{ uuidv4 }}
{{- end }}
"""
    return chart(folder, {"templates/a.yaml": text}, values={"extra": None})


Case = tuple[Any, tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]
CASES: dict[str, Case] = {
    "condition": (condition_case, (), ({"db": {"enabled": True}},)),
    "tags": (tags_case, ({"tags": {"storage": False}},), ({"tags": {"storage": True}},)),
    "values condition": (values_condition_case, (), ({"auth": {"generate": True}},)),
    "bitnami secrets": (
        bitnami_case,
        ({"auth": {"existingSecret": "mine"}},),
        ({"auth": {"existingSecret": "mine"}}, {"auth": {"existingSecret": ""}}),
    ),
    "with": (with_case, (), ({"extra": {"a": 1}},)),
    "quiet helper": (quiet_helper_case, (), ({"tls": {"existingSecret": ""}},)),
    "alias": (alias_case, (), ({"replica": {"enabled": True}},)),
    "global": (global_case, (), ({"global": {"tls": {"generate": True}}},)),
    "unfitting version": (unfitting_version_case, (), ({"db": {"enabled": True}},)),
    "merge loop": (merge_loop_case, (), ({"generate": True},)),
    "equality": (equality_case, (), ({"mode": "generate"},)),
    "hasKey": (has_key_case, ({"auth": {"password": "x"}},), ()),
    "truth": (truth_case, ({"flag": ""},), ({"flag": "0"},)),
    "kindIs": (kind_case, (), ({"extra": {"a": 1}},)),
}


@pytest.mark.parametrize("case", CASES)
def test_values_that_skip_the_random_call_are_not_random(tmp_path: Path, case: str) -> None:
    build, calm, _ = CASES[case]
    assert with_values(build(tmp_path / "app"), *calm) == Randomness(False)


@pytest.mark.parametrize("case", CASES)
def test_values_that_run_the_random_call_are_random(tmp_path: Path, case: str) -> None:
    build, _, random = CASES[case]
    assert with_values(build(tmp_path / "app"), *random).random


def test_without_a_profile_every_branch_and_subchart_counts(tmp_path: Path) -> None:
    for case in ("condition", "values condition", "with", "quiet helper"):
        build, calm, _ = CASES[case]
        app = build(tmp_path / case)
        assert not with_values(app, *calm).random
        assert reachable_randomness(app).random  # profile_values=None: nothing known


def test_a_disabled_subcharts_defines_are_gone(tmp_path: Path) -> None:
    """helm removes a disabled dependency before rendering: the parent's include of its
    define fails; gate does not count the define."""
    app = condition_case(tmp_path / "app")
    (app / "charts" / "db" / "templates" / "_helpers.tpl").write_text(
        '{{ define "db.token" }}{{ uuidv4 }}{{ end }}'
    )
    (app / "templates" / "token.yaml").write_text(
        'kind: A\nmetadata: {name: t}\ntoken: {{ include "db.token" . }}\n'
    )
    assert not with_values(app).random
    found = with_values(app, {"db": {"enabled": True}})
    assert found.reasons[0] == (
        'templates/token.yaml:3 includes "db.token"; '
        '"db.token" (charts/db/templates/_helpers.tpl:1) calls uuidv4 (random)'
    )


def test_the_first_condition_that_holds_a_bool_decides_and_beats_tags(tmp_path: Path) -> None:
    app = chart(
        tmp_path / "app",
        {},
        values={"tags": {"database": True}, "db": {"enabled": "yes please", "on": False}},
        dependencies=[
            {
                "name": "db",
                "version": ">=0.1.0, <1.0.0",
                "condition": "db.missing,db.enabled,db.on",
                "tags": ["database"],
            }
        ],
    )
    chart(app / "charts" / "db", {"templates/secret.yaml": RANDOM_SECRET}, name="db")
    assert not with_values(app).random  # a string is no bool: db.on decides
    assert with_values(app, {"db": {"on": True}}).random
    assert with_values(app, {"db": {"on": None}}).random  # no bool left: the tags decide


def test_values_reasons_name_the_path_to_the_random_call(tmp_path: Path) -> None:
    app = values_condition_case(tmp_path / "app")
    assert with_values(app, {"auth": {"generate": True}}).reasons == (
        'templates/secret.yaml:7 includes "lib.password"; '
        '"lib.password" (charts/lib/templates/_helpers.tpl:8) calls randAlphaNum (random)',
    )


@pytest.mark.parametrize(
    "condition",
    [
        '(include "app.name" .)',  # what it writes is not known
        '(lookup "v1" "Secret" "ns" "x")',  # a function gate does not evaluate
        ".Values.missing.deeper",  # a field of nil: helm fails, gate does not guess
    ],
)
def test_a_condition_gate_cannot_evaluate_takes_both_branches(
    tmp_path: Path, condition: str
) -> None:
    files = {
        "templates/_helpers.tpl": '{{ define "app.name" }}{{ .Release.Name }}{{ end }}',
        "templates/a.yaml": f"{{{{ if {condition} }}}}{{{{ randAlpha 3 }}}}{{{{ end }}}}",
    }
    assert with_values(chart(tmp_path / "app", files)).random


def test_a_template_that_changes_the_values_makes_them_unknown(tmp_path: Path) -> None:
    text = (
        '{{- $_ := set .Values.auth "generate" true }}\n'
        "{{ if .Values.auth.generate }}{{ randAlpha 3 }}{{ end }}\n"
    )
    app = chart(tmp_path / "app", {"templates/a.yaml": text}, values={"auth": {"generate": False}})
    assert with_values(app).random
    # a change through a value gate cannot place makes every value unknown
    text = '{{- $_ := set (first .Values.list) "x" 1 }}{{ if .Values.off }}{{ now }}{{ end }}'
    other = chart(tmp_path / "other", {"templates/a.yaml": text}, values={"off": False})
    assert with_values(other).random
    # a change to a map of its own does not
    text = '{{- $_ := set (dict) "x" 1 }}{{ if .Values.off }}{{ now }}{{ end }}'
    calm = chart(tmp_path / "calm", {"templates/a.yaml": text}, values={"off": False})
    assert not with_values(calm).random


def test_a_loop_that_breaks_leaves_what_it_assigns_unknown(helm_path: str, tmp_path: Path) -> None:
    """gate's parser drops `break`: a run may stop before any assignment of the body."""
    text = (
        '{{- $x := "calm" }}{{- range list 1 2 }}{{- $x = "go" }}{{- break }}'
        '{{- $x = "calm" }}{{- end }}\nkind: A\nmetadata: {name: a}\n'
        '{{- if eq $x "go" }}\nid: {{ uuidv4 }}\n{{- end }}\n'
    )
    app = chart(tmp_path / "app", {"templates/a.yaml": text})
    assert with_values(app).random
    home = tmp_path / "home"
    assert helm_template(helm_path, app, home) != helm_template(helm_path, app, home)


def test_a_merge_into_a_map_that_holds_values_changes_them(helm_path: str, tmp_path: Path) -> None:
    """`pick` makes a new map whose maps are the values' own: mergo merges into them."""
    text = (
        '{{- $_ := merge (pick .Values.labels "a") (dict "a" (dict "x" true)) }}\n'
        "kind: A\nmetadata: {name: a}\n"
        "{{- if .Values.labels.a.x }}\nid: {{ uuidv4 }}\n{{- end }}\n"
    )
    values = {"labels": {"a": {"y": 1}}}
    app = chart(tmp_path / "app", {"templates/a.yaml": text}, values=values)
    assert with_values(app).random
    home = tmp_path / "home"
    assert helm_template(helm_path, app, home) != helm_template(helm_path, app, home)
    # merged where the picked map holds no map: nothing of the values changes
    calm = text.replace('(dict "a" (dict "x" true))', '(dict "b" (dict "x" true))')
    app = chart(tmp_path / "calm", {"templates/a.yaml": calm}, values=values)
    assert not with_values(app).random
    assert helm_template(helm_path, app, home) == helm_template(helm_path, app, home)


def test_a_string_helm_reads_as_a_bool_is_unknown(helm_path: str, tmp_path: Path) -> None:
    """`flag: n` unquoted: gate's YAML reader keeps "n" (true), helm's reads false."""
    text = (
        "kind: A\nmetadata: {name: a}\n"
        "{{- if .Values.flag }}\nflag: set\n{{- else }}\nid: {{ uuidv4 }}\n{{- end }}\n"
    )
    app = chart(tmp_path / "app", {"templates/a.yaml": text}, values={"flag": True})
    values = tmp_path / "values.yaml"
    values.write_text("flag: n\n")
    assert with_values(app, yaml.safe_load(values.read_text())).random
    home = tmp_path / "home"
    first = helm_template(helm_path, app, home, [values])
    assert first != helm_template(helm_path, app, home, [values])


def test_a_null_that_deletes_a_true_default_is_unknown(tmp_path: Path) -> None:
    """helm deletes the key; older helms kept a subchart's default: gate does not say."""
    app = values_condition_case(tmp_path / "true")
    (app / "values.yaml").write_text(yaml.safe_dump({"auth": {"generate": True}}))
    assert with_values(app, {"auth": {"generate": None}}).random
    app = values_condition_case(tmp_path / "false")
    (app / "values.yaml").write_text(yaml.safe_dump({"auth": {"generate": ""}}))
    assert not with_values(app, {"auth": {"generate": None}}).random


def test_a_key_missing_below_a_global_table_is_unknown(tmp_path: Path) -> None:
    """helm's shallow copy of `global` lets one subchart's global defaults reach the
    tables its parent and the other subcharts share."""
    text = "{{ if .Values.global.tls.generate }}{{ randAlpha 3 }}{{ end }}"
    app = chart(tmp_path / "app", {"templates/a.yaml": text}, values={"global": {"tls": {}}})
    assert with_values(app).random
    assert not with_values(app, {"global": {"tls": {"generate": False}}}).random


def test_profile_answers_are_cached_per_values(tmp_path: Path) -> None:
    app = truth_case(tmp_path / "app")
    first = with_values(app, {"flag": 0})
    assert with_values(app, {"flag": 0}) is first
    assert with_values(app, {"flag": "0"}).random  # a string: another digest
    assert not with_values(app, {"flag": False}).random


@pytest.mark.parametrize(
    ("constraint", "version", "fits"),
    [
        ("2.x.x", "2.31.1", True),
        ("2.x.x", "3.0.0", False),
        ("16.X.X", "16.0.0", True),
        ("0.12.*", "0.12.4", True),
        ("0.12.*", "0.13.0", False),
        ("^1.48.0", "1.60.2", True),
        ("^1.48.0", "1.47.0", False),
        ("^0.80.5", "0.80.9", True),
        ("^0.80.5", "0.81.0", None),  # Masterminds releases disagree
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("6.1.11", "6.1.11", True),
        ("6.1.11", "6.1.12", False),
        (">=1.0.0, <2.0.0", "1.5.0", True),
        (">= 1.0.0 < 2.0.0", "2.0.0", False),
        ("1.0.0 || 2.x.x", "2.1.0", True),
        ("1.2", "1.2.0", None),  # exact in some releases, a range in others
        ("1.0.0 - 2.0.0", "1.5.0", None),
        ("*", "3.1.4", True),
        ("2.x.x", "2.1.0-rc.1", None),
        ("", "1.0.0", None),
    ],
)
def test_dependency_version_ranges(constraint: str, version: str, fits: bool | None) -> None:
    assert gate.randomness._compatible(constraint, version) is fits


# --- against the real helms ---------------------------------------------------------------


def helm_template(helm: str, folder: Path, home: Path, values: Sequence[Path] = ()) -> str:
    flags = [f"--values={path}" for path in values]
    done = subprocess.run(
        [helm, "template", "--namespace=ns", *flags, "--", "rel", str(folder)],
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


def values_files(folder: Path, documents: Sequence[dict[str, Any]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, document in enumerate(documents):
        path = folder / f"values-{number}.yaml"
        path.write_text(yaml.safe_dump(document))
        paths.append(path)
    return paths


@pytest.mark.parametrize("case", CASES)
def test_each_case_judged_not_random_renders_the_same_twice(
    helm_path: str, tmp_path: Path, case: str
) -> None:
    build, calm, _ = CASES[case]
    app = build(tmp_path / "app")
    assert not with_values(app, *calm).random
    values = values_files(tmp_path / "values", calm)
    first = helm_template(helm_path, app, tmp_path / "home", values)
    assert "kind:" in first
    assert helm_template(helm_path, app, tmp_path / "home", values) == first


@pytest.mark.parametrize("case", CASES)
def test_each_case_judged_random_renders_differently(
    helm_path: str, tmp_path: Path, case: str
) -> None:
    """The same charts with the values that run their random call: each case can fail."""
    build, _, random = CASES[case]
    app = build(tmp_path / "app")
    assert with_values(app, *random).random
    values = values_files(tmp_path / "values", random)
    home = tmp_path / "home"
    assert helm_template(helm_path, app, home, values) != helm_template(
        helm_path, app, home, values
    )
