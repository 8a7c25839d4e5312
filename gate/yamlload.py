"""Every YAML read in gate goes through here.

Two entry points with different needs:

- `parse_document` is the hot path (one call per rendered document): YAML 1.1
  semantics as the API server's decoder (Go's yaml.v2 into interface{}) sees
  them, and a duplicate key is an error rather than last-one-wins. Like that
  decoder, it reads timestamps and base-60 numbers (`2024-01-01`, `1:20`) as the
  strings they are written as, and `1e3` as a number. PyYAML (the C parser when
  it has it, and _StrictLoader) is its reference; most rendered documents are
  read ten times faster by yaml-rs, where gate.fastyaml can tell that the
  result is the same.
- `load_located` is for files people write (gate.yaml, policies, values): it
  also returns the line of every key, so errors and findings can point at it,
  and keeps PyYAML's dates (gate.yaml's `expires`).

Everything read comes from a pull request, so every reader also refuses what
would make gate work without end: aliases that expand past
`limits.yaml_alias_nodes` (a "billion laughs" document is a few hundred bytes),
a document that contains itself through an alias, and nesting deeper than
`limits.yaml_depth`. A value YAML cannot construct (`2024-02-30` in gate.yaml,
`!!int abc`, an integer of 5,000 digits) is a located error, never a traceback.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from gate import fastyaml
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

_BOM = "\ufeff"


# --- errors ---------------------------------------------------------------------------------


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, line: int, first_line: int):
        super().__init__(f"duplicate key {key!r} on line {line} (first set on line {first_line})")
        self.key = key
        self.line = line
        self.first_line = first_line


def _mark(line: int) -> yaml.Mark:
    """A mark on `line` (1-based) of the document, for errors found after composing."""
    return yaml.Mark("<document>", 0, line - 1, 0, None, 0)


class DocumentRefused(yaml.MarkedYAMLError):
    """A document gate will not read: its aliases expand past a limit, it contains
    itself, or it nests too deep. `problem` is a predicate to put after the
    document's name ("gate.yaml nests ..."); `limit` is the `limits:` key it hit, None
    for a document that contains itself (no limit would let that one through)."""

    def __init__(self, problem: str, line: int, limit: str | None = None):
        super().__init__(problem=problem, problem_mark=_mark(line))
        self.problem: str = problem
        self.line = line
        self.limit = limit


class BadValueError(ConstructorError):
    """A scalar YAML cannot turn into its type (`2024-02-30`, `!!int abc`);
    `problem` is a predicate ("holds '2024-02-30', which ..."), `line` 1-based."""

    def __init__(self, problem: str, node: Node):
        super().__init__(None, None, problem, node.start_mark)
        self.problem: str = problem
        self.line: int = node.start_mark.line + 1


# Errors a constructor raises for a value it cannot read: int("abc"), date(2024, 2, 30),
# the 4,300-digit cap on int(), bool_values["maybe"], "".__getitem__(0), ...
_CONSTRUCTION_ERRORS = (
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,
    RecursionError,
)

_KINDS = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:binary": "base64 binary data",
}


def _bad_value(node: Node, exc: BaseException) -> BadValueError:
    if isinstance(node, ScalarNode):
        text = str(node.value)
        shown = repr(text if len(text) <= 40 else text[:37] + "...")
    else:
        shown = f"a {'mapping' if isinstance(node, MappingNode) else 'list'}"
    kind = _KINDS.get(node.tag, f"a value tagged {node.tag}")
    reason = (str(exc).split(";")[0].strip() or exc.__class__.__name__)[:120]
    return BadValueError(
        f"holds {shown}, which YAML cannot read as {kind} ({reason}); "
        "fix it, or quote it to keep it as text",
        node,
    )


# --- limits: aliases, loops and depth -------------------------------------------------------

# An alias is `*name`, naming an anchor `&name` defined before it in the document; a
# name is letters, digits, `-` and `_` (libyaml's and PyYAML's scanners stop there:
# `{*a:1}` is the alias `a`). Without such a pair a document is a tree, and only its
# depth needs a look. (`*` is matched anywhere, also inside scalars: the count is an
# upper bound, and the pattern starts with a literal, which the regex engine finds fast.)
_ALIAS = re.compile(r"\*([0-9A-Za-z_-]*)")
_ANCHOR = re.compile(r"&([0-9A-Za-z_-]+)")


def _aliases(text: str) -> int:
    """At least the number of aliases in `text`, 0 when it has none. C-speed: most
    documents stop at the first test, and a `*` in a cron schedule or an `&` in a URL
    at the second."""
    if "&" not in text or "*" not in text:
        return 0
    names = _ALIAS.findall(text)
    if set(names).isdisjoint(_ANCHOR.findall(text)):
        return 0
    return len(names)


def _may_be_deeper(text: str, limit: int) -> bool:
    """False when the text cannot nest beyond `limit` levels: without aliases every
    mapping or list has a character of its own among `: - [ { ?`, so the nesting is
    at most their count (a few C-speed counts instead of a walk)."""
    if len(text) <= limit:
        return False
    count = text.count(":") + text.count("-")
    if count > limit:
        return True
    return count + text.count("[") + text.count("{") + text.count("?") > limit


def _too_deep(line: int, limit: int) -> DocumentRefused:
    return DocumentRefused(
        f"nests mappings and lists more than {limit} levels deep "
        "(limits.yaml_depth in gate.yaml); flatten it or raise that limit",
        line,
        "yaml_depth",
    )


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _check_depth(root: Node, limits: Limits) -> None:
    """A document without aliases is a tree: refuse it when it nests too deep."""
    limit = limits.yaml_depth
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise _too_deep(_line(node), limit)
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, CollectionNode):
                    stack.append((key, depth + 1))
                if isinstance(value, CollectionNode):
                    stack.append((value, depth + 1))
        elif isinstance(node, SequenceNode):
            stack.extend(
                (item, depth + 1) for item in node.value if isinstance(item, CollectionNode)
            )


def _parts(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _alias_bomb(limit: int, line: int) -> DocumentRefused:
    return DocumentRefused(
        f"expands its YAML aliases to more than {limit} nodes "
        "(limits.yaml_alias_nodes in gate.yaml); write it out without "
        "so many aliases or raise that limit",
        line,
        "yaml_alias_nodes",
    )


def _check_graph(root: Node, limits: Limits, aliases: int) -> None:
    """Refuse a document whose aliases expand to more than `limits.yaml_alias_nodes`
    nodes, that contains itself through an alias, or that nests deeper than
    `limits.yaml_depth` once its aliases are expanded. `aliases` is at least the
    number of aliases in the text (`_aliases`).

    One walk over the composed mappings and lists, each visited once: one met again
    is an alias, and adds the node count and height of its expansion, memoised when
    it was first finished. Counts stay below the limit plus the distinct nodes, so a
    "billion laughs" document costs a few hundred steps. Scalars are only counted:
    an alias of one adds one node, and only when the aliases left over could pass
    the limit are the scalars met twice counted too."""
    if not isinstance(root, CollectionNode):
        return
    alias_limit, depth_limit = limits.yaml_alias_nodes, limits.yaml_depth
    # id(node): None while it is open (a loop if met then), then (nodes expanded, levels)
    state: dict[int, tuple[int, int] | None] = {id(root): None}
    visited: list[Node] = [root]
    aliased = edges = 0
    # per open node: the node, its mappings and lists to visit, [nodes expanded, levels]
    parts = _parts(root)
    children = [part for part in parts if isinstance(part, CollectionNode)]
    stack: list[tuple[Node, Iterator[Node], list[int]]] = [
        (root, iter(children), [1 + len(parts) - len(children), 0])
    ]
    while stack:
        node, unvisited, totals = stack[-1]
        for child in unvisited:
            key = id(child)
            if key not in state:  # first met: go down into it
                if len(stack) >= depth_limit:
                    raise _too_deep(_line(child), depth_limit)
                state[key] = None
                visited.append(child)
                parts = _parts(child)
                children = [part for part in parts if isinstance(part, CollectionNode)]
                stack.append((child, iter(children), [1 + len(parts) - len(children), 0]))
                break
            known = state[key]
            if known is None:
                raise DocumentRefused(
                    f"contains itself through a YAML alias (the node on line {_line(child)}), "
                    "so it never ends; remove that alias or merge",
                    _line(node),
                )
            size, height = known  # met before: an alias
            aliased += size
            edges += 1
            if aliased > alias_limit:
                raise _alias_bomb(alias_limit, _line(node))
            if len(stack) + height > depth_limit:
                raise _too_deep(_line(node), depth_limit)
            totals[0] += size
            totals[1] = max(totals[1], height)
        else:
            stack.pop()
            size, height = totals[0], totals[1] + 1
            state[id(node)] = (size, height)
            if stack:
                parent = stack[-1][2]
                parent[0] += size
                parent[1] = max(parent[1], height)
    if aliased + aliases - edges > alias_limit:  # could aliases of scalars pass the limit?
        scalars = [id(part) for n in visited for part in _parts(n) if isinstance(part, ScalarNode)]
        if aliased + len(scalars) - len(set(scalars)) > alias_limit:
            raise _alias_bomb(alias_limit, _line(root))


# --- constructing ---------------------------------------------------------------------------

# Python reads at most 4,300 decimal digits into an int (int("1" * 5000) fails), as
# gate does; a base-60 integer (`1:2:3`) longer than that would cost time quadratic in
# its length, so it is refused the same way.
_MAX_INT_TEXT = 4300


def _construct_int(loader: Any, node: ScalarNode) -> int:
    if ":" in node.value and len(node.value) > _MAX_INT_TEXT:
        raise ValueError(f"longer than the {_MAX_INT_TEXT} digits gate reads")
    return SafeConstructor.construct_yaml_int(loader, node)


def _construct_text(loader: Any, node: ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _check_duplicates(node: MappingNode) -> None:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.value == "<<":
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise DuplicateKeyError(key_node.value, line, seen[key_node.value])
        seen[key_node.value] = line


# Plain scalars as Go's yaml.v2 resolves them into interface{} (what helm and the API
# server see): no base-60 numbers (`1:20` is text), no timestamps (yaml.v2 keeps them
# as strings), and `=` is text. Everything else as PyYAML's YAML 1.1 resolver.
_RENDERED_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
# yaml.v2's yamlStyleFloat, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` on the
# text without underscores, less what its ParseInt takes first: `1e-05` and `1.5e5` are
# numbers to the API server (bitnami/apisix's CRDs), though YAML 1.1 wants a dot.
_RENDERED_FLOAT = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9_]+)?
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9_]+
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}


def _rendered_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    replaced = {_INT: _RENDERED_INT, _FLOAT: _RENDERED_FLOAT}
    return {
        first: [(tag, replaced.get(tag, regexp)) for tag, regexp in entries if tag not in _DROPPED]
        for first, entries in Resolver.yaml_implicit_resolvers.items()
    }


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc,unused-ignore]
    """The fastest safe loader, refusing duplicate keys, reading scalars as Go does.

    Mappings are built the way PyYAML builds them by default, without recursion (a
    queue of generators), so a document as deep as `limits.yaml_depth` allows needs
    no deep Python stack, in the main thread or a worker."""

    yaml_implicit_resolvers = _rendered_resolvers()

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _check_duplicates(node)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
for _tag in ("timestamp", "value", "merge"):  # `!!timestamp x`, a `<<` that is not a key
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_text)


class _LocatedConstructor(SafeConstructor):
    """Files people write: PyYAML's YAML 1.1 (dates included), a bounded base-60."""


_LocatedConstructor.add_constructor("tag:yaml.org,2002:int", _construct_int)
for _tag in ("value", "merge"):
    _LocatedConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_text)


Constructor = Callable[[Any, Node], Any]


def _locating(construct: Constructor) -> Constructor:
    """`construct`, raising a BadValueError at the node it could not construct."""

    def located(loader: Any, node: Node) -> Any:
        try:
            data = construct(loader, node)
        except _CONSTRUCTION_ERRORS as exc:
            raise _bad_value(node, exc) from None
        if isinstance(data, types.GeneratorType):
            return _guarded(data, node)
        return data

    return located


def _guarded(generator: Iterator[Any], node: Node) -> Iterator[Any]:
    try:
        yield from generator
    except _CONSTRUCTION_ERRORS as exc:
        raise _bad_value(node, exc) from None


def _with_locating_constructors(cls: type[Any]) -> type[Any]:
    """A subclass of `cls` whose every constructor says which node it failed on."""
    constructors = {tag: _locating(fn) for tag, fn in cls.yaml_constructors.items()}
    return type(f"Locating{cls.__name__}", (cls,), {"yaml_constructors": constructors})


# The rendered path builds with _StrictLoader and, only when that fails on a value,
# builds the document again with this one to learn where, so the hot path keeps its
# speed (a wrapper on every node costs it 3-4%).
_LocatingStrictLoader: type[_StrictLoader] = _with_locating_constructors(_StrictLoader)
_LocatingConstructor: type[SafeConstructor] = _with_locating_constructors(_LocatedConstructor)


# --- the rendered path ----------------------------------------------------------------------


def _check_limits(node: Node, text: str, limits: Limits) -> None:
    aliases = _aliases(text)
    if aliases:
        _check_graph(node, limits, aliases)
    elif _may_be_deeper(text, limits.yaml_depth):
        _check_depth(node, limits)


def _typed_plain(text: str) -> bool:
    """Does _StrictLoader read the plain scalar `text` (not empty) as other than a string?
    (PyYAML's Resolver.resolve for a plain scalar: the resolvers of its first character.)"""
    resolvers = [*_RENDERED_RESOLVERS.get(text[0], ()), *_RENDERED_RESOLVERS.get(None, ())]
    return any(regexp.match(text) for _tag, regexp in resolvers)


_RENDERED_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = (
    _StrictLoader.yaml_implicit_resolvers
)
# yaml-rs where its reading is known to equal _StrictLoader's (gate.fastyaml), ten times
# faster on a rendering; PyYAML for the rest, and for every error.
_read_fast = fastyaml.reader(
    _typed_plain, frozenset(first for first in _RENDERED_RESOLVERS if first)
)


def parse_document(text: str, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse one YAML document as the API server reads it. Raises yaml.YAMLError and
    nothing else: DuplicateKeyError, DocumentRefused (a limit or an alias loop),
    BadValueError (a value YAML cannot construct), each with the line in the text."""
    if text.startswith(_BOM):
        text = text[1:]
    try:
        return _read_fast(text, limits.yaml_depth)
    except fastyaml.NotFast:
        pass
    return _parse_with_pyyaml(text, limits)


def _parse_with_pyyaml(text: str, limits: Limits) -> Any:
    """parse_document's reference: PyYAML's C parser, _StrictLoader's constructors."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_limits(node, text, limits)
        return loader.construct_document(node)
    except yaml.YAMLError:
        raise
    except RecursionError:  # only PyYAML's pure-Python parser recurses
        raise _too_deep(1, limits.yaml_depth) from None
    except Exception as exc:  # a value the constructors could not read: find which
        raise _locate_failure(text, exc) from None
    finally:
        loader.dispose()


def _locate_failure(text: str, exc: Exception) -> yaml.YAMLError:
    """The error the fast path hit, located: build the document again, with
    constructors that name the node they fail on."""
    loader = _LocatingStrictLoader(text)
    try:
        loader.construct_document(loader.get_single_node())
    except yaml.YAMLError as located:
        return located
    except Exception:
        pass  # not a value error after all: report the first failure as it is
    finally:
        loader.dispose()
    return yaml.MarkedYAMLError(
        problem=f"cannot be read ({exc.__class__.__name__}: {str(exc)[:120]})",
        problem_mark=_mark(1),
    )


# --- files people write ---------------------------------------------------------------------


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


def _index_lines(root: Node) -> dict[PathKey, int]:
    """The line of every key and item, aliases not followed: a path into an alias
    takes the line of the alias (its nearest ancestor in the index)."""
    lines: dict[PathKey, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Node, PathKey]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, _line(node))
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Node, PathKey]] = []
        if isinstance(node, MappingNode):
            _check_duplicates(node)
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key_path = (*path, key_node.value)
                    lines[key_path] = _line(key_node)
                    children.append((value_node, key_path))
        elif isinstance(node, SequenceNode):
            children = [(item, (*path, index)) for index, item in enumerate(node.value)]
        stack.extend(reversed(children))
    return lines


def _located(node: Node | None, file: str, limits: Limits, aliases: int) -> Located:
    """`node` read, once within the limits; `aliases` as for _check_graph."""
    if node is None:
        return Located(None, {}, file)
    _check_graph(node, limits, aliases)
    lines = _index_lines(node)
    data = _LocatingConstructor().construct_document(node)
    return Located(data, lines, file)


def _yaml_error(exc: yaml.YAMLError, file: Path | str, what: str) -> GateError:
    if isinstance(exc, DuplicateKeyError):
        return GateError(
            f"key {exc.key!r} is set twice (lines {exc.first_line} and {exc.line}); "
            "YAML keeps only the last one, so remove or merge one of them",
            file,
            exc.line,
        )
    if isinstance(exc, DocumentRefused | BadValueError):
        return GateError(f"{what} {exc.problem}", file, exc.line)
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return GateError(f"{what} is not valid YAML ({problem}); fix the syntax", file, line)


def _read(path: Path, what: str) -> str:
    """The file as text: UTF-8, a byte order mark at its start ignored."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GateError(f"{what} does not exist; check the path", path) from None
    except OSError as exc:
        raise GateError(f"{what} cannot be read ({exc.__class__.__name__}: {exc})", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GateError(
            f"{what} cannot be read: it is not UTF-8 text (byte 0x{data[exc.start]:02x} "
            f"on line {line}); save it as UTF-8",
            path,
            line,
        ) from None
    return text[1:] if text.startswith(_BOM) else text


def load_located(
    path: Path, what: str = "this file", *, limits: Limits = DEFAULT_LIMITS
) -> Located:
    """One YAML document from a file people write, with key lines. A file read before
    and unchanged since (a values file checked at load, then analysed) is not parsed
    again; callers copy before they change the data."""
    text = _read(path, what)
    return _parse_located(str(path), text, what, limits)


# What composing and constructing a file can raise besides a YAMLError: RecursionError
# from PyYAML's pure-Python parser (the C one stops at 1,000 levels with a YAMLError).
_READ_ERRORS = (yaml.YAMLError, RecursionError)


def _read_error(exc: Exception, file: Path | str, what: str, limits: Limits) -> GateError:
    if isinstance(exc, yaml.YAMLError):
        return _yaml_error(exc, file, what)
    return _yaml_error(_too_deep(1, limits.yaml_depth), file, what)


@functools.lru_cache(maxsize=256)
def _parse_located(file: str, text: str, what: str, limits: Limits) -> Located:
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
        return _located(node, file, limits, _aliases(text))
    except _READ_ERRORS as exc:
        raise _read_error(exc, file, what, limits) from None


def load_located_all(
    path: Path, what: str = "this file", *, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Located]:
    """Every YAML document of a file people write, with key lines."""
    text = _read(path, what)
    nodes: list[Node | None] = []
    try:
        for composed in yaml.compose_all(text, Loader=_BaseLoader):
            nodes.append(composed)
            if len(nodes) > limits.documents:
                raise GateError(
                    f"{what} holds more than {limits.documents} YAML documents "
                    "(limits.documents in gate.yaml); split it or raise that limit",
                    path,
                    _line(composed) if composed is not None else None,
                )
    except _READ_ERRORS as exc:
        raise _read_error(exc, path, what, limits) from None
    aliases = _aliases(text)  # in the whole file: at least those in each document
    for node in nodes:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            continue  # an empty document (`---` with nothing after it)
        try:
            yield _located(node, str(path), limits, aliases)
        except _READ_ERRORS as exc:
            raise _read_error(exc, path, what, limits) from None


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
