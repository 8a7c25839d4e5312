"""Every YAML read in gate goes through here.

Two entry points with different needs:

- `parse_document` is the hot path (one call per rendered document): the C
  parser when PyYAML has it, YAML 1.1 semantics as the API server's decoder
  sees them, and a duplicate key is an error rather than last-one-wins.
- `load_located` is for files people write (gate.yaml, policies, values): it
  also returns the line of every key, so errors and findings can point at it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gate.errors import GateError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, line: int, first_line: int):
        super().__init__(f"duplicate key {key!r} on line {line} (first set on line {first_line})")
        self.key = key
        self.line = line
        self.first_line = first_line


def _check_duplicates(node: MappingNode) -> None:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.value == "<<":
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise DuplicateKeyError(key_node.value, line, seen[key_node.value])
        seen[key_node.value] = line


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc,unused-ignore]
    """The fastest safe loader, refusing duplicate keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _check_duplicates(node)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def parse_document(text: str) -> Any:
    """Parse one YAML document; raises yaml.YAMLError (DuplicateKeyError included)."""
    return yaml.load(text, Loader=_StrictLoader)


@dataclass
class Located:
    """A parsed YAML document and the line of each key and item in it."""

    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    file: str = ""

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _index_lines(node: Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        _check_duplicates(node)
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                key_path = (*path, key_node.value)
                lines[key_path] = key_node.start_mark.line + 1
                _index_lines(value_node, key_path, lines)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)


def _located(node: Node | None, file: str) -> Located:
    if node is None:
        return Located(None, {}, file)
    lines: dict[PathKey, int] = {}
    _index_lines(node, (), lines)
    data = SafeConstructor().construct_document(node)
    return Located(data, lines, file)


def _yaml_error(exc: yaml.YAMLError, file: Path | str, what: str) -> GateError:
    if isinstance(exc, DuplicateKeyError):
        return GateError(
            f"key {exc.key!r} is set twice (lines {exc.first_line} and {exc.line}); "
            "YAML keeps only the last one, so remove or merge one of them",
            file,
            exc.line,
        )
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return GateError(f"{what} is not valid YAML ({problem}); fix the syntax", file, line)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(f"{what} does not exist; check the path", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"{what} cannot be read ({exc.__class__.__name__}: {exc})", path) from None


def load_located(path: Path, what: str = "this file") -> Located:
    """One YAML document from a file people write, with key lines. A file read before
    and unchanged since (a values file checked at load, then analysed) is not parsed
    again; callers copy before they change the data."""
    text = _read(path, what)
    return _parse_located(str(path), text, what)


@functools.lru_cache(maxsize=256)
def _parse_located(file: str, text: str, what: str) -> Located:
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
        return _located(node, file)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file, what) from None


def load_located_all(path: Path, what: str = "this file") -> Iterator[Located]:
    """Every YAML document of a file people write, with key lines."""
    text = _read(path, what)
    try:
        nodes = list(yaml.compose_all(text, Loader=_BaseLoader))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, what) from None
    for node in nodes:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            continue  # an empty document (`---` with nothing after it)
        try:
            yield _located(node, str(path))
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, path, what) from None


# --- writing ------------------------------------------------------------------------------

_Dumper: type[yaml.SafeDumper] = type(
    "_Dumper", (getattr(yaml, "CSafeDumper", yaml.SafeDumper),), {}
)

# Plain scalars that helm's YAML reader (Go, YAML 1.1 booleans and 1.2 numbers) would
# not read back as the same string, though PyYAML writes them unquoted.
_AMBIGUOUS = re.compile(
    r"^(?:y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE"
    r"|~|null|Null|NULL|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # A block scalar cannot carry trailing spaces or tabs faithfully; those stay quoted.
    if "\n" in value and all(line == line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _AMBIGUOUS.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any, sort_keys: bool = True) -> str:
    """YAML that PyYAML and helm both read back as `data`: block style, multi-line
    strings as `|` blocks, strings that look like booleans or numbers quoted, no wrapping."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        width=2**30,
    )
