"""compile_path / PolicyPath: JSONPath matches with their concrete paths."""

from __future__ import annotations

from typing import Any

import pytest

from gate.checks.policies.paths import compile_path, format_path


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
