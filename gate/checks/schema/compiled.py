"""A JSON Schema validator compiled to closures, for the subset Kubernetes uses.

The Kubernetes schemas (kubernetes-validate's strict JSON schemas, and CRDs'
openAPIV3Schema) use a small part of JSON Schema: type, properties,
additionalProperties, required, items, enum, oneOf/anyOf/allOf, $ref, and in
CRDs a few bounds and the x-kubernetes-* extensions. Compiling each schema
node once into a closure and reusing it for every object is what makes
validating thousands of objects cheap; a generic validator re-walks the schema
and resolves references on every call.

Two readings follow the API server rather than the letter of the schemas:
null is accepted anywhere (the server treats it as unset), and a date or time
that YAML parsed into a datetime counts as the string it was written as.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gate.regexes import compile_regex

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SchemaError:
    path: Path
    message: str


Check = Callable[[Any, Path, list[SchemaError]], None]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str | dt.date | dt.datetime),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_ARTICLE = {"integer": "an integer", "object": "a mapping", "array": "a list"}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _wanted(types: list[str]) -> str:
    names = [_ARTICLE.get(t, f"a {t}") for t in types if t != "null"]
    return " or ".join(names) or "null"


class Compiler:
    """Compiles schemas that `$ref` into `definitions` (a `$defs` mapping)."""

    def __init__(
        self, definitions: Mapping[str, Any] | None = None, closed_by_default: bool = False
    ):
        self.definitions = definitions or {}
        # A CRD's structural schema prunes fields it does not list, and kubectl's
        # strict field validation rejects them: there, unlisted means unknown.
        self.closed_by_default = closed_by_default
        self._refs: dict[str, Check] = {}

    def compile(self, schema: Mapping[str, Any], root: bool = False) -> Check:
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if "type" in schema or schema.get("x-kubernetes-int-or-string"):
            checks.append(self._type(schema))
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        if "pattern" in schema:
            checks.append(self._pattern(schema["pattern"]))
        for keyword in ("minimum", "maximum"):
            if keyword in schema:
                checks.append(self._bound(keyword, schema[keyword]))
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            checks.append(self._object(schema, root))
        if "items" in schema and isinstance(schema["items"], Mapping):
            checks.append(self._items(self.compile(schema["items"])))
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                checks.append(self._alternatives([self.compile(s) for s in schema[keyword]]))
        for sub in schema.get("allOf", []):
            checks.append(self.compile(sub))
        return _all(checks)

    def _ref(self, ref: str) -> Check:
        name = ref.rsplit("/", 1)[-1]
        if name not in self._refs:
            # Recursive schemas (JSONSchemaProps) refer to themselves: point the
            # cache at a forwarder before compiling the target.
            holder: list[Check] = []
            self._refs[name] = lambda value, path, errors: holder[0](value, path, errors)
            target = self.definitions.get(name)
            holder.append(self.compile(target) if isinstance(target, Mapping) else _nothing)
        return self._refs[name]

    @staticmethod
    def _type(schema: Mapping[str, Any]) -> Check:
        declared = schema.get("type")
        types = [declared] if isinstance(declared, str) else list(declared or [])
        if schema.get("x-kubernetes-int-or-string"):
            types = ["integer", "string"]
        tests = [_TYPES[t] for t in types if t in _TYPES]
        wanted = _wanted(types)

        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if value is not None and not any(test(value) for test in tests):
                errors.append(SchemaError(path, f"is {describe(value)}, needs {wanted}"))

        return check

    @staticmethod
    def _enum(allowed: list[Any]) -> Check:
        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if value is not None and value not in allowed:
                shown = ", ".join(repr(a) for a in allowed[:8])
                errors.append(SchemaError(path, f"is {describe(value)}, needs one of {shown}"))

        return check

    @staticmethod
    def _pattern(pattern: str) -> Check:
        # The API server matches `pattern` with Go's regexp, which is RE2: so does gate,
        # in linear time whatever a CRD from the pull request says. A pattern RE2 cannot
        # compile would make the API server refuse the CRD itself; it checks nothing here.
        try:
            compiled = compile_regex(pattern)
        except ValueError:
            return _nothing

        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if isinstance(value, str) and not compiled.search(value):
                errors.append(
                    SchemaError(path, f"is {describe(value)}, needs to match {pattern!r}")
                )

        return check

    @staticmethod
    def _bound(keyword: str, limit: float) -> Check:
        below = keyword == "minimum"

        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and ((value < limit) if below else (value > limit)):
                word = "at least" if below else "at most"
                errors.append(SchemaError(path, f"is {value}, needs {word} {limit}"))

        return check

    def _object(self, schema: Mapping[str, Any], root: bool) -> Check:
        declared = schema.get("properties") or {}
        properties = {k: self.compile(v) for k, v in declared.items()}
        required = tuple(
            key
            for key in schema.get("required") or ()
            # The API server fills a CRD field's `default` in before it validates, so a
            # required field with a default is never missing.
            if not (
                self.closed_by_default
                and isinstance(declared.get(key), Mapping)
                and "default" in declared[key]
            )
        )
        extra = schema.get("additionalProperties")
        extra_check = self.compile(extra) if isinstance(extra, Mapping) else None
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            closed = False
        elif extra is None:  # unsaid: open, except in a structural (CRD) schema
            closed = self.closed_by_default and "properties" in schema
        else:
            closed = extra is False
        if root:  # every object has these, whatever its schema lists
            properties = {
                "apiVersion": _nothing,
                "kind": _nothing,
                "metadata": _nothing,
            } | properties
            if self.closed_by_default:
                # A CRD may restrict metadata.name; the API server checks the rest of
                # metadata as ordinary object metadata, whatever the CRD lists.
                properties["metadata"] = _nothing
        names = sorted(properties)

        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if not isinstance(value, dict):
                return
            for key, item in value.items():
                validate = properties.get(key)
                if validate is not None:
                    validate(item, (*path, key), errors)
                elif extra_check is not None:
                    extra_check(item, (*path, key), errors)
                elif closed:
                    close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.75)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    errors.append(SchemaError((*path, key), f"is not a field of this object{hint}"))
            for key in required:
                if value.get(key) is None:
                    errors.append(SchemaError((*path, key), "is required"))

        return check

    @staticmethod
    def _items(item_check: Check) -> Check:
        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if isinstance(value, list):
                for index, item in enumerate(value):
                    item_check(item, (*path, index), errors)

        return check

    @staticmethod
    def _alternatives(options: list[Check]) -> Check:
        def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
            if value is None:
                return
            failures: list[list[SchemaError]] = []
            for option in options:
                found: list[SchemaError] = []
                option(value, path, found)
                if not found:
                    return
                failures.append(found)
            errors.extend(_combined(failures) or failures[0])

        return check


def _combined(failures: list[list[SchemaError]]) -> list[SchemaError] | None:
    """When every alternative failed only on its type, one error naming all the types:
    `is a list, needs a string or an integer` (IntOrString, Quantity)."""
    wanted: list[str] = []
    head = ""
    for found in failures:
        if (
            len(found) != 1
            or ", needs " not in found[0].message
            or found[0].path != failures[0][0].path
        ):
            return None
        head, _, need = found[0].message.partition(", needs ")
        kinds = need.split(" or ")
        if not all(k.startswith(("a ", "an ")) for k in kinds):  # not a type error
            return None
        wanted += [k for k in kinds if k not in wanted]
    return [SchemaError(failures[0][0].path, f"{head}, needs {' or '.join(wanted)}")]


def _nothing(value: Any, path: Path, errors: list[SchemaError]) -> None:
    return None


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _nothing
    if len(checks) == 1:
        return checks[0]

    def check(value: Any, path: Path, errors: list[SchemaError]) -> None:
        for one in checks:
            one(value, path, errors)

    return check
