"""The values paths a chart can read: its defaults, its schema, its templates (read
by gate/checks/values/reads.py), its subcharts mounted under their alias or name, and
the keys helm itself reads (`tags`, dependency conditions).

Real charts document optional keys only as comments in values.yaml and read
them in templates (`{{- with .Values.podAnnotations }}`), so the template
references are what keeps this honest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.chart import ChartFiles
from gate.checks.values.reads import Reads, mount_names, mounted, read_template, template_reads
from gate.checks.values.tree import DEEPEST, Known, ValuesPath, merge

__all__ = ["DEEPEST", "Known", "ValuesPath", "known_tree", "template_references"]


def _dotted(text: str) -> ValuesPath:
    return tuple(part for part in text.split(".", DEEPEST + 1) if part)[:DEEPEST]


def template_references(template: str, tree: Known) -> None:
    """Add what one template (of a chart with no subcharts) reads from .Values to `tree`."""
    merge(tree, read_template(template).known)


def defaults_tree(values: Any, tree: Known, path: ValuesPath = ()) -> None:
    """values.yaml: maps are walked; an empty or null default is free-form below."""
    pending = [(values, path)]
    while pending:
        value, where = pending.pop()
        if isinstance(value, Mapping):
            node = tree.add(where)
            if not value:
                node.free = True
            if len(where) < DEEPEST:
                pending += [(sub, (*where, str(key))) for key, sub in value.items()][::-1]
        elif value is None:
            # A key whose default is null takes a map or a value; a chart with no
            # values.yaml at all (path ()) declares nothing.
            tree.add(where, free=bool(where))
        else:
            tree.add(where)


def schema_tree(schema: Any, tree: Known, path: ValuesPath = ()) -> None:
    """values.schema.json: listed properties are known; a schema for additionalProperties
    opens a map.
    A schema is the chart author's text: what is not a schema where one belongs (a list
    of properties, a number of allOf) is passed over."""
    pending = [(schema, path)]
    while pending:
        sub, where = pending.pop()
        if not isinstance(sub, Mapping):
            continue
        node = tree.add(where)
        # A map of any keys: `additionalProperties` with a schema of its own, or an
        # object that lists no properties. `additionalProperties: true` alone is JSON
        # Schema's default (external-dns writes it at the root): it lets extra keys pass
        # validation and says nothing about which keys a template reads.
        extra = sub.get("additionalProperties")
        if isinstance(extra, Mapping) or (
            sub.get("type") == "object" and "properties" not in sub and extra is not False
        ):
            node.free = True
        nested: list[tuple[Any, ValuesPath]] = []
        properties = sub.get("properties")
        if isinstance(properties, Mapping) and len(where) < DEEPEST:
            nested += [(value, (*where, str(key))) for key, value in properties.items()]
        for combinator in ("allOf", "anyOf", "oneOf"):
            listed = sub.get(combinator)
            if isinstance(listed, list):
                nested += [(value, where) for value in listed]
        pending += reversed(nested)


def known_tree(chart: ChartFiles) -> Known:
    """Every values path the chart or a subchart declares or reads, from the root of
    the values helm is given."""
    return chart_knowledge(chart)[0]


def chart_knowledge(chart: ChartFiles) -> tuple[Known, Reads]:
    """The known tree, and what the template reading found it could not follow."""
    tree = declared_tree(chart)
    reads = template_reads(chart)
    merge(tree, reads.known)
    return tree, reads


def declared_tree(chart: ChartFiles) -> Known:
    """What values.yaml, values.schema.json and Chart.yaml of each chart declare. A
    subchart's `global` section declares keys of the parent's `global`, which helm
    copies down to it."""
    tree = Known()
    tree.add(("tags",), free=True)  # helm reads tags.* to enable dependencies
    for mount in mounted(chart):
        if mount.chart.chart.get("type") == "library":
            continue  # a library's values reach no template (its helpers read the caller's)
        values, schema = mount.chart.values, mount.chart.schema
        if mount.values and isinstance(values, Mapping) and "global" in values:
            defaults_tree(values["global"], tree, ("global",))
            values = {k: v for k, v in values.items() if k != "global"}
        defaults_tree(values, tree, mount.values)
        schema_tree(schema, tree, mount.values)
        dependencies = mount.chart.chart.get("dependencies") or []
        for dependency in dependencies if isinstance(dependencies, list) else []:
            if isinstance(dependency, Mapping) and isinstance(dependency.get("condition"), str):
                for condition in dependency["condition"].split(","):
                    tree.add((*mount.values, *_dotted(condition.strip()))[:DEEPEST])
    return tree


def chart_defaults(chart: ChartFiles) -> dict[str, Any]:
    """The chart's own defaults with each subchart's mounted under its alias or name."""
    merged: dict[str, Any] = dict(chart.values) if isinstance(chart.values, Mapping) else {}
    dependencies = chart.chart.get("dependencies") or []
    for sub in chart.subcharts:
        if sub.chart.get("type") == "library":
            continue
        for mount in mount_names(sub, dependencies):
            below = chart_defaults(sub)
            own = merged.get(mount)
            merged[mount] = _coalesce(own, below) if isinstance(own, Mapping) else (own or below)
    return merged


def _coalesce(high: Mapping[str, Any], low: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for key, value in high.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _coalesce(value, out[key])
        else:
            out[key] = value
    return out
