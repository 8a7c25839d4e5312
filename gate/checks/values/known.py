"""The values paths a chart can read: its defaults, its schema, its templates, its
subcharts mounted under their alias or name, and `global` everywhere.

Real charts document optional keys only as comments in values.yaml and read
them in templates (`{{- with .Values.podAnnotations }}`), so the template
references are what keeps this honest. A subtree handed whole to a function
(`toYaml .Values.resources`, `tpl`, `range`, `with`, `include`) is free-form
below: gate cannot know which keys the function reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.chart import ChartFiles

ValuesPath = tuple[str, ...]

# Keys of one path the tree holds: no values file can nest deeper (limits.yaml_depth is
# 200 by default), and a template reading `.Values.a.a.a...` a million keys deep must not
# build a million nodes. Deeper references are cut here; the walks below are loops.
DEEPEST = 256


@dataclass
class Known:
    """A node of the known-paths tree; `free` means any key below it is known."""

    children: dict[str, Known] = field(default_factory=dict)
    free: bool = False

    def child(self, key: str) -> Known:
        return self.children.setdefault(key, Known())

    def add(self, path: ValuesPath, free: bool = False) -> Known:
        node = self
        for key in path:
            node = node.child(key)
        node.free = node.free or free
        return node

    def mount(self, prefix: ValuesPath, other: Known) -> None:
        node = self.add(prefix)
        _merge(node, other)

    def copy(self) -> Known:
        """A deep copy, made with a loop (copy.deepcopy recurses, and fails on a tree
        about 200 keys deep)."""
        root = Known(free=self.free)
        _merge(root, self)
        return root

    def knows(self, path: ValuesPath) -> int:
        """How many leading keys of `path` are known: len(path) when all of them are."""
        node = self
        for depth, key in enumerate(path):
            if node.free:
                return len(path)
            found = node.children.get(key)
            if found is None:
                return depth
            node = found
        return len(path)

    def node(self, path: ValuesPath) -> Known | None:
        node: Known | None = self
        for key in path:
            if node is None:
                return None
            node = node.children.get(key)
        return node

    def paths(self, prefix: ValuesPath = ()) -> Iterator[ValuesPath]:
        """Every path below, depth first, in the order the keys were added."""
        pending = [(prefix, iter(self.children.items()))]
        while pending:
            path, children = pending[-1]
            for key, child in children:
                yield (*path, key)
                pending.append(((*path, key), iter(child.children.items())))
                break
            else:
                pending.pop()


def _merge(into: Known, other: Known) -> None:
    pending = [(into, other)]
    while pending:
        target, source = pending.pop()
        target.free = target.free or source.free
        for key, child in source.children.items():
            pending.append((target.child(key), child))


# --- the known tree -----------------------------------------------------------------------

# `.Values.a.b`, `$.Values.a.b`, `.context.Values.a`
_REFERENCE = re.compile(r"\.Values((?:\.[A-Za-z0-9_-]+)+)")
# `index .Values "a" "b"` and `index .Values.a "b"`
_INDEX = re.compile(r'index\s+\$?\.Values((?:\.[A-Za-z0-9_-]+)*)((?:\s+"[^"]*")+)')
# `$x := .Values.a.b` (or `$x := default dict .Values.a.b`) then `$x.c`. The gaps a
# lazy pattern scans are bounded: `[^}]*?` would make `$a = $a = ...` quadratic.
_ASSIGN = re.compile(r"\$([A-Za-z0-9_]+)\s*:?=[^}]{0,200}?\$?\.Values((?:\.[A-Za-z0-9_-]+)+)")
# `(.Values.a).b`: a field of a parenthesised value
_PARENTHESISED = re.compile(r"\(\s*\$?\.Values((?:\.[A-Za-z0-9_-]+)+)\s*\)((?:\.[A-Za-z0-9_-]+)+)")
# `dig "x" "y" default .Values.a`, `pluck "x" .Values.a`: keys named as strings
_DUG = re.compile(r"\b(?:dig|pluck)\b[^}]{0,200}?\$?\.Values((?:\.[A-Za-z0-9_-]+)+)")
_VARIABLE = re.compile(r"\$([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_-]+)+)")
# A subtree handed whole to a function that reads keys gate cannot see.
_WHOLE = re.compile(
    r"\b(?:toYaml|toJson|toPrettyJson|toRawJson|tpl|range|with|include|merge|mustMerge|"
    r"mergeOverwrite|deepCopy|pick|omit|keys|values|dig|get|hasKey|fromYaml|b64enc|quote)\s*"
    r"(?:\(\s*)?\$?\.Values((?:\.[A-Za-z0-9_-]+)*)\s*[\s|)}]"
)
_WHOLE_VARIABLE = re.compile(
    r"\b(?:toYaml|toJson|tpl|range|with|include|merge|mustMerge|dig|get|hasKey|pick|omit)\s*"
    r"(?:\(\s*)?\$([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_-]+)*)\s*[\s|)}]"
)
# A subtree piped into such a function, or handed to a named template.
_PIPED = re.compile(
    r"\$?\.Values((?:\.[A-Za-z0-9_-]+)*)\s*\|\s*"
    r"(?:toYaml|toJson|toPrettyJson|toRawJson|tpl|b64enc|quote|keys|values|fromYaml)\b"
)
_INCLUDED = re.compile(
    r"\b(?:include|template)\s+\"[^\"]*\"\s+\(?\s*\$?\.Values((?:\.[A-Za-z0-9_-]+)*)\s*[\s|)}]"
)
# `.Values` passed on whole: `include "x" .Values`, `(dict "Values" .Values)`; but
# not `index .Values "a"`, `hasKey .Values "a"` or `get .Values "a"`, which name keys.
_ALL_VALUES = re.compile(r"\$?\.Values\s*[\s|)}]")
_NAMES_KEYS = re.compile(r"\b(?:index|hasKey|get|pluck)\s+\(?\s*$")


def _dotted(text: str) -> ValuesPath:
    return tuple(part for part in text.split(".", DEEPEST + 1) if part)[:DEEPEST]


def template_references(template: str, tree: Known, library: bool = False) -> None:
    """Add what one template reads from .Values to `tree`. A library chart's helpers
    handle `.Values` generically (Bitnami's `common.utils.getValueFromKey`); that they
    pass it on whole says nothing about the including chart, so it is not taken as
    reading everything."""
    for match in _REFERENCE.finditer(template):
        tree.add(_dotted(match.group(1)))
    for match in _PARENTHESISED.finditer(template):
        tree.add((*_dotted(match.group(1)), *_dotted(match.group(2)))[:DEEPEST])
    for match in _DUG.finditer(template):
        tree.add(_dotted(match.group(1)), free=True)
    for match in _INDEX.finditer(template):
        keys = tuple(re.findall(r'"([^"]*)"', match.group(2))[:DEEPEST])
        tree.add((*_dotted(match.group(1)), *keys)[:DEEPEST])
    variables = {m.group(1): _dotted(m.group(2)) for m in _ASSIGN.finditer(template)}
    for match in _VARIABLE.finditer(template):
        base = variables.get(match.group(1))
        if base is not None:
            tree.add((*base, *_dotted(match.group(2)))[:DEEPEST])
    for match in _WHOLE.finditer(template):
        tree.add(_dotted(match.group(1)), free=True)
    for match in _WHOLE_VARIABLE.finditer(template):
        base = variables.get(match.group(1))
        if base is not None:
            tree.add((*base, *_dotted(match.group(2)))[:DEEPEST], free=True)
    for pattern in (_PIPED, _INCLUDED):
        for match in pattern.finditer(template):
            tree.add(_dotted(match.group(1)), free=True)
    for match in [] if library else _ALL_VALUES.finditer(template):
        if not _NAMES_KEYS.search(template, max(0, match.start() - 20), match.start()):
            tree.free = True
            break


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
    """values.schema.json: listed properties are known; additionalProperties opens a map.
    A schema is the chart author's text: what is not a schema where one belongs (a list
    of properties, a number of allOf) is passed over."""
    pending = [(schema, path)]
    while pending:
        sub, where = pending.pop()
        if not isinstance(sub, Mapping):
            continue
        node = tree.add(where)
        extra = sub.get("additionalProperties")
        if (
            extra is True
            or isinstance(extra, Mapping)
            or (sub.get("type") == "object" and "properties" not in sub and extra is not False)
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
    tree = Known()
    tree.add(("global",), free=True)
    tree.add(("tags",), free=True)  # helm reads tags.* to enable dependencies
    defaults_tree(chart.values, tree)
    schema_tree(chart.schema, tree)
    library = chart.chart.get("type") == "library"
    for template in chart.templates:
        template_references(template, tree, library)
    dependencies = chart.chart.get("dependencies") or []
    for dependency in dependencies if isinstance(dependencies, list) else []:
        if isinstance(dependency, Mapping) and isinstance(dependency.get("condition"), str):
            for condition in dependency["condition"].split(","):
                tree.add(_dotted(condition.strip()))
    for sub in chart.subcharts:
        subtree = known_tree(sub)
        if sub.chart.get("type") == "library":
            _merge(tree, subtree)  # a library's templates read the including chart's values
            continue
        for mount in _mounts(sub, dependencies):
            tree.mount((mount,), subtree)
    return tree


def _mounts(sub: ChartFiles, dependencies: Any) -> list[str]:
    """A dependency's values live under its alias, or its name; one chart may have several."""
    aliases = [
        str(d.get("alias") or d.get("name"))
        for d in (dependencies if isinstance(dependencies, list) else [])
        if isinstance(d, Mapping) and d.get("name") == sub.name
    ]
    return aliases or [sub.name]


def chart_defaults(chart: ChartFiles) -> dict[str, Any]:
    """The chart's own defaults with each subchart's mounted under its alias or name."""
    merged: dict[str, Any] = dict(chart.values) if isinstance(chart.values, Mapping) else {}
    dependencies = chart.chart.get("dependencies") or []
    for sub in chart.subcharts:
        if sub.chart.get("type") == "library":
            continue
        for mount in _mounts(sub, dependencies):
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
