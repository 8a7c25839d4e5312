"""The values analysis stays linear in the keys a profile sets.

A values file of 20,000 keys and a chart that reads none of them: the pure-Python
parts (known tree, candidates, grouping, locations, suggestions, no-effect
bookkeeping) must finish in bounded time. The renderer is a stand-in that always
returns the same rendering (helm would render 2 or 3 times here, not 20,000), so
what is timed is gate's own work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from gate.chart import ChartFiles
from gate.checks.values import SUGGESTION_BUDGET, Analysis, Rendered, Suggester, ValuesAnalysis
from gate.checks.values.known import DEEPEST, Known, known_tree, template_references
from gate.config import Profile, Target

KEYS = 20_000
BOUND = 10.0  # seconds; about 1 on a laptop, minutes to hours before the fix

Scenario = Callable[[], tuple[str, dict[str, Any]]]


def flat() -> tuple[str, dict[str, Any]]:
    return "".join(f"key{i:05d}: {i}\n" for i in range(KEYS)), {"replicas": 1}


def nested() -> tuple[str, dict[str, Any]]:
    groups = (
        f"group{g:03d}:\n" + "".join(f"  key{i:03d}: v{i}\n" for i in range(100))
        for g in range(KEYS // 100)
    )
    return "".join(groups), {"replicas": 1}


def one_declared_map() -> tuple[str, dict[str, Any]]:
    """20,000 unknown keys under one parent the chart declares: collapsing and
    suggestions look at the same siblings again and again."""
    text = "config:\n" + "".join(f"  key{i:05d}: {i}\n" for i in range(KEYS))
    return text, {"config": {"known": 1}}


def misspelled() -> tuple[str, dict[str, Any]]:
    """The chart declares 20,000 keys and the values file misspells each: a close
    spelling is looked for among 20,000 siblings, for 20,000 keys."""
    defaults = {f"setting{i:05d}x": i for i in range(KEYS)}
    return "".join(f"setting{i:05d}y: {i}\n" for i in range(KEYS)), defaults


def numbers_as_keys() -> tuple[str, dict[str, Any]]:
    """Keys YAML reads as something else (`0x10` is 16): their lines are looked up by
    what YAML made of them."""
    return "".join(f"0x{i:x}: {i}\n" for i in range(KEYS)), {"replicas": 1}


SCENARIOS: dict[str, Scenario] = {
    "flat": flat,
    "nested": nested,
    "one-declared-map": one_declared_map,
    "misspelled": misspelled,
    "numbers-as-keys": numbers_as_keys,
}
UNKNOWN = {"flat": KEYS, "nested": KEYS // 100, "one-declared-map": KEYS}


def analyse(tmp_path: Path, text: str, defaults: dict[str, Any]) -> Analysis:
    values = tmp_path / "values.yaml"
    values.write_text(text, encoding="utf-8")
    chart = ChartFiles(
        name="web",
        chart={"apiVersion": "v2", "name": "web", "version": "0.1.0"},
        values=defaults,
        schema=None,
        templates=("kind: ConfigMap\n",),  # reads no value
        subcharts=(),
    )
    profile = Profile("prod", values=(values,), set=(), set_lines=())
    target = Target("web", tmp_path / "chart", "web", "default", (profile,))
    baseline = frozenset({("v1/ConfigMap/default/web", "{}")})

    def render(profiles: Sequence[Profile]) -> list[Rendered]:
        return [(baseline, "kind: ConfigMap") for _ in profiles]

    analysis = ValuesAnalysis(
        target, profile, tmp_path / "gate.yaml", chart, baseline, render, budget=200
    )
    return analysis.run(no_effect=True)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_twenty_thousand_keys_take_bounded_time(tmp_path: Path, name: str) -> None:
    text, defaults = SCENARIOS[name]()
    start = time.monotonic()
    result = analyse(tmp_path, text, defaults)
    seconds = time.monotonic() - start
    print(f"{name}: {KEYS} keys analysed in {seconds:.2f} s, {result.renders} renders")
    assert result.renders <= 3  # every unknown key confirmed by one render, then one more
    unknown = [f for f in result.findings if f.rule == "values-unknown-key"]
    assert len(unknown) == UNKNOWN.get(name, KEYS)
    assert all(f.line for f in unknown)
    assert seconds < BOUND


def test_suggestions_stay_within_their_budget() -> None:
    tree = Known()
    for i in range(KEYS):
        tree.add((f"setting{i:05d}x",))
    suggester = Suggester(tree)
    start = time.monotonic()
    # two letters off: past the look-ups for one edit, into difflib's comparisons
    found = [suggester.suggest((f"setting{i:05d}yy",)) for i in range(KEYS)]
    assert time.monotonic() - start < BOUND
    assert found[0] == "setting00000x"  # within the budget: the close spelling
    assert suggester.left < KEYS  # spent: later keys get no suggestion, not hours of work
    assert sum(1 for s in found if s) <= SUGGESTION_BUDGET // KEYS + 1


def test_a_reference_a_million_keys_deep_is_cut(tmp_path: Path) -> None:
    template = "{{ .Values" + ".a" * 1_000_000 + " }}"
    tree = Known()
    template_references(template, tree)
    deepest = max(len(path) for path in tree.paths())
    assert deepest == DEEPEST
    copied = tree.copy()  # copy.deepcopy recursed: a RecursionError at about 200 keys
    assert copied.knows(("a",) * DEEPEST) == DEEPEST


@pytest.mark.parametrize("template", ["$a = " * 200_000, "dig " * 200_000])
def test_template_patterns_stay_linear(template: str) -> None:
    start = time.monotonic()
    template_references(template, Known())
    assert time.monotonic() - start < 2  # minutes before: a lazy scan from every match


def test_a_schema_that_is_not_one_is_passed_over() -> None:
    files = ChartFiles(
        name="web",
        chart={},
        values={"a": 1},
        schema={
            "properties": ["not", "a", "map"],
            "allOf": 5,
            "anyOf": [{"properties": {"b": {}}}],
        },
        templates=(),
        subcharts=(),
    )
    tree = known_tree(files)
    assert tree.knows(("b",)) == 1
    assert tree.knows(("a",)) == 1
