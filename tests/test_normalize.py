"""gate/normalize.py: the normalized rendering a golden file holds, and masking.

Two renderings of the same inputs must give byte-identical text: objects in a
stable order, keys sorted, multi-line strings as block scalars, nothing
wrapped, and values that differ between two renderings masked.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.checks.policies.paths import compile_path
from gate.model import RenderedObject
from gate.normalize import (
    IGNORED,
    NONDETERMINISTIC,
    digest,
    document,
    dump_body,
    fingerprint,
    mask,
    normalize,
    unstable_paths,
)
from gate.yamlload import parse_document


def obj(
    kind: str,
    name: str,
    namespace: str = "",
    api_version: str = "v1",
    body: dict[str, Any] | None = None,
    source: str = "chart/templates/x.yaml",
) -> RenderedObject:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    full = body if body is not None else {"apiVersion": api_version, "kind": kind}
    full.setdefault("metadata", metadata)
    return RenderedObject(
        target="t",
        profile="p",
        api_version=api_version,
        kind=kind,
        namespace=namespace,
        name=name,
        body=full,
        source=source,
    )


def identities(text: str) -> list[str]:
    return [line[len("# Object: ") :] for line in text.splitlines() if line.startswith("# Object:")]


def deployment(password_checksum: str, password: str = "") -> list[RenderedObject]:
    """A Secret and a Deployment as a chart with randAlphaNum renders them."""
    secret = obj(
        "Secret",
        "app-secret",
        "default",
        body={
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "app-secret", "namespace": "default"},
            "data": {"password": password or "c2VjcmV0", "user": "YWRtaW4="},
        },
    )
    dep = obj(
        "Deployment",
        "app",
        "default",
        api_version="apps/v1",
        body={
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "template": {
                    "metadata": {"annotations": {"checksum/secret": password_checksum}},
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": "r/app@sha256:" + "1" * 64,
                                "env": [{"name": "LOG_LEVEL", "value": "info"}],
                            }
                        ]
                    },
                },
            },
        },
    )
    return [secret, dep]


# --- order ----------------------------------------------------------------------------------


def test_namespaces_and_crds_come_first_then_kind_namespace_name() -> None:
    objects = [
        obj("Service", "web", "default"),
        obj("Deployment", "api", "prod", "apps/v1"),
        obj("Deployment", "zeta", "dev", "apps/v1"),
        obj("Deployment", "alpha", "dev", "apps/v1"),
        obj(
            "CustomResourceDefinition", "widgets.example.com", api_version="apiextensions.k8s.io/v1"
        ),
        obj("Namespace", "prod"),
        obj("Namespace", "dev"),
        obj("Ingress", "web", "default", "networking.k8s.io/v1"),
    ]

    order = identities(normalize(objects))

    assert order == [
        "v1/Namespace//dev",
        "v1/Namespace//prod",
        "apiextensions.k8s.io/v1/CustomResourceDefinition//widgets.example.com",
        "apps/v1/Deployment/dev/alpha",
        "apps/v1/Deployment/dev/zeta",
        "apps/v1/Deployment/prod/api",
        "networking.k8s.io/v1/Ingress/default/web",
        "v1/Service/default/web",
    ]


def test_order_does_not_depend_on_helm_order() -> None:
    objects = [
        obj("Service", "b", "x"),
        obj("Service", "a", "x"),
        obj("Namespace", "x"),
        obj("Deployment", "a", "x", "apps/v1"),
        obj("CustomResourceDefinition", "c.example.com", api_version="apiextensions.k8s.io/v1"),
    ]
    texts = {normalize(list(p)) for p in itertools.permutations(objects)}

    assert len(texts) == 1


def test_each_document_has_separator_source_and_object_comment() -> None:
    (one,) = deployment("abc")[:1]

    text = document(one.identity, one)

    lines = text.splitlines()
    assert lines[:3] == [
        "---",
        "# Source: chart/templates/x.yaml",
        "# Object: v1/Secret/default/app-secret",
    ]
    assert parse_document("\n".join(lines[3:])) == one.body
    assert normalize([one]) == text


# --- YAML style -----------------------------------------------------------------------------


def test_keys_are_sorted_at_every_level() -> None:
    body = {
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"z": "1", "a": "2"}},
        "apiVersion": "v1",
        "data": {"zz": "1", "b": "2", "aa": "3"},
    }

    text = dump_body(body)

    assert text.splitlines() == [
        "apiVersion: v1",
        "data:",
        "  aa: '3'",
        "  b: '2'",
        "  zz: '1'",
        "kind: ConfigMap",
        "metadata:",
        "  labels:",
        "    a: '2'",
        "    z: '1'",
        "  name: c",
    ]


def test_insertion_order_does_not_change_the_text() -> None:
    first = {"a": 1, "b": {"x": 1, "y": [1, 2]}, "c": "s"}
    second = {"c": "s", "b": {"y": [1, 2], "x": 1}, "a": 1}

    assert dump_body(first) == dump_body(second)
    assert digest(first) == digest(second)
    assert digest(first) != digest({**first, "a": 2})


def test_multi_line_strings_are_block_scalars() -> None:
    config = "app:\n  title: Backstage\n  baseUrl: https://example.com\n"
    body = {"data": {"app-config.yaml": config, "no-newline-at-end": "a\nb"}}

    text = dump_body(body)

    assert "  app-config.yaml: |\n    app:\n      title: Backstage\n" in text
    assert "  no-newline-at-end: |-\n    a\n    b\n" in text
    assert "\\n" not in text
    assert parse_document(text) == body


def test_multi_line_strings_with_trailing_spaces_stay_quoted_and_exact() -> None:
    body = {"data": {"x": "line with trailing space \nnext"}}

    text = dump_body(body)

    assert "|" not in text
    assert parse_document(text) == body


def test_a_300_character_string_is_not_wrapped() -> None:
    long = " ".join(["word"] * 60) + " end"  # 303 characters with many break points
    assert len(long) >= 300
    body = {"metadata": {"annotations": {"description": long}}, "image": "r/" + "x" * 300}

    text = dump_body(body)

    assert f"    description: {long}\n" in text
    assert len(text.splitlines()) == 4
    assert parse_document(text) == body


def test_values_that_look_like_other_types_stay_strings() -> None:
    body = {"data": {"a": "yes", "b": "1.0", "c": "0755", "d": "null", "e": "2024-01-01"}}

    assert parse_document(dump_body(body)) == body
    assert yaml.safe_load(dump_body(body)) == body


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), _TEXT, max_size=5))
def test_any_string_map_reads_back_as_itself(data: dict[str, str]) -> None:
    body = {"data": data}

    assert parse_document(dump_body(body)) == body


# --- unstable paths and masking -------------------------------------------------------------


def test_unstable_paths_are_the_values_that_differ() -> None:
    first = deployment("1111", password="cGFzczE=")
    second = deployment("2222", password="cGFzczI=")

    unstable = unstable_paths(first, second)

    assert unstable == {
        0: [("data", "password")],
        1: [("spec", "template", "metadata", "annotations", "checksum/secret")],
    }


def test_identical_renderings_have_no_unstable_paths() -> None:
    assert unstable_paths(deployment("1"), deployment("1")) == {}


def test_unstable_paths_inside_lists_use_indexes() -> None:
    a = obj("ConfigMap", "c", "d", body={"kind": "ConfigMap", "x": [{"v": 1}, {"v": 2}]})
    b = obj("ConfigMap", "c", "d", body={"kind": "ConfigMap", "x": [{"v": 1}, {"v": 3}]})

    assert unstable_paths([a], [b]) == {0: [("x", 1, "v")]}


def test_a_list_or_map_whose_shape_differs_is_unstable_as_a_whole() -> None:
    a = obj("ConfigMap", "c", "d", body={"kind": "ConfigMap", "x": [1, 2], "y": {"a": 1}})
    b = obj("ConfigMap", "c", "d", body={"kind": "ConfigMap", "x": [1, 2, 3], "y": {"b": 1}})

    assert sorted(unstable_paths([a], [b])[0]) == [("x",), ("y",)]


def test_renderings_with_different_object_counts_mask_nothing() -> None:
    first = deployment("1")
    assert unstable_paths(first, first[:1]) == {}


def test_mask_replaces_unstable_values_and_leaves_the_originals() -> None:
    first = deployment("1111", password="cGFzczE=")
    second = deployment("2222", password="cGFzczI=")

    masked = mask(first, unstable_paths(first, second))

    assert masked[0].body["data"] == {"password": NONDETERMINISTIC, "user": "YWRtaW4="}
    annotations = masked[1].body["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"checksum/secret": NONDETERMINISTIC}
    assert masked[1].body["spec"]["replicas"] == 1
    # copies: what policies see keeps the real values
    assert first[0].body["data"]["password"] == "cGFzczE="
    assert first[1].body["spec"]["template"]["metadata"]["annotations"] == {
        "checksum/secret": "1111"
    }
    # and the masked rendering no longer depends on the random values
    assert normalize(masked) == normalize(mask(second, unstable_paths(second, first)))


def test_mask_returns_untouched_objects_as_they_are() -> None:
    objects = deployment("1")

    masked = mask(objects, {})

    assert masked == objects
    assert all(m is o for m, o in zip(masked, objects, strict=True))


def test_a_random_name_is_masked_in_the_identity_too() -> None:
    a = obj("Job", "migrate-x1y2", "d", "batch/v1")
    b = obj("Job", "migrate-q9w8", "d", "batch/v1")

    (masked,) = mask([a], unstable_paths([a], [b]))

    assert masked.body["metadata"]["name"] == NONDETERMINISTIC
    assert masked.identity == f"batch/v1/Job/d/{NONDETERMINISTIC}"


def test_ignore_paths_are_masked_as_ignored_where_they_exist() -> None:
    labelled = obj(
        "Deployment",
        "app",
        "d",
        "apps/v1",
        body={"kind": "Deployment", "metadata": {"name": "app", "labels": {"version": "1.2.3"}}},
    )
    plain = obj("Service", "app", "d")

    masked = mask([labelled, plain], {}, [compile_path("$.metadata.labels.version")])

    assert masked[0].body["metadata"]["labels"] == {"version": IGNORED}
    assert labelled.body["metadata"]["labels"] == {"version": "1.2.3"}
    assert masked[1] is plain
    assert "version" not in masked[1].body["metadata"]


def test_masked_text_is_identical_for_many_random_renderings() -> None:
    rng = random.Random(7)
    texts = set()
    base = deployment("seed", password="seed")
    for _ in range(5):
        value = "".join(rng.choices("abcdef0123456789", k=16))
        other = deployment(value, password=value)
        texts.add(normalize(mask(other, unstable_paths(other, base))))

    assert len(texts) == 1
    assert f"password: {NONDETERMINISTIC}" in next(iter(texts))


def test_fingerprint_ignores_masked_values_and_sees_every_other_change() -> None:
    first = deployment("1111", password="cGFzczE=")
    second = deployment("2222", password="cGFzczI=")
    masks = {first[i].identity: paths for i, paths in unstable_paths(first, second).items()}
    assert len(masks) == 2

    assert fingerprint(first, masks) == fingerprint(second, masks)
    assert fingerprint(first, {}) != fingerprint(second, {})
    changed = deployment("3333", password="cGFzczM=")
    changed[1].body["spec"]["replicas"] = 2
    assert fingerprint(changed, masks) != fingerprint(first, masks)
    # a mask whose path is not in an object is harmless
    assert fingerprint(first, {first[0].identity: [("no", "such", 0)]}) == fingerprint(first, {})
