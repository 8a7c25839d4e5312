"""JSONPath selection with the concrete path of every match.

A policy path starting with `$` is read from the object's root; any other path
is read from the current item (the object itself when the policy has no
`each`). Every match carries its concrete path from the object's root, so a
finding says `spec.template.spec.containers[1].image`, never the pattern.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.ext.parser import parse as jsonpath_parse
from jsonpath_ng.jsonpath import DatumInContext, Fields, Index, JSONPath, Root, This

Concrete = tuple[str | int, ...]
_FIXED_STEP = re.compile(r"\['([^']*)'\]|\[\"([^\"]*)\"\]|\[(\d+)\]")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


# The steps of a plain path (keys, `['quoted keys']`, `[n]`, `[*]`, `*`): most policy
# paths are plain, and walking them with dict and list lookups is many times faster
# than jsonpath-ng's general matcher. Anything else (`..`, filters, unions, slices)
# goes to jsonpath-ng.
_STEP = re.compile(
    r"(?:^|\.)(?P<name>[A-Za-z_][A-Za-z0-9_-]*|\*)"
    r"|\[(?:'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\"|(?P<index>\d+)|(?P<star>\*))\]"
)
WILDCARD = object()
Step = str | int | object


def plain_steps(text: str) -> tuple[Step, ...] | None:
    """The steps of `text` when it is a plain path, else None."""
    body = text[1:] if text.startswith("$") else text
    body = body[1:] if body.startswith(".") else body
    steps: list[Step] = []
    position = 0
    while position < len(body):
        match = _STEP.match(body, position)
        if match is None or match.end() == position or body.startswith("..", position):
            return None
        if match.group("name") is not None:
            steps.append(WILDCARD if match.group("name") == "*" else match.group("name"))
        elif match.group("index") is not None:
            steps.append(int(match.group("index")))
        elif match.group("star") is not None:
            steps.append(WILDCARD)
        else:
            steps.append(
                match.group("single")
                if match.group("single") is not None
                else match.group("double")
            )
        position = match.end()
    return tuple(steps)


def _walk(node: Any, steps: tuple[Step, ...], path: Concrete) -> list[tuple[Concrete, Any]]:
    if not steps:
        return [(path, node)]
    step, rest = steps[0], steps[1:]
    if step is WILDCARD:
        if isinstance(node, dict):
            return [m for k, v in node.items() for m in _walk(v, rest, (*path, str(k)))]
        if isinstance(node, list):
            return [m for i, v in enumerate(node) for m in _walk(v, rest, (*path, i))]
        return []
    if isinstance(step, int):
        if isinstance(node, list) and step < len(node):
            return _walk(node[step], rest, (*path, step))
        return []
    if isinstance(step, str) and isinstance(node, dict) and step in node:
        return _walk(node[step], rest, (*path, step))
    return []


@dataclass(frozen=True)
class PolicyPath:
    text: str
    absolute: bool
    expression: JSONPath
    steps: tuple[Step, ...] | None = None  # set for a plain path: walked without jsonpath-ng

    def find(self, item: Any, item_path: Concrete, root: Any) -> list[tuple[Concrete, Any]]:
        if self.steps is not None:
            if self.absolute:
                return _walk(root, self.steps, ())
            return _walk(item, self.steps, item_path)
        if self.absolute:
            return [(concrete(m), m.value) for m in self.expression.find(root)]
        return [(item_path + concrete(m), m.value) for m in self.expression.find(item)]

    def guess(self, item_path: Concrete) -> Concrete:
        """The concrete path a missing value would have had, for messages."""
        parts: list[str | int] = []
        for segment in re.split(r"\.(?![^\[]*\])", self.text.lstrip("$.")):
            name, bracket, rest = segment.partition("[")
            if name:
                parts.append(name.strip("'\""))
            if not segment:  # `..`: the rest could be anywhere
                break
            if bracket:
                fixed = _FIXED_STEP.fullmatch(bracket + rest)
                if fixed is None:  # a wildcard or a filter: the rest is unknown
                    break
                key, index = fixed.group(1) or fixed.group(2), fixed.group(3)
                parts.append(int(index) if index is not None else key)
        return tuple(parts) if self.absolute else item_path + tuple(parts)


@functools.cache
def compile_path(text: str) -> PolicyPath:
    """Compile once; raises ValueError with jsonpath-ng's complaint when invalid."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the path is empty")
    try:
        expression = jsonpath_parse(stripped)
    except Exception as exc:  # jsonpath-ng raises bare Exceptions from its lexer/parser
        raise ValueError(str(exc)) from None
    return PolicyPath(stripped, stripped.startswith("$"), expression, plain_steps(stripped))


def concrete(datum: DatumInContext) -> Concrete:
    parts: list[str | int] = []
    node: DatumInContext | None = datum
    while node is not None:
        step = node.path
        if isinstance(step, Fields):
            parts.append(step.fields[0])
        elif isinstance(step, Index):
            index = step.indices[0]
            if index < 0 and node.context is not None and isinstance(node.context.value, list):
                index += len(node.context.value)  # `[-1]` is reported as the element it is
            parts.append(index)
        elif not isinstance(step, Root | This):
            # Slices and other steps resolve to indices in full_path; fall back to it.
            return tuple(str(datum.full_path).split("."))
        node = node.context
    return tuple(reversed(parts))


def format_path(path: Concrete) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out
