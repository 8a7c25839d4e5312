"""JSONPath selection with the concrete path of every match.

A policy path starting with `$` is read from the object's root; any other path
is read from the current item (the object itself when the policy has no
`each`). Every match carries its concrete path from the object's root, so a
finding says `spec.template.spec.containers[1].image`, never the pattern.

jsonpath-ng parses the text; gate compiles its syntax tree into a short program
of steps and evaluates that itself, so every feature it accepts is exact:

- `name`, `['quoted.name']`, `[a,b]` / `['a','b']` (either field): members of a mapping;
- `[n]`, `[-n]`, `[n,m]`: list elements, a negative index counted from the end;
- `[start:end:step]`: list elements as Python slices them (step 0 selects nothing);
- `*` / `[*]`: every member of a mapping or element of a list;
- `..`: the node itself and every node below it, depth first, in document order,
  so `$..x`, `spec..containers[*]` and `spec..[containers,initContainers]`
  find `x` / `containers` at any depth, the top included;
- `[?(...)]`: the members or elements for which the filter holds: `@` (or a bare
  name) is the candidate, `$` the object's root; `==`, `!=`, `<`, `<=`, `>`,
  `>=` compare as jsonpath-ng does (numbers with numbers, text with text,
  anything else only for equality), `=~` matches a regular expression with
  RE2 (gate.regexes), `!x` is "x is absent", `&&`, `||` and
  parentheses combine.

A value is selected once, however many ways the path reaches it (`a..b..c`,
`[0,0]`, `[0,-3]` on three elements). Everything else jsonpath-ng parses
computes values that are not in the object (`len`, `keys`, `sorted`, `str()`,
`sub()`, `split()`, arithmetic), moves up (`parent`), or is deprecated
(`where`, `wherenot`, `|`, `&`): a finding could not say where such a value is,
so compile_path refuses them with a ValueError naming the feature, and a policy
that uses one does not load.

Work is bounded: a step visits each node of its input once; `..` after another
`..` skips subtrees it has already walked, so no path costs more than the
number of nodes times its number of steps.
"""

from __future__ import annotations

import functools
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.ext.parser import parse as jsonpath_parse
from jsonpath_ng.jsonpath import Child, Descendants, Fields, Index, JSONPath, Root, Slice, This

try:  # the syntax tree of jsonpath-ng 1.16 (RFC 9535 wildcards and filters)
    from jsonpath_ng.ext.filter import And, Expression, Filter, Or
    from jsonpath_ng.jsonpath import Wildcard
except ImportError as missing:  # pragma: no cover - an older jsonpath-ng installed
    raise ImportError(
        "gate needs jsonpath-ng 1.16 or later: pip install 'jsonpath-ng>=1.16'"
    ) from missing

from gate.regexes import Regex, compile_regex

Concrete = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,253}$")  # a Kubernetes name, shown as written

# A location while walking: (parent location, key), None for the start. Linked rather
# than a tuple per node, so walking N nodes costs O(N) however deep they are; the
# concrete path is built only for the matches.
_Cell = tuple[Any, Any] | None
_Frontier = list[tuple[_Cell, Any]]


def _concrete(prefix: Concrete, cell: _Cell) -> Concrete:
    keys: list[Any] = []
    while cell is not None:
        cell, key = cell
        keys.append(key)
    keys.reverse()
    return prefix + tuple(keys)


def _children(cell: _Cell, node: Any) -> Iterator[tuple[_Cell, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (cell, key), value
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (cell, index), value


# --- steps ----------------------------------------------------------------------------------


class _Step:
    fixed: tuple[str | int, ...] | None = None  # the one key it selects, for guess()

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        raise NotImplementedError


@dataclass(frozen=True)
class _Names(_Step):
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.names) == 1:
            object.__setattr__(self, "fixed", self.names)

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        out: _Frontier = []
        for cell, node in frontier:
            if isinstance(node, dict):
                for name in self.names:
                    if name in node:
                        out.append(((cell, name), node[name]))
        return out


@dataclass(frozen=True)
class _Indices(_Step):
    indices: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.indices) == 1 and self.indices[0] >= 0:
            object.__setattr__(self, "fixed", self.indices)

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        out: _Frontier = []
        for cell, node in frontier:
            if not isinstance(node, list):
                continue
            seen: set[int] = set()
            for index in self.indices:
                if -len(node) <= index < len(node):
                    position = index % len(node)  # `[-1]` is reported as the element it is
                    if position not in seen:
                        seen.add(position)
                        out.append(((cell, position), node[position]))
        return out


@dataclass(frozen=True)
class _Slice(_Step):
    start: int | None
    end: int | None
    step: int | None

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        if self.step == 0:
            return []
        out: _Frontier = []
        for cell, node in frontier:
            if isinstance(node, list):
                for position in range(len(node))[self.start : self.end : self.step]:
                    out.append(((cell, position), node[position]))
        return out


class _Wild(_Step):
    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        return [child for cell, node in frontier for child in _children(cell, node)]


@dataclass(frozen=True)
class _Descend(_Step):
    """The node itself and every node below it, depth first, in document order."""

    dedupe: bool  # after an earlier `..`, inputs may lie inside each other

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        out: _Frontier = []
        walked: set[Concrete] = set()
        for start in frontier:
            stack = [start]
            while stack:
                cell, node = stack.pop()
                if self.dedupe:
                    where = _concrete((), cell)
                    if where in walked:
                        continue  # walked with everything below it already
                    walked.add(where)
                out.append((cell, node))
                if isinstance(node, dict | list):
                    stack.extend(reversed(list(_children(cell, node))))
        return out


@dataclass(frozen=True)
class _Filter(_Step):
    condition: _Condition

    def apply(self, frontier: _Frontier, root: Any) -> _Frontier:
        return [
            child
            for cell, node in frontier
            for child in _children(cell, node)
            if self.condition.holds(child[1], root)
        ]


# --- filter conditions ----------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(left: Any, right: Any) -> bool:
    """JSON equality (RFC 9535 2.3.5.2.2): true is not 1, types must agree."""
    pairs = [(left, right)]
    while pairs:
        a, b = pairs.pop()
        if isinstance(a, bool) or isinstance(b, bool):
            if a is not b:
                return False
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return False
            pairs.extend(zip(a, b, strict=True))
        elif isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                return False
            pairs.extend((value, b[key]) for key, value in a.items())
        elif isinstance(a, list | dict) or isinstance(b, list | dict) or a != b:
            return False
    return True


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# What each comparison says about two values that are only equal or not.
_EQUALITY_ONLY: dict[str, Callable[[bool], bool]] = {
    "==": bool,
    "=": bool,
    "!=": operator.not_,
    "<=": bool,
    ">=": bool,
    "<": lambda equal: False,
    ">": lambda equal: False,
}


def _compare(op: str, left: Any, right: Any) -> bool:
    """Numbers with numbers and text with text are ordered; anything else only equal or not."""
    if (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str)):
        return _ORDER[op](left, right)
    return _EQUALITY_ONLY[op](_equal(left, right))


class _Condition:
    def holds(self, candidate: Any, root: Any) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _AllOf(_Condition):
    children: tuple[_Condition, ...]

    def holds(self, candidate: Any, root: Any) -> bool:
        return all(child.holds(candidate, root) for child in self.children)


@dataclass(frozen=True)
class _AnyOf(_Condition):
    children: tuple[_Condition, ...]

    def holds(self, candidate: Any, root: Any) -> bool:
        return any(child.holds(candidate, root) for child in self.children)


@dataclass(frozen=True)
class _Query:
    """A path inside a filter: from the candidate (`@`, a bare name) or the root (`$`)."""

    absolute: bool
    steps: tuple[_Step, ...]

    def values(self, candidate: Any, root: Any) -> list[Any]:
        start = root if self.absolute else candidate
        return [value for _, value in _run(self.steps, start, root)]


@dataclass(frozen=True)
class _Test(_Condition):
    """jsonpath-ng's Expression: `x`, `!x`, `x OP literal`, `x OP query`, `x =~ 'regex'`."""

    target: _Query
    op: str | None  # None: x exists; "!": x is absent
    literal: Any = None
    query: _Query | None = None
    regex: Regex | None = None

    def holds(self, candidate: Any, root: Any) -> bool:
        found = self.target.values(candidate, root)
        if self.op is None:
            return bool(found)
        if self.op == "!":
            return not found
        if self.query is not None:
            others = self.query.values(candidate, root)
            if not found or not others:  # two empty selections are equal, nothing else is
                return _EQUALITY_ONLY[self.op](not found and not others)
            return any(_compare(self.op, a, b) for a in found for b in others)
        if not found:
            return self.op == "!="
        if self.regex is not None:
            return any(isinstance(value, str) and self.regex.search(value) for value in found)
        if self.literal is None:
            return any(_EQUALITY_ONLY[self.op](value is None) for value in found)
        return any(self._literal(value) for value in found)

    def _literal(self, value: Any) -> bool:
        assert self.op is not None
        if isinstance(value, bool) or isinstance(self.literal, bool):  # true is not 1
            return _EQUALITY_ONLY[self.op](value is self.literal)
        return _compare(self.op, value, self.literal)


# --- compiling jsonpath-ng's syntax tree ----------------------------------------------------

_REFUSED = {
    "Where": "`where`, which jsonpath-ng deprecates; use a filter, [?(@.field)]",
    "WhereNot": "`wherenot`, which jsonpath-ng deprecates; use a filter, [?(!@.field)]",
    "_Union": "`|`, which jsonpath-ng deprecates; use [a,b] for either field",
    "_Intersect": "`&`, which jsonpath-ng deprecates and cannot evaluate",
    "Parent": "`parent`: a path must lead down to the value it tests",
    "Len": "`len`, which computes a value that is not in the object",
    "Keys": "`keys`, which computes a value that is not in the object",
    "Path": "`path`, which computes a value that is not in the object",
    "SortedThis": "sorting, which computes a value that is not in the object",
    "Sub": "`sub()`, which computes a value that is not in the object",
    "Split": "`split()`, which computes a value that is not in the object",
    "Str": "`str()`, which computes a value that is not in the object",
    "Operation": "arithmetic, which computes a value that is not in the object",
    "AutoIdForDatum": "`id`, which computes a value that is not in the object",
}


def _refuse(node: JSONPath) -> ValueError:
    name = type(node).__name__
    what = _REFUSED.get(name, f"{name}, which gate does not evaluate")
    return ValueError(
        f"uses {what}; a finding must name where its value is, so gate evaluates only "
        "names, indices, slices, *, .. and filters"
    )


def _compile(node: JSONPath) -> tuple[bool, list[_Step]]:
    """(starts at `$`, steps) of a path; ValueError for anything gate cannot evaluate exactly."""
    if isinstance(node, Root):
        return True, []
    if type(node) is This:  # `@`, `this`; subclasses (sorted, sub(), ...) compute values
        return False, []
    if isinstance(node, Child | Descendants):
        absolute, steps = _compile(node.left)
        right_absolute, right = _compile(node.right)
        if right_absolute:
            raise ValueError("has `$` after the start; `$` is only the start of a path")
        if isinstance(node, Descendants):
            steps.append(_Descend(dedupe=False))
        return absolute, steps + right
    if type(node) is Fields:
        if getattr(node, "_deprecated_wildcard_use", False):
            return False, [_Wild()]
        return False, [_Names(tuple(dict.fromkeys(str(f) for f in node.fields)))]
    if type(node) is Wildcard:
        return False, [_Wild()]
    if type(node) is Index:
        return False, [_Indices(tuple(int(i) for i in node.indices))]
    if type(node) is Slice:
        if getattr(node, "_deprecated_wildcard_use", False):
            return False, [_Wild()]
        return False, [_Slice(node.start, node.end, node.step)]
    if type(node) is Filter:
        return False, [_Filter(_AllOf(tuple(_condition(e) for e in node.expressions)))]
    raise _refuse(node)


def _program(node: JSONPath) -> tuple[bool, tuple[_Step, ...]]:
    absolute, steps = _compile(node)
    # A `..` after another `..` may start inside a subtree it already walks.
    descends = [i for i, step in enumerate(steps) if isinstance(step, _Descend)]
    for later in descends[1:]:
        steps[later] = _Descend(dedupe=True)
    return absolute, tuple(steps)


def _query(node: JSONPath) -> _Query:
    return _Query(*_program(node))


def _condition(node: JSONPath) -> _Condition:
    if type(node) is And:
        return _AllOf(tuple(_condition(operand) for operand in node.operands))
    if type(node) is Or:
        return _AnyOf(tuple(_condition(operand) for operand in node.operands))
    if type(node) is not Expression:
        return _Test(_query(node), None)  # a bare path in a filter: it exists
    target, op, value = _query(node.target), node.op, node.value
    if op is None or op == "!":
        return _Test(target, op)
    if op == "=~":
        if not isinstance(value, str):
            raise ValueError(f"compares with =~ {value!r}; =~ takes a quoted regular expression")
        try:
            return _Test(target, op, regex=compile_regex(value))
        except ValueError as exc:
            raise ValueError(f"has a regular expression gate cannot use: {exc}") from None
    if op not in _ORDER:
        raise ValueError(f"uses the comparison {op!r}, which gate does not know")
    if isinstance(value, JSONPath):
        return _Test(target, op, query=_query(value))
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError(f"compares with {value!r}, which is not a JSON value")
    return _Test(target, op, literal=value)


def _run(steps: tuple[_Step, ...], start: Any, root: Any) -> _Frontier:
    frontier: _Frontier = [(None, start)]
    for step in steps:
        if not frontier:
            break
        frontier = step.apply(frontier, root)
    return frontier


@dataclass(frozen=True)
class PolicyPath:
    text: str
    absolute: bool
    steps: tuple[_Step, ...]

    def find(self, item: Any, item_path: Concrete, root: Any) -> list[tuple[Concrete, Any]]:
        if self.absolute:
            return [(_concrete((), cell), v) for cell, v in _run(self.steps, root, root)]
        return [(_concrete(item_path, cell), v) for cell, v in _run(self.steps, item, root)]

    def guess(self, item_path: Concrete) -> Concrete:
        """The concrete path a missing value would have had, for messages: the fixed
        names and indices up to the first step that could be anywhere (`..`, `*`, a filter)."""
        parts: list[str | int] = []
        for step in self.steps:
            if step.fixed is None:
                break
            parts += step.fixed
        return tuple(parts) if self.absolute else item_path + tuple(parts)


@functools.cache
def compile_path(text: str) -> PolicyPath:
    """Compile once; ValueError with what is wrong when the path is invalid or inexact."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the path is empty")
    try:
        with warnings.catch_warnings():
            # jsonpath-ng warns about deprecated syntax; what gate refuses, it says so itself
            warnings.simplefilter("ignore", DeprecationWarning)
            expression = jsonpath_parse(stripped)
    except Exception as exc:  # jsonpath-ng raises bare Exceptions from its lexer/parser
        raise ValueError(str(exc)) from None
    return PolicyPath(stripped, *_program(expression))


def format_path(path: Concrete, root: Any = None) -> str:
    """`spec.template.spec.containers[0].image`; with the object's `root`, each list item
    that has a name is written by it, `containers[name=web].image`, as a person reads it."""
    out, node = "", root
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            item = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            out += f"[name={name}]" if isinstance(name, str) and _NAME.match(name) else f"[{part}]"
            node = item
            continue
        node = node.get(part) if isinstance(node, dict) else None
        if isinstance(part, str) and _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out
