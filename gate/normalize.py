"""The normalized rendering: what `gate render` prints and a golden file holds.

Objects come in a documented, stable order (Namespaces and CRDs first, then by
kind, namespace and name); keys are sorted; multi-line strings are block
scalars so an embedded app-config reads like the file it is; nothing wraps.
Values that differ between two renderings of the same inputs (random
passwords, checksums over them) and the paths of `golden.ignore` are masked,
so two renderings of the same inputs are byte-identical.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gate.checks.policies.paths import Concrete, PolicyPath
from gate.model import RenderedObject
from gate.yamlload import dump_yaml

NONDETERMINISTIC = "<nondeterministic>"
IGNORED = "<ignored>"

# Cluster-wide prerequisites first, in the order an installer applies them.
KIND_ORDER = (
    "Namespace",
    "CustomResourceDefinition",
    "PriorityClass",
    "StorageClass",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
)
_RANK = {kind: index for index, kind in enumerate(KIND_ORDER)}


def sort_key(obj: RenderedObject) -> tuple[int, str, str, str, str]:
    return (
        _RANK.get(obj.kind, len(KIND_ORDER)),
        obj.kind,
        obj.namespace,
        obj.name,
        obj.api_version,
    )


def dump_body(body: Any) -> str:
    return dump_yaml(body)


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), check_circular=False, default=str
)


def digest(body: Any) -> str:
    """A short fingerprint of an object's content, independent of key order."""
    return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()[:16]


def keyed(objects: Iterable[RenderedObject]) -> list[tuple[str, RenderedObject]]:
    """Objects in golden order with a unique key: the identity, and `#2`, `#3` for a
    second and third object of the same identity (two templates rendering one name),
    so neither can hide the other's drift."""
    seen: dict[str, int] = {}
    result = []
    for obj in sorted(objects, key=sort_key):
        count = seen[obj.identity] = seen.get(obj.identity, 0) + 1
        result.append((obj.identity if count == 1 else f"{obj.identity}#{count}", obj))
    return result


def document(key: str, obj: RenderedObject) -> str:
    return f"---\n# Source: {obj.source}\n# Object: {key}\n{dump_body(obj.body)}"


def normalize(objects: Iterable[RenderedObject]) -> str:
    return "".join(document(key, obj) for key, obj in keyed(objects))


# --- masking --------------------------------------------------------------------------------


def _differences(first: Any, second: Any, path: Concrete, out: list[Concrete]) -> None:
    if isinstance(first, dict) and isinstance(second, dict) and first.keys() == second.keys():
        for key in first:
            _differences(first[key], second[key], (*path, key), out)
    elif isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            _differences(a, b, (*path, index), out)
    elif first != second:
        out.append(path)


def unstable_paths(
    first: Sequence[RenderedObject], second: Sequence[RenderedObject]
) -> dict[int, list[Concrete]]:
    """Paths whose values differ between two renderings of identical inputs, by object
    position. Both renderings come from the same templates in the same order, so
    objects are paired by position; a random name is then just one more path."""
    unstable: dict[int, list[Concrete]] = {}
    if len(first) != len(second):
        return unstable
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        if a.body == b.body:
            continue
        paths: list[Concrete] = []
        _differences(a.body, b.body, (), paths)
        unstable[index] = paths
    return unstable


def _set(body: Any, path: Concrete, value: str) -> None:
    if not path:
        return
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def mask(
    objects: Sequence[RenderedObject],
    unstable: dict[int, list[Concrete]],
    ignore: Sequence[PolicyPath] = (),
) -> list[RenderedObject]:
    """The objects with unstable values and `golden.ignore` paths masked (copies)."""
    masked: list[RenderedObject] = []
    for index, obj in enumerate(objects):
        ignored = [p for path in ignore for p, _ in path.find(obj.body, (), obj.body)]
        paths = unstable.get(index, [])
        if not ignored and not paths:
            masked.append(obj)
            continue
        body = copy.deepcopy(obj.body)
        for path in ignored:
            _set(body, path, IGNORED)
        for path in paths:
            _set(body, path, NONDETERMINISTIC)
        metadata = body.get("metadata")
        name = metadata.get("name", obj.name) if isinstance(metadata, dict) else obj.name
        masked.append(dataclasses.replace(obj, body=body, name=str(name)))
    return masked


def fingerprint(
    objects: Sequence[RenderedObject], masks: Mapping[str, Sequence[Concrete]]
) -> frozenset[tuple[str, str]]:
    """What a rendering puts into the cluster, as (identity, digest) pairs, with the
    values known to change between renders (`masks`, by identity) masked. Two
    renderings with equal fingerprints are the same for every purpose of gate."""
    pairs = []
    for obj in objects:
        identity = obj.identity
        paths = masks.get(identity)
        if paths is None:
            # A name made at random on every render (a helm test Pod named
            # `x-test-{{ randAlphaNum 5 }}`) is masked in the identity too: without it, no
            # other rendering could ever equal this one.
            anonymous = f"{obj.api_version}/{obj.kind}/{obj.namespace}/{NONDETERMINISTIC}"
            if anonymous in masks:
                identity, paths = anonymous, masks[anonymous]
        if paths:
            body = copy.deepcopy(obj.body)
            for path in paths:
                with contextlib.suppress(KeyError, IndexError, TypeError):
                    _set(body, path, NONDETERMINISTIC)
            pairs.append((identity, digest(body)))
        else:
            pairs.append((identity, digest(obj.body)))
    return frozenset(pairs)
