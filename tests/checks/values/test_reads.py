"""What templates read from the values (gate/checks/values/reads.py): a table of
expressions, each with the paths it reads, the paths it must not make known, and the
subtrees it makes free-form. Pure unit tests: the Go template is parsed by
gate/gotemplate and run over abstract values; no helm.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gate.chart import ChartFiles
from gate.checks.values.reads import (
    STEP_BUDGET,
    TemplateReader,
    mounted,
    read_template,
    template_reads,
)
from gate.checks.values.tree import Known


@dataclass(frozen=True)
class Case:
    template: str
    reads: tuple[str, ...]  # dotted paths fully known, nothing below them free
    unknown: tuple[str, ...] = ()  # dotted paths that stay unknown (typos next to a read)
    free: tuple[str, ...] = ()  # subtrees where any key below is known


def dotted(text: str) -> tuple[str, ...]:
    """`a.b`; a path whose keys hold dots is written `grafana.ini/paths`."""
    return tuple(text.split("/" if "/" in text else "."))


def is_free(tree: Known, path: tuple[str, ...]) -> bool:
    node = tree.node(path)
    return node is not None and node.free


CASES = {
    # field chains
    "field chain": Case("{{ .Values.a.b }}", ("a.b",), ("a.c", "b")),
    "root variable": Case("{{ $.Values.a.b }}", ("a.b",), ("a.c",)),
    "parenthesised": Case("{{ (.Values).global }}", ("global",), ("other",)),
    "parenthesised twice": Case("{{ ((.Values).a).b }}", ("a.b",), ("a.c",)),
    "the backstage idiom": Case(
        "{{ if ((((.Values).global).postgresql).auth).existingSecret }}x{{ end }}",
        ("global.postgresql.auth.existingSecret",),
        ("global.postgresql.auth.other", "image"),
    ),
    "parenthesised pipeline": Case("{{ (.Values.a | default dict).b }}", ("a.b",), ("a.c",)),
    # variables
    "variable": Case("{{ $x := .Values.a }}{{ $x.b }}", ("a.b",), ("a.c",)),
    "variable with default": Case(
        "{{ $x := .Values.a | default dict }}{{ $x.b.c }}", ("a.b.c",), ("a.d",)
    ),
    "variable reassigned": Case(
        "{{ $x := .Values.a }}{{ if .Values.on }}{{ $x = .Values.b }}{{ end }}{{ $x.c }}",
        ("a.c", "b.c", "on"),
        ("a.d", "b.d"),
    ),
    # any key of a map ranged over; what the body reads of an entry, below each key
    "range over a map": Case(
        "{{ range $k, $v := .Values.a }}{{ $k }}{{ end }}{{ .Values.b }}",
        ("b", "a.anykey"),
        ("c", "a.anykey.below"),
    ),
    "range reads the entries' fields": Case(
        "{{ range $name, $route := .Values.ingressRoute }}{{ if $route.enabled }}"
        "{{ $route.matchRule }}{{ end }}{{ end }}",
        ("ingressRoute.dashboard.enabled", "ingressRoute.any.matchRule"),
        ("ingressRoute.dashboard.matchrule", "other"),
    ),
    "range without variables": Case(
        "{{ range .Values.ports }}{{ .containerPort }}{{ end }}",
        ("ports.http.containerPort",),
        ("ports.http.containerport",),
    ),
    "range entries handed to toYaml": Case(
        "{{ range $k, $v := .Values.extra }}{{ toYaml $v }}{{ end }}",
        (),
        ("other",),
        ("extra.one",),
    ),
    "range over a list built in the template": Case(
        "{{ range (list .Values.a .Values.b) }}{{ .c }}{{ end }}", ("a.c", "b.c"), ("a.d",)
    ),
    # the dot rebound
    "with": Case("{{ with .Values.a }}{{ .b }}{{ end }}", ("a.b",), ("a.c",)),
    "with else": Case(
        "{{ with .Values.a }}{{ .b }}{{ else }}{{ .Values.c }}{{ end }}", ("a.b", "c"), ("a.d",)
    ),
    "else with": Case(
        "{{ with .Values.a }}{{ .b }}{{ else with .Values.c }}{{ .d }}{{ end }}",
        ("a.b", "c.d"),
        ("c.e",),
    ),
    "else if keeps the dot": Case(
        "{{ if .Values.a }}{{ else if .Values.b.c }}{{ .Values.d }}{{ end }}",
        ("a", "b.c", "d"),
        ("b.x",),
    ),
    "with declares": Case("{{ with $x := .Values.a }}{{ $x.b }}{{ end }}", ("a.b",), ("a.c",)),
    # functions that name keys
    "get": Case(
        '{{ (get .Values "grafana.ini").paths.data }}',
        ("grafana.ini/paths/data",),
        ("grafana.ini/paths/logs", "grafana"),
    ),
    "hasKey": Case('{{ if hasKey .Values "automount" }}x{{ end }}', ("automount",), ("x",)),
    "hasKey below": Case(
        '{{ if hasKey .Values.controller "maxUnavailable" }}x{{ end }}',
        ("controller.maxUnavailable",),
        ("controller.minAvailable",),
    ),
    "index": Case('{{ index .Values "a" "b" }}', ("a.b",), ("a.c",)),
    "index below": Case('{{ index .Values.a "b.c" "d" }}', ("a/b.c/d",), ("a/b",)),
    "index of a list element": Case("{{ (index .Values.a 0).b }}", ("a",), ("b",)),
    "dig": Case('{{ dig "b" "c" "none" .Values.a }}', ("a.b.c",), ("a.x",)),
    "pluck": Case('{{ first (pluck "k" .Values.a .Values.b) }}', ("a.k", "b.k"), ("a.x",)),
    "required": Case('{{ (required "set it" .Values.a).b }}', ("a.b",), ("a.c",)),
    "default": Case("{{ (default .Values.x .Values.a).b }}", ("a.b", "x.b"), ("a.c",)),
    "coalesce": Case("{{ (coalesce .Values.a .Values.b).c }}", ("a.c", "b.c"), ("a.d",)),
    "ternary": Case("{{ (ternary .Values.a .Values.b true).c }}", ("a.c", "b.c"), ("a.d",)),
    # named templates
    "include with a subtree": Case(
        '{{ define "h" }}{{ .b }}{{ end }}{{ include "h" .Values.a }}', ("a.b",), ("a.c",)
    ),
    "include with $": Case(
        '{{ define "h" }}{{ .Values.a }}{{ end }}{{ with .Values.x }}{{ include "h" $ }}{{ end }}',
        ("a", "x"),
        ("b",),
    ),
    "include with a dict": Case(
        '{{ define "h" }}{{ .ctx.Values.a }}{{ .img.tag }}{{ end }}'
        '{{ include "h" (dict "ctx" $ "img" .Values.image) }}',
        ("a", "image.tag"),
        ("image.tga",),
    ),
    "template": Case(
        '{{ define "h" }}{{ .b }}{{ end }}{{ template "h" .Values.a }}', ("a.b",), ("a.c",)
    ),
    "block": Case('{{ block "h" .Values.a }}{{ .b }}{{ end }}', ("a.b",), ("a.c",)),
    "include in include": Case(
        '{{ define "i" }}{{ .c }}{{ end }}{{ define "h" }}{{ include "i" .b }}{{ end }}'
        '{{ include "h" .Values.a }}',
        ("a.b.c",),
        ("a.b.d",),
    ),
    "recursive define ends": Case(
        '{{ define "r" }}{{ .x }}{{ include "r" . }}{{ end }}{{ include "r" .Values.a }}',
        ("a.x",),
        ("a.y",),
    ),
    "dict set in place": Case(
        '{{ $d := dict }}{{ $_ := set $d "v" .Values.a }}{{ $d.v.b }}', ("a.b",), ("a.c",)
    ),
    "method arguments": Case(
        "{{ if .Capabilities.APIVersions.Has .Values.api }}x{{ end }}", ("api",), ("apis",)
    ),
    "comment and trim": Case("{{- /* .Values.no */ -}}{{- .Values.a -}}", ("a",), ("no",)),
    "strings with braces": Case('{{ printf "}}%s" .Values.a }}', ("a",), ("b",)),
    # free-form: only the subtree handed over
    "toYaml": Case("{{ toYaml .Values.a.b }}{{ .Values.a.c }}", ("a.c",), ("a.d",), ("a.b",)),
    "piped toYaml": Case("{{ .Values.a | toYaml }}", (), ("b",), ("a",)),
    "with toYaml": Case("{{ with .Values.a }}{{ toYaml . }}{{ end }}", (), ("b",), ("a",)),
    "tpl": Case("{{ tpl (toYaml .Values.a) $ }}", (), ("b",), ("a",)),
    "unknown function": Case("{{ someFunc .Values.a }}{{ .Values.b }}", ("b",), ("c",), ("a",)),
    "omit then toYaml": Case('{{ omit .Values.a "x" | toYaml }}', (), ("b",), ("a",)),
    "merge then toYaml": Case(
        "{{ toYaml (merge (dict) .Values.a .Values.b) }}", (), ("c",), ("a", "b")
    ),
    # printed whole: its keys show in the output, so the renders see them (external-dns
    # prints `provider` where it is a string and reads its fields where it is a map)
    "printed": Case(
        '{{ if kindIs "string" .Values.p }}{{ .Values.p }}{{ else }}{{ .Values.p.name }}{{ end }}',
        ("p.name",),
        ("p.other",),
    ),
    "bitnami render helper": Case(
        '{{ define "render" }}{{ tpl (.value | toYaml) .context }}{{ end }}'
        '{{ include "render" (dict "value" .Values.a "context" $) }}',
        (),
        ("b",),
        ("a",),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_what_a_template_reads(case: Case) -> None:
    reads = read_template(case.template)
    tree = reads.known
    for path in case.reads:
        assert tree.knows(dotted(path)) == len(dotted(path)), path
    for path in case.unknown:
        assert tree.knows(dotted(path)) < len(dotted(path)), path
    for path in case.free:
        assert is_free(tree, dotted(path)), path
    assert not tree.free  # no expression frees the whole values
    for path in case.reads:  # read key by key: a typo below them is still a candidate
        assert not is_free(tree, dotted(path)), path
    assert reads.complete


@pytest.mark.parametrize(
    "template",
    [
        "{{ toYaml .Values }}",
        "{{ .Values | toJson }}",
        '{{ include "x" .Values }}',
        '{{ define "x" }}{{ toYaml . }}{{ end }}{{ include "x" .Values }}',
        "{{ range $k, $v := .Values }}{{ $k }}{{ end }}",
        "{{ tpl .Values.text $ }}",
        '{{ include (printf "%s.labels" .Chart.Name) . }}',
    ],
)
def test_the_whole_values_handed_over_is_noted_never_free(template: str) -> None:
    reads = read_template(template + "{{ .Values.known }}")
    assert not reads.known.free
    assert reads.known.knows(("anything",)) == 0
    assert any(note.path is None for note in reads.unread)


def test_a_variable_walked_down_by_computed_keys_no_longer_holds_the_root() -> None:
    """bitnami common's `common.warnings.resources`: `$section := $values`, then
    `$section = index $section .` in a loop; `hasKey $section "replicaCount"` after it
    must not make a top-level `replicaCount` known (redis, measured in issue 11)."""
    reads = read_template(
        '{{ $values := .Values }}{{ range (list "replica") }}{{ $section := $values }}'
        '{{ range (split "." .) }}{{ $section = index $section . }}{{ end }}'
        '{{ if hasKey $section "replicaCount" }}x{{ end }}{{ end }}'
    )
    assert reads.known.knows(("replicaCount",)) == 0


def test_a_key_computed_at_render_time_is_noted_not_free() -> None:
    reads = read_template('{{ $s := .Values.s }}{{ index $s (printf "%s" "k") }}{{ $s.mode }}')
    assert reads.known.knows(("s", "other")) == 1  # a typo next to it goes to the renders
    assert [(note.path, note.how) for note in reads.unread] == [
        (("s",), "index with a key computed at render time")
    ]


def test_a_define_nobody_includes_by_name_is_read_with_its_charts_data() -> None:
    reads = read_template('{{ define "x.labels" }}{{ .Values.team }}{{ end }}')
    assert reads.known.knows(("team",)) == 1


def test_partials_render_nothing_outside_their_defines() -> None:
    chart = ChartFiles(
        "c", {}, None, None, ("{{ .Values.outside }}",), (), ("templates/_helpers.tpl",)
    )
    assert template_reads(chart).known.knows(("outside",)) == 0


def test_a_subchart_reads_its_own_values_and_the_parents_global() -> None:
    sub = ChartFiles(
        "sub", {"name": "sub"}, None, None,
        ("{{ .Values.port }}{{ (.Values).global.registry }}",), (), ("templates/a.yaml",),
    )  # fmt: skip
    parent = ChartFiles(
        "parent",
        {"name": "parent", "dependencies": [{"name": "sub", "alias": "api"}]},
        None,
        None,
        (),
        (sub,),
    )
    tree = template_reads(parent).known
    assert tree.knows(("api", "port")) == 2
    assert tree.knows(("global", "registry")) == 2
    assert tree.knows(("api", "global", "registry")) == 3
    assert tree.knows(("sub", "port")) == 0


def test_a_library_define_reads_the_including_charts_values() -> None:
    library = ChartFiles(
        "common", {"name": "common", "type": "library"}, None, None,
        ('{{ define "common.x" }}{{ .Values.commonLabel }}{{ end }}',), (),
        ("templates/_helpers.tpl",),
    )  # fmt: skip
    parent = ChartFiles(
        "parent", {"name": "parent"}, None, None,
        ('{{ include "common.x" . }}',), (library,), ("templates/cm.yaml",),
    )  # fmt: skip
    tree = template_reads(parent).known
    assert tree.knows(("commonLabel",)) == 1
    assert tree.knows(("common", "commonLabel")) == 0


def test_a_template_go_refuses_is_reported_not_guessed() -> None:
    reads = read_template("{{ .Values.a }\n{{ .Values.b }}")
    assert reads.unparsed and reads.unparsed[0][0] == "chart/templates/template.yaml"
    assert not reads.known.free


def test_a_reading_past_its_step_budget_stops_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("gate.checks.values.reads.STEP_BUDGET", 50)
    template = "".join(f"{{{{ .Values.k{n} }}}}" for n in range(100))
    reads = read_template(template)
    assert not reads.complete
    assert reads.known.knows(("k0",)) == 1
    assert reads.known.knows(("k99",)) == 0
    assert STEP_BUDGET >= 1_000_000  # the real budget: real charts take tens of thousands


def test_values_passed_down_a_chain_of_defines_cannot_grow_without_end() -> None:
    """A hostile chart: each define passes `(dict "p" .)` and `(dict "q" .)` down, 2**40
    distinct arguments unless values are cut at DEEPEST_DICT dicts deep."""
    defines = "".join(
        f'{{{{ define "d{n}" }}}}{{{{ .p.v.x }}}}{{{{ include "d{n + 1}" (dict "p" .) }}}}'
        f'{{{{ include "d{n + 1}" (dict "q" .) }}}}{{{{ end }}}}'
        for n in range(40)
    )
    text = defines + '{{ include "d0" (dict "v" .Values.a) }}'
    chart = ChartFiles("chart", {}, None, None, (text,), (), ("templates/t.yaml",))
    reader = TemplateReader(chart, mounted(chart))
    reads = reader.run()
    assert reads.complete
    assert reader.steps < 50_000  # a few thousand; without the cut, 2**40 calls
    assert reads.known.knows(("a", "x")) == 2
