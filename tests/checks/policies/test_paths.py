"""compile_path / PolicyPath: JSONPath matches with their concrete paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.checks.policies.paths import compile_path, format_path
from tests.fuzzing import FUZZ


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "annotations": {"helm.sh/hook": "test"},
        },
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                    "containers": [
                        {"name": "web", "image": "nginx:1.27"},
                        {"name": "sidecar", "image": "envoy:1.30"},
                        {"name": "last", "image": "redis:7"},
                    ],
                }
            }
        },
        "data": {"app-config.yaml": "app: {title: x}", "plain": "1"},
    }


def _found(text: str, item: Any, item_path: tuple[str | int, ...], root: Any) -> list[str]:
    return [format_path(p) for p, _ in compile_path(text).find(item, item_path, root)]


def test_recursive_union_gives_concrete_paths() -> None:
    body = _deployment()
    matches = compile_path("spec..[containers,initContainers][*]").find(body, (), body)
    paths = {format_path(p): v["name"] for p, v in matches}
    assert paths == {
        "spec.template.spec.containers[0]": "web",
        "spec.template.spec.containers[1]": "sidecar",
        "spec.template.spec.containers[2]": "last",
        "spec.template.spec.initContainers[0]": "init",
    }


def test_concrete_path_is_a_tuple_of_keys_and_indices() -> None:
    body = _deployment()
    (first, *_) = compile_path("spec..containers[*]").find(body, (), body)
    assert first[0] == ("spec", "template", "spec", "containers", 0)
    assert first[1]["name"] == "web"


def test_recursive_descent_does_not_pick_init_containers() -> None:
    body = _deployment()
    names = [v["name"] for _, v in compile_path("spec..containers[*]").find(body, (), body)]
    assert names == ["web", "sidecar", "last"]


def test_relative_path_is_read_from_the_item_and_prefixed_with_its_path() -> None:
    body = _deployment()
    item = body["spec"]["template"]["spec"]["containers"][1]
    item_path = ("spec", "template", "spec", "containers", 1)
    path = compile_path("image")
    assert not path.absolute
    assert path.find(item, item_path, body) == [
        (("spec", "template", "spec", "containers", 1, "image"), "envoy:1.30")
    ]


def test_dollar_rooted_path_is_read_from_the_root_whatever_the_item() -> None:
    body = _deployment()
    item = body["spec"]["template"]["spec"]["containers"][1]
    item_path = ("spec", "template", "spec", "containers", 1)
    path = compile_path("$.metadata.name")
    assert path.absolute
    assert path.find(item, item_path, body) == [(("metadata", "name"), "web")]


def test_dollar_is_optional_for_relative_paths_on_the_object() -> None:
    body = _deployment()
    assert compile_path("$.metadata.name").find(body, (), body) == compile_path(
        "metadata.name"
    ).find(body, (), body)


def test_bracketed_key_with_dots_and_slashes() -> None:
    body = _deployment()
    assert compile_path("$.metadata.annotations['helm.sh/hook']").find(body, (), body) == [
        (("metadata", "annotations", "helm.sh/hook"), "test")
    ]
    assert compile_path("data['app-config.yaml']").find(body, (), body) == [
        (("data", "app-config.yaml"), "app: {title: x}")
    ]


def test_wildcard_over_mapping_keys() -> None:
    body = _deployment()
    assert _found("data.*", body, (), body) == ["data['app-config.yaml']", "data.plain"]


def test_missing_path_finds_nothing() -> None:
    body = _deployment()
    assert compile_path("spec.template.spec.volumes[*]").find(body, (), body) == []
    assert compile_path("startupProbe.initialDelaySeconds").find({"name": "x"}, ("c",), body) == []


def test_slices_resolve_to_concrete_indices() -> None:
    body = _deployment()
    assert _found("spec.template.spec.containers[1:]", body, (), body) == [
        "spec.template.spec.containers[1]",
        "spec.template.spec.containers[2]",
    ]


def test_filter_gives_concrete_paths() -> None:
    body = _deployment()
    assert _found("spec.template.spec.containers[?name == 'sidecar'].image", body, (), body) == [
        "spec.template.spec.containers[1].image"
    ]


def test_negative_index_resolves_to_the_concrete_index() -> None:
    # The module promises concrete paths; `[-1]` is a pattern, `[2]` is where the value is.
    body = _deployment()
    assert _found("spec.template.spec.containers[-1].image", body, (), body) == [
        "spec.template.spec.containers[2].image"
    ]


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        ((), ""),
        (("spec",), "spec"),
        (
            ("spec", "template", "spec", "containers", 0, "image"),
            "spec.template.spec.containers[0].image",
        ),
        (("data", "app-config.yaml"), "data['app-config.yaml']"),
        (("metadata", "annotations", "helm.sh/hook"), "metadata.annotations['helm.sh/hook']"),
        (
            ("metadata", "labels", "app.kubernetes.io/name"),
            "metadata.labels['app.kubernetes.io/name']",
        ),
        (("data", "with space"), "data['with space']"),
        (("data", "1st"), "data['1st']"),
        (("stringData", "GITHUB_TOKEN"), "stringData.GITHUB_TOKEN"),
        (("data", "kebab-key"), "data.kebab-key"),
        (("app-config.yaml",), "['app-config.yaml']"),
        (("items", 3), "items[3]"),
        ((0, "name"), "[0].name"),
    ],
)
def test_format_path(parts: tuple[str | int, ...], text: str) -> None:
    assert format_path(parts) == text


def test_format_path_round_trips_through_compile_path() -> None:
    body = {
        "data": {
            "app-config.yaml": "a",
            "helm.sh/hook": "b",
            "with space": "c",
            "kebab-key": "d",
            "1st": "e",
        }
    }
    for key in body["data"]:
        text = format_path(("data", key))
        assert compile_path(text).find(body, (), body) == [(("data", key), body["data"][key])]


def test_guess_for_a_missing_plain_path() -> None:
    item_path = ("spec", "template", "spec", "containers", 1)
    guessed = compile_path("startupProbe.initialDelaySeconds").guess(item_path)
    assert format_path(guessed) == (
        "spec.template.spec.containers[1].startupProbe.initialDelaySeconds"
    )
    assert compile_path("$.spec.restartPolicy").guess(item_path) == ("spec", "restartPolicy")


@pytest.mark.parametrize(
    ("text", "item_path", "expected"),
    [
        ("data['app-config.yaml']", (), "data['app-config.yaml']"),
        (
            "$.metadata.annotations['helm.sh/hook']",
            ("spec", "containers", 0),
            "metadata.annotations['helm.sh/hook']",
        ),
        (
            "ports[0].containerPort",
            ("spec", "containers", 0),
            "spec.containers[0].ports[0].containerPort",
        ),
    ],
)
def test_guess_for_a_missing_bracketed_path(
    text: str, item_path: tuple[str | int, ...], expected: str
) -> None:
    # A missing value's path is what a finding shows: it must read like a concrete path.
    assert format_path(compile_path(text).guess(item_path)) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "spec[", "spec..", "a.b]", "[*", "spec.containers[?", "a b c", "$.."]
)
def test_invalid_jsonpath_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        compile_path(text)


def test_compile_path_strips_and_caches() -> None:
    assert compile_path(" metadata.name ").text == "metadata.name"
    assert compile_path("metadata.name") is compile_path("metadata.name")


# --- every feature, exactly: paths -> matches with their concrete paths ---------------------

_DOC: dict[str, Any] = {
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
    "containers": [{"name": "top", "image": "busybox"}],
    "spec": {
        "replicas": 3,
        "template": {
            "spec": {
                "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                "containers": [
                    {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                    {"name": "sidecar", "image": "envoy:1.30", "enabled": True},
                    {"name": "last", "image": "redis:7", "replicas": 1},
                ],
            }
        },
    },
    "data": {"app-config.yaml": "a", "n": 1, "t": True, "z": None, "x.y": "dotted"},
}
_C = "spec.template.spec.containers"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # `$..x`: recursive descent from the root, the top level included
        (
            "$..containers[*].name",
            [
                ("containers[0].name", "top"),
                (f"{_C}[0].name", "web"),
                (f"{_C}[1].name", "sidecar"),
                (f"{_C}[2].name", "last"),
            ],
        ),
        (
            "$..containers[0]",
            [
                ("containers[0]", _DOC["containers"][0]),
                (f"{_C}[0]", _DOC["spec"]["template"]["spec"]["containers"][0]),
            ],
        ),
        (
            "spec..containers[*].name",
            [(f"{_C}[0].name", "web"), (f"{_C}[1].name", "sidecar"), (f"{_C}[2].name", "last")],
        ),
        ("$..replicas", [("spec.replicas", 3), (f"{_C}[2].replicas", 1)]),
        ("$..containerPort", [(f"{_C}[0].ports[0].containerPort", 80)]),
        (
            "spec..[initContainers,containers][0].name",
            [("spec.template.spec.initContainers[0].name", "init"), (f"{_C}[0].name", "web")],
        ),
        (
            "metadata..*",
            [
                ("metadata.name", "web"),
                ("metadata.labels", _DOC["metadata"]["labels"]),
                ("metadata.labels.app", "web"),
                ("metadata.labels.tier", "front"),
            ],
        ),
        (
            "metadata..`this`",
            [
                ("metadata", _DOC["metadata"]),
                ("metadata.name", "web"),
                ("metadata.labels", _DOC["metadata"]["labels"]),
                ("metadata.labels.app", "web"),
                ("metadata.labels.tier", "front"),
            ],
        ),
        # a value reached twice is selected once
        (
            "$..spec..name",
            [
                ("spec.template.spec.initContainers[0].name", "init"),
                (f"{_C}[0].name", "web"),
                (f"{_C}[1].name", "sidecar"),
                (f"{_C}[2].name", "last"),
            ],
        ),
        (f"{_C}[0,0,-3].name", [(f"{_C}[0].name", "web")]),
        ("metadata['name','name']", [("metadata.name", "web")]),
        # `*` over a mapping and a list
        ("metadata.labels.*", [("metadata.labels.app", "web"), ("metadata.labels.tier", "front")]),
        ("metadata.labels[*]", [("metadata.labels.app", "web"), ("metadata.labels.tier", "front")]),
        (
            f"{_C}.*.name",
            [(f"{_C}[0].name", "web"), (f"{_C}[1].name", "sidecar"), (f"{_C}[2].name", "last")],
        ),
        ("spec.replicas.*", []),
        # indices and slices
        (f"{_C}[-1].name", [(f"{_C}[2].name", "last")]),
        (f"{_C}[2,0].name", [(f"{_C}[2].name", "last"), (f"{_C}[0].name", "web")]),
        (f"{_C}[5].name", []),
        (f"{_C}[-4].name", []),
        (f"{_C}[1:].name", [(f"{_C}[1].name", "sidecar"), (f"{_C}[2].name", "last")]),
        (f"{_C}[:-1].name", [(f"{_C}[0].name", "web"), (f"{_C}[1].name", "sidecar")]),
        (f"{_C}[::2].name", [(f"{_C}[0].name", "web"), (f"{_C}[2].name", "last")]),
        (
            f"{_C}[::-1].name",
            [(f"{_C}[2].name", "last"), (f"{_C}[1].name", "sidecar"), (f"{_C}[0].name", "web")],
        ),
        (f"{_C}[0:3:0].name", []),
        ("metadata[0:1]", []),  # a slice selects nothing from a mapping
        ("metadata.name[0]", []),  # nor an index from text
        # quoted names, names that look like other things
        ("data['app-config.yaml']", [("data['app-config.yaml']", "a")]),
        ("data.'x.y'", [("data['x.y']", "dotted")]),
        ("data.z", [("data.z", None)]),
        ("data.t", [("data.t", True)]),
        ("$", [("", _DOC)]),
        # filters: @ is the candidate, $ the root
        (f"{_C}[?@.name == 'sidecar'].image", [(f"{_C}[1].image", "envoy:1.30")]),
        (f"{_C}[?name == 'sidecar'].image", [(f"{_C}[1].image", "envoy:1.30")]),
        (f"{_C}[?@.name != 'sidecar'].name", [(f"{_C}[0].name", "web"), (f"{_C}[2].name", "last")]),
        (f"{_C}[?@.replicas].name", [(f"{_C}[2].name", "last")]),
        (f"{_C}[?!@.replicas].name", [(f"{_C}[0].name", "web"), (f"{_C}[1].name", "sidecar")]),
        (f"{_C}[?@.replicas < 2].name", [(f"{_C}[2].name", "last")]),
        (f"{_C}[?@.replicas >= 1].name", [(f"{_C}[2].name", "last")]),
        (f"{_C}[?@.enabled == true].name", [(f"{_C}[1].name", "sidecar")]),
        (f"{_C}[?@.replicas == true].name", []),  # 1 is not true
        (f"{_C}[?@.name > 'm'].name", [(f"{_C}[0].name", "web"), (f"{_C}[1].name", "sidecar")]),
        (f"{_C}[?@.image =~ '^nginx:'].name", [(f"{_C}[0].name", "web")]),
        (
            f"{_C}[?@.image =~ 'redis|envoy'].name",
            [(f"{_C}[1].name", "sidecar"), (f"{_C}[2].name", "last")],
        ),
        (
            f"{_C}[?(@.name == 'web' || @.replicas)].name",
            [(f"{_C}[0].name", "web"), (f"{_C}[2].name", "last")],
        ),
        (f"{_C}[?(@.name == 'web' && @.ports)].name", [(f"{_C}[0].name", "web")]),
        (f"{_C}[?@.name == $.metadata.name].image", [(f"{_C}[0].image", "nginx:1.27")]),
        (f"{_C}[?@.ports[?@.containerPort == 80]].name", [(f"{_C}[0].name", "web")]),
        ("metadata.labels[?@ == 'front']", [("metadata.labels.tier", "front")]),
        (
            "$..[?@.image =~ 'busybox'].name",
            [("containers[0].name", "top"), ("spec.template.spec.initContainers[0].name", "init")],
        ),
        ("data[?@ == 1]", [("data.n", 1)]),  # true is not 1
        ("data[?@ == null]", [("data.z", None)]),
    ],
)
def test_path_table(path: str, expected: list[tuple[str, Any]]) -> None:
    matches = compile_path(path).find(_DOC, (), _DOC)
    assert [(format_path(p), v) for p, v in matches] == expected
    for concrete, value in matches:  # the concrete path leads to the value itself
        node: Any = _DOC
        for step in concrete:
            node = node[step]
        assert node is value


def test_recursive_descent_from_the_root_is_not_a_child_step() -> None:
    # `$..x` used to be walked as `$.x` by the plain-path walker, so it never fired.
    body = _deployment()
    names = [v["name"] for _, v in compile_path("$..containers[*]").find(body, (), body)]
    assert names == ["web", "sidecar", "last"]
    assert compile_path("$.containers[*]").find(body, (), body) == []
    item = body["spec"]
    assert [p for p, _ in compile_path("$..initContainers[0]").find(item, ("spec",), body)] == [
        ("spec", "template", "spec", "initContainers", 0)
    ]


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("spec.`len`", "`len`"),
        ("metadata.`keys`", "`keys`"),
        ("metadata.`path`", "`path`"),
        ("spec.containers[/name]", "sorting"),
        ("spec.containers[\\name]", "sorting"),
        ("metadata.name.`sub(/a/, b)`", "`sub()`"),
        ("metadata.name.`split(-, 0, -1)`", "`split()`"),
        ("spec.replicas.`str()`", "`str()`"),
        ("spec.replicas + 1", "arithmetic"),
        ("spec.`parent`", "`parent`"),
        ("spec.containers where name", "`where`"),
        ("spec.containers wherenot name", "`wherenot`"),
        ("spec | metadata", "`|`"),
        ("spec & metadata", "`&`"),
        ("spec.containers[?@.name.`len` == 3]", "`len`"),
        ("spec.containers[?@.replicas + 1 == 2]", "arithmetic"),
        ("spec.containers[?@.name =~ 5]", "=~ takes a quoted regular expression"),
        ("spec.containers[?@.name =~ '(?=x)']", "no lookaround"),
    ],
)
def test_what_gate_cannot_evaluate_exactly_is_refused(text: str, feature: str) -> None:
    with pytest.raises(ValueError) as error:
        compile_path(text)
    assert feature in str(error.value), str(error.value)


def test_a_refused_path_is_a_load_error_naming_file_policy_and_field(tmp_path: Any) -> None:
    from gate.checks.policies.loader import load_policies
    from gate.errors import GateError

    file = tmp_path / "p.yaml"
    file.write_text(
        "id: counted\nmatch: {kinds: [Deployment]}\neach: spec.template.spec.containers\n"
        "assert: {path: '@.`len`', lte: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(GateError) as error:
        load_policies([file], builtin=False)
    assert error.value.file == str(file) and error.value.line == 4
    assert "policy 'counted', field assert.path" in error.value.message
    assert "`len`" in error.value.message


# --- the same matches as jsonpath-ng, in the same order, each once ---------------------------

_KEYS = ["a", "b", "c"]
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["a", "b", "x", ""])
)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3)
    ),
    max_leaves=25,
)
_literals = st.sampled_from(["1", "0", "-1", "'a'", "'x'", "true", "false", "null"])
_filters = st.one_of(
    st.sampled_from(_KEYS).map(lambda k: f"[?@.{k}]"),
    st.sampled_from(_KEYS).map(lambda k: f"[?!@.{k}]"),
    st.sampled_from(["@", "@.a", "@.b", "@[0]", "@..a"]).flatmap(
        lambda target: st.tuples(
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), _literals
        ).map(lambda pair: f"[?{target} {pair[0]} {pair[1]}]")
    ),
    st.sampled_from(["@.a == @.b", "@.a != $.a", "@ =~ '^a'", "@.a =~ 'x'"]).map(
        lambda expression: f"[?{expression}]"
    ),
    st.just("[?(@.a == 1 || @.b)]"),
    st.just("[?(@.a && !@.b)]"),
)
_optional_index = st.one_of(st.none(), st.integers(-3, 3))
_selectors = st.one_of(
    st.sampled_from(_KEYS).map(lambda k: f".{k}"),
    st.sampled_from(_KEYS).map(lambda k: f"..{k}"),
    st.sampled_from([".*", "[*]", "..*", "..[*]", "['a','b']", "['a','a']"]),
    st.integers(-3, 3).map(lambda i: f"[{i}]"),
    st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(lambda ij: f"[{ij[0]},{ij[1]}]"),
    st.tuples(_optional_index, _optional_index, st.one_of(st.none(), st.integers(-2, 2))).map(
        lambda s: "[" + ":".join("" if x is None else str(x) for x in s) + "]"
    ),
    _filters,
)
_paths = st.lists(_selectors, min_size=1, max_size=4).map(lambda parts: "$" + "".join(parts))


def _oracle(text: str, document: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """jsonpath-ng's matches with their concrete paths, each location once."""
    from jsonpath_ng.ext.parser import parse
    from jsonpath_ng.jsonpath import Fields, Index

    seen: set[tuple[Any, ...]] = set()
    out = []
    for datum in parse(text).find(document):
        parts: list[Any] = []
        node = datum
        while node is not None:
            if isinstance(node.path, Fields):
                parts.append(node.path.fields[0])
            elif isinstance(node.path, Index):
                index = node.path.indices[0]
                parts.append(index + len(node.context.value) if index < 0 else index)
            node = node.context
        concrete = tuple(reversed(parts))
        if concrete not in seen:
            seen.add(concrete)
            out.append((concrete, datum.value))
    return out


@FUZZ
@given(text=_paths, document=_documents)
def test_same_matches_as_jsonpath_ng(text: str, document: Any) -> None:
    ours = compile_path(text).find(document, (), document)
    expected = _oracle(text, document)
    assert [p for p, _ in ours] == [p for p, _ in expected], text
    assert all(a is b for (_, a), (_, b) in zip(ours, expected, strict=True)), text


def test_a_policy_over_dollar_recursive_descent_fires(tmp_path: Any) -> None:
    from gate.checks.policies.engine import check_policies
    from gate.checks.policies.loader import load_policies
    from gate.model import RenderedObject

    file = tmp_path / "p.yaml"
    file.write_text(
        "id: digest\neach: $..containers[*]\nassert: {path: image, matches: '@sha256:'}\n",
        encoding="utf-8",
    )
    (policy,) = load_policies([file], builtin=False)
    body = _deployment()
    obj = RenderedObject("t", "p", "apps/v1", "Deployment", "", "web", body)
    assert [f.path for f in check_policies([policy], [obj])] == [
        "spec.template.spec.containers[0].image",
        "spec.template.spec.containers[1].image",
        "spec.template.spec.containers[2].image",
    ]
