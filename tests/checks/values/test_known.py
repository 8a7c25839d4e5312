"""The known-paths tree (gate/checks/values/known.py): what a chart can read.

Pure unit tests: no helm. Charts are fixture folders or built in tmp_path
(a subchart packed as .tgz is built here with tarfile).
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from gate.chart import read_chart
from gate.checks.values import suggest
from gate.checks.values.known import (
    Known,
    chart_defaults,
    defaults_tree,
    known_tree,
    schema_tree,
    template_references,
)
from gate.checks.values.reads import read_template
from gate.errors import GateError
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "charts"
BACKSTAGE = REPO / "charts-under-test" / "backstage"


def refs(template: str) -> Known:
    tree = Known()
    template_references(template, tree)
    return tree


def fully(tree: Known, *path: str) -> bool:
    return tree.knows(path) == len(path)


# --- Known --------------------------------------------------------------------------------


def test_knows_counts_the_known_leading_keys() -> None:
    tree = Known()
    tree.add(("a", "b", "c"))
    assert tree.knows(("a", "b", "c")) == 3
    assert tree.knows(("a", "b")) == 2
    assert tree.knows(("a", "x", "c")) == 1
    assert tree.knows(("x",)) == 0
    assert tree.knows(("a", "b", "c", "d")) == 3  # nothing below a plain leaf
    assert tree.knows(()) == 0


def test_knows_everything_below_a_free_node() -> None:
    tree = Known()
    tree.add(("a", "map"), free=True)
    assert tree.knows(("a", "map", "any", "depth")) == 4
    assert tree.knows(("a", "other")) == 1
    root = Known(free=True)
    assert root.knows(("x", "y")) == 2


def test_add_never_takes_freedom_back() -> None:
    tree = Known()
    tree.add(("a",), free=True)
    tree.add(("a",))
    assert tree.node(("a",)) is not None
    assert tree.node(("a",)).free  # type: ignore[union-attr]


def test_mount_merges_a_subtree_under_a_prefix() -> None:
    sub = Known()
    sub.add(("image", "tag"))
    sub.add(("extra",), free=True)
    tree = Known()
    tree.add(("web", "own"))
    tree.mount(("web",), sub)
    assert fully(tree, "web", "own")
    assert fully(tree, "web", "image", "tag")
    assert fully(tree, "web", "extra", "anything")
    assert tree.knows(("image", "tag")) == 0
    assert sorted(tree.paths()) == [
        ("web",),
        ("web", "extra"),
        ("web", "image"),
        ("web", "image", "tag"),
        ("web", "own"),
    ]


# --- template references ------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{{ .Values.a.b }}",
        "{{ $.Values.a.b }}",
        "{{- if .Values.a.b }}x{{ end }}",
        '{{ .Values.a.b | default "x" | quote }}',
        '{{ define "h" }}{{ .context.Values.a.b }}{{ end }}{{ include "h" (dict "context" $) }}',
        "{{ .Values.a.b.c }}",
    ],
)
def test_dotted_references_are_known(template: str) -> None:
    tree = refs(template)
    assert fully(tree, "a", "b")
    assert tree.knows(("a", "other")) == 1
    assert not tree.free


def test_dashes_and_digits_in_keys() -> None:
    # Go has no `.my-key` field (a dash ends it); charts write such keys with index.
    tree = refs('{{ index .Values "my-key" "v2" }}{{ .Values.key_1.v2 }}')
    assert fully(tree, "my-key", "v2")
    assert fully(tree, "key_1", "v2")


def test_index_with_quoted_keys_is_known_and_does_not_open_the_whole_tree() -> None:
    tree = refs('{{ index .Values "a" "b" }}')
    assert fully(tree, "a", "b")
    # `index .Values "a" "b"` reads one path; it does not hand .Values to anything.
    assert not tree.free
    assert tree.knows(("c",)) == 0
    assert tree.knows(("a", "c")) == 1


def test_index_below_a_dotted_prefix() -> None:
    tree = refs('{{ index .Values.a "b.c" "d" }}')
    assert fully(tree, "a", "b.c", "d")
    assert tree.knows(("a", "b", "c")) == 1


def test_variables_assigned_from_values() -> None:
    tree = refs("{{ $c := .Values.config }}{{ $c.level }}{{ $c.nested.key }}")
    assert fully(tree, "config", "level")
    assert fully(tree, "config", "nested", "key")
    assert tree.knows(("config", "other")) == 1


def test_reassigned_variables_and_root_variable() -> None:
    tree = refs("{{- $bs := $.Values.backstage }}{{ $bs = .Values.backstage }}{{ $bs.replicas }}")
    assert fully(tree, "backstage", "replicas")


def test_unrelated_variables_add_nothing() -> None:
    tree = refs('{{ $x := dict "a" 1 }}{{ $x.a }}{{ $.Release.Name }}')
    assert list(tree.paths()) == []
    assert not tree.free


@pytest.mark.parametrize(
    "template",
    [
        "{{ toYaml .Values.x | nindent 4 }}",
        "{{ .Values.x | toYaml }}",  # the pipe reads only .Values.x: x as a whole
        "{{- with .Values.x }}{{ toYaml . }}{{ end }}",
        "{{ tpl (toYaml .Values.x) . }}",
        '{{ include "helper" .Values.x }}',
        "{{ toJson .Values.x }}",
        "{{ $v := .Values.x }}{{ toYaml $v }}",
        "{{ $v := .Values.x }}{{- with $v }}{{ toYaml . }}{{ end }}",
    ],
)
def test_a_subtree_handed_to_a_function_is_free_form(template: str) -> None:
    tree = refs(template)
    assert fully(tree, "x", "anything", "below")
    assert tree.knows(("y",)) == 0
    assert not tree.free


def test_toyaml_of_a_deeper_path_frees_only_that_path() -> None:
    tree = refs("{{ toYaml .Values.a.b }}{{ .Values.a.c }}")
    assert fully(tree, "a", "b", "deep", "er")
    assert fully(tree, "a", "c")
    assert tree.knows(("a", "d")) == 1


@pytest.mark.parametrize(
    "template",
    [
        '{{ include "x" .Values }}',
        "{{ .Values | toYaml }}",
        "{{ toYaml .Values }}",
        '{{ include "x" (dict "Values" .Values "ctx" $) }}',
        "{{- range $k, $v := .Values }}{{ $k }}{{ end }}",
        "{{ $all := $.Values }}{{ toJson $all }}",
    ],
)
def test_values_passed_whole_never_make_the_tree_free(template: str) -> None:
    """Issue 11: one expression must never blind the analysis to a whole chart. The
    place is noted as one gate could not read; the confirming renders decide."""
    reads = read_template(template)
    assert not reads.known.free
    assert reads.known.knows(("anything",)) == 0
    assert reads.unread
    assert all(note.path is None for note in reads.unread)


def test_the_real_backstage_deployment_template_is_understood() -> None:
    text = (BACKSTAGE / "charts" / "backstage" / "templates" / "deployment.yaml").read_text()
    tree = refs(text)
    assert not tree.free
    assert fully(tree, "backstage", "replicas")
    assert fully(tree, "backstage", "secrets", "existingSecretGithubTokenKey")
    assert fully(tree, "backstage", "podAnnotations", "any")  # `with $bs.podAnnotations`
    assert fully(tree, "backstage", "startupProbe", "initialDelaySeconds")  # toYaml $bs.x
    assert tree.knows(("backstage", "appConfigs")) == 1
    assert tree.knows(("startupProbe",)) == 0


# --- defaults and schema ------------------------------------------------------------------


def test_defaults_tree_walks_maps_and_frees_empty_and_null() -> None:
    tree = Known()
    defaults_tree(
        {
            "image": {"tag": "1.0", "digest": ""},
            "annotations": {},
            "nodeSelector": None,
            "args": ["--a", "--b"],
            "env": [{"name": "A", "value": "1"}],
            "replicas": 1,
        },
        tree,
    )
    assert fully(tree, "image", "tag")
    assert fully(tree, "image", "digest")
    assert tree.knows(("image", "tags")) == 1
    assert fully(tree, "annotations", "team")  # empty map: free-form
    assert fully(tree, "nodeSelector", "disk", "type")  # null: free
    assert fully(tree, "args")
    assert tree.knows(("args", "x")) == 1  # a list is a leaf, not a map
    assert tree.knows(("env", "name")) == 1
    assert tree.knows(("replicas", "x")) == 1
    assert not tree.free


def test_defaults_tree_of_no_values_file_knows_nothing() -> None:
    tree = Known()
    defaults_tree(None, tree)
    # A chart without values.yaml: `defaults_tree(None)` must not free the whole chart.
    assert not tree.free
    assert tree.knows(("anything",)) == 0


@pytest.mark.parametrize(
    "values",
    [None, "", "# every key documented as a comment\n# replicas: 1\n"],
    ids=["no-values-file", "empty", "comments-only"],
)
def test_a_chart_without_default_values_still_has_unknown_keys(
    tmp_path: Path, values: str | None
) -> None:
    files = {
        "Chart.yaml": "apiVersion: v2\nname: bare\nversion: 0.1.0\n",
        "templates/cm.yaml": "replicas: {{ .Values.replicas }}\n",
    }
    if values is not None:
        files["values.yaml"] = values
    tree = known_tree(read_chart(write(tmp_path / "bare", files)))
    assert fully(tree, "replicas")
    assert not tree.free
    assert tree.knows(("replicaCount",)) == 0


def test_schema_tree_lists_properties_and_opens_additional_properties() -> None:
    schema = {
        "type": "object",
        "properties": {
            "image": {
                "type": "object",
                "properties": {"tag": {"type": "string"}},
                "additionalProperties": False,
            },
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "extra": {"type": "object", "additionalProperties": True},
            "opaque": {"type": "object"},
            "closed": {"type": "object", "additionalProperties": False},
            "count": {"type": "integer"},
            "either": {
                "anyOf": [
                    {"properties": {"one": {"type": "string"}}},
                    {"properties": {"two": {"type": "string"}}},
                ]
            },
        },
        "additionalProperties": False,
    }
    tree = Known()
    schema_tree(schema, tree)
    assert not tree.free
    assert fully(tree, "image", "tag")
    assert tree.knows(("image", "digest")) == 1
    assert fully(tree, "labels", "team")
    assert fully(tree, "extra", "a", "b")
    assert fully(tree, "opaque", "a")  # an object with no listed properties is open
    assert tree.knows(("closed", "a")) == 1
    assert tree.knows(("count", "a")) == 1
    assert fully(tree, "either", "one")
    assert fully(tree, "either", "two")
    assert tree.knows(("either", "three")) == 1
    assert tree.knows(("other",)) == 0


def test_additional_properties_true_beside_listed_properties_opens_nothing() -> None:
    """external-dns writes `additionalProperties: true` at its schema's root: JSON
    Schema's default, which lets keys pass validation and says nothing about which keys
    a template reads (measured in issue 11: it made the whole chart free-form)."""
    tree = Known()
    schema = {
        "type": "object",
        "additionalProperties": True,
        "properties": {"replicaCount": {"type": "integer"}, "rbac": {
            "type": "object", "additionalProperties": True,
            "properties": {"create": {"type": "boolean"}}}},
    }  # fmt: skip
    schema_tree(schema, tree)
    assert not tree.free
    assert tree.knows(("replicaCuont",)) == 0
    assert tree.knows(("rbac", "craete")) == 1


def test_schema_tree_ignores_what_is_not_a_schema() -> None:
    tree = Known()
    schema_tree(None, tree)
    schema_tree(["not", "a", "schema"], tree)
    assert list(tree.paths()) == []
    assert not tree.free


# --- whole charts -------------------------------------------------------------------------


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def pack(source: Path, archive: Path) -> Path:
    """A chart folder packed as `helm package` does: one top folder named like the chart."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for file in sorted(source.rglob("*")):
            if file.is_file():
                bundle.add(file, arcname=f"{source.name}/{file.relative_to(source).as_posix()}")
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(buffer.getvalue())
    return archive


SUBCHART = {
    "Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n",
    "values.yaml": "image:\n  tag: '1.0'\nreplicas: 1\nlabels: {}\n",
    "templates/deploy.yaml": "replicas: {{ .Values.replicas }}\nport: {{ .Values.port.http }}\n",
}


def parent(folder: Path, dependencies: str) -> Path:
    return write(
        folder,
        {
            "Chart.yaml": f"apiVersion: v2\nname: parent\nversion: 0.1.0\n{dependencies}",
            "values.yaml": "own: 1\n",
            "templates/cm.yaml": "own: {{ .Values.own }}\n",
        },
    )


def test_the_fixture_chart_knows_keys_only_documented_as_comments() -> None:
    tree = known_tree(read_chart(FIXTURES / "values-commented"))
    assert fully(tree, "replicas")
    assert fully(tree, "podLabels", "team")  # `with .Values.podLabels`: free-form
    assert fully(tree, "extra", "name")  # `index .Values "extra" "name"`
    assert fully(tree, "config", "level")  # `$c := .Values.config`, `$c.level`
    assert tree.knows(("global", "anything")) == 0  # DESIGN: global is no exception
    # ... and only those: a typo is still unknown.
    assert not tree.free
    assert tree.knows(("config", "levle")) == 1
    assert tree.knows(("extra", "nmae")) == 1
    assert tree.knows(("replica",)) == 0


def test_tags_are_known_everywhere_and_global_only_where_read() -> None:
    tree = known_tree(read_chart(FIXTURES / "values-dynamic"))
    assert tree.knows(("global", "imageRegistry")) == 0
    assert fully(tree, "tags", "frontend")
    assert fully(tree, "settings", "mode")
    assert tree.knows(("settings", "hidden")) == 1  # read with a key built at render time


def test_subchart_folder_mounted_under_its_alias(tmp_path: Path) -> None:
    chart = parent(tmp_path / "parent", "dependencies:\n  - name: svc\n    alias: api\n")
    write(chart / "charts" / "svc", SUBCHART)
    tree = known_tree(read_chart(chart))
    assert fully(tree, "own")
    assert fully(tree, "api", "image", "tag")
    assert fully(tree, "api", "replicas")
    assert fully(tree, "api", "port", "http")  # read by the subchart's template
    assert fully(tree, "api", "labels", "team")
    assert not fully(tree, "api", "global", "x")
    assert tree.knows(("svc", "replicas")) == 0  # the name is not where helm looks
    assert tree.knows(("api", "port", "https")) == 2


def test_subchart_without_dependency_entry_is_mounted_under_its_name(tmp_path: Path) -> None:
    chart = parent(tmp_path / "parent", "")
    write(chart / "charts" / "svc", SUBCHART)
    tree = known_tree(read_chart(chart))
    assert fully(tree, "svc", "replicas")
    assert tree.knows(("api",)) == 0


def test_one_chart_under_two_aliases(tmp_path: Path) -> None:
    chart = parent(
        tmp_path / "parent",
        "dependencies:\n  - name: svc\n    alias: blue\n  - name: svc\n    alias: green\n",
    )
    write(chart / "charts" / "svc", SUBCHART)
    tree = known_tree(read_chart(chart))
    assert fully(tree, "blue", "image", "tag")
    assert fully(tree, "green", "image", "tag")
    assert tree.knows(("svc",)) == 0


def test_subchart_packed_as_tgz_under_its_alias(tmp_path: Path) -> None:
    chart = parent(
        tmp_path / "parent",
        "dependencies:\n  - name: svc\n    version: 0.1.0\n    alias: api\n"
        "    condition: api.enabled\n",
    )
    source = write(tmp_path / "src" / "svc", SUBCHART)
    # a subchart of the packed chart, itself unpacked inside the archive
    write(
        source / "charts" / "inner",
        {
            "Chart.yaml": "apiVersion: v2\nname: inner\nversion: 0.1.0\n",
            "values.yaml": "depth:\n  level: 2\n",
            "templates/x.yaml": "{{ .Values.read.me }}\n",
        },
    )
    pack(source, chart / "charts" / "svc-0.1.0.tgz")
    files = read_chart(chart)
    assert [s.name for s in files.subcharts] == ["svc"]
    tree = known_tree(files)
    assert fully(tree, "api", "image", "tag")
    assert fully(tree, "api", "port", "http")
    assert fully(tree, "api", "enabled")  # the dependency's condition
    assert fully(tree, "api", "inner", "depth", "level")
    assert fully(tree, "api", "inner", "read", "me")
    assert tree.knows(("svc",)) == 0
    assert tree.knows(("api", "inner", "depth", "other")) == 3


def test_tgz_inside_a_tgz(tmp_path: Path) -> None:
    leaf = write(
        tmp_path / "src" / "leaf",
        {
            "Chart.yaml": "apiVersion: v2\nname: leaf\nversion: 0.1.0\n",
            "values.yaml": "deep: {key: 1}\n",
        },
    )
    middle = write(tmp_path / "src" / "svc", SUBCHART)
    pack(leaf, middle / "charts" / "leaf-0.1.0.tgz")
    chart = parent(tmp_path / "parent", "")
    pack(middle, chart / "charts" / "svc-0.1.0.tgz")
    tree = known_tree(read_chart(chart))
    assert fully(tree, "svc", "leaf", "deep", "key")
    assert tree.knows(("svc", "leaf", "deep", "other")) == 3


def test_a_corrupt_tgz_is_an_error_naming_it(tmp_path: Path) -> None:
    chart = parent(tmp_path / "parent", "")
    (chart / "charts").mkdir()
    (chart / "charts" / "broken-0.1.0.tgz").write_bytes(b"not a tar file")
    with pytest.raises(GateError) as caught:
        read_chart(chart)  # helm fails on it too, less clearly
    assert caught.value.file == str(chart / "charts" / "broken-0.1.0.tgz")
    assert "not gzip-compressed" in caught.value.message


def test_library_subchart_templates_read_the_parents_values(tmp_path: Path) -> None:
    chart = parent(tmp_path / "parent", "")
    write(
        chart / "charts" / "common",
        {
            "Chart.yaml": "apiVersion: v2\nname: common\ntype: library\nversion: 0.1.0\n",
            "values.yaml": "exampleValue: common\n",
            "templates/_helpers.tpl": '{{- define "common.x" }}{{ .Values.commonLabel }}{{ end }}',
        },
    )
    tree = known_tree(read_chart(chart))
    assert fully(tree, "commonLabel")
    assert tree.knows(("common",)) == 0


def test_the_backstage_wrapper_chart() -> None:
    tree = known_tree(read_chart(BACKSTAGE))
    assert not tree.free
    for path in [
        ("backstage", "backstage", "startupProbe"),
        ("backstage", "backstage", "appConfig", "anything", "deep"),
        ("backstage", "backstage", "podAnnotations", "a"),
        ("backstage", "backstage", "podLabels", "a"),
        ("backstage", "metrics", "serviceMonitor", "interval"),
        ("backstage", "service", "type"),
        ("postgresql", "primary", "persistence", "size"),
        # the chart's `((((.Values).global).postgresql).auth).existingSecret`, read by a
        # subchart: its own `global` and the parent's
        ("global", "postgresql", "auth", "existingSecret"),
        ("backstage", "global", "postgresql", "auth", "existingSecret"),
    ]:
        assert fully(tree, *path), path
    for path, depth in [
        (("backstage", "startupProbe"), 1),
        (("backstage", "appConfig"), 1),
        (("backstage", "resources"), 1),
        (("backstage", "backstage", "rules"), 2),
        (("appConfig",), 0),
    ]:
        assert tree.knows(path) == depth, path


def test_chart_defaults_mount_subchart_defaults_under_alias(tmp_path: Path) -> None:
    chart = parent(tmp_path / "parent", "dependencies:\n  - name: svc\n    alias: api\n")
    write(chart / "charts" / "svc", SUBCHART)
    (chart / "values.yaml").write_text("own: 1\napi:\n  replicas: 3\n")
    defaults = chart_defaults(read_chart(chart))
    assert defaults["own"] == 1
    assert defaults["api"]["replicas"] == 3  # the parent's value wins
    assert defaults["api"]["image"] == {"tag": "1.0"}
    assert "svc" not in defaults


def test_chart_defaults_of_the_backstage_wrapper() -> None:
    defaults = chart_defaults(read_chart(BACKSTAGE))
    assert defaults["backstage"]["backstage"]["revisionHistoryLimit"] == 2  # wrapper's
    assert defaults["backstage"]["backstage"]["startupProbe"]["initialDelaySeconds"] == 2
    assert defaults["backstage"]["metrics"]["serviceMonitor"]["interval"] == "30s"


# --- suggest ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backstage_tree() -> Known:
    return known_tree(read_chart(BACKSTAGE))


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        # one level too high (the incident): the dependency's own key is inserted
        (("backstage", "startupProbe"), "backstage.backstage.startupProbe"),
        (("backstage", "appConfig"), "backstage.backstage.appConfig"),
        (("backstage", "resources"), "backstage.backstage.resources"),
        (("backstage", "replicas"), "backstage.backstage.replicas"),
        # one level too deep
        (("backstage", "backstage", "backstage", "replicas"), "backstage.backstage.replicas"),
        (("backstage", "backstage", "metrics", "enabled"), "backstage.metrics.enabled"),
        # a close spelling at the right level
        (("backstage", "backstage", "startupProbes"), "backstage.backstage.startupProbe"),
        (("backstage", "backstage", "replica"), "backstage.backstage.replicas"),
        (("postgresql", "primary", "persistance"), "postgresql.primary.persistence"),
    ],
)
def test_suggest_on_the_backstage_chart(
    backstage_tree: Known, written: tuple[str, ...], meant: str
) -> None:
    assert suggest(backstage_tree, written) == meant


def closed_tree() -> Known:
    tree = Known()
    defaults_tree(
        {
            "app": {
                "startupProbe": {"initialDelaySeconds": 2, "periodSeconds": 5},
                "replicas": 1,
            },
            "service": {"port": 80},
        },
        tree,
    )
    return tree


def test_suggest_close_spelling_in_a_tree_without_free_maps() -> None:
    tree = closed_tree()
    assert suggest(tree, ("app", "startupProbes")) == "app.startupProbe"
    assert (
        suggest(tree, ("app", "startupProbe", "initialDelaySecond"))
        == "app.startupProbe.initialDelaySeconds"
    )
    assert suggest(tree, ("startupProbe",)) == "app.startupProbe"  # one level deeper
    assert suggest(tree, ("app", "service", "port")) == "service.port"  # one level shallower
    assert suggest(tree, ("zzz", "qqq")) is None


def test_suggest_close_spelling_beside_a_free_form_map() -> None:
    tree = closed_tree()
    # Real charts always have some free-form map (podAnnotations: {}); it must not
    # swallow every typo as "did you mean podAnnotations.<typo>".
    tree.add(("app", "podAnnotations"), free=True)
    tree.add(("extraLabels",), free=True)
    assert (
        suggest(tree, ("app", "startupProbe", "initialDelaySecond"))
        == "app.startupProbe.initialDelaySeconds"
    )
    assert suggest(tree, ("app", "startupProbes")) == "app.startupProbe"


def test_suggest_never_goes_through_global() -> None:
    tree = Known()
    tree.add(("global",), free=True)
    tree.add(("web", "image"))
    assert suggest(tree, ("image",)) == "web.image"
    assert suggest(tree, ("nothing", "like", "it")) is None


def _tree(declared: list[tuple[str, ...]], free: list[tuple[str, ...]]) -> Known:
    tree = Known()
    for path in declared:
        tree.add(path)
    for path in free:
        tree.add(path, free=True)
    return tree


@pytest.mark.parametrize(
    ("declared", "free", "written", "meant"),
    [
        # keda: `upgradeStrategy.operator` is a free-form map; the respelling wins
        ([("operator", "replicaCount")], [("upgradeStrategy", "operator")],
         ("operator", "replicacount"), "operator.replicaCount"),
        # sealed-secrets: `containerPorts.metrics` is a value printed whole, not a parent
        ([("metrics", "serviceMonitor", "interval")], [("containerPorts", "metrics")],
         ("metrics", "serviceMonitor", "intervall"), "metrics.serviceMonitor.interval"),
        # vault: case; podinfo: two letters swapped (difflib rates both below its cutoff)
        ([("ui",)], [], ("UI",), "ui"),
        ([("image", "tag")], [], ("image", "tga"), "image.tag"),
        # argo-workflows: a near respelling beats a deeper parent holding the same key
        ([("images", "tag"), ("controller", "image", "tag")], [], ("image", "tag"), "images.tag"),
        # the incident still goes one level deeper
        ([("backstage", "backstage", "startupProbe")], [], ("backstage", "startupProbe"),
         "backstage.backstage.startupProbe"),
    ],
)  # fmt: skip
def test_suggestions_measured_on_real_charts(
    declared: list[tuple[str, ...]],
    free: list[tuple[str, ...]],
    written: tuple[str, ...],
    meant: str,
) -> None:
    assert suggest(_tree(declared, free), written) == meant


@pytest.mark.parametrize(
    ("names", "written", "meant"),
    [
        (["http", "https"], "htttp", "http"),  # one letter too many: not `https`
        (["http", "https"], "htps", "https"),
        (["images", "imagePullSecrets"], "image", "images"),
        (["interval"], "intervall", "interval"),
        (["interval"], "intreval", "interval"),  # two letters swapped
        (["interval"], "intervel", "interval"),  # one letter other
        (["ui"], "UI", "ui"),
        (["id"], "ip", None),  # too short for an edit to mean anything
        (["replicaCount"], "replicas", None),
    ],
)
def test_one_edit_respellings(names: list[str], written: str, meant: str | None) -> None:
    tree = _tree([(name,) for name in names], [])
    assert suggest(tree, (written,)) == meant
