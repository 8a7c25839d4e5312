"""Values that helm silently ignores: unknown keys and keys with no effect.

Both analyses are confirmed by rendering: a key is reported only when taking
it out of the profile leaves the rendering exactly as it was (values that
change on every render masked). The known-paths tree (known.py) and a few
static facts (a key equal to the chart default, a key a later file
overrides) only decide which renders are worth making:

- unknown keys: keys no chart or subchart declares, reads or opens; all of
  them are taken out in one render, and split in halves only when that render
  differs, so the usual case (none, or all ignored) costs at most one render;
- no effect: one render with every scalar replaced by a unique marker shows
  which values reach the output; only the others are tested by removal, in
  groups that are split only when the group matters. Renders are cached by
  input and stop at `values.max_renders`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.chart import ChartFiles
from gate.checks.values.known import (
    Known,
    ValuesPath,
    chart_defaults,
    chart_knowledge,
)
from gate.checks.values.reads import Reads
from gate.checks.values.settings import SET, Key, ProfileValues, set_path
from gate.checks.values.tree import ANY
from gate.config import Profile, Target
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import Category, Finding, Severity, ValuesCoverage, one_line

# A rendering as the analysis sees it: its fingerprint (None when helm failed) and text.
Fingerprint = frozenset[tuple[str, str]]
Rendered = tuple[Fingerprint | None, str]
RenderProfiles = Callable[[Sequence[Profile]], list[Rendered]]

_STRING_MARK = re.compile(r"gatemark(\d{6})")
# helm holds numbers as float64 and prints 1e6 and above in e-notation, so a
# number marker stays below it: 987000 + n, for the first thousand leaves.
_NUMBER_BASE = 987_000
_NUMBER_MARK = re.compile(r"(?<![\d.])987(\d{3})(?![\d.])")


_KNOWLEDGE: dict[Path, tuple[Known, Reads]] = {}


def knowledge_of(folder: Path, chart: ChartFiles) -> tuple[Known, Reads]:
    """The known tree of a chart and what its template reading could not follow, built
    once per process (every profile shares them, as `read_chart` shares the chart's
    files); callers copy the tree before they add to it."""
    if folder not in _KNOWLEDGE:
        _KNOWLEDGE[folder] = chart_knowledge(chart)
    return _KNOWLEDGE[folder]


def dotted(path: ValuesPath) -> str:
    """A values path as findings show it; a key from a values file is shown on one line,
    any entry of a map a template ranges over as `*`."""
    return one_line(".".join("*" if p == ANY else p.replace(".", "\\.") for p in path))


@dataclass
class Analysis:
    """The findings of one target x profile, what it cost, and how much it could check."""

    findings: list[Finding] = field(default_factory=list)
    renders: int = 0
    keys: int = 0
    target: str = ""
    profile: str = ""
    not_analysed: list[str] = field(default_factory=list)
    coverage: ValuesCoverage | None = None


class ValuesAnalysis:
    def __init__(
        self,
        target: Target,
        profile: Profile,
        config_file: Path,
        chart: ChartFiles,
        baseline: Fingerprint | Callable[[], Fingerprint],
        render: RenderProfiles,
        budget: int,
        free_form: Sequence[str] = (),
        limits: Limits = DEFAULT_LIMITS,
        shown: Callable[[str], str] = str,
        values: ProfileValues | None = None,
    ):
        """`baseline`: the profile's own fingerprint, or how to make it when it is first
        needed (it may need a second rendering of a random chart, gate/renderings.py).
        `shown` turns helm's name of a template (`app/charts/db/templates/x.yaml`)
        into the file a person opens (gate/sources.py), for what `coverage` names."""
        self.target, self.profile = target, profile
        self.shown = shown
        # The profile's values as read once for the command (gate/renderings.py), or now.
        self.values = values or ProfileValues(profile, config_file, limits)
        self.chart = chart
        known, self.reads = knowledge_of(target.chart, chart)
        self.known: Known = known.copy()
        for path in free_form:
            self.known.add(set_path(path), free=True)
        self._baseline = baseline
        self._render = render
        self.budget = budget
        # Renders by input: ("without" | "changed", the keys).
        self.cache: dict[tuple[str, frozenset[Key]], frozenset[tuple[str, str]] | None] = {}
        self.result = Analysis(
            keys=len(self.values.all_leaves()), target=target.name, profile=profile.name
        )
        self._folder: Path | None = None

    # --- renders ------------------------------------------------------------------------

    @functools.cached_property
    def baseline(self) -> Fingerprint:
        given = self._baseline
        return given() if callable(given) else given

    @property
    def folder(self) -> Path:
        """Where variant values files go; made on the first render, removed by `run`."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="gate-values-"))
        return self._folder

    def _variant(self, how: str, group: frozenset[Key]) -> Profile:
        if how == "without":
            return self.values.without(group, self.folder)
        return self.values.marked({k: _perturbed(self.values.value(k)) for k in group}, self.folder)

    def _fingerprints(
        self, how: str, groups: Sequence[frozenset[Key]]
    ) -> list[frozenset[tuple[str, str]] | None]:
        """Fingerprints of the profile with each group taken out (`without`) or given other
        values (`changed`), rendering what is not cached."""
        missing = [g for g in dict.fromkeys(groups) if (how, g) not in self.cache]
        allowed = max(0, self.budget - self.result.renders)
        todo, over = missing[:allowed], missing[allowed:]
        if todo:
            rendered = self._render([self._variant(how, g) for g in todo])
            self.result.renders += len(todo)
            for group, (print_, _) in zip(todo, rendered, strict=True):
                self.cache[(how, group)] = print_
        for group in over:
            self.result.not_analysed += [dotted(k.path) for k in sorted(group, key=_order)]
        skipped = set(over)  # looked up once per group below: a list would be quadratic
        # A group the budget left unrendered counts as changed: never reported.
        return [self.cache.get((how, g)) if g not in skipped else None for g in groups]

    def unchanged(self, groups: Sequence[list[Key]], how: str = "without") -> list[bool]:
        prints = self._fingerprints(how, [frozenset(g) for g in groups])
        return [p == self.baseline for p in prints]

    def without_effect(self, keys: list[Key], how: str = "without") -> list[Key]:
        """The keys for which the rendering stays the same when they are taken out (or, with
        `changed`, given other values): whole groups first, halves on demand."""
        if not keys:
            return []
        found: list[Key] = []
        pending = [keys]
        while pending:
            verdicts = self.unchanged(pending, how)
            following: list[list[Key]] = []
            for group, same in zip(pending, verdicts, strict=True):
                if same:
                    found += group
                elif len(group) > 1:
                    middle = len(group) // 2
                    following += [group[:middle], group[middle:]]
            pending = following
            if self.result.renders >= self.budget:
                for group in pending:
                    self.result.not_analysed += [dotted(k.path) for k in group]
                break
        confirmed = set(found)  # built once: the keys in their given order, linear
        return [k for k in keys if k in confirmed]

    # --- unknown keys -------------------------------------------------------------------

    def unknown_candidates(self) -> list[Key]:
        """Keys no chart declares or reads; on the way, the keys that sit below a
        free-form subtree (self.in_free_form, with that subtree's path)."""
        candidates: list[Key] = []
        self.in_free_form: list[tuple[Key, ValuesPath]] = []
        # Depth first, in the order the files write the keys: a stack of iterators.
        pending = [iter(self.values.children(Key(i, ()))) for i in reversed(self.values.indexes())]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
            elif self.known.knows(child.path) < len(child.path):
                candidates.append(child)
            elif (free := self.known.free_ancestor(child.path)) is not None:
                self.in_free_form.append((child, free))
            else:
                pending.append(iter(self.values.children(child)))
        return candidates

    def coverage(self) -> ValuesCoverage:
        """How many of the keys the profile sets the analysis could decide on."""
        below: dict[ValuesPath, int] = {}
        for key, free in self.in_free_form:
            if free == key.path and not self.values.children(key):
                continue  # a value, not a map: nothing below it to check
            below[free] = below.get(free, 0) + sum(1 for _ in self.values.leaves(key))
        places: dict[str, list[str]] = {}  # how -> where, in the order met
        for note in self.reads.unread:
            if note.path is None:
                file = one_line(self.shown(note.file))
                where = f"{file}:{note.line}" if note.line else file
                places.setdefault(note.how, []).append(where)
        unread = [
            f"{how} at {wheres[0]}" + (f" and {len(wheres) - 1} more" if len(wheres) > 1 else "")
            for how, wheres in places.items()
        ]
        if not self.reads.complete:  # what the templates read past the budget is unknown
            unread.insert(0, "the template reading stopped at its budget of steps")
        for file, line, why in self.reads.unparsed:
            where = one_line(self.shown(file)) + (f":{line}" if line else "")
            unread.append(f"{where} {why}")
        keys = len(self.values.all_leaves())
        return ValuesCoverage(
            keys=keys,
            analysed=keys - sum(below.values()),
            free_form=tuple((dotted(path), count) for path, count in sorted(below.items())),
            unread=tuple(unread),
        )

    def in_free_form_elsewhere(self) -> None:
        """Never blind (issue 11): a key set below a free-form subtree, that a chart
        declares elsewhere with the same keys (one level deeper or shallower, as in the
        incident), and that changes nothing when taken out or changed, is reported as
        having no effect, with the path the author most likely meant."""
        suggester = Suggester(self.known)
        suggested: dict[Key, str] = {}
        below = [
            (child, free)
            for key, free in self.in_free_form
            for child in (self.values.children(key) if key.path == free else [key])
        ]
        for key, free in below:
            if self.known.declares(key.path):
                continue  # the chart names this key itself: it is meant to be here
            meant = suggester.elsewhere(key.path, len(free))
            if meant is not None:
                suggested[key] = meant
        removable = self.without_effect(sorted(suggested, key=_order))
        for key in self.without_effect(removable, how="changed"):
            file, line = self.values.location(key)
            self.result.findings.append(
                Finding(
                    Category.VALUES,
                    "values-no-effect",
                    Severity.WARNING,
                    f"{dotted(key.path)} sits in a free-form map gate cannot check key by "
                    "key, and taking it out or changing it leaves the rendering unchanged; "
                    f"did you mean {suggested[key]}?",
                    target=self.target.name,
                    profile=self.profile.name,
                    path=dotted(key.path),
                    file=file,
                    line=line,
                    suggestion=suggested[key],
                )
            )

    def unknown_keys(self) -> list[Key]:
        # Taking a key out changes nothing when its value equals what the chart would use
        # anyway (false, "", 0), even if the chart reads it; so an unknown key must also
        # leave the rendering unchanged when given another value.
        removable = self.without_effect(self.unknown_candidates())
        confirmed = self.without_effect(removable, how="changed")
        suggester = Suggester(self.known)
        for key in confirmed:
            file, line = self.values.location(key)
            suggestion = suggester.suggest(key.path)
            hint = f"; did you mean {suggestion}?" if suggestion else ""
            self.result.findings.append(
                Finding(
                    Category.VALUES,
                    "values-unknown-key",
                    Severity.ERROR,
                    f"{dotted(key.path)} is set, but no chart or subchart reads it, so helm "
                    f"ignores it without a word{hint}",
                    target=self.target.name,
                    profile=self.profile.name,
                    path=dotted(key.path),
                    file=file,
                    line=line,
                    suggestion=suggestion,
                )
            )
        return confirmed

    # --- no effect ----------------------------------------------------------------------

    def no_effect(self, skip: Sequence[Key]) -> None:
        skipped = set(skip)  # a leaf at or below a skipped key: one look-up per level
        leaves = [
            leaf
            for leaf in self.values.all_leaves()
            if not any(
                Key(leaf.source, leaf.path[:depth]) in skipped
                for depth in range(1, len(leaf.path) + 1)
            )
        ]
        defaults = chart_defaults(self.chart)
        remaining: list[Key] = []
        for leaf in leaves:
            later = self._overridden_by(leaf)
            if later is not None:
                self._no_effect(
                    leaf,
                    Severity.WARNING,
                    f"set again later ({later}), so this value is never used",
                )
            elif (before := self._before(leaf, defaults)) is not None:
                self._no_effect(
                    leaf,
                    Severity.INFO,
                    f"equals {before} ({_show(self.values.value(leaf))}), so it is redundant",
                )
            else:
                remaining.append(leaf)
        candidates = self._unmarked(remaining)
        for key in _collapse(self.without_effect(candidates), self.values):
            self._no_effect(
                key,
                Severity.WARNING,
                "taking it out leaves the rendering unchanged (a dead setting)",
            )

    def _before(self, leaf: Key, defaults: Any) -> str | None:
        """Where the value this key would have without it comes from, when that value is
        the same as the one it sets: the chart default, or an earlier values file."""
        value, origin = _lookup(defaults, leaf.path), "the chart default"
        order = self.values.indexes()
        for earlier in order[: order.index(leaf.source)]:
            found = _lookup(self.values.source(earlier).data, leaf.path)
            if found is not _ABSENT:
                file, line = self.values.location(Key(earlier, leaf.path))
                value, origin = found, f"what {file}:{line} already sets"
        return origin if _same(value, self.values.value(leaf)) else None

    def _overridden_by(self, leaf: Key) -> str | None:
        order = self.values.indexes()
        for later in order[order.index(leaf.source) + 1 :]:
            data: Any = self.values.source(later).data
            for depth, part in enumerate(leaf.path):
                if not isinstance(data, dict) or part not in data:
                    break
                data = data[part]
                if depth == len(leaf.path) - 1 or not isinstance(data, dict):
                    file, line = self.values.location(Key(later, leaf.path[: depth + 1]))
                    return f"{file}:{line}" if line else file
        return None

    def _unmarked(self, leaves: list[Key]) -> list[Key]:
        """The leaves whose value does not reach the output under a unique marker."""
        marks: dict[Key, Any] = {}
        for number, leaf in enumerate(leaves):
            marks[leaf] = _marker(self.values.value(leaf), number)
        marks = {k: v for k, v in marks.items() if v is not None}
        if not marks or self.result.renders >= self.budget:
            return leaves
        (rendered,) = self._render([self.values.marked(marks, self.folder)])
        self.result.renders += 1
        print_, text = rendered
        if print_ is None:  # a marker broke a template: every leaf needs its removal test
            return leaves
        seen = {int(m) for m in _STRING_MARK.findall(text)}
        seen |= {int(m) for m in _NUMBER_MARK.findall(text)}  # numbers: only the first 1000
        reached = {leaf for number, leaf in enumerate(leaves) if number in seen}
        return [leaf for leaf in leaves if leaf not in reached]

    def _no_effect(self, key: Key, severity: Severity, why: str) -> None:
        file, line = self.values.location(key)
        self.result.findings.append(
            Finding(
                Category.VALUES,
                "values-no-effect",
                severity,
                f"{dotted(key.path)}: {why}",
                target=self.target.name,
                profile=self.profile.name,
                path=dotted(key.path),
                file=file,
                line=line,
            )
        )

    def run(self, no_effect: bool) -> Analysis:
        try:
            unknown = self.unknown_keys()
            self.in_free_form_elsewhere()
            self.result.coverage = self.coverage()
            if no_effect:
                self.no_effect(unknown)
        finally:  # the variants hold copies of the user's values, secrets included
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
        if self.result.not_analysed:
            self.result.findings.append(
                Finding(
                    Category.VALUES,
                    "values-no-effect",
                    Severity.INFO,
                    f"the values analysis stopped at its budget of {self.budget} renders "
                    "(values.max_renders); not analysed: "
                    + ", ".join(self.result.not_analysed[:10])
                    + (" and more" if len(self.result.not_analysed) > 10 else ""),
                    target=self.target.name,
                    profile=self.profile.name,
                    file=self.values.set_source.file,
                )
            )
        return self.result


def _order(key: Key) -> tuple[int, ValuesPath]:
    return (key.source if key.source != SET else 10**6, key.path)


def _perturbed(value: Any) -> Any:
    """Another value of the same shape: what a chart that reads the key would notice."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + "-gate-changed" if value else "gate-changed"
    if isinstance(value, dict):
        return {k: _perturbed(v) for k, v in value.items()} or {"gate-changed": True}
    if isinstance(value, list):
        return [_perturbed(v) for v in value] or ["gate-changed"]
    return "gate-changed"  # null


def _marker(value: Any, number: int) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return f"gatemark{number:06d}"
    if isinstance(value, int | float):
        return _NUMBER_BASE + number if number < 1000 else None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [f"gatemark{number:06d}"] * len(value)
    return None


def _lookup(data: Any, path: ValuesPath) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return _ABSENT
        data = data[part]
    return data


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    """Equal as helm sees values: `true` is not 1, `1` is not "1"."""
    if a is _ABSENT or b is _ABSENT:
        return False
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _collapse(keys: list[Key], values: ProfileValues) -> list[Key]:
    """Report the highest subtree all of whose leaves have no effect, not each leaf."""
    found = set(keys)
    dead: dict[Key, bool] = {}  # each parent's leaves are looked at once, not once per key

    def all_dead(parent: Key) -> bool:
        if parent not in dead:
            dead[parent] = all(leaf in found for leaf in values.leaves(parent))
        return dead[parent]

    result: dict[Key, None] = {}
    for key in keys:
        top = key
        while len(top.path) > 1 and all_dead(Key(top.source, top.path[:-1])):
            top = Key(top.source, top.path[:-1])
        result.setdefault(top)
    return list(result)


def suggest(known: Known, path: ValuesPath) -> str | None:
    """The known path the author most likely meant, first of: the same key one level
    deeper under a parent that declares it (a dependency's own key), one level
    shallower, or a close spelling of the last key. A free-form map would take any
    key, which is no evidence that the author meant it; it is never suggested."""
    return Suggester(known).suggest(path)


_NEVER_SUGGESTED = ("global", "tags")
_CUTOFF = 0.75  # difflib's ratio of a close spelling
# Candidates looked at for the suggestions of one analysis: a parent with 20,000 declared
# keys and a values file misspelling 20,000 keys under it would otherwise compare every
# pair (difflib in Python: hours). Real analyses look at a few thousand; past the budget,
# keys are still reported, without a suggestion. 100,000 difflib comparisons of look-alike
# keys take about a second.
SUGGESTION_BUDGET = 100_000


class Suggester:
    """`suggest` for many keys of one known tree: each node's children are indexed once
    (by the keys below them, and by length), so that a suggestion looks only at the
    candidates that can match, and all of them together stay within SUGGESTION_BUDGET.
    The tree must not change while a Suggester uses it."""

    def __init__(self, known: Known, budget: int = SUGGESTION_BUDGET):
        self.known = known
        self.left = budget
        # by id(node), for the nodes asked about: which children hold a given key, and
        # the children's names by length; the tree keeps the nodes alive.
        self._holding: dict[int, dict[str, list[str]]] = {}
        self._lengths: dict[int, dict[int, list[str]]] = {}
        self._variants: dict[int, dict[str, str]] = {}

    def suggest(self, path: ValuesPath) -> str | None:
        """A near-exact respelling first (`UI` for `ui`, `tga` for `tag`: measured on
        real charts, a deeper parent that happens to hold the same key was wrong there),
        then the key one level deeper or shallower, then a close spelling."""
        return (
            self._near(path) or self._deeper(path) or self._shallower(path) or self._respelled(path)
        )

    def elsewhere(self, path: ValuesPath, free_depth: int) -> str | None:
        """For a key below the free-form node `path[:free_depth]`: a path the charts
        declare (no free-form node on the way) that ends with the same keys, with one key
        inserted or dropped above the free-form node."""
        known, tail = self.known, path[free_depth:]
        for depth in range(min(free_depth, len(path) - 1), -1, -1):
            node = known.node(path[:depth])
            if node is None:
                continue
            for name in node.children:
                if name in _NEVER_SUGGESTED or name in (path[depth], ANY):
                    continue
                if not self._spend(1):
                    return None
                candidate = (*path[:depth], name, *path[depth:])
                if known.declares(candidate):
                    return dotted(candidate)
        for depth in range(free_depth):
            if not self._spend(1):
                return None
            candidate = (*path[:depth], *path[depth + 1 : free_depth], *tail)
            if candidate and candidate[0] not in _NEVER_SUGGESTED and known.declares(candidate):
                return dotted(candidate)
        return None

    def _spend(self, count: int) -> bool:
        if count > self.left:
            return False
        self.left -= count
        return True

    def _children_holding(self, node: Known) -> dict[str, list[str]]:
        index = self._holding.get(id(node))
        if index is None:
            index = {}
            for name, child in node.children.items():
                if name not in _NEVER_SUGGESTED:
                    for below in child.children:
                        index.setdefault(below, []).append(name)
            self._holding[id(node)] = index
        return index

    def _deeper(self, path: ValuesPath) -> str | None:
        """Insert one key at or above the first unknown one, so that it becomes known."""
        known = self.known
        unknown = known.knows(path)
        for depth in range(unknown, -1, -1):
            node = known.node(path[:depth])
            if node is None:
                continue
            for name in self._children_holding(node).get(path[depth], []):
                if name == ANY:
                    continue
                if not self._spend(1):
                    return None
                candidate = (*path[:depth], name, *path[depth:])
                # declared key by key, not through a free-form map that would take it
                if known.declares(candidate[: unknown + 2]):
                    return dotted(candidate)
        return None

    def _shallower(self, path: ValuesPath) -> str | None:
        """Drop one key above the first unknown one, so that it becomes known."""
        known = self.known
        unknown = known.knows(path)
        for depth in range(unknown):
            candidate = (*path[:depth], *path[depth + 1 :])
            if candidate[0] not in _NEVER_SUGGESTED and known.declares(candidate[:unknown]):
                return dotted(candidate)
        return None

    def _near(self, path: ValuesPath) -> str | None:
        """The first unknown key respelt by one edit, when the charts declare it."""
        unknown = self.known.knows(path)
        if unknown >= len(path):
            return None
        parent = self.known.node(path[:unknown])
        if parent is None:
            return None
        variants = self._variants.get(id(parent))
        if variants is None:
            if not self._spend(len(parent.children)):
                return None
            variants = _variants(name for name in parent.children if name != ANY)
            self._variants[id(parent)] = variants
        found = _nearly(path[unknown], variants)
        if found is None or found in _NEVER_SUGGESTED:
            return None
        candidate = (*path[:unknown], found, *path[unknown + 1 :])
        return dotted(candidate) if self.known.declares(candidate[: unknown + 1]) else None

    def _respelled(self, path: ValuesPath) -> str | None:
        parent = self.known.node(path[:-1])
        if parent is None:
            return None
        lengths = self._lengths.get(id(parent))
        if lengths is None:
            lengths = {}
            for name in parent.children:
                if name != ANY:
                    lengths.setdefault(len(name), []).append(name)
            self._lengths[id(parent)] = lengths
        # difflib drops a candidate whose length alone rules it out (real_quick_ratio);
        # so can this, before comparing: the same matches, fewer comparisons.
        word = path[-1]
        fitting = [
            names for size, names in lengths.items() if _length_ratio(len(word), size) >= _CUTOFF
        ]
        if not fitting or not self._spend(sum(len(names) for names in fitting)):
            return None
        candidates = [name for names in fitting for name in names]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=_CUTOFF)
        return dotted((*path[:-1], close[0])) if close else None


# A key this short matches too much at one edit (`id` and `ip`); case and a swap count.
_NEAR_LENGTH = 4


def _variants(names: Iterable[str]) -> dict[str, str]:
    """Each name under the forms one edit away from it can be looked up by: casefolded,
    with one letter left out (`images` -> `image`), and with one letter a wildcard
    (`\0`). Built once per parent, in time linear in the letters of its keys."""
    variants: dict[str, str] = {}
    for name in names:
        folded = name.casefold()
        variants.setdefault(f"case:{folded}", name)
        if len(name) < _NEAR_LENGTH:
            continue
        for index in range(len(name)):
            variants.setdefault(f"less:{name[:index]}{name[index + 1 :]}", name)
            variants.setdefault(f"any:{name[:index]}\0{name[index + 1 :]}", name)
    return variants


def _nearly(word: str, variants: Mapping[str, str]) -> str | None:
    """A name one edit from `word`: the same but for case, one letter more, fewer or
    other, or two neighbouring letters swapped. difflib rates `UI`/`ui` 0.0 and
    `tga`/`tag` 0.67, and a deeper parent that happens to hold `image` was wrong where
    `images` was meant (argo-workflows, measured in issue 11)."""
    folded = word.casefold()
    same = variants.get(f"case:{folded}")
    if same is not None and same != word:
        return same
    for index in range(len(folded) - 1):  # `tga` for `tag`: short keys too
        swapped = f"{folded[:index]}{folded[index + 1]}{folded[index]}{folded[index + 2 :]}"
        found = variants.get(f"case:{swapped}")
        if found is not None and found != word:
            return found
    if len(word) < _NEAR_LENGTH:
        return None
    keys = [f"less:{word}"]  # the name has one letter more than the word
    for index in range(len(word)):
        keys.append(f"case:{(word[:index] + word[index + 1 :]).casefold()}")  # one fewer
        keys.append(f"any:{word[:index]}\0{word[index + 1 :]}")  # one letter other
    for key in keys:
        found = variants.get(key)
        if found is not None and found != word:
            return found
    return None


def _length_ratio(a: int, b: int) -> float:
    """difflib's SequenceMatcher.real_quick_ratio for strings of lengths a and b."""
    return 2.0 * min(a, b) / (a + b) if a + b else 1.0


def across_profiles(analyses: Sequence[tuple[Profile, Analysis]]) -> list[Finding]:
    """A key of a values file shared by several profiles is dead only when it is dead in
    every one of them (a base-file key that each profile overrides); it is then reported
    once. Everything else stands as found."""
    uses: dict[str, list[str]] = {}
    for profile, _ in analyses:
        for file in profile.values:
            uses.setdefault(str(file), []).append(profile.name)
    seen: dict[tuple[str, int | None, str], list[str]] = {}
    for profile, analysis in analyses:
        for finding in analysis.findings:
            if finding.rule == "values-no-effect" and finding.path:
                seen.setdefault((finding.file, finding.line, finding.path), []).append(profile.name)
    findings: list[Finding] = []
    reported: set[tuple[str, int | None, str]] = set()
    for _, analysis in analyses:
        for finding in analysis.findings:
            key = (finding.file, finding.line, finding.path)
            shared = uses.get(finding.file, [])
            if finding.rule != "values-no-effect" or not finding.path or len(shared) < 2:
                findings.append(finding)
            elif key not in reported and set(seen.get(key, [])) >= set(shared):
                reported.add(key)
                findings.append(
                    dataclasses.replace(
                        finding,
                        message=f"{finding.message} (in every profile that uses this file: "
                        f"{', '.join(shared)})",
                    )
                )
    return findings
