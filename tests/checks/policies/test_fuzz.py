"""Fixed-seed fuzz (tests.fuzzing.FUZZ; `GATE_FUZZ_EXAMPLES=10000` for a long run).

- parse_quantity on any text or number: never raises, returns a Decimal or None,
  and each call is bounded in time whatever the digits and the exponent.
- The policy engine on random policies (every operator, hostile regexes and
  quantities, `..` and filters, `parse`, `within`, message templates) and random
  documents, with random gate.yaml parameter overrides: nothing but GateError
  ever escapes, and every finding is well formed.
"""

from __future__ import annotations

import functools
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import event, given
from hypothesis import strategies as st

from gate.checks.overrides import check_override_params
from gate.checks.policies.engine import check_policies
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Policy
from gate.checks.policies.quantity import parse_quantity
from gate.config import Override
from gate.errors import GateError
from gate.model import RenderedObject
from tests.checks.policies.test_properties import KEYS, documents, leaves
from tests.fuzzing import FUZZ

SECONDS = 1.0  # per call; the slowest real ones are milliseconds

# --- parse_quantity ---------------------------------------------------------------------------


def _digits(longest: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet="0123456789", max_size=40),
        st.integers(0, longest).map(lambda n: "9" * n),  # long runs, cheap to generate
        st.integers(0, longest).map(lambda n: "0" * n + "1"),
    )


def _quantity_texts(longest: int) -> st.SearchStrategy[str]:
    tails = st.one_of(
        st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E"]),
        st.sampled_from(["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "ki", "KI", "i", "e", "E+", "x"]),
        st.tuples(
            st.sampled_from(["e", "E"]),
            st.sampled_from(["", "+", "-", "--"]),
            st.one_of(
                st.integers(0, 2**70).map(str),
                st.sampled_from(["999999999", "2147483647", "2147483648", "4294967296"]),
                _digits(longest),
            ),
        ).map("".join),
    )
    spaces = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u3000", "\x1c"])
    return st.tuples(
        spaces,
        st.sampled_from(["", "+", "-", "+-"]),
        _digits(longest),
        st.sampled_from(["", ".", ".."]),
        _digits(longest),
        tails,
        spaces,
    ).map("".join)


def _quantity_scalars(longest: int, bits: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        _quantity_texts(longest),
        st.text(max_size=60),
        st.text(alphabet="0123456789.eEKMGTPinum+- ", max_size=60),
        st.integers(),
        st.integers(0, bits).map(lambda n: -(2**n)),  # past the digit limit of str()
        st.floats(),
        st.booleans(),
        st.none(),
    )


def _quantity_inputs(longest: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        _quantity_scalars(longest, 40_000),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )


quantity_inputs = _quantity_inputs(200_000)


@FUZZ
@given(value=quantity_inputs)
def test_parse_quantity_never_raises_and_is_bounded(value: Any) -> None:
    started = time.perf_counter()
    result = parse_quantity(value)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS, (elapsed, repr(value)[:100])
    assert result is None or isinstance(result, Decimal)
    if result is None or not isinstance(value, str):
        return
    exponent = result.as_tuple().exponent
    assert isinstance(exponent, int) and (result.is_zero() or exponent >= -9)  # whole nano units
    text = value.strip()
    if text[-2:] in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"):
        assert abs(result) <= 2**63 - 1  # binary SI is capped
    if text.startswith("-"):
        assert result <= 0
    else:
        assert result >= 0


# --- the policy engine ------------------------------------------------------------------------

_HOSTILE_PATTERNS = [
    "^(a|aa)+$",
    "(a*)*b",
    "(?i)^\\s*(x{3,}|todo)\\s*$",
    "(?=a)",
    "(a)\\1",
    "[",
    "a{1001}",
    "\\Z",
    "(?x) a",
    "",
    ".*",
    "\\pL+",
]


def _mostly(usable: st.SearchStrategy[Any], refused: st.SearchStrategy[Any]) -> Any:
    """`usable` 9 times in 10: a policy has several paths and values, and one that gate
    refuses stops it at load before the engine runs."""
    return st.integers(0, 9).flatmap(lambda n: refused if n == 0 else usable)


_patterns = _mostly(
    st.sampled_from([p for p in _HOSTILE_PATTERNS if p not in ("(?=a)", "(a)\\1", "[", "\\Z")]),
    st.one_of(st.sampled_from(_HOSTILE_PATTERNS), st.text(max_size=8)),
)
_quantities = _mostly(
    st.one_of(
        st.sampled_from(
            ["1e999999999", "-1e-999999999", "9Ei", "1e4294967296", "100m", "1" * 5000, 0, 1.5]
        ),
        _quantity_texts(5_000).filter(lambda text: parse_quantity(text) is not None),
    ),
    # A policy file is YAML text that PyYAML scans in Python: runs of 5,000 digits (past
    # the int-digit limit), and no int past the limit a YAML dumper can write.
    _quantity_scalars(5_000, 13_000),
)
_valid_steps = st.sampled_from(
    [
        *(f".{key}" for key in KEYS),
        *(f"..{key}" for key in KEYS),
        "[*]",
        ".*",
        "[0]",
        "[-1]",
        "[1:]",
        "[::-1]",
        "['a','b']",
        "[?@.name]",
        "[?@.image =~ '^a']",
        "[?@ == 'latest']",
        "[?@.a > 1]",
        "[?(@.a || !@.b)]",
    ]
)
_refused_steps = st.sampled_from([".`len`", "[?@ =~ '(?=x)']", "..", "[?@.a + 1 == 2]"])
_paths = _mostly(
    st.tuples(st.sampled_from([*KEYS, "$", "@", "spec"]), st.lists(_valid_steps, max_size=3)).map(
        lambda parts: parts[0] + "".join(parts[1])
    ),
    st.one_of(st.tuples(st.sampled_from(KEYS), _refused_steps).map("".join), st.text(max_size=8)),
)


@st.composite
def _leaf(draw: st.DrawFn) -> dict[str, Any]:
    leaf = draw(leaves())
    operator = next(iter(leaf))
    if operator in ("matches", "not_matches"):
        leaf[operator] = draw(st.one_of(_patterns, st.just({"param": "p"})))
    elif operator in ("gt", "gte", "lt", "lte"):
        leaf[operator] = draw(st.one_of(_quantities, st.just({"param": "q"})))
    if draw(st.booleans()):
        leaf["path"] = draw(_paths)
    if draw(st.integers(0, 5)) == 0:
        leaf[operator] = {"path": draw(_paths)}  # the expected value read from the object
    if draw(st.integers(0, 5)) == 0:
        leaf["default"] = draw(st.one_of(st.integers(), st.text(max_size=4)))
    if draw(st.integers(0, 5)) == 0:
        leaf["decode"] = "base64"
    return leaf


_conditions = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=6,
)
_messages = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "{actual} {expected} {path} {object} {kind} {name} {namespace} {reason}",
            "{item.name} {item.a[0]} {params.p} {params.q}",
            "{actual:>999999999}",
            "{actual:.99999999f}",
            "{actual:{params.q}}",
            "{item:d}",
            "{item.0.²}",
            "{",
            "}",
            "{0}",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def policy_documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "fuzzed",
        "params": {"p": draw(_patterns), "q": draw(_quantities)},
        "assert": draw(_conditions),
    }
    if draw(st.booleans()):
        document["when"] = draw(_conditions)
    if draw(st.booleans()):
        document["each"] = draw(st.one_of(_paths, st.lists(_paths, min_size=1, max_size=2)))
        if draw(st.integers(0, 3)) == 0:
            document["parse"] = draw(st.sampled_from(["yaml", "json"]))
        if draw(st.integers(0, 3)) == 0:
            document["within"] = draw(_paths)
    message = draw(_messages)
    if message is not None:
        document["message"] = message
    return document


_embedded = st.sampled_from(
    ["a: 1", "{a: [1, 2]}", "- x", "&a [*a]", "{", '{"a": 1}', "a: !!binary x", "0x" + "f" * 5000]
)
_bodies = st.recursive(
    st.one_of(
        documents, _embedded, st.just("a" * 5000 + "b"), st.just(20_000).map(lambda bits: 2**bits)
    ),
    lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)


def _load(document: dict[str, Any]) -> list[Policy]:
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "fuzzed.yaml"
        file.write_text(yaml.safe_dump(document), encoding="utf-8")
        return load_policies([file], builtin=False)


@FUZZ
@given(
    document=policy_documents(),
    bodies=st.lists(_bodies, min_size=1, max_size=2),
    override=st.one_of(
        st.fixed_dictionaries({}, optional={"p": _patterns, "q": _quantities}),
        st.dictionaries(st.sampled_from(["p", "q"]), st.one_of(_patterns, _quantities)),
    ),
)
def test_engine_raises_nothing_but_gate_error(
    document: dict[str, Any], bodies: list[Any], override: dict[str, Any]
) -> None:
    try:
        policies = _load(document)
    except GateError:
        event("policy refused at load")  # as it should be: a sentence, exit 2
        return
    try:
        check_override_params(
            [Override(rule="fuzzed", params=tuple(override.items()), line=1)],
            policies,
            Path("gate.yaml"),
        )
    except GateError:
        event("override refused at load")
        return
    objects = [
        RenderedObject("t", "p", "v1", "Thing", "ns", f"x{i}", {"kind": "Thing", "spec": body})
        for i, body in enumerate(bodies)
    ]
    started = time.perf_counter()
    try:
        findings = check_policies(
            policies, objects, lambda policy, obj: {**dict(policy.params), **override}
        )
    except GateError:
        event("checked: stopped by a GateError")
        return
    event(f"checked: {'findings' if findings else 'no finding'}")
    assert time.perf_counter() - started < 5 * SECONDS
    for finding in findings:
        assert finding.rule == "fuzzed"
        assert isinstance(finding.message, str) and len(finding.message) < 20_000
        assert isinstance(finding.path, str)


@functools.cache
def _builtin_pack() -> list[Policy]:
    return load_policies([], builtin=True)


@FUZZ
@given(
    bodies=st.lists(_bodies, min_size=1, max_size=3),
    kind=st.sampled_from(["Secret", "Deployment", "Pod", "CronJob", "StatefulSet"]),
    pattern=_patterns,
)
def test_builtin_pack_on_random_objects_raises_nothing_but_gate_error(
    bodies: list[Any], kind: str, pattern: str
) -> None:
    pack = _builtin_pack()
    overrides = [Override(rule="placeholder-secret", params=(("pattern", pattern),), line=1)]
    try:
        check_override_params(overrides, pack, Path("gate.yaml"))
    except GateError:
        return
    objects = [
        RenderedObject("t", "p", "v1", kind, "ns", f"x{i}", {"kind": kind, "spec": body, **body})
        if isinstance(body, dict)
        else RenderedObject("t", "p", "v1", kind, "ns", f"x{i}", {"kind": kind, "spec": body})
        for i, body in enumerate(bodies)
    ]

    def params_for(policy: Policy, obj: RenderedObject) -> dict[str, Any]:
        params = dict(policy.params)
        return {**params, "pattern": pattern} if policy.id == "placeholder-secret" else params

    try:
        findings = check_policies(pack, objects, params_for)
    except GateError:
        return
    assert all(isinstance(f.message, str) for f in findings)
