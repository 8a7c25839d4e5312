"""Fuzzing every YAML reader with YAML-ish text: anchors, aliases, merge keys, tags,
indicators, quotes, numbers, dates, indentation and document markers.

Whatever the text, a reader returns or raises its own error (yaml.YAMLError from
parse_document, GateError from load_located, SplitError from split_stream), never
RecursionError, ValueError or anything else; and what it returns is bounded by the
limits it was given. `GATE_FUZZ_EXAMPLES=10000 pytest tests/test_yaml_fuzz.py` for a
long run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from gate.errors import GateError
from gate.limits import Limits
from gate.split import SplitError, StreamContext, split_stream
from gate.yamlload import load_located, load_located_all, parse_document
from tests.fuzzing import FUZZ

# Small limits, so that short texts reach them too.
LIMITS = Limits(yaml_alias_nodes=50, yaml_depth=8, document_bytes=4_000, documents=20)

FRAGMENTS = [
    *["\n", "\n", "\n", " ", " ", "  ", "    ", "\t", "\r\n"],
    *["---", "---\n", "...", "\n- ", "- ", "-", "? ", ": ", ":", ",", "#", " # c"],
    *["[", "]", "{", "}", "[]", "{}", '"', "'", "|", ">", "|-", "\\", "%YAML 1.1\n"],
    *["&a ", "&b ", "&a", "*a", "*b", " *a", "*a ", "[*a, *a]", "<<: ", "<<: *a", "<<"],
    *["!!int ", "!!float ", "!!bool ", "!!binary ", "!!timestamp ", "!!str ", "!!null "],
    *["!!map ", "!!seq ", "!!set ", "!!omap ", "!!pairs ", "!foo ", "!<tag:x> ", "! "],
    *["0", "1", "7", "12", "010", "0x1F", "0o17", "0b101", "1_000", "1e3", "1.5", "-2"],
    *[".inf", ".nan", "1:20", "190:20:30:15", "1:20.5", "9" * 40, "_", "=", "~"],
    *[
        "2024-02-30",
        "2024-01-01",
        "2024-13-01",
        "2024-01-01T00:00:00Z",
        "2001-12-14 21:59:43.10 -5",
    ],
    *["a", "b", "key", "name", "x: 1", "yes", "no", "on", "null", "true", "é", "\ufeff"],
    *["apiVersion: v1\n", "kind: ConfigMap\n", "kind: List\nitems:\n", "metadata:\n  name: x\n"],
    *["# Source: c/templates/a.yaml\n", "data:\n  ", "aGk=", "%%%"],
]

fragments = st.sampled_from(FRAGMENTS)
YAMLISH = st.lists(fragments | st.text(max_size=3), max_size=60).map("".join)


def _nested(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    anchors = st.sampled_from(["", "&a ", "&b ", "&c "])
    return st.one_of(
        st.builds(
            lambda a, xs: a + "[" + ", ".join(xs) + "]", anchors, st.lists(children, max_size=4)
        ),
        st.builds(
            lambda a, kv: a + "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}",
            anchors,
            st.lists(
                st.tuples(st.sampled_from(["k", "<<", "m", "n", "1", "? x"]), children), max_size=4
            ),
        ),
    )


# Flow documents with anchors and aliases at any depth: nearer to valid YAML, so that
# they get past the parser to the limits and constructors.
NESTED = st.recursive(
    st.sampled_from(["x", "*a", "*b", "*c", "1:20", "2024-02-30", "!!int q", "'s'", "~", "[]"]),
    _nested,
    max_leaves=30,
)
TEXT = st.one_of(YAMLISH, NESTED, st.builds(lambda a, b: a + "\n" + b, NESTED, YAMLISH))


def _measure(data: Any, budget: int) -> tuple[int, int]:
    """(nodes, depth) of `data` as a walker expanding shared objects sees it, counting
    at most `budget` nodes; a date or time is an error on the rendered path."""
    nodes, deepest = 0, 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack and nodes <= budget:
        value, depth = stack.pop()
        nodes += 1
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            nodes += len(value)  # the keys
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in value)
    return nodes, deepest


def _check_bounded(data: Any, text: str) -> None:
    budget = LIMITS.yaml_alias_nodes + 2 * len(text) + 2
    nodes, depth = _measure(data, budget)
    assert nodes <= budget
    assert depth <= LIMITS.yaml_depth


def _no_times(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dt.date | dt.datetime):
            return False
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


@FUZZ
@given(text=TEXT)
def test_parse_document_returns_or_raises_a_yaml_error(text: str) -> None:
    try:
        data = parse_document(text, limits=LIMITS)
    except yaml.YAMLError:
        return
    _check_bounded(data, text)
    assert _no_times(data)


@FUZZ
@given(text=TEXT)
def test_split_stream_returns_or_raises_a_split_error(text: str) -> None:
    try:
        objects = split_stream(text, StreamContext(limits=LIMITS))
    except SplitError as exc:
        assert exc.message
        assert exc.line >= 1
        return
    assert len(objects) <= LIMITS.documents
    for obj in objects:
        _check_bounded(obj.body, text)


def test_load_located_returns_or_raises_a_gate_error() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"

        @FUZZ
        @given(text=TEXT)
        def check(text: str) -> None:
            path.write_text(text, encoding="utf-8")
            try:
                located = load_located(path, "fuzzed file", limits=LIMITS)
            except GateError as exc:
                assert exc.file == str(path)
                assert exc.message
            else:
                _check_bounded(located.data, text)
            try:
                for doc in load_located_all(path, "fuzzed file", limits=LIMITS):
                    _check_bounded(doc.data, text)
            except GateError as exc:
                assert exc.file == str(path)

        check()
