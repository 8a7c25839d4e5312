"""A loaded policy: plain frozen data, compiled once by the loader."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from gate.checks.policies.operators import Operator
from gate.checks.policies.paths import PolicyPath
from gate.model import RenderedObject, Severity


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class ParamRef:
    """`{param: min}`: the policy's parameter, as gate.yaml may have overridden it."""

    name: str


@dataclass(frozen=True)
class PathRef:
    """`{path: readinessProbe.initialDelaySeconds}`: another value of the same item."""

    path: PolicyPath


@dataclass(frozen=True)
class Test:
    operator: Operator
    expected: Any  # a plain value, a ParamRef or a PathRef
    where: str = field(default="", compare=False)  # the field that holds it: assert.all[0].gte
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Leaf:
    path: PolicyPath | None  # None: the current item itself
    tests: tuple[Test, ...]
    default: Any = MISSING  # the value Kubernetes assumes when the path is unset
    decode: str | None = None  # "base64": test the decoded text (a Secret's data)
    # The finding's message when this test is the one that fails: a policy whose tests
    # fail for different reasons says each ("has no startupProbe" / "is 2, needs >= 120").
    message: str | None = None


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class NotOf:
    child: Condition


Condition = Leaf | AllOf | AnyOf | NotOf


def condition_tests(condition: Condition | None) -> Iterator[Test]:
    """Every test in a condition tree."""
    if isinstance(condition, Leaf):
        yield from condition.tests
    elif isinstance(condition, AllOf | AnyOf):
        for child in condition.children:
            yield from condition_tests(child)
    elif isinstance(condition, NotOf):
        yield from condition_tests(condition.child)


def _any_glob(value: str, globs: tuple[str, ...]) -> bool:
    return not globs or _glob_matcher(globs)(value)


@functools.lru_cache(maxsize=1024)
def _glob_matcher(globs: tuple[str, ...]) -> Callable[[str], bool]:
    """One test for a set of globs, made once: a set lookup when none holds a wildcard
    (`kinds: [Deployment, StatefulSet]`, the common case), else one regular expression.
    Every policy asks this of every object, so fnmatch per glob was a hot spot."""
    if not any(char in glob for glob in globs for char in "*?["):
        return frozenset(globs).__contains__
    pattern = re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))
    return lambda value: pattern.match(value) is not None


@dataclass(frozen=True)
class Match:
    """Which objects a policy looks at; an empty field matches everything."""

    kinds: tuple[str, ...] = ()
    api_versions: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    targets: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()

    def selects(self, obj: RenderedObject) -> bool:
        if not (
            _any_glob(obj.kind, self.kinds)
            and _any_glob(obj.api_version, self.api_versions)
            and _any_glob(obj.name, self.names)
            and _any_glob(obj.namespace, self.namespaces)
            and _any_glob(obj.target, self.targets)
            and _any_glob(obj.profile, self.profiles)
        ):
            return False
        if not self.labels:
            return True
        metadata = obj.body.get("metadata") or {}
        labels = metadata.get("labels") or {} if isinstance(metadata, dict) else {}
        return all(
            isinstance(labels, dict) and key in labels and fnmatchcase(str(labels[key]), glob)
            for key, glob in self.labels
        )


@dataclass(frozen=True)
class Example:
    """An object the policy must pass (`passes`) or fail, shipped with the policy."""

    body: dict[str, Any] = field(compare=False)
    passes: bool = True


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    severity: Severity
    assertion: Condition
    match: Match = Match()
    params: tuple[tuple[str, Any], ...] = ()
    each: tuple[PolicyPath, ...] = ()  # empty: the object itself
    parse: str | None = None
    within: PolicyPath | None = None  # items inside each (parsed) item
    when: Condition | None = None
    message: str | None = None
    description: str = ""
    examples: tuple[Example, ...] = ()
    # false: off unless a gate.yaml override enables it for the targets and profiles it
    # names (a pack's "in production" rules: more than one replica, a disruption budget)
    enabled: bool = True
    # Where gate got it: "built-in", an opt-in pack's name, or None for the repository's
    # own files. gate's own policies skip helm test hooks (gate/checks/policies/scope.py).
    pack: str | None = None
    file: str = ""
    line: int | None = None


def parameter_tests(policy: Policy) -> Iterator[tuple[str, Test]]:
    """(parameter name, test) for every test whose expected value is a parameter."""
    for condition in (policy.when, policy.assertion):
        for test in condition_tests(condition):
            if isinstance(test.expected, ParamRef):
                yield test.expected.name, test
