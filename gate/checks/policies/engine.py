"""Evaluate policies on rendered objects; return findings, never print."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from gate.checks.locate import Locate
from gate.checks.policies.model import (
    MISSING,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    ParamRef,
    PathRef,
    Policy,
    Test,
)
from gate.checks.policies.paths import Concrete, format_path
from gate.checks.policies.selectors import Rendering
from gate.errors import GateError
from gate.model import Category, Finding, RenderedObject, one_line
from gate.regexes import RegexTimeout
from gate.yamlload import parse_document

ParamsFor = Callable[[Policy, RenderedObject], Mapping[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds, and what it looked at (for the message)."""

    holds: bool
    path: Concrete = ()
    actual: Any = MISSING
    expected: Any = MISSING
    symbol: str = ""
    reason: str = ""
    negated: bool = False
    message: str | None = None  # the failing test's own message, when it has one


class _Stuck(Exception):
    """A regular expression ran past its time bound, with where it was being matched."""

    def __init__(self, timeout: RegexTimeout, path: Concrete, test: Test | None):
        super().__init__(str(timeout))
        self.timeout = timeout
        self.path = path
        self.test = test


@dataclass(frozen=True)
class Item:
    """What a condition is evaluated on: the current node, its path, the object root."""

    value: Any
    path: Concrete
    root: Any
    obj: RenderedObject | None = None  # the object, for the operators that relate it to
    rendering: Rendering | None = None  # its rendering's objects, for relating operators


def evaluate(condition: Condition, item: Item, params: Mapping[str, Any]) -> Outcome:
    if isinstance(condition, Leaf):
        return _leaf(condition, item, params)
    if isinstance(condition, AllOf):
        last = Outcome(True, item.path)
        for child in condition.children:
            last = evaluate(child, item, params)
            if not last.holds:
                return last
        return last
    if isinstance(condition, AnyOf):
        first: Outcome | None = None
        for child in condition.children:
            outcome = evaluate(child, item, params)
            if outcome.holds:
                return outcome
            first = first or outcome
        assert first is not None
        return first
    inner = evaluate(condition.child, item, params)
    return Outcome(  # a test's own message describes its failing, not its holding
        not inner.holds,
        inner.path,
        inner.actual,
        inner.expected,
        inner.symbol,
        inner.reason,
        negated=not inner.negated,
    )


def _resolve(expected: Any, params: Mapping[str, Any], item: Item) -> Any:
    if isinstance(expected, ParamRef):
        return params.get(expected.name)
    if isinstance(expected, PathRef):
        found = [
            v for _, v in expected.path.find(item.value, item.path, item.root) if v is not None
        ]
        return found[0] if found else MISSING
    return expected


def _leaf(leaf: Leaf, item: Item, params: Mapping[str, Any]) -> Outcome:
    if leaf.path is None:
        matches = [(item.path, item.value)]
    else:
        matches = [
            (p, v) for p, v in leaf.path.find(item.value, item.path, item.root) if v is not None
        ]
    if leaf.decode is not None:
        matches = [
            (p, text) for p, text in ((p, _decode(v)) for p, v in matches) if text is not None
        ]
    if not matches and leaf.default is not MISSING:
        matches = [(_guess(leaf, item), leaf.default)]
    outcome = Outcome(True, matches[0][0] if matches else _guess(leaf, item))
    for test in leaf.tests:
        expected = _resolve(test.expected, params, item)
        if expected is MISSING:  # compared with a value that is not there: nothing to compare
            continue
        outcome = _test(test, matches, expected, outcome.path, item)
        if not outcome.holds:
            return dataclasses.replace(outcome, message=leaf.message) if leaf.message else outcome
    return outcome


def _decode(value: Any) -> str | None:
    """base64 text decoded; None when it is not base64, so it counts as absent."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return None


def _guess(leaf: Leaf, item: Item) -> Concrete:
    return leaf.path.guess(item.path) if leaf.path is not None else item.path


def _test(
    test: Test, matches: list[tuple[Concrete, Any]], expected: Any, missing: Concrete, item: Item
) -> Outcome:
    operator = test.operator
    if operator.name == "exists":
        path, actual = matches[0] if matches else (missing, MISSING)
        return Outcome(bool(matches), path, actual, expected, operator.symbol)
    if operator.name == "absent":
        path, actual = matches[0] if matches else (missing, MISSING)
        return Outcome(not matches, path, actual, expected, operator.symbol)
    if not matches:
        return Outcome(operator.holds_when_missing, missing, MISSING, expected, operator.symbol)
    try:  # a {path:} reference or an overridden parameter arrives unchecked
        operator.validate(expected)
    except ValueError as exc:
        path, actual = matches[0]
        return Outcome(False, path, actual, expected, operator.symbol, f"the expected value: {exc}")
    if operator.aggregate:  # a test of the whole selection, not of each value
        values = [actual for _, actual in matches]
        reason = operator.test(values, expected)
        shown = values[0] if len(values) == 1 else values
        return Outcome(
            reason is None, matches[0][0], shown, expected, operator.symbol, reason or ""
        )
    for path, actual in matches:
        try:
            if operator.relate is not None:
                reason = (
                    operator.relate(actual, expected, item.obj, item.rendering)
                    if item.obj is not None and item.rendering is not None
                    else "there is no rendering to look in"
                )
            else:
                reason = operator.test(actual, expected)
        except RegexTimeout as timeout:
            raise _Stuck(timeout, path, test) from None
        if reason is not None:
            return Outcome(False, path, actual, expected, operator.symbol, reason)
    return Outcome(True, matches[0][0], matches[0][1], expected, operator.symbol)


# --- items: `each` and `parse` --------------------------------------------------------------


def _parse_embedded(kind: str, text: Any) -> Any:
    if not isinstance(text, str):
        raise ValueError(f"holds a {type(text).__name__}, not text to parse as {kind}")
    if kind == "json":
        return json.loads(text)
    return parse_document(text)


def _items(
    policy: Policy, obj: RenderedObject, rendering: Rendering | None
) -> Iterator[Item | Outcome]:
    """Each item the assertion runs on; an Outcome where an embedded document fails to parse."""
    body = obj.body
    selected = (
        [((), body)]
        if not policy.each
        else [match for each in policy.each for match in each.find(body, (), body)]
    )
    for path, value in selected:
        if policy.parse is not None:
            try:
                value = _parse_embedded(policy.parse, value)
            except (ValueError, yaml.YAMLError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
                yield Outcome(False, path, value, MISSING, f"to parse as {policy.parse}", reason)
                continue
        if policy.within is None:
            yield Item(value, path, body, obj, rendering)
        else:
            for inner_path, inner in policy.within.find(value, path, body):
                yield Item(inner, inner_path, body, obj, rendering)


# --- messages -------------------------------------------------------------------------------


def show(value: Any) -> str:
    if value is MISSING:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    try:
        text = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
    except ValueError:  # an int past Python's digit limit for str() (YAML reads 0xfff... whole)
        return "a number too long to show" if isinstance(value, int) else "a value gate cannot show"
    return text if len(text) <= 80 else text[:77] + "..."


class _Lenient(string.Formatter):
    """`{item.name}` reads dict keys; anything missing reads `unset`."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        head, *rest = field_name.replace("[", ".").replace("]", "").split(".")
        value: Any = kwargs.get(head, MISSING)
        for part in rest:
            if isinstance(value, dict):
                value = value.get(part, MISSING)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = MISSING
        return (value if value is not MISSING else "unset"), field_name

    def format_field(self, value: Any, format_spec: str) -> Any:
        # A width or precision of 1000 or more (`{actual:>999999999}`) would build a
        # message of that size: the value is shown as it is instead.
        if any(len(run) > 3 for run in _DIGIT_RUNS.findall(format_spec)):
            format_spec = ""
        text = str(super().format_field(value, format_spec))
        text = text if len(text) <= _FIELD_CHARS else text[: _FIELD_CHARS - 3] + "..."
        return one_line(text)


_DIGIT_RUNS = re.compile(r"[0-9]+")
_FIELD_CHARS = 1000  # a placeholder shows at most this much of a value
_FORMATTER = _Lenient()


def default_message(outcome: Outcome) -> str:
    where = format_path(outcome.path) or "the object"
    if outcome.reason and outcome.actual is not MISSING and outcome.expected is not MISSING:
        return f"{where} is {show(outcome.actual)}: {outcome.reason}"
    if outcome.symbol == "to parse as yaml" or outcome.symbol.startswith("to parse"):
        return f"{where} does not parse ({outcome.reason})"
    if outcome.negated:
        return f"{where} is {show(outcome.actual)}, which this policy forbids"
    if outcome.symbol == "to be set":
        return f"{where} is not set"
    if outcome.symbol == "to be absent":
        return f"{where} is {show(outcome.actual)} but must not be set"
    return f"{where} is {show(outcome.actual)}, needs {outcome.symbol} {show(outcome.expected)}"


def _as_written(value: Any) -> Any:
    """A value as a message shows it: YAML's `true`, a list as JSON, unset as `unset`;
    numbers and text stay as they are, so a format spec (`{actual:>5}`) still applies."""
    if value is MISSING or value == "" or isinstance(value, bool | list | dict):
        return show(value) if value != "" else '""'
    return value


CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})


def container_name(path: Concrete, root: Any) -> Any:
    """The name of the (init or ephemeral) container the path runs through, the innermost
    one; MISSING (read `unset`) when it runs through none or the container has no name."""
    node, name = root, MISSING
    for index, step in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
            node = node[step]
        else:
            break
        if step in CONTAINER_LISTS and isinstance(following, int) and isinstance(node, list):
            item = node[following] if -len(node) <= following < len(node) else None
            found = item.get("name") if isinstance(item, dict) else None
            name = found if isinstance(found, str) else MISSING
    return name


def message(
    policy: Policy,
    obj: RenderedObject,
    item: Item | None,
    outcome: Outcome,
    params: Mapping[str, Any],
) -> str:
    template = outcome.message or policy.message
    if template is None:
        return default_message(outcome)
    context = {
        "actual": _as_written(outcome.actual),
        "expected": outcome.expected if outcome.expected is not MISSING else "",
        "path": format_path(outcome.path),
        "named_path": format_path(outcome.path, obj.body),
        "container": container_name(outcome.path, obj.body),
        "item": item.value if item is not None else {},
        "object": obj.short_identity,
        "kind": obj.kind,
        "name": obj.name,
        "namespace": obj.namespace,
        "params": dict(params),
        "reason": outcome.reason,
    }
    try:
        text = _FORMATTER.vformat(template, (), context)
    except (ValueError, IndexError, KeyError, TypeError):  # a format spec the value refuses
        text = template
    if outcome.reason and outcome.reason not in text:
        text += f" ({outcome.reason})"
    return text


# --- the check ------------------------------------------------------------------------------


def violations(
    policy: Policy,
    obj: RenderedObject,
    params: Mapping[str, Any],
    rendering: Rendering | None = None,
) -> Iterator[tuple[Item | None, Outcome]]:
    """Every failing item of `obj` under `policy` with the outcome that failed it.

    A regular expression that runs past its bound raises GateError (exit 2):
    neither a pass nor a finding would be true, and `not`/`when` could turn
    either into the other."""
    item_path: Concrete = ()
    try:
        for entry in _items(policy, obj, rendering):
            if isinstance(entry, Outcome):
                yield None, entry
                continue
            item_path = entry.path
            if policy.when is not None and not evaluate(policy.when, entry, params).holds:
                continue
            outcome = evaluate(policy.assertion, entry, params)
            if not outcome.holds:
                yield entry, outcome
    except RegexTimeout as timeout:  # in a JSONPath filter (`=~`)
        raise _stopped(policy, obj, _Stuck(timeout, item_path, None)) from None
    except _Stuck as stuck:
        raise _stopped(policy, obj, stuck) from None


def _stopped(policy: Policy, obj: RenderedObject, stuck: _Stuck) -> GateError:
    timeout = stuck.timeout
    where = f", field {stuck.test.where}" if stuck.test is not None and stuck.test.where else ""
    at = format_path(stuck.path)
    return GateError(
        f"policy {policy.id!r}{where}: matching the regular expression "
        f"{show(timeout.pattern)} against {timeout.length:,} characters of {obj.identity}"
        f"{f' at {at}' if at else ''} ran past the {timeout.seconds:g} s bound; simplify the "
        "expression (long counted repetitions such as {0,900} are slow on long text)",
        policy.file or None,
        (stuck.test.line if stuck.test is not None else None) or policy.line,
    )


def check_policies(
    policies: Iterable[Policy],
    objects: Iterable[RenderedObject],
    params_for: ParamsFor | None = None,
    locate: Locate | None = None,
    skips: Callable[[Policy, RenderedObject], bool] | None = None,
) -> list[Finding]:
    """The findings of `policies` on the objects of one rendering; `skips` says where a
    policy does not run (switched off there, or a helm test hook gate's own leave alone)."""
    findings: list[Finding] = []
    objects = list(objects)
    rendering = Rendering(objects)
    for policy in policies:
        for obj in objects:
            if not policy.match.selects(obj) or (skips is not None and skips(policy, obj)):
                continue
            params = params_for(policy, obj) if params_for else dict(policy.params)
            for item, outcome in violations(policy, obj, params, rendering):
                file, line = locate(obj, outcome.path) if locate else (obj.file or obj.source, None)
                findings.append(
                    Finding(
                        category=Category.POLICY,
                        rule=policy.id,
                        severity=policy.severity,
                        message=message(policy, obj, item, outcome, params),
                        target=obj.target,
                        profile=obj.profile,
                        object=obj.identity,
                        path=format_path(outcome.path),
                        file=file,
                        line=line,
                    )
                )
    return findings
