"""parse_document's fast path (gate.fastyaml: yaml-rs) against its reference (PyYAML).

parse_document reads a document with yaml-rs when gate.fastyaml can tell that PyYAML
would build the same value, and with PyYAML (`_parse_with_pyyaml`, the reference)
otherwise. Whatever the text, the two must agree: the same value (types, key order
and all), or the same error. Checked on generated Kubernetes-like documents written
plain, quoted, in flow and block style, on raw YAML-ish text, on every YAML file in the
repository, and on the charts' renderings. `GATE_FUZZ_EXAMPLES=10000 pytest
tests/test_yaml_differential.py` for a long run.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gate import fastyaml, yamlload
from gate.limits import DEFAULT_LIMITS, Limits
from gate.split import _chunks
from gate.yamlload import dump_yaml, parse_document
from tests.conftest import REPO
from tests.fuzzing import FUZZ
from tests.test_yaml_fuzz import TEXT as YAMLISH_TEXT

# --- comparing ------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (True is not 1, 1 is not 1.0) and the
    same key order; NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(a[ka], b[kb]) for ka, kb in zip(a, b, strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def outcome(read: Any, text: str) -> tuple[str, Any]:
    """("ok", value) or ("error", type name, message, line); anything but a YAMLError
    propagates and fails the test."""
    try:
        return ("ok", read(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return ("error", (type(exc).__name__, str(exc), mark.line if mark else None))


def reference(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    stripped = text[1:] if text.startswith("\ufeff") else text
    return yamlload._parse_with_pyyaml(stripped, limits)


def took_fast_path(text: str, limits: Limits = DEFAULT_LIMITS) -> bool:
    stripped = text[1:] if text.startswith("\ufeff") else text
    try:
        yamlload._read_fast(stripped, limits.yaml_depth)
    except fastyaml.NotFast:
        return False
    return True


def check(text: str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Assert parse_document and the reference agree on `text`; whether yaml-rs read it."""
    fast = outcome(lambda t: parse_document(t, limits=limits), text)
    slow = outcome(lambda t: reference(t, limits), text)
    assert fast[0] == slow[0], (text, fast, slow)
    if fast[0] == "ok":
        assert same(fast[1], slow[1]), (text, fast[1], slow[1])
    else:
        assert fast[1] == slow[1], (text, fast[1], slow[1])
    return took_fast_path(text, limits)


# --- generated documents --------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


# Scalars whose reading differs between YAML 1.1 (PyYAML, Go's yaml.v2) and 1.2 (yaml-rs),
# or between either and gate's choices (timestamps and base 60 kept as text, `1e3` a number).
TRICKY = [
    *words("y Y n N yes Yes YES no No NO on On ON off Off OFF true True TRUE false False FALSE"),
    *words("~ null Null NULL NuLL tRUE = < << - ? : , # | > ! & * % @ ` ' \" _ ."),
    *words("0 00 07 08 09 010 0777 0o17 0O17 0x1F 0X1F 0x_1F 0xg 0b101 0B101 -0b101 0b_ 0x"),
    *words("1_000 1__0 _1 1_ +1 -1 +0 -0 1. .5 -.5 +.5 ._5 1.5 1_0.5 1e3 1E3 1e+3 1e-3 1e_"),
    *words("1.5e_ 1.5e3 -2E+2 1e400 -1e400 1e-400 .inf .Inf .INF -.inf +.inf .iNf .nan .NaN"),
    *words(".NAN -.nan 1:20 -1:20 1:20.5 190:20:30:15 12:30 0:0 2024-01-01 2024-02-30"),
    *words("2024-01-01T00:00:00Z 0610fbb 0bad 0o8 9223372036854775807 9223372036854775808"),
    *words("-9223372036854775809 18446744073709551616 100m 128Mi 0.5Gi 1Ki 1.2.3 v1 v1.0"),
    *words("e3 1e 1e+ 6.8523015e+5 685_230.15 +685_230"),
    "2001-12-14 21:59:43.10 -5",
    "",
    " ",
    "a b",
    "a  b",
    " lead",
    "trail ",
    "a: b",
    "a #b",
    "a#b",
    "[a]",
    "{a: 1}",
    "- a",
    "line\nbreak",
    "two\n\nbreaks",
    "\n",
    "\nlead",
    "trail\n",
    "tab\there",
    "é",
    "ü: ß",
    "日本",
    "😀",
    "\u00a0",
    "\x85",
    "\u2028",
    "\ufeff",
    "\x07",
    "\\",
    "'quoted'",
    '"dq"',
    "it's",
    "http://x.example/a?b=1&c=*",
    "*/5 * * * *",
    "#!/bin/sh\necho hi\n",
]

scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=12),
    st.text(alphabet="0123456789_.eExXoObB+-:", min_size=1, max_size=6),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
keys = st.one_of(
    st.sampled_from(["apiVersion", "kind", "metadata", "name", "labels", "data", "spec"]),
    st.sampled_from(TRICKY),
    st.text(min_size=1, max_size=8),
    st.integers(min_value=-5, max_value=20),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, min_size=1, max_size=6)

# What a plain scalar may be written as without changing the text's structure; anything
# else is double-quoted (JSON's escapes are YAML's too).
_PLAIN_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-~=/@$^()"


def _plain_or_quoted(value: Any, quote_all: bool) -> str:
    if value is None:
        return "~" if quote_all else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    plain = (
        text
        and not quote_all
        and all(c in _PLAIN_SAFE or c in ":" for c in text)
        and text[0] not in "-:?"
        and not text.endswith(":")
        and ": " not in text
    )
    return text if plain else json.dumps(text)


def write_plain(data: Any, quote_all: bool = False, indent: int = 2) -> str:
    """Block style, scalars written plain whenever that is syntactically possible: the
    text `yes`, `010` or `1_000` reaches the parsers unquoted, to be typed."""
    lines: list[str] = []

    def emit(node: Any, depth: int) -> None:
        pad = " " * (indent * depth)
        if isinstance(node, dict):
            if not node:
                lines[-1] += " {}"
            for key, value in node.items():
                lines.append(f"{pad}{_plain_or_quoted(key, quote_all)}:")
                if isinstance(value, dict | list) and value:
                    emit(value, depth + 1)
                else:
                    lines[-1] += " " + _scalar_or_empty(value, quote_all)
        elif isinstance(node, list):
            if not node:
                lines[-1] += " []"
            for item in node:
                lines.append(f"{pad}-")
                if isinstance(item, dict | list) and item:
                    emit(item, depth + 1)
                else:
                    lines[-1] += " " + _scalar_or_empty(item, quote_all)

    def _scalar_or_empty(value: Any, quote_all: bool) -> str:
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return _plain_or_quoted(value, quote_all)

    lines.append("")
    emit(data, 0)
    return "\n".join(line for line in lines if line) + "\n"


def write_flow(data: Any) -> str:
    """One line of flow style, scalars plain where possible."""
    if isinstance(data, dict):
        return "{" + ", ".join(f"{write_flow(k)}: {write_flow(v)}" for k, v in data.items()) + "}"
    if isinstance(data, list):
        return "[" + ", ".join(write_flow(item) for item in data) + "]"
    text = _plain_or_quoted(data, False)
    if any(c in text for c in ",[]{}#") or text in ("", "~"):
        return json.dumps(str(data)) if isinstance(data, str) else (text or "null")
    return text


WRITERS = {
    "plain": write_plain,
    "plain-indent-4": lambda d: write_plain(d, indent=4),
    "quoted": lambda d: write_plain(d, quote_all=True),
    "flow": lambda d: "k: " + write_flow(d) + "\n",
    "pyyaml-block": lambda d: yaml.safe_dump(d, default_flow_style=False, allow_unicode=True),
    "pyyaml-flow": lambda d: yaml.safe_dump(d, default_flow_style=True, width=2**20),
    "pyyaml-double-quoted": lambda d: yaml.safe_dump(d, default_style='"'),
    "pyyaml-single-quoted": lambda d: yaml.safe_dump(d, default_style="'", allow_unicode=True),
    "pyyaml-literal": lambda d: yaml.safe_dump(d, default_style="|", allow_unicode=True),
    "gate-dump": dump_yaml,
    "json": lambda d: json.dumps(d, default=str) + "\n",
    "json-indented": lambda d: json.dumps(d, indent=2, default=str, ensure_ascii=False) + "\n",
}


def _write(data: Any, writer: str) -> str:
    try:
        return str(WRITERS[writer](data))
    except (TypeError, ValueError, yaml.YAMLError):  # json.dumps of a bool key, a nan...
        return write_plain(data)


written = st.builds(_write, documents, st.sampled_from(sorted(WRITERS)))


def _splice(text: str, fragment: str, at: float) -> str:
    index = int(len(text) * at)
    return text[:index] + fragment + text[index:]


FRAGMENTS = [
    "&a ",
    "*a",
    "!!str ",
    "!foo ",
    "<<: ",
    "? ",
    ": ",
    "- ",
    "|",
    ">",
    "|-\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    " #",
    "'",
    '"',
    "\t",
    "\r",
    "\n",
    "\n  ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\\",
    "\x85",
    "\u2028",
    "\ufeff",
    "\x00",
    "010",
    "0o7",
    "_1",
    "yes",
    "~",
    "{a\n  b: c}",
]
mutated = st.builds(
    _splice,
    written,
    st.sampled_from(FRAGMENTS) | st.text(max_size=3),
    st.floats(min_value=0, max_value=1),
)


@FUZZ
@given(text=written)
def test_written_documents_read_the_same(text: str) -> None:
    check(text)


@FUZZ
@given(text=mutated)
def test_mutated_documents_read_the_same(text: str) -> None:
    check(text)


@FUZZ
@given(text=YAMLISH_TEXT)
def test_yaml_ish_text_reads_the_same(text: str) -> None:
    check(text)


LIMITED = Limits(yaml_alias_nodes=50, yaml_depth=8, document_bytes=4_000, documents=20)


@FUZZ
@given(text=written | mutated)
def test_small_limits_read_the_same(text: str) -> None:
    check(text, LIMITED)


def test_the_generated_documents_do_reach_the_fast_path() -> None:
    # Not vacuous: most plainly written documents are read by yaml-rs (the rest have a
    # `yes`, an `010`, a tab... that only PyYAML reads as gate does).
    rng = random.Random(13)
    taken = total = 0
    for writer in ("plain", "quoted", "pyyaml-block", "gate-dump", "json"):
        for _ in range(60):
            data = _sample_document(rng)
            taken += check(_write(data, writer))
            total += 1
    assert taken > total // 2, (taken, total)


def _sample_document(rng: random.Random) -> dict[str, Any]:
    """A Kubernetes-like object, now and then with a tricky scalar (without hypothesis,
    whose .example() is not for tests)."""
    name = rng.choice(["web", "api", "db-0", "cache"])

    def tricky(ordinary: Any) -> Any:
        return rng.choice(TRICKY) if rng.random() < 0.1 else ordinary

    return {
        "apiVersion": "apps/v1",
        "kind": rng.choice(["Deployment", "ConfigMap", "Service"]),
        "metadata": {"name": name, "labels": {"app": name, "tier": tricky("backend")}},
        "spec": {
            "replicas": tricky(rng.randint(0, 5)),
            "ratio": tricky(rng.choice([0.5, 1e-05, 2.0])),
            "ports": [{"name": "http", "port": tricky(rng.choice([80, 8080]))}],
            "args": [tricky(f"--flag-{i}") for i in range(rng.randint(0, 3))],
            "env": {rng.choice(["A", "B", "C"]): tricky("value")},
        },
    }


# --- divergences found, one by one ------------------------------------------------------------

# Each reads differently in yaml-rs and PyYAML, or crashes one of them: parse_document
# must take PyYAML's reading (or error) for every one of them.
DIVERGENT = [
    "a: yes\nb: on\nc: Off\n",  # YAML 1.1 booleans: text to yaml-rs
    "a: 010\nb: 0777\n",  # octal to PyYAML, decimal to yaml-rs
    "a: 0o17\nb: 0X1F\nc: 0B1\nd: 08\n",  # numbers to yaml-rs, text to PyYAML
    "a: _1\nb: ._5\nc: 1e_\nd: 0b_\n",  # underscores where PyYAML and yaml-rs differ
    "a: .iNf\nb: .nAn\n",  # any case: numbers to yaml-rs only
    "yes: 1\n'yes': 2\n",
    "1: a\n'1': b\n",  # a duplicate key to PyYAML (same text), two keys to yaml-rs
    "1: a\n01: b\n",  # the other way round
    "~: a\n",
    "? [a]\n: b\n",
    "k: |\n",  # "" to PyYAML, "\n" to yaml-rs
    "k: >\n\n",
    "|\n  text\n",
    '>\n"',
    "k: {a: |\n  x}\n",  # yaml-rs reads `|` in a flow as text
    "k: [a, |\n ]\n",
    "k: [|]\n",
    "k: {a\n  b: c}\n",  # a key over two lines in a flow
    "k: [a,\nb]\n",
    "k: [:x]\n",
    "k: {:: 1}\n",
    "k: {a: :x}\n",
    "k: [?x]\n",
    "k: [?]\n",
    "k: {a:}\n",
    'k: "\\ud83d\\ude00"\n',  # an escaped surrogate pair: one character to yaml-rs only
    "k: a\x85b\n",
    "k: 'a\x85b'\n",
    "k: a\u2028b\n",
    "k: \x07\n",
    "k:\tv\n",
    "k: |\n  \tx\n",
    "k: v\rj: w\r",
    "\ufeff\ufeffk: v\n",
    "a: 1\n---\nb: 2\n",
    "a: &x 1\nb: *x\n",
    "a: *x\n",
    "a: !foo x\nb: !!int '1'\n",
    "base: &b {x: 1}\nd:\n  <<: *b\n",
    "%YAML 1.1\n---\nk: v\n",
    "n: " + "7" * 5_000 + "\n",
    "n: " + "1_" * 2_200 + "1\n",
    "- " * 300 + "x\n",
    "k: " + "[" * 300 + "]" * 300 + "\n",
]


@pytest.mark.parametrize("text", DIVERGENT, ids=lambda t: repr(t)[:30])
def test_each_known_divergence_reads_as_pyyaml_reads_it(text: str) -> None:
    check(text)
    check(text, LIMITED)


def test_deep_compact_nesting_is_never_handed_to_yaml_rs() -> None:
    # yaml-rs recurses per level in native code: a hundred thousand levels crash the
    # process (no exception). Such a text must never reach it, whatever the limits.
    text = "- " * 100_000 + "x\n"
    for limits in (DEFAULT_LIMITS, Limits(yaml_depth=1_000_000)):
        assert not took_fast_path(text, limits)
        with pytest.raises(yaml.YAMLError):
            parse_document(text, limits=limits)


def test_deep_block_nesting_is_never_handed_to_yaml_rs() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(3_000)) + " " * 3_000 + "v\n"
    assert not took_fast_path(text, Limits(yaml_depth=10_000))


def test_the_fast_path_runs_in_a_thread_with_a_small_stack() -> None:
    # Documents are parsed on worker threads, and yaml-rs recurses in native code: the
    # deepest document it is handed (within fastyaml's nesting bound) fits in 128 KiB,
    # musl's default thread stack.
    texts = [
        "k: " + "[" * 30 + "x" + "]" * 30 + "\n",
        "".join("  " * i + "- k:\n" for i in range(10)) + "  " * 10 + "  v\n",
    ]
    for text in texts:
        assert took_fast_path(text), text[:40]
        results: list[Any] = []
        previous = threading.stack_size(128 * 1024)
        try:
            worker = threading.Thread(target=lambda t=text, r=results: r.append(parse_document(t)))
            worker.start()
            worker.join()
        finally:
            threading.stack_size(previous)
        assert results and same(results[0], reference(text))


def test_without_yaml_rs_pyyaml_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastyaml, "yaml_rs", None)
    text = "apiVersion: v1\nkind: ConfigMap\ndata: {a: yes, b: '010'}\n"
    assert not took_fast_path(text)
    assert parse_document(text) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "data": {"a": True, "b": "010"},
    }


def test_an_ordinary_rendered_object_takes_the_fast_path() -> None:
    text = (
        "# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: web\n  labels: {app: web}\n  annotations:\n"
        '    checksum/config: "0a1b"\nspec:\n  replicas: 2\n  template:\n    spec:\n'
        "      containers:\n        - name: web\n          image: nginx:1.27\n"
        '          args: ["--port=8080", "--verbose"]\n'
        '          env:\n            - {name: DEBUG, value: "true"}\n'
        "          resources: {requests: {cpu: 100m, memory: 128Mi}}\n"
        "  script: |\n    #!/bin/sh\n    echo ok\n"
    )
    assert check(text)


# --- every YAML file in the repository, every chart's rendering ------------------------------


def _repository_yaml() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.yaml", "*.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return [REPO / name for name in listed] or sorted(REPO.glob("**/*.yaml"))


def _documents(stream: str) -> list[str]:
    unbounded = Limits(documents=10**9, document_bytes=10**9)
    return [chunk.text for chunk in _chunks(stream, unbounded)]


def _embedded_files(spec: Path) -> list[str]:
    """The files a tests/hostile case writes: charts' templates, values, golden files."""
    try:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return []
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return []
    return [text for name, text in files.items() if isinstance(text, str) and name.endswith("yaml")]


def test_every_yaml_file_in_the_repository_reads_the_same() -> None:
    files = _repository_yaml()
    assert len(files) > 50
    texts = []
    for path in files:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        if path.parent.name == "hostile":
            texts.extend(_embedded_files(path))
    documents = [doc for text in texts for doc in _documents(text)]
    taken = sum(check(doc) for doc in documents)
    assert taken > len(documents) // 3, (taken, len(documents))


CHARTS = [
    REPO / "bench" / "charts" / "big",
    REPO / "charts-under-test" / "backstage",
    *sorted(p.parent for p in (REPO / "tests" / "fixtures" / "charts").glob("*/Chart.yaml")),
    REPO / "tests" / "hostile" / "_charts" / "web",
]


def test_every_chart_rendering_reads_the_same(helm_path: str) -> None:
    taken = total = 0
    for chart in CHARTS:
        rendered = subprocess.run(
            [helm_path, "template", "x", str(chart)], capture_output=True, text=True, check=False
        )
        if rendered.returncode != 0:
            continue  # the fixtures that fail to render on purpose
        for doc in _documents(rendered.stdout):
            taken += check(doc)
            total += 1
    assert total > 2_000
    assert taken > total * 9 // 10, (taken, total)
