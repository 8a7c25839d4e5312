"""Read policy files, validate every field once, compile paths and regexes.

A mistake in a policy file is a GateError naming the file, the line, the
policy id and the field, with a did-you-mean where one fits.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gate.checks.policies.model import (
    MISSING,
    AllOf,
    AnyOf,
    Condition,
    Example,
    Leaf,
    Match,
    NotOf,
    ParamRef,
    PathRef,
    Policy,
    Test,
)
from gate.checks.policies.operators import OPERATORS
from gate.checks.policies.packs import BUILTIN, builtin_policy_dir, pack_closure, packs_dir
from gate.checks.policies.paths import PolicyPath, compile_path
from gate.config import did_you_mean, dotted
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import Severity
from gate.yamlload import Located, PathKey, load_located_all

POLICY_KEYS = (
    "id",
    "title",
    "severity",
    "description",
    "params",
    "match",
    "each",
    "parse",
    "within",
    "when",
    "assert",
    "message",
    "examples",
    "enabled",
)
MATCH_KEYS = ("kinds", "apiVersions", "names", "namespaces", "labels", "targets", "profiles")
COMBINATORS = ("all", "any", "not")
LEAF_KEYS = ("path", "default", "decode", "message")
PARSERS = ("yaml", "json")
DECODERS = ("base64",)
# Words people reach for first; the did-you-mean names the operator they meant.
OPERATOR_HINTS = {
    "greater_than": "gt",
    "greater_or_equal": "gte",
    "min": "gte",
    ">=": "gte",
    ">": "gt",
    "less_than": "lt",
    "less_or_equal": "lte",
    "max": "lte",
    "<=": "lte",
    "<": "lt",
    "equals": "eq",
    "equal": "eq",
    "==": "eq",
    "not_equals": "ne",
    "!=": "ne",
    "regex": "matches",
    "match": "matches",
    "pattern": "matches",
    "not_exists": "absent",
    "missing": "absent",
    "present": "exists",
    "one_of": "in",
    "none_of": "not_in",
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def policy_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders contribute their *.yaml/*.yml files (not subfolders)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            files.append(path)
        else:
            raise GateError("policy file or folder does not exist; fix the `policies` entry", path)
    return files


def load_policies(
    paths: Iterable[Path],
    builtin: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    packs: Iterable[str] = (),
) -> list[Policy]:
    """Every policy of the built-in pack (unless disabled), of the opt-in `packs` (names
    gate.yaml validated) and of `paths`."""
    sources: list[tuple[Path, str | None]] = [(builtin_policy_dir(), BUILTIN)] if builtin else []
    sources += [(packs_dir() / name, name) for name in pack_closure(tuple(packs))]
    sources += [(path, None) for path in paths]
    policies: list[Policy] = []
    seen: dict[str, Policy] = {}
    for source, pack in sources:
        policies += _read_files(policy_files([source]), pack, limits, seen)
    return policies


def _read_files(
    files: Iterable[Path], pack: str | None, limits: Limits, seen: dict[str, Policy]
) -> list[Policy]:
    policies: list[Policy] = []
    for file in files:
        for doc in load_located_all(file, "policy file", limits=limits):
            policy = dataclasses.replace(_Reader(doc).policy(), pack=pack)
            if policy.id in seen:
                first = seen[policy.id]
                raise GateError(
                    f"policy id {policy.id!r} is already defined in {first.file}:{first.line}; "
                    "rename one, or tune the existing one with gate.yaml `overrides`",
                    file,
                    policy.line,
                )
            seen[policy.id] = policy
            policies.append(policy)
    return policies


class _Reader:
    """Turns one located YAML document into a Policy, or fails precisely."""

    def __init__(self, doc: Located):
        self.doc = doc
        self.id = "?"

    def fail(self, path: PathKey, message: str) -> GateError:
        field = dotted(path)
        return GateError(
            f"policy {self.id!r}, field {field}: {message}", self.doc.file, self.doc.line_of(path)
        )

    def policy(self) -> Policy:
        data = self.doc.data
        if not isinstance(data, dict):
            raise GateError(
                "a policy document must be a mapping", self.doc.file, self.doc.line_of(())
            )
        if isinstance(data.get("id"), str):
            self.id = data["id"]
        self._keys(data, POLICY_KEYS, ())
        for required in ("id", "assert"):
            if required not in data:
                raise self.fail((), f"the {required!r} key is required")
        if not _ID.match(self.id):
            raise self.fail(("id",), "an id is lower-case letters, digits and '-'")
        params = data.get("params", {}) or {}
        if not isinstance(params, dict):
            raise self.fail(("params",), "must be a mapping of name: default")
        return Policy(
            id=self.id,
            title=self._text(data, "title", default=self.id),
            severity=self._severity(data.get("severity", "error")),
            assertion=self._condition(data["assert"], ("assert",), params),
            match=self._match(data.get("match") or {}),
            params=tuple(params.items()),
            each=self._each(data.get("each")),
            parse=self._parse(data.get("parse")),
            within=self._path(data["within"], ("within",)) if "within" in data else None,
            when=self._condition(data["when"], ("when",), params) if "when" in data else None,
            message=self._text(data, "message", default=None),
            description=self._text(data, "description", default=""),
            examples=self._examples(data.get("examples")),
            enabled=self._flag(data, "enabled", default=True),
            file=self.doc.file,
            line=self.doc.line_of(()),
        )

    def _keys(self, data: dict[str, Any], allowed: Iterable[str], path: PathKey) -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                hint = OPERATOR_HINTS.get(str(key)) if "exists" in allowed else None
                suggestion = (
                    f"; did you mean {hint!r}?" if hint else did_you_mean(str(key), allowed)
                )
                raise self.fail((*path, key), f"unknown key {key!r}{suggestion}")

    def _text(self, data: dict[str, Any], key: str, default: Any) -> Any:
        value = data.get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.fail((key,), "must be a string")
        return value

    def _flag(self, data: dict[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail((key,), "must be true or false")
        return value

    def _severity(self, value: Any) -> Severity:
        names = [s.value for s in Severity]
        if value not in names:
            raise self.fail(
                ("severity",),
                f"{value!r} is not one of error, warning, info{did_you_mean(str(value), names)}",
            )
        return Severity(value)

    def _parse(self, value: Any) -> str | None:
        if value is None or value in PARSERS:
            return value  # type: ignore[no-any-return]
        raise self.fail(("parse",), f"{value!r} is not one of {', '.join(PARSERS)}")

    def _path(self, value: Any, where: PathKey) -> PolicyPath:
        if not isinstance(value, str):
            raise self.fail(where, "a path is a JSONPath string")
        try:
            return compile_path(value)
        except ValueError as exc:
            raise self.fail(where, f"invalid JSONPath {value!r} ({exc})") from None

    def _each(self, value: Any) -> tuple[PolicyPath, ...]:
        if value is None:
            return ()
        paths = value if isinstance(value, list) else [value]
        return tuple(self._path(p, ("each",)) for p in paths)

    def _globs(self, value: Any, where: PathKey) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "must be a list of names or globs")
        return tuple(value)

    def _match(self, data: Any) -> Match:
        where: PathKey = ("match",)
        if not isinstance(data, dict):
            raise self.fail(where, "must be a mapping")
        self._keys(data, MATCH_KEYS, where)
        labels = data.get("labels", {}) or {}
        if not isinstance(labels, dict):
            raise self.fail((*where, "labels"), "must be a mapping of label: glob")
        return Match(
            kinds=self._globs(data.get("kinds", []), (*where, "kinds")),
            api_versions=self._globs(data.get("apiVersions", []), (*where, "apiVersions")),
            names=self._globs(data.get("names", []), (*where, "names")),
            namespaces=self._globs(data.get("namespaces", []), (*where, "namespaces")),
            labels=tuple((str(k), str(v)) for k, v in labels.items()),
            targets=self._globs(data.get("targets", []), (*where, "targets")),
            profiles=self._globs(data.get("profiles", []), (*where, "profiles")),
        )

    def _condition(self, data: Any, where: PathKey, params: dict[str, Any]) -> Condition:
        if not isinstance(data, dict) or not data:
            raise self.fail(
                where, "a condition is a mapping: a path with operators, or all/any/not"
            )
        combinator = [k for k in COMBINATORS if k in data]
        if combinator:
            if len(data) != 1:
                raise self.fail(where, f"{combinator[0]!r} stands alone in its mapping")
            return self._combinator(combinator[0], data[combinator[0]], where, params)
        allowed = (*LEAF_KEYS, *OPERATORS, *COMBINATORS)
        self._keys(data, allowed, where)
        tests = tuple(
            self._test(name, value, (*where, name), params)
            for name, value in data.items()
            if name in OPERATORS
        )
        if not tests:
            raise self.fail(where, f"names no operator; use one of {', '.join(OPERATORS)}")
        path = self._path(data["path"], (*where, "path")) if "path" in data else None
        decode = data.get("decode")
        if decode is not None and decode not in DECODERS:
            raise self.fail((*where, "decode"), f"{decode!r} is not one of {', '.join(DECODERS)}")
        text = data.get("message")
        if text is not None and not isinstance(text, str):
            raise self.fail((*where, "message"), "must be a string")
        return Leaf(
            path=path,
            tests=tests,
            default=data.get("default", MISSING),
            decode=decode,
            message=text,
        )

    def _combinator(
        self, name: str, value: Any, where: PathKey, params: dict[str, Any]
    ) -> Condition:
        inner = (*where, name)
        if name == "not":
            return NotOf(self._condition(value, inner, params))
        if not isinstance(value, list) or not value:
            raise self.fail(inner, f"{name!r} takes a non-empty list of conditions")
        children = tuple(self._condition(c, (*inner, i), params) for i, c in enumerate(value))
        return AllOf(children) if name == "all" else AnyOf(children)

    def _test(self, name: str, value: Any, where: PathKey, params: dict[str, Any]) -> Test:
        operator = OPERATORS[name]
        if isinstance(value, dict) and set(value) == {"path"}:
            reference = PathRef(self._path(value["path"], (*where, "path")))
            return Test(operator, reference, dotted(where), self.doc.line_of(where))
        if isinstance(value, dict) and set(value) == {"param"}:
            if value["param"] not in params:
                raise self.fail(
                    where,
                    f"parameter {value['param']!r} is not declared under params"
                    f"{did_you_mean(str(value['param']), params)}",
                )
            expected: Any = ParamRef(value["param"])
            value = params[value["param"]]
        else:
            expected = value
        try:
            operator.validate(value)
        except ValueError as exc:
            raise self.fail(where, f"{name} {exc}") from None
        return Test(operator, expected, dotted(where), self.doc.line_of(where))

    def _examples(self, data: Any) -> tuple[Example, ...]:
        if data is None:
            return ()
        where: PathKey = ("examples",)
        if not isinstance(data, dict):
            raise self.fail(where, "must be a mapping with `pass` and `fail` lists of objects")
        self._keys(data, ("pass", "fail"), where)
        examples: list[Example] = []
        for key in ("pass", "fail"):
            items = data.get(key, []) or []
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise self.fail((*where, key), "must be a list of Kubernetes objects")
            examples += [Example(body=item, passes=key == "pass") for item in items]
        return tuple(examples)
