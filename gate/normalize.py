"""The normalized rendering: what `gate render` prints and a golden file holds.

Objects come in a documented, stable order (Namespaces and CRDs first, then by
kind, namespace and name); keys are sorted; multi-line strings are block
scalars so an embedded app-config reads like the file it is; nothing wraps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from gate.model import RenderedObject

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


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and all(line == line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_body(body: Any) -> str:
    return yaml.dump(
        body,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=float("inf"),
    )


def normalize(objects: Iterable[RenderedObject]) -> str:
    parts = []
    for obj in sorted(objects, key=sort_key):
        parts.append(
            f"---\n# Source: {obj.source}\n# Object: {obj.identity}\n{dump_body(obj.body)}"
        )
    return "".join(parts)
