"""The assertion operators: a plain name -> operator registry.

Each operator checks the expected value a policy gives it once, at load time
(`validate`), and then tests actual values (`test`). A test returns None when
the value passes, or a short reason when it fails.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gate.checks.policies.quantity import parse_quantity
from gate.checks.policies.selectors import (
    Rendering,
    scaled_by,
    selected_by,
    selects,
    validate_kinds,
)
from gate.model import RenderedObject
from gate.regexes import compile_regex

Test = Callable[[Any, Any], str | None]
Validate = Callable[[Any], None]
Relate = Callable[[Any, Any, RenderedObject, Rendering], str | None]


@dataclass(frozen=True)
class Operator:
    name: str
    symbol: str  # how a message says it: "needs >= 120"
    test: Test
    validate: Validate
    holds_when_missing: bool  # a missing value passes (`ne`, `not_in`, ...)
    unary: bool = False  # `exists: true` / `absent: true`
    aggregate: bool = False  # tests the list of every selected value at once
    # Tests a value against the other objects of the rendering (gate/checks/policies/
    # selectors.py): the engine calls `relate(actual, expected, object, rendering)`.
    relate: Relate | None = None


def _any(_: Any) -> None:
    return None


def _true_only(expected: Any) -> None:
    if expected is not True:
        raise ValueError("is written `true` (for the opposite, use the other operator)")


def _list(expected: Any) -> None:
    if not isinstance(expected, list):
        raise ValueError("needs a list of values")


def _regex(expected: Any) -> None:
    """The one compile path of a pattern: a policy's, an override's, a `{path:}` value's."""
    if not isinstance(expected, str):
        raise ValueError("needs a regular expression string")
    try:
        compile_regex(expected)
    except ValueError as exc:
        raise ValueError(f"has a regular expression gate cannot use: {exc}") from None


def _quantity(expected: Any) -> None:
    if parse_quantity(expected) is None:
        raise ValueError(f"needs a number or Kubernetes quantity, not {brief(expected)}")


_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 80


def brief(value: Any) -> str:
    """A short repr for a reason: a value from a hostile object may be huge or unprintable."""
    try:
        return _BRIEF.repr(value)
    except ValueError:  # an int past Python's digit limit for str()
        return "a number too long to show"


def _ordering(compare: Callable[[Any, Any], bool]) -> Test:
    def test(actual: Any, expected: Any) -> str | None:
        left, right = parse_quantity(actual), parse_quantity(expected)
        if left is None:
            return f"{brief(actual)} is not a number or Kubernetes quantity"
        if right is None:
            return f"the expected {brief(expected)} is not a number or Kubernetes quantity"
        return None if compare(left, right) else ""

    return test


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return bool(actual == expected)


def as_text(value: Any) -> str | None:
    """Scalars as the text a regex sees; None for maps, lists and null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # an int past Python's digit limit for str()
            return None
    return None


def _matching(want: bool) -> Test:
    def test(actual: Any, expected: Any) -> str | None:
        text = as_text(actual)
        if text is None:
            return f"{type(actual).__name__} is not text"
        return None if compile_regex(expected).search(text) == want else ""

    return test


def _related(actual: Any, expected: Any) -> str | None:
    raise AssertionError("the engine tests a relating operator with `relate`")


def _verdict(ok: bool) -> str | None:
    return None if ok else ""


def _contains(values: list[Any], expected: Any) -> str | None:
    """Some selected value is `expected`, a list holding it, or text containing it."""
    for value in values:
        if _same(value, expected) or (
            isinstance(value, list) and any(_same(v, expected) for v in value)
        ):
            return None
        if isinstance(value, str) and isinstance(expected, str) and expected in value:
            return None
    return ""


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("exists", "to be set", lambda a, e: None, _true_only, False, unary=True),
        Operator("absent", "to be absent", lambda a, e: "", _true_only, True, unary=True),
        Operator("eq", "==", lambda a, e: _verdict(_same(a, e)), _any, False),
        Operator("ne", "!=", lambda a, e: _verdict(not _same(a, e)), _any, True),
        Operator("gt", ">", _ordering(lambda a, b: a > b), _quantity, False),
        Operator("gte", ">=", _ordering(lambda a, b: a >= b), _quantity, False),
        Operator("lt", "<", _ordering(lambda a, b: a < b), _quantity, False),
        Operator("lte", "<=", _ordering(lambda a, b: a <= b), _quantity, False),
        Operator("in", "one of", lambda a, e: _verdict(any(_same(a, x) for x in e)), _list, False),
        Operator(
            "not_in", "none of", lambda a, e: _verdict(not any(_same(a, x) for x in e)), _list, True
        ),
        Operator("contains", "to contain", _contains, _any, False, aggregate=True),
        Operator("matches", "to match", _matching(True), _regex, False),
        Operator("not_matches", "not to match", _matching(False), _regex, True),
        Operator("selects", "to select pods of", _related, validate_kinds, False, relate=selects),
        Operator(
            "selected_by", "to be selected by", _related, validate_kinds, False, relate=selected_by
        ),
        Operator("scaled_by", "to be scaled by", _related, validate_kinds, False, relate=scaled_by),
    )
}
