"""What a profile sets: each values file and `set` entry as a tree of keys with lines,
and the same profile with some of those keys taken out (for the confirming renders)."""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.checks.values.known import ValuesPath
from gate.config import Profile
from gate.limits import DEFAULT_LIMITS, Limits
from gate.yamlload import Located, dump_yaml, load_located

SET = -1  # the source index of gate.yaml `set` entries


@dataclass(frozen=True)
class Key:
    """One key a profile sets: in which source (values file index, or SET), at what path."""

    source: int
    path: ValuesPath


@dataclass(frozen=True)
class Source:
    file: str
    data: dict[str, Any]
    located: Located | None  # None for `set` entries
    set_lines: dict[ValuesPath, int | None]


def _string_keys(value: Any) -> Any:
    """helm reads every map key as a string (`8080:` is "8080"); so does the analysis."""
    if isinstance(value, dict):
        return {_key_text(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _read_as(located: Located) -> dict[tuple[str | int, ...], int]:
    """The line of each key path as the analysis reads it (`on` as "true", `0x10` as
    "16"), first one first: built once per file, so that finding N such keys costs N
    look-ups, not N walks over every line."""
    lines: dict[tuple[str | int, ...], int] = {}
    for written, number in located.lines.items():
        lines.setdefault(tuple(_as_key(p) for p in written), number)
    return lines


# The tag YAML gives a plain scalar: typeshed leaves Resolver.resolve untyped.
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver().resolve
)
_STRING = "tag:yaml.org,2002:str"


def _as_key(text: str | int) -> str | int:
    """A key as the analysis reads it. Only a text that YAML resolves to another scalar
    (a bool, number, null or date) is read again: any other text, a quoted key holding
    a whole YAML document with aliases among them, stays as it is."""
    if isinstance(text, int):
        return text
    if _resolve(yaml.ScalarNode, text, (True, False)) == _STRING:
        return text
    try:
        return _key_text(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError):  # ValueError: an int longer than Python reads
        return text


def set_path(key: str) -> ValuesPath:
    """helm's `--set` key syntax: dots separate keys, `\\.` is a literal dot."""
    parts, current, escaped = [], "", False
    for char in key:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return tuple(parts)


def _nest(entries: Iterable[tuple[ValuesPath, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in entries:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    return root


class ProfileValues:
    """The sources of one profile, in helm's order: values files, then `set`."""

    def __init__(self, profile: Profile, config_file: Path, limits: Limits = DEFAULT_LIMITS):
        self.profile = profile
        self.sources: list[Source] = []
        self._read_as: dict[int, dict[Any, int]] = {}  # by source index, made when needed
        for file in profile.values:
            located = load_located(file, "values file", limits=limits)
            data = _string_keys(located.data) if isinstance(located.data, dict) else {}
            self.sources.append(Source(str(file), data, located, {}))
        paths = [set_path(k) for k, _ in profile.set]
        lines = dict(zip(paths, profile.set_lines or [None] * len(paths), strict=False))
        self.set_source = Source(
            str(profile.set_file or config_file),
            _nest(zip(paths, [v for _, v in profile.set], strict=True)),
            None,
            lines,
        )

    def source(self, index: int) -> Source:
        return self.set_source if index == SET else self.sources[index]

    def indexes(self) -> list[int]:
        return [*range(len(self.sources)), SET]

    def value(self, key: Key) -> Any:
        node: Any = self.source(key.source).data
        for part in key.path:
            node = node[part]
        return node

    def children(self, key: Key) -> list[Key]:
        value = self.value(key) if key.path else self.source(key.source).data
        if isinstance(value, dict) and value:
            return [Key(key.source, (*key.path, str(k))) for k in value]
        return []

    def leaves(self, key: Key) -> Iterator[Key]:
        children = self.children(key)
        if not children:
            yield key
        for child in children:
            yield from self.leaves(child)

    def all_leaves(self) -> list[Key]:
        return [leaf for i in self.indexes() for leaf in self.leaves(Key(i, ())) if leaf.path]

    def location(self, key: Key) -> tuple[str, int | None]:
        source = self.source(key.source)
        if source.located is not None:
            line = source.located.lines.get(key.path)
            if line is None:  # a key whose text YAML read as something else (`on`, `8080`)
                if key.source not in self._read_as:
                    self._read_as[key.source] = _read_as(source.located)
                line = self._read_as[key.source].get(key.path)
            return source.file, line if line is not None else source.located.line_of(key.path)
        for length in range(len(key.path), 0, -1):
            if key.path[:length] in source.set_lines:
                return source.file, source.set_lines[key.path[:length]]
        # A key above the entries (`backstage.startupProbe` of the entry
        # `backstage.startupProbe.initialDelaySeconds`): the first entry under it.
        below = [
            line
            for path, line in source.set_lines.items()
            if path[: len(key.path)] == key.path and line is not None
        ]
        return source.file, min(below) if below else None

    def without(self, keys: Iterable[Key], folder: Path) -> Profile:
        """The profile with `keys` removed, as new values files written into `folder`."""
        return self._variant(keys, folder, lambda data, path: _delete(data, path))

    def marked(self, marks: dict[Key, Any], folder: Path) -> Profile:
        """The profile with each key of `marks` set to its marker value."""
        return self._variant(marks, folder, lambda data, path: _replace(data, path, marks, self))

    def _variant(self, keys: Iterable[Key], folder: Path, change: Any) -> Profile:
        by_source: dict[int, list[ValuesPath]] = {}
        for key in keys:
            by_source.setdefault(key.source, []).append(key.path)
        files = []
        for index, source in enumerate(self.sources):
            if index not in by_source:
                files.append(Path(source.file))
                continue
            data = copy.deepcopy(source.data)
            for path in by_source[index]:
                change(data, (index, path))
            descriptor, name = tempfile.mkstemp(suffix=".yaml", dir=folder)
            with open(descriptor, "w", encoding="utf-8") as handle:
                handle.write(dump_yaml(data, sort_keys=False))
            files.append(Path(name))
        entries = self.profile.set
        if SET in by_source:
            data = copy.deepcopy(self.set_source.data)
            for path in by_source[SET]:
                change(data, (SET, path))
            entries = tuple(_flatten_set(data))
        return dataclasses.replace(self.profile, values=tuple(files), set=entries)


def _delete(data: dict[str, Any], where: tuple[int, ValuesPath]) -> None:
    """Take the key out; in `set`, also each map above it that it leaves empty: an
    emptied map there would go back to helm as `--set-json backstage={}`, which replaces
    the map the values files built instead of leaving it alone (a key of a wrapper
    chart's `set` was never found unknown). A values file keeps its emptied maps: an
    empty map there is what the user wrote around the key (`if .Values.health` holds)."""
    path = where[1]
    nodes: list[Any] = [data]
    for key in path[:-1]:
        node = nodes[-1]
        nodes.append(node.get(key) if isinstance(node, dict) else None)
    if not isinstance(nodes[-1], dict):
        return
    nodes[-1].pop(path[-1], None)
    if where[0] != SET:
        return
    for depth in range(len(path) - 1, 0, -1):
        parent, node = nodes[depth - 1], nodes[depth]
        if isinstance(node, dict) and not node and isinstance(parent, dict):
            parent.pop(path[depth - 1], None)
        else:
            break


def _replace(
    data: dict[str, Any],
    where: tuple[int, ValuesPath],
    marks: dict[Key, Any],
    values: ProfileValues,
) -> None:
    node: Any = data
    source, path = where
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = marks[Key(source, path)]


def _flatten_set(data: dict[str, Any], prefix: ValuesPath = ()) -> Iterator[tuple[str, Any]]:
    """Back to `--set-json` entries; a leaf keeps its JSON value."""
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            yield from _flatten_set(value, path)
        else:
            yield (
                ".".join(p.replace(".", "\\.") for p in path),
                json.loads(json.dumps(value, default=str)),
            )
