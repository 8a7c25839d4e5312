"""Hostile YAML: alias bombs, alias loops, deep nesting, values YAML cannot construct,
byte order marks and bytes that are not UTF-8, in every reader of gate/yamlload.py
and in split_stream."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits
from gate.split import SplitError, split_stream
from gate.yamlload import (
    BadValueError,
    DocumentRefused,
    load_located,
    load_located_all,
    parse_document,
)
from tests.bounds import measure

REPO = Path(__file__).resolve().parents[1]


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" document: `width ** levels` strings from a few hundred bytes."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = ["a: &a [" + ", ".join(['"lol"'] * width) + "]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def nested(kind: str, depth: int) -> str:
    """A document that nests `depth` mappings or lists."""
    if kind == "flow-seq":
        return "[" * depth + "]" * depth + "\n"
    if kind == "flow-map":
        return "{a: " * depth + "x" + "}" * depth + "\n"
    if kind == "block-map":
        return "".join("  " * i + "k:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "k: v\n"
    if kind == "block-seq":
        return "".join("  " * i + "-\n" for i in range(depth - 1)) + "  " * (depth - 1) + "- x\n"
    if kind == "compact-seq":
        return "- " * depth + "x\n"
    if kind == "seq-of-maps":  # `- k:` lines, a list and a mapping per line
        lines = ["  " * i + "- k:" for i in range(depth // 2)]
        last = "- v" if depth % 2 else "v"
        return "\n".join(lines) + "\n" + "  " * (depth // 2) + "  " + last + "\n"
    raise AssertionError(kind)


def depth_of(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            deepest = max(deepest, level)
            stack += [(v, level + 1) for v in value.values()]
        elif isinstance(value, list):
            deepest = max(deepest, level)
            stack += [(v, level + 1) for v in value]
    return deepest


KINDS = ["flow-seq", "flow-map", "block-map", "block-seq", "compact-seq", "seq-of-maps"]


# --- alias bombs -----------------------------------------------------------------------------


def test_bomb_is_small() -> None:
    assert len(bomb()) < 500


def test_parse_document_refuses_an_alias_bomb() -> None:
    with pytest.raises(DocumentRefused) as info:
        parse_document(bomb())
    err = info.value
    assert err.limit == "yaml_alias_nodes"
    assert "limits.yaml_alias_nodes in gate.yaml" in str(err)
    # a..e expand to 74,718 nodes; the first *e on line 6 passes 100,000
    assert err.line == 6
    assert isinstance(err, yaml.YAMLError)


def test_load_located_refuses_an_alias_bomb(tmp_path: Path) -> None:
    path = write(tmp_path, "# values\n" + bomb(), "values.yaml")
    with pytest.raises(GateError) as info:
        load_located(path, "values file")
    err = info.value
    assert err.file == str(path)
    assert err.line == 7
    assert err.message.startswith("values file expands its YAML aliases to more than 100000")
    assert "limits.yaml_alias_nodes in gate.yaml" in err.message


def test_load_located_all_refuses_an_alias_bomb(tmp_path: Path) -> None:
    path = write(tmp_path, "name: ok\n---\n" + bomb(), "policy.yaml")
    with pytest.raises(GateError) as info:
        list(load_located_all(path, "policy file"))
    assert info.value.line == 8
    assert "limits.yaml_alias_nodes" in info.value.message


def test_split_stream_refuses_an_alias_bomb() -> None:
    stream = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n" + bomb()
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    err = info.value
    assert err.source == "c/templates/cm.yaml"
    assert err.line == 10
    assert "limits.yaml_alias_nodes in gate.yaml" in err.message
    assert err.message.startswith("the document rendered from c/templates/cm.yaml expands")


def test_an_alias_bomb_in_a_block_list() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 7):
        text += f"l{level}: &l{level}\n" + "".join(
            f"  - *{'a' if level == 1 else f'l{level - 1}'}\n" for _ in range(10)
        )
    with pytest.raises(DocumentRefused) as info:
        parse_document(text)
    assert info.value.limit == "yaml_alias_nodes"


def test_alias_bomb_costs_little_time_and_memory(tmp_path: Path) -> None:
    """Every reader refuses the bomb in well under 2 s and 200 MB, interpreter included
    (the child's own peak, tests/bounds.py), and Python allocates little doing so."""
    path = write(tmp_path, bomb())
    setup = f"""
    from pathlib import Path
    from gate.errors import GateError
    from gate.split import SplitError, split_stream
    from gate.yamlload import DocumentRefused, load_located, load_located_all, parse_document
    path = Path({str(path)!r})
    text = path.read_text()
    def refused():
        count = 0
        for read in (
            lambda: parse_document(text),
            lambda: load_located(path),
            lambda: list(load_located_all(path)),
            lambda: split_stream("apiVersion: v1\\nkind: ConfigMap\\n" + text),
        ):
            try:
                read()
            except (DocumentRefused, GateError, SplitError):
                count += 1
        return count
    """
    measured = measure("refused()", setup=setup, timeout=60)
    assert measured.value() == 4
    assert measured.seconds < 2
    assert measured.resident_bytes < 200 * 1024 * 1024
    assert measured.peak_bytes < 20 * 1024 * 1024


def test_an_ordinary_use_of_aliases_is_fine(tmp_path: Path) -> None:
    text = (
        "defaults: &defaults {cpu: 100m, memory: 128Mi}\n"
        "web:\n  resources: *defaults\n"
        "worker:\n  <<: *defaults\n  cpu: 200m\n"
    )
    data = parse_document(text)
    assert data["web"]["resources"] == {"cpu": "100m", "memory": "128Mi"}
    assert data["worker"] == {"cpu": "200m", "memory": "128Mi"}
    assert load_located(write(tmp_path, text)).data == data


def test_the_alias_limit_comes_from_limits(tmp_path: Path) -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"  # the two aliases reach 4 nodes each
    assert parse_document(text, limits=Limits(yaml_alias_nodes=8)) == {
        "a": [1, 2, 3],
        "b": [[1, 2, 3], [1, 2, 3]],
    }
    with pytest.raises(DocumentRefused) as info:
        parse_document(text, limits=Limits(yaml_alias_nodes=7))
    assert "more than 7 nodes" in str(info.value)
    assert info.value.line == 2
    path = write(tmp_path, text)
    with pytest.raises(GateError):
        load_located(path, limits=Limits(yaml_alias_nodes=7))
    assert load_located(path, limits=Limits(yaml_alias_nodes=8)).data["b"][1] == [1, 2, 3]


def test_aliased_scalars_count_too() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    assert parse_document(text, limits=Limits(yaml_alias_nodes=20))["b"][19] == "x"
    with pytest.raises(DocumentRefused):
        parse_document(text, limits=Limits(yaml_alias_nodes=19))


def test_star_without_an_alias_takes_the_fast_path() -> None:
    # RBAC wildcards and cron schedules are quoted text, not aliases.
    text = 'rules:\n- verbs: ["*"]\n  resources: [\'*\']\nschedule: "*/5 * * * *"\n'
    assert parse_document(text)["rules"][0]["verbs"] == ["*"]


# --- alias loops -----------------------------------------------------------------------------

LOOPS = [
    ("a: &a [*a]\n", 1),
    ("a: &a {<<: *a}\n", 1),
    ("x: 1\na: &a\n  b:\n    <<: *a\n", 4),
    ("x: 1\na: &a\n  b:\n    c: *a\n", 4),
    ("a: &a {b: [1, {c: *a}]}\n", 1),
    ("a: &a\n  <<: [*a]\n", 2),
]


@pytest.mark.parametrize(("text", "line"), LOOPS)
def test_parse_document_refuses_a_document_that_contains_itself(text: str, line: int) -> None:
    with pytest.raises(DocumentRefused) as info:
        parse_document(text)
    assert "contains itself through a YAML alias" in str(info.value)
    assert info.value.line == line
    assert info.value.limit is None  # no limit lets an endless document through


@pytest.mark.parametrize(("text", "line"), LOOPS)
def test_load_located_refuses_a_document_that_contains_itself(
    tmp_path: Path, text: str, line: int
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(GateError) as info:
        load_located(path, "gate.yaml")
    assert info.value.file == str(path)
    assert info.value.line == line
    assert info.value.message.startswith("gate.yaml contains itself through a YAML alias")


def test_split_stream_refuses_a_merge_loop() -> None:
    stream = (
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\ndata: &d {<<: *d}\n"
    )
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    assert info.value.line == 5
    assert "contains itself" in info.value.message


# --- nesting depth ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_depth_up_to_the_limit_parses(tmp_path: Path, kind: str) -> None:
    text = nested(kind, DEFAULT_LIMITS.yaml_depth)
    data = parse_document(text)
    assert depth_of(data) == DEFAULT_LIMITS.yaml_depth
    assert depth_of(load_located(write(tmp_path, text)).data) == DEFAULT_LIMITS.yaml_depth


@pytest.mark.parametrize("kind", KINDS)
def test_depth_up_to_the_limit_parses_in_a_worker_thread(tmp_path: Path, kind: str) -> None:
    text = nested(kind, DEFAULT_LIMITS.yaml_depth)
    path = write(tmp_path, text)
    results: list[Any] = []

    def work() -> None:
        try:
            results.append(depth_of(parse_document(text)))
            results.append(depth_of(load_located(path, "worker").data))
        except BaseException as exc:  # reported below, in the test's own thread
            results.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert results == [DEFAULT_LIMITS.yaml_depth] * 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("extra", [1, 50, 700])
def test_deeper_than_the_limit_is_refused(tmp_path: Path, kind: str, extra: int) -> None:
    text = nested(kind, DEFAULT_LIMITS.yaml_depth + extra)
    with pytest.raises(DocumentRefused) as info:
        parse_document(text)
    assert info.value.limit == "yaml_depth"
    assert "more than 200 levels deep (limits.yaml_depth in gate.yaml)" in str(info.value)
    path = write(tmp_path, text)
    with pytest.raises(GateError) as located:
        load_located(path, "values file")
    assert "limits.yaml_depth in gate.yaml" in located.value.message
    assert located.value.line == info.value.line


def test_the_depth_error_names_the_line_that_goes_too_deep() -> None:
    text = nested("block-map", 205)
    with pytest.raises(DocumentRefused) as info:
        parse_document(text)
    assert info.value.line == 201


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_very_deep_documents_are_yaml_errors_not_crashes(tmp_path: Path, depth: int) -> None:
    for kind in ("flow-seq", "compact-seq", "flow-map"):
        text = nested(kind, depth)
        with pytest.raises(yaml.YAMLError):
            parse_document(text)
        with pytest.raises(GateError):
            load_located(write(tmp_path, text))
        with pytest.raises(SplitError):
            split_stream(text)


def test_depth_through_aliases_counts_the_expansion() -> None:
    inner = "[" * 150 + "1" + "]" * 150
    outer = "[" * 60 + "*a" + "]" * 60
    with pytest.raises(DocumentRefused) as info:
        parse_document(f"a: &a {inner}\nb: {outer}\n")
    assert info.value.limit == "yaml_depth"
    shallow = "[" * 40 + "*a" + "]" * 40
    assert depth_of(parse_document(f"a: &a {inner}\nb: {shallow}\n")) == 1 + 40 + 150


def test_nested_merges_deeper_than_the_limit_are_refused() -> None:
    text = "a: " + "{<<: " * 300 + "{x: 1}" + "}" * 300 + "\n"
    with pytest.raises(DocumentRefused) as info:
        parse_document(text)
    assert info.value.limit == "yaml_depth"


def test_the_depth_limit_comes_from_limits(tmp_path: Path) -> None:
    text = nested("block-map", 6)
    assert depth_of(parse_document(text, limits=Limits(yaml_depth=6))) == 6
    with pytest.raises(DocumentRefused) as info:
        parse_document(text, limits=Limits(yaml_depth=5))
    assert "more than 5 levels" in str(info.value)
    assert info.value.line == 6
    with pytest.raises(GateError):
        load_located(write(tmp_path, text), limits=Limits(yaml_depth=5))
    assert depth_of(parse_document(nested("flow-seq", 400), limits=Limits(yaml_depth=400))) == 400


def test_a_long_flat_document_is_not_deep() -> None:
    text = "".join(f"key{i}: [a-{i}, {{b: c}}, '-:?[{{']\n" for i in range(2_000))
    assert len(parse_document(text)) == 2_000


# --- values YAML cannot construct ------------------------------------------------------------

BAD_VALUES = [
    "!!int abc",
    "!!float x",
    "1" * 5_000,
    "-" + "9" * 4_500,
    "!!int 1:" + "1:" * 3_000 + "1",
    "!!binary x",
    '!!binary "ab=c"',
    "!!bool maybe",
    '!!int ""',
    '!!float ""',
    "!!int _",
    "!!int 0x",
    "!!float 1:x",
    "!foo x",
    "!!python/object:os.system x",
    "!!map x",
    "!!set [a]",
    "!!omap x",
    "!!str [a]",
    "{[a]: b}",
]


@pytest.mark.parametrize("value", BAD_VALUES, ids=lambda v: v[:20])
def test_parse_document_locates_a_value_it_cannot_construct(value: str) -> None:
    with pytest.raises(yaml.YAMLError) as info:
        parse_document(f"a: 1\nb:\n  c: {value}\n")
    mark = getattr(info.value, "problem_mark", None)
    assert mark is not None
    assert mark.line + 1 == 3


@pytest.mark.parametrize(
    "value",
    [*BAD_VALUES, "2024-02-30", "2024-13-01", "2024-01-01 25:00:00", "2024-01-01T00:00:00+25:00"],
    ids=lambda v: v[:20],
)
def test_load_located_locates_a_value_it_cannot_construct(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"a: 1\nb:\n  - c: {value}\n")
    with pytest.raises(GateError) as info:
        load_located(path, "gate.yaml")
    assert info.value.file == str(path)
    assert info.value.line == 3
    assert info.value.message.startswith("gate.yaml ")
    with pytest.raises(GateError) as every:
        list(load_located_all(path, "policy file"))
    assert every.value.line == 3


def test_an_impossible_date_in_gate_yaml_says_what_and_how(tmp_path: Path) -> None:
    path = write(tmp_path, "exemptions:\n  - rule: x\n    expires: 2024-02-30\n", "gate.yaml")
    with pytest.raises(GateError) as info:
        load_located(path, "gate.yaml")
    assert info.value.render() == (
        f"{path}:3: gate.yaml holds '2024-02-30', which YAML cannot read as a date "
        "(day is out of range for month); fix it, or quote it to keep it as text"
    )


def test_a_huge_integer_message_does_not_quote_all_of_it(tmp_path: Path) -> None:
    with pytest.raises(BadValueError) as info:
        parse_document("n: " + "7" * 5_000 + "\n")
    assert len(str(info.value)) < 400
    assert "an integer" in str(info.value)
    assert "set_int_max_str_digits" not in str(info.value)


def test_a_long_base_60_integer_is_refused_quickly(tmp_path: Path) -> None:
    # PyYAML's base-60 arithmetic is quadratic: 80,000 parts took a second, 5 million hours.
    text = "n: 1:" + "1:" * 2_000_000 + "1\n"
    with pytest.raises(GateError) as info:
        load_located(write(tmp_path, text))
    assert "an integer" in info.value.message
    with pytest.raises(BadValueError):
        parse_document(text.replace("n: ", "n: !!int "))


def test_split_stream_locates_a_value_it_cannot_construct() -> None:
    stream = (
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "data:\n  n: !!int abc\n"
    )
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    assert info.value.line == 10
    assert info.value.source == "c/templates/b.yaml"
    assert "'abc', which YAML cannot read as an integer" in info.value.message


def test_valid_explicit_tags_still_construct(tmp_path: Path) -> None:
    text = "a: !!int '42'\nb: !!float '1.5'\nc: !!binary aGk=\nd: !!bool yes\ne: !!str 12\n"
    expected = {"a": 42, "b": 1.5, "c": b"hi", "d": True, "e": "12"}
    assert parse_document(text) == expected
    assert load_located(write(tmp_path, text)).data == expected


# --- rendered documents read as the API server reads them ------------------------------------


def test_parse_document_reads_base_60_and_timestamps_as_text() -> None:
    data = parse_document(
        "a: 190:20:30:15\nb: 1:20\nc: -1:20.5\nd: 2024-02-30\ne: 2024-01-01T00:00:00Z\n"
        "f: 2024-01-01\ng: !!timestamp 2024-01-01\nh: 2001-12-14 21:59:43.10 -5\ni: =\n"
        "j: [<<]\n"
    )
    assert data == {
        "a": "190:20:30:15",
        "b": "1:20",
        "c": "-1:20.5",
        "d": "2024-02-30",
        "e": "2024-01-01T00:00:00Z",
        "f": "2024-01-01",
        "g": "2024-01-01",
        "h": "2001-12-14 21:59:43.10 -5",
        "i": "=",
        "j": ["<<"],
    }


def test_parse_document_keeps_the_other_yaml_1_1_scalars() -> None:
    text = (
        "a: 0b101\nb: 0x1F\nc: 017\nd: -12\ne: 1_000\nf: 1.5\ng: .inf\nh: -.inf\n"
        "i: 6.8523015e+5\nj: ~\nk: off\nm: 0\nn: +7\no: 1.5e+3\n"
    )
    assert parse_document(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_load_located_keeps_base_60_and_dates(tmp_path: Path) -> None:
    import datetime as dt

    doc = load_located(write(tmp_path, "a: 1:20\nb: 2024-01-01\nc: 1:30.5\n"))
    assert doc.data == {"a": 80, "b": dt.date(2024, 1, 1), "c": 90.5}


def test_split_stream_keeps_an_impossible_date_as_text() -> None:
    stream = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  day: 2024-02-30\n"
    (obj,) = split_stream(stream)
    assert obj.body["data"] == {"day": "2024-02-30"}


def test_golden_text_reads_back_as_the_rendering() -> None:
    from gate.yamlload import dump_yaml

    body = {"a": "190:20:30:15", "b": "2024-01-01", "c": "2024-01-01T00:00:00Z", "d": "1:20"}
    assert parse_document(dump_yaml(body)) == body


# --- byte order marks and bytes that are not UTF-8 ------------------------------------------


def test_a_byte_order_mark_is_ignored_everywhere(tmp_path: Path) -> None:
    text = "\ufeffa: 1\nb:\n  c: 2\n"
    assert parse_document(text) == {"a": 1, "b": {"c": 2}}
    path = tmp_path / "bom.yaml"
    path.write_bytes(text.encode("utf-8"))
    doc = load_located(path)
    assert doc.data == {"a": 1, "b": {"c": 2}}
    assert doc.lines[("b", "c")] == 3
    path.write_bytes(("\ufeff---\na: 1\n---\nb: 2\n").encode())
    assert [d.data for d in load_located_all(path)] == [{"a": 1}, {"b": 2}]
    assert [d.lines[(next(iter(d.data)),)] for d in load_located_all(path)] == [2, 4]
    (obj,) = split_stream("\ufeff---\n# Source: c/t.yaml\napiVersion: v1\nkind: ConfigMap\n")
    assert (obj.kind, obj.source, obj.line) == ("ConfigMap", "c/t.yaml", 3)


@pytest.mark.parametrize("reader", [load_located, lambda p, w: list(load_located_all(p, w))])
def test_bytes_that_are_not_utf8_name_the_file_and_line(
    tmp_path: Path, reader: Callable[[Path, str], object]
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: 2\nname: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(GateError) as info:
        reader(path, "values file")
    assert info.value.file == str(path)
    assert info.value.line == 3
    assert "not UTF-8" in info.value.message
    assert "0xe9" in info.value.message


@pytest.mark.parametrize("form", ["[{alias}:]", "{{{alias}:}}", "[? {alias}:]", "[{alias}:x]"])
def test_an_alias_followed_by_a_colon_is_still_an_alias(form: str) -> None:
    # libyaml ends an alias name at any character but a letter, digit, - or _, so
    # `[*a0:]` is a mapping whose key is the alias `a0`.
    text = "a: &a0 x\nb: [" + ", ".join([form.format(alias="*a0")] * 20) + "]\n"
    assert parse_document(text, limits=Limits(yaml_alias_nodes=20))["b"][19] in (
        {"x": None},
        {"x": "x"},
        [{"x": None}],
        [{"x": "x"}],
    )
    with pytest.raises(DocumentRefused) as info:
        parse_document(text, limits=Limits(yaml_alias_nodes=19))
    assert info.value.limit == "yaml_alias_nodes"
