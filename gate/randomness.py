"""Whether a chart's rendering may differ between two renders of the same inputs, found
by following what helm really executes instead of searching every template's text.

gate renders such a chart twice and masks the values that differ (gate/normalize.py).
A regular expression over every template of the chart and its subcharts says "random"
for nearly every real chart: bitnami's `common` library defines
`common.secrets.passwords.manage`, which calls `randAlphaNum`, and most charts that
carry the library never include it. This module answers from the syntax trees
(gate/gotemplate), as helm runs them:

- What runs: every file under `templates/` of the chart and of each subchart (folders
  and .tgz, at any depth), except partials, whose base name starts with `_` (helm's
  engine skips them: pkg/engine/engine.go, `strings.HasPrefix(path.Base(filename), "_")`),
  and except every file of a library chart but its partials (helm drops those files
  before parsing them: `isTemplateValid`, `type` compared with strings.EqualFold).
- NOTES.txt: helm executes every file whose name ends in `NOTES.txt`, then drops its
  output from the manifests (pkg/action, `strings.HasSuffix(k, notesFileSuffix)`), and
  `helm template` prints no notes. A random call there changes nothing gate sees, unless
  the notes also change the values every later template reads (`set`, `unset`, `merge`
  on `.Values`: helm hands the same maps to every template of a chart): a NOTES.txt is
  counted only when what it runs both calls a random function and mutates a map.
- What a template reaches: the defines it calls with `include`, `template` or `block`,
  transitively. Define names are global across the chart and its subcharts; helm keeps
  one body per name (the parent's over a subchart's, parsing deeper paths first), and
  here a name is random when ANY of its definitions is: never wrong when charts agree,
  conservative when they do not.
- An include whose name is computed: `include (print $.Template.BasePath "/cm.yaml") .`
  (the checksum idiom) reaches the files whose names fit; a name gate cannot know at
  all reaches every define and every file of the chart (said so in the reason).
- `tpl`: a literal text is read like a template. Any other text comes from values (or
  from a chart file, see below): every string of every chart's values.yaml (and of the
  profile's values documents, when given) that holds `{{` is read like a template and
  reached from that `tpl`, with nothing known about its data. Limitation: text
  assembled by the template from fragments that hold no `{{` (`printf "{{ %s }}"
  .Values.fn`) is not followed.
- `.Files`: gate does not read a chart's other files, so `tpl` over text that may be
  one is counted random: a `tpl` whose text names `.Files` or a variable given it, a
  `tpl` inside `with`/`range` over it, and a define handed it (`include "x" (dict
  "value" (.Files.Get "f"))`) that runs `tpl` on its data.
- `fail` ends the render: what a pipeline that calls it computes only reaches the error
  message (bitnami's `common.resources.preset` lists `keys` there), so it is not read.
- A template gate's parser refuses is counted random (helm refuses it too, or gate's
  reader is wrong; either way gate does not guess).

With a profile's values (`profile_values`), the answer is that profile's, and still
never "not random" when a render could differ:

- Values as helm merges them (pkg/cli/values `mergeMaps`, then pkg/chart/common/util
  coalesce.go): the documents in order, later wins, maps merged; under them the chart's
  values.yaml; each subchart's values.yaml under the parent's section for its alias or
  name, with the parent's `global` copied into the subchart's (`coalesceGlobals`).
  Where helm versions differ or gate cannot know, the value is unknown: a `null` that
  deletes a default (older helms kept subchart defaults), a key missing under
  `global.<table>` (helm's shallow copy lets a subchart's global defaults leak into
  those tables), every key of a chart whose dependencies import values (import-values
  is not modelled), a map whose keys YAML did not read as strings.
- Dependencies as pkg/chart/v2/util/dependencies.go `processDependencyEnabled` decides
  them: tags (under `tags:`), then the first `condition:` path that holds a bool,
  against the values coalesced over every dependency; an alias mounts the chart under
  its name, a chart in charts/ that Chart.yaml does not list (by name and a version
  range, Masterminds semver) is rendered unless a disabled dependency has its name
  (helm removes by name). A disabled dependency is removed before rendering: its
  templates do not run and its defines do not exist. What gate cannot decide (a
  version range form it does not read, a condition path that crosses an aliased
  grandchild, an unknown value) renders, and the parent's section for it is known only
  where the parent's own values set it.
- `if`, `with`, `range` and `else`: a pipeline whose truth the values decide takes one
  branch; anything else takes both. Evaluated: `.Values...` through the dot, `$` or a
  variable, the dot of `with` and of a define whose caller passed the top context or a
  `dict` of it (`include "x" (dict "context" $)`: `.context.Values...`), `not`, `and`,
  `or`, `eq`/`ne` of strings or bools, `empty`, `default`, `ternary`, `coalesce`,
  `required`, `hasKey`, `index`, `get`, `dig`, `kindIs`; truth as Go's (false, 0, nil,
  empty string, map or list are false). Numbers are never compared (helm's values are
  float64, a template's literals int: Go's `eq` fails on the pair). Variables follow
  assignments, joined where branches meet; a `range` body runs until what it hands
  the next run agrees (unknown in a file with `break`/`continue`, which gate's parser
  drops). What `include` returns is known for a define that writes no text of its own
  (only its actions write, as bitnami's `{{- if ... }}{{- true -}}{{- end -}}`
  helpers): `if (include "x.createSecret" .)` is decided.
- Templates that change the values (`set`, `unset`, `merge`... on `.Values` or on a map
  that may be part of them) make what they may change unknown, everywhere (helm renders
  the templates of a chart in an order gate does not follow), and the evaluation runs
  again until nothing new is changed. A change through a value gate cannot place makes
  every value unknown.

Bounded like the values reader: parses are cached by text, the actions of one chart
tree are counted against MOST_ACTIONS, and every walk over the define graph keeps a
visited set, so defines that include each other end. A profile's evaluation walks each
define once per distinct data it is given (at most MOST_CONTEXTS, then with unknown
data), at most MOST_NODES bodies and MOST_STEPS actions in all, and at most MOST_ROUNDS
rounds of value changes; past any bound the answer is the one without values.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import posixpath
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.chart import ChartFiles, read_chart
from gate.checks.values.reads import _parsed as _template_tree
from gate.gotemplate.lexer import Kind, TemplateSyntaxError
from gate.gotemplate.parser import (
    Action,
    Branch,
    Call,
    Chained,
    Command,
    Dot,
    Fields,
    Identifier,
    Literal,
    Node,
    Operand,
    Parenthesised,
    Parsed,
    Pipeline,
    Variable,
    parse,
)
from gate.limits import DEFAULT_LIMITS, Limits

# Functions whose output changes from one render to the next, from the function map
# helm gives templates: sprig v3.3.0's genericMap (Masterminds/sprig functions.go, the
# version helm 3.21 and helm 4 pin in go.mod) with helm's own additions
# (helm pkg/engine/funcs.go `funcMap`, engine.go `initFunMap`).
RANDOM_FUNCTIONS: Mapping[str, str] = {
    # random bytes (crypto/rand or math/rand)
    "randAlphaNum": "random",
    "randAlpha": "random",
    "randAscii": "random",
    "randNumeric": "random",
    "randInt": "random",
    "randBytes": "random",
    "shuffle": "random",
    "uuidv4": "random",
    # a fresh key, serial number, salt or IV on every call; certificates also take
    # NotBefore from the clock. buildCustomCert, derivePassword and decryptAES only
    # transform their arguments and are not here.
    "genPrivateKey": "random",
    "genCA": "random",
    "genCAWithKey": "random",
    "genSelfSignedCert": "random",
    "genSelfSignedCertWithKey": "random",
    "genSignedCert": "random",
    "genSignedCertWithKey": "random",
    "bcrypt": "random",
    "htpasswd": "random",
    "encryptAES": "random",
    # the clock. `date`, `dateInZone` (`date_in_zone`), `htmlDate` and `htmlDateInZone`
    # format time.Now() for any argument that is not a time or a Go int, and helm's
    # values hold numbers as float64; `ago` measures time.Since; `durationRound` does
    # for a time argument. `unixEpoch`, `dateModify`, `toDate` only transform a time
    # they are given (one from `now` is caught at `now`).
    "now": "reads the clock",
    "ago": "reads the clock",
    "date": "may read the clock",
    "dateInZone": "may read the clock",
    "date_in_zone": "may read the clock",
    "htmlDate": "may read the clock",
    "htmlDateInZone": "may read the clock",
    "durationRound": "may read the clock",
    # Go's map order, new on every iteration: sprig's `keys` and `values` return a map's
    # keys or values in it (see UNORDERED_UNLESS). `range` over a map, toYaml, toJson
    # and printing a map all sort their keys.
    "keys": "returns a map's keys in Go's random map order",
    "values": "returns a map's values in Go's random map order",
}
# Not random under `helm template` as gate runs it: `lookup` returns an empty map
# without a cluster connection, `getHostByName` returns "" unless --enable-dns (gate
# never passes it), `env` and `expandenv` are deleted from helm's function map.

# `keys` and `values` are harmless when their list goes straight into one of these.
UNORDERED_UNLESS = frozenset({"sortAlpha", "len", "empty", "has", "mustHas"})
# Sprig functions that change a map in place: a template that calls one can hand a
# random value to every template rendered after it through the shared `.Values`.
MUTATING = frozenset({"set", "unset", "merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite"})
# Those that merge: mergo walks into the maps the target holds, so they change those too.
_MERGING = frozenset({"merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite"})

# Actions (`{{ ... }}`) read per chart tree, as in the values reader
# (gate/checks/values/reads.py): the biggest real charts hold about 21,000. Past it the
# chart is counted random: helm renders it anyway and gate would only be guessing.
MOST_ACTIONS = 100_000
# Reasons kept in one answer: enough to act on, bounded for a chart of a thousand files.
MOST_REASONS = 20
# A values string quoted in a reason is cut to this many characters.
_QUOTED = 60

# Bounds of one profile's evaluation (see the module docstring). The biggest real chart
# of the survey (kube-prometheus-stack, 30 charts) needs about 3,000 bodies.
MOST_NODES = 50_000  # (body, data) pairs walked
MOST_STEPS = 3_000_000  # template nodes walked, over every pair and round
MOST_CONTEXTS = 256  # distinct data one body is walked with; then with unknown data
MOST_ROUNDS = 6  # evaluations run again because a template changes the values
MOST_INSTANCES = 1_000  # charts mounted (a chart aliased twice counts twice)
# Data kept for a define: a `dict` nested this deep, this many keys, a path this long.
_CONTEXT_DEPTH = 3
_CONTEXT_KEYS = 16
_PATH = 24
# Walks of a `range` body to find what its runs hand each other in variables.
_LOOP_ROUNDS = 3
# Defines walked inside each other to know what an include writes (Python's stack).
_NESTED = 24
# Profile answers kept (one per chart, limits and values documents).
MOST_CACHED = 512


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    """Compiled on first use: gate's start-up pays for no pattern a run does not need."""
    return re.compile(pattern, re.DOTALL)


_WORD = r"[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True)
class Randomness:
    """Whether two renders of a chart may differ, and why.

    `reasons` name, for each rendered template that may differ (at most MOST_REASONS),
    the call that makes it so and the includes that lead there:
    `templates/secret.yaml:3 includes "x.password"; "x.password"
    (templates/_helpers.tpl:7) calls uuidv4 (random)`.
    `values_tpl` names the places, reached from a rendered template, that run `tpl` on
    text from values: there the strings of a profile's values are read as templates.
    """

    random: bool
    reasons: tuple[str, ...] = ()
    values_tpl: tuple[str, ...] = ()


def reachable_randomness(
    chart: Path,
    limits: Limits = DEFAULT_LIMITS,
    profile_values: Sequence[Mapping[str, Any] | None] | None = None,
    *,
    extra_values: Sequence[Any] | None = None,
) -> Randomness:
    """Whether the rendering of `chart` may differ between two renders with the same
    inputs.

    `profile_values` are the values documents helm is given, in helm's order: each
    values file as parsed, then the `set` tree (`extra_values` is its former name).
    With them, the answer is that profile's: conditions, dependency conditions and tags
    are read with the values helm would merge. Without them (None), nothing is known
    about the values: every branch and every subchart counts. An empty sequence means
    the chart's own values alone.

    The chart's define graph is read once per folder and limits, each profile's answer
    once per folder, limits and documents; a chart gate.chart.read_chart refuses (an
    archive past a limit) raises its GateError."""
    documents = profile_values if profile_values is not None else extra_values
    if documents is None:
        return _verdict(chart, limits)
    key = (chart, limits, _digest(documents))
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    answer = _profile_verdict(chart, limits, documents)
    with _LOCK:
        _CACHE[key] = answer
        while len(_CACHE) > MOST_CACHED:
            _CACHE.popitem(last=False)
    return answer


# Renders run in threads: the cache of profile answers is shared under a lock (an
# answer computed twice by two threads is the same answer).
_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple[Path, Limits, str], Randomness] = OrderedDict()


@functools.cache
def _verdict(chart: Path, limits: Limits) -> Randomness:
    return _graph(chart, limits).verdict(())


@functools.cache
def _graph(chart: Path, limits: Limits) -> _Graph:
    return _Graph.build(read_chart(chart, limits))


def _profile_verdict(chart: Path, limits: Limits, documents: Sequence[Any]) -> Randomness:
    graph = _graph(chart, limits)
    strings = [document for document in documents if document is not None]
    bodies, _ = _value_bodies(strings, "profile values", graph.actions)
    if graph.refused:
        return graph.verdict(bodies)
    try:
        instances = _instances(graph, documents)
        if instances is not None:
            return graph.evaluate(instances, bodies)
    except (_Unsure, RecursionError):
        pass  # past a bound, or nested too deep to follow: the answer without values
    return graph.verdict(bodies)


class _Unsure(Exception):
    """An evaluation past one of its bounds: the answer without values is given."""


def _digest(documents: Sequence[Any]) -> str:
    """A digest of values documents, for the cache: types count (`1` is not `"1"`)."""
    digest = hashlib.sha256()
    stack: list[Any] = [list(documents)]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            digest.update(b"{%d" % len(item))
            for key in sorted(item, key=repr):
                digest.update(repr(key).encode() + b":")
                stack.append(item[key])
        elif isinstance(item, list | tuple):
            digest.update(b"[%d" % len(item))
            stack.extend(reversed(item))
        else:
            digest.update(f"{type(item).__name__}={item!r};".encode())
    return digest.hexdigest()


# --- what gate knows of a value while walking a template ----------------------------------
#
# A value is one of these: what helm would compute, as far as gate follows it. The
# difference that matters besides truth is whether a value may be (a part of) the
# values themselves: a `set` or `merge` on such a value changes what other templates
# read, one on a value of its own (a `dict`, a string, a `deepCopy`) does not.


@dataclass(frozen=True)
class _Anything:
    """Any value, possibly part of the values; `truth` when known all the same."""

    truth: bool | None = None


@dataclass(frozen=True)
class _Opaque:
    """A value of its own, unknown: a string, a number, a new list or a new map whose
    maps are new too. Nothing in it is part of the values. `kind` as Go's reflect names
    it, when known: "string", "slice", "map", "bool"."""

    truth: bool | None = None
    kind: str | None = None
    # what an include returns: the text it writes, found when asked (_State.written)
    include: _Include | None = None


@dataclass(frozen=True)
class _Const:
    """A literal string, bool or nil (numbers are _Opaque: never compared)."""

    value: str | bool | None


@dataclass(frozen=True)
class _Top:
    """The top-level data of a chart's templates: `.Values`, `.Release`, `.Chart`..."""

    instance: int


@dataclass(frozen=True)
class _Ref:
    """The values of a mounted chart at a path (`*` for any key, from `range`)."""

    instance: int
    path: tuple[str, ...]


@dataclass(frozen=True)
class _Dict:
    """A map made by `dict`. `site` names the call that made it: a change to one made
    there counts for every one made there. `complete`: every key was a literal."""

    site: int
    items: tuple[tuple[str, _Value], ...]
    complete: bool = True


_Value = _Anything | _Opaque | _Const | _Top | _Ref | _Dict
ANYTHING = _Anything()
_NIL = _Const(None)


@dataclass(frozen=True)
class _Mutation:
    """A `set`, `unset` or merge reached: on what, which key (set and unset), and what
    a merge merges in (mergo walks into a map of the target only where one of them has
    a map under the same key)."""

    target: _Value
    key: _Value | None
    merge: bool
    sources: tuple[_Value, ...] = ()


def _join(values: Sequence[_Value]) -> _Value:
    """What one of `values` is, when gate does not know which."""
    first = values[0]
    if all(value == first for value in values):
        return first
    truths = {_truth_of(value) for value in values}
    truth = truths.pop() if len(truths) == 1 else None
    if all(isinstance(value, _Opaque | _Const) for value in values):
        kinds = {_kind_of(value) for value in values}
        return _Opaque(truth, kinds.pop() if len(kinds) == 1 else None)
    return _Anything(truth)


def _kind_of(value: _Value) -> str | None:
    """The kind of a value that needs no values to know it."""
    if isinstance(value, _Opaque):
        return value.kind
    if isinstance(value, _Const):
        return _kind(value.value)
    if isinstance(value, _Dict | _Top):
        return "map"
    return None


def _kind(value: Any) -> str | None:
    """Go's reflect kind of a value of a values tree, where it does not depend on how
    helm read it (a number is a float64 from a file, an int64 from some --set)."""
    if value is None or value is _ABSENT:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict) and value is not _UNSURE:
        return "map"
    if isinstance(value, list):
        return "slice"
    return None


def _truth_of(value: _Value) -> bool | None:
    """The truth of a value that needs no values to know it."""
    if isinstance(value, _Const):
        return _go_truth(value.value)
    if isinstance(value, _Opaque | _Anything):
        return value.truth
    if isinstance(value, _Top):
        return True
    if isinstance(value, _Dict):
        return bool(value.items) or not value.complete
    return None


def _bounded(value: _Value, depth: int = _CONTEXT_DEPTH) -> _Value:
    """A value as a define is walked with: maps kept this deep and this wide, the rest
    unknown, so that defines that hand themselves ever deeper data end."""
    if isinstance(value, _Dict):
        if depth == 0 or len(value.items) > _CONTEXT_KEYS:
            return ANYTHING
        items = tuple((key, _bounded(item, depth - 1)) for key, item in value.items)
        return _Dict(value.site, items, value.complete)
    if isinstance(value, _Ref) and len(value.path) > _PATH:
        return ANYTHING
    if isinstance(value, _Anything):
        return ANYTHING
    if isinstance(value, _Opaque) and value.include is not None:
        return _Opaque(value.truth, value.kind)
    return value


# --- what one template body does ----------------------------------------------------------

# Parts of an include name computed at render time: literal text, or one of these.
_BASE = "\0base"  # .Template.BasePath: "<chart path>/templates"
_ANY = "\0any"  # anything


@dataclass(frozen=True)
class _Include:
    line: int
    name: str | None  # a literal name
    parts: tuple[str, ...] = ()  # a computed one: literal text, _BASE, _ANY
    files: bool = False  # its data names .Files: a `tpl` it reaches may run a file's text
    argument: _Value = ANYTHING  # its data, as far as known

    def describe(self) -> str:
        if self.name is not None:
            return f'includes "{self.name}"'
        if self.parts == (_ANY,):
            return "includes a computed name (every define and file counts)"
        shown = "".join("<BasePath>" if p == _BASE else "*" if p == _ANY else p for p in self.parts)
        return f"includes a computed name like {shown!r}"

    def pattern(self) -> re.Pattern[str]:
        text = "".join(
            r"(?:.*/)?templates" if p == _BASE else ".*" if p == _ANY else re.escape(p)
            for p in self.parts
        )
        return re.compile(text, re.DOTALL)


@dataclass(frozen=True)
class _Facts:
    """What one body (a file's top level, a define, a values string) does that matters
    here: its random calls and what it reaches."""

    random: tuple[tuple[int, str], ...] = ()  # (line, "calls now (reads the clock)")
    includes: tuple[_Include, ...] = ()
    values_tpl: tuple[int, ...] = ()  # lines of `tpl` over text that is not a literal
    mutates: bool = False
    mutations: tuple[_Mutation, ...] = ()  # with values: what each change is on
    tpl_data: tuple[_Value, ...] = ()  # with values: the data those `tpl` run the text on
    # with values, for a define that writes no text of its own: what it writes, and
    # whether that is not empty, when known
    text: str | None = None
    written: bool | None = None

    def empty(self) -> bool:
        return not (self.random or self.includes or self.values_tpl or self.mutates)


class _Walker:
    """Collects the facts of a list of nodes; `line` overrides every line (a literal
    given to `tpl` is reported at the `tpl`).

    With `state` (a profile's values), it also computes what each pipeline gives, takes
    only the branch a known truth decides, and records the data of each include and
    the target of each change; `dot` is the data the body runs on (`$` too)."""

    def __init__(
        self,
        line: int | None = None,
        state: _State | None = None,
        dot: _Value = ANYTHING,
        quiet: bool = False,
        breaks: bool = False,
    ):
        self.line = line
        self.state = state
        self.quiet = quiet  # a define whose text is all its actions write: follow it
        self.breaks = breaks  # see _Body.breaks
        self.random: list[tuple[int, str]] = []
        self.includes: list[_Include] = []
        self.values_tpl: list[int] = []
        self.mutates = False
        self.mutations: list[_Mutation] = []
        self.tpl_data: list[_Value] = []
        # What the walked actions write: the text when known, whether it is not empty.
        self.text: str | None = ""
        self.written: bool | None = False
        # Variables that may hold a chart file's text (`$c := .Files.Get "x"`), and how
        # many `with`/`range` over one are open (then `.` may be one).
        self.file_variables: set[str] = set()
        self.file_dot = 0
        self.dot = dot
        self.dollar = dot
        self.variables: dict[str, _Value] = {}

    def facts(self) -> _Facts:
        return _Facts(
            tuple(self.random),
            tuple(self.includes),
            tuple(self.values_tpl),
            self.mutates,
            tuple(self.mutations),
            tuple(dict.fromkeys(self.tpl_data)),
            self.text,
            self.written,
        )

    def at(self, line: int) -> int:
        return self.line if self.line is not None else line

    def nodes(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            if self.state is not None:
                self.state.step()
            if isinstance(node, Action):
                value = self.pipeline(node.pipeline, None)
                if not node.pipeline.variables:  # an action that sets a variable writes nothing
                    self.write(value)
            elif isinstance(node, Branch):
                self.branch(node)
            elif isinstance(node, Call):
                files = node.pipeline is not None and self.names_files(node.pipeline)
                at = len(self.includes)
                data = _NIL if node.pipeline is None else self.pipeline(node.pipeline, None)
                include = self.given(_Include(self.at(node.line), node.name, files=files), data)
                self.includes.insert(at, include)
                if self.state is not None:
                    self.write(self.state.included(include))

    def write(self, value: _Value) -> None:
        """An action writes `value`: what a define writes is its value in `include`."""
        if self.state is None or not self.quiet:
            return
        text, written = self.state.printed(value)
        self.text = None if self.text is None or text is None else self.text + text
        if self.written is not True:
            self.written = True if written is True else None if written is None else self.written

    def given(self, include: _Include, data: _Value) -> _Include:
        if self.state is None:
            return include
        return _Include(include.line, include.name, include.parts, include.files, _bounded(data))

    def branch(self, node: Branch) -> None:
        ranging = node.keyword == "range"
        value = self.pipeline(node.pipeline, None, bind=not ranging)
        over_files = node.keyword != "if" and self.names_files(node.pipeline)
        if self.state is None:
            self.file_dot += over_files
            self.nodes(node.body)
            self.file_dot -= over_files
            self.nodes(node.otherwise)
            return
        truth = self.state.truth(value)
        before = dict(self.variables)
        if ranging and truth is not False:
            before = self.loop(node, value, before)
        outcomes: list[dict[str, _Value]] = []
        writes: list[tuple[str | None, bool | None]] = []
        text, written = self.text, self.written
        if truth is not False:
            outcomes.append(self.body(node, value, before))
            if ranging and self.text != text:
                self.text = None  # written once per element
            writes.append((self.text, self.written))
        if truth is not True:
            self.text, self.written = text, written
            self.variables = dict(before)
            self.nodes(node.otherwise)
            outcomes.append(self.variables)
            writes.append((self.text, self.written))
        self.variables = {
            name: _join([outcome.get(name, ANYTHING) for outcome in outcomes]) for name in before
        }
        if ranging and self.breaks:
            self.variables.update(dict.fromkeys(_assigned(node.body) & before.keys(), ANYTHING))
        self.text = writes[0][0] if all(w[0] == writes[0][0] for w in writes) else None
        self.written = writes[0][1] if all(w[1] == writes[0][1] for w in writes) else None

    def body(self, node: Branch, value: _Value, variables: dict[str, _Value]) -> dict[str, _Value]:
        """Walk the body of `node` (whose pipeline gave `value`) from `variables`: the
        variables it ends with."""
        assert self.state is not None
        dot, over_files = self.dot, node.keyword != "if" and self.names_files(node.pipeline)
        self.variables = dict(variables)
        if node.keyword == "with":
            self.dot = value
        elif node.keyword == "range":
            self.dot = self.state.element(value)
            names = node.pipeline.variables
            if names:
                self.variables[names[-1]] = self.dot
            if len(names) == 2:
                self.variables[names[0]] = _Opaque()
        self.file_dot += over_files
        self.nodes(node.body)
        self.file_dot -= over_files
        self.dot = dot
        return self.variables

    def loop(self, node: Branch, value: _Value, variables: dict[str, _Value]) -> dict[str, _Value]:
        """The variables a `range` body starts each run with: what it assigns to a
        variable declared before it is read by its next run (bitnami's `$dst = ... |
        merge $dst`). Its body is walked without keeping facts until they agree."""
        assigned = _assigned(node.body) & variables.keys()
        if not assigned:
            return variables
        entry = dict(variables)
        if self.breaks:  # a run may stop before or after any assignment
            entry.update(dict.fromkeys(assigned, ANYTHING))
            return entry
        kept = (len(self.random), len(self.includes), len(self.values_tpl), len(self.mutations))
        data = len(self.tpl_data)
        text, written = self.text, self.written
        mutates = self.mutates
        for _ in range(_LOOP_ROUNDS):
            out = self.body(node, value, entry)
            joined = {name: _join([entry[name], out.get(name, ANYTHING)]) for name in assigned}
            if all(joined[name] == entry[name] for name in assigned):
                break
            entry.update(joined)
        else:
            entry.update(dict.fromkeys(assigned, ANYTHING))
        del self.random[kept[0] :], self.includes[kept[1] :], self.values_tpl[kept[2] :]
        del self.mutations[kept[3] :], self.tpl_data[data:]
        self.text, self.written = text, written
        self.mutates = mutates
        return entry

    def pipeline(self, pipeline: Pipeline, consumer: str | None, bind: bool = True) -> _Value:
        """The pipeline's value; `consumer` is the function it goes to, if known."""
        commands = pipeline.commands
        if any(_function(command) == "fail" for command in commands):
            # Running `fail` ends the render with an error: what the rest of the pipeline
            # computes only goes into the message (bitnami's presets list `keys` there).
            return ANYTHING
        if pipeline.variables and self.names_files(pipeline):
            self.file_variables.update(pipeline.variables)
        value: _Value | None = None
        for index, command in enumerate(commands):
            after = _function(commands[index + 1]) if index + 1 < len(commands) else consumer
            value = self.command(command, pipeline.line, after, value)
        result = value if value is not None else ANYTHING
        if bind and self.state is not None:
            for name in pipeline.variables:
                self.variables[name] = result
        return result

    def command(
        self, command: Command, line: int, consumer: str | None, piped: _Value | None
    ) -> _Value:
        head, arguments = command.arguments[0], command.arguments[1:]
        function = head.name if isinstance(head, Identifier) else None
        if function is None:
            # `(keys .x) | sortAlpha`: the operand's value goes where the command's goes
            value = self.operand(head, line, None if arguments else consumer)
            for argument in arguments:
                self.operand(argument, line, None)
            # Arguments to a value, or a value piped into one, is an error in Go.
            return value if not arguments and piped is None else ANYTHING
        self.call(function, line, consumer)
        at = len(self.includes)
        of_values = False
        if function == "include":
            parts = _name_parts(arguments[0]) if arguments else (_ANY,)
            literal = parts[0] if len(parts) == 1 and not parts[0].startswith("\0") else None
            files = any(self.names_files(argument) for argument in arguments[1:])
            include = _Include(self.at(line), literal, () if literal else parts, files)
        elif function == "tpl":
            of_values = self.tpl(arguments[0] if arguments else None, line)
        values = [self.operand(argument, line, function) for argument in arguments]
        if piped is not None:
            values.append(piped)
        if function == "include":
            self.includes.insert(at, self.given(include, values[1] if len(values) > 1 else _NIL))
        if self.state is None:
            return ANYTHING
        if function == "tpl" and of_values:
            self.tpl_data.append(_bounded(values[1]) if len(values) > 1 else ANYTHING)
        if function == "include":
            return self.state.included(self.includes[at])
        if function in MUTATING:
            target = values[0] if values else ANYTHING
            key = values[1] if function in ("set", "unset") and len(values) > 1 else None
            merging = function in _MERGING
            sources = tuple(values[1:]) if merging else ()
            self.mutations.append(_Mutation(target, key, merging, sources))
        return self.state.apply(function, values, id(command))

    def call(self, function: str, line: int, consumer: str | None) -> None:
        why = RANDOM_FUNCTIONS.get(function)
        sorted_after = function in ("keys", "values") and consumer in UNORDERED_UNLESS
        if why is not None and not sorted_after:
            self.random.append((self.at(line), f"calls {function} ({why})"))
        if function in MUTATING:
            self.mutates = True

    def operand(self, operand: Operand, line: int, function: str | None) -> _Value:
        if isinstance(operand, Identifier):  # a function called with no arguments
            self.call(operand.name, line, function)
            if self.state is None:
                return ANYTHING
            if operand.name in MUTATING:
                self.mutations.append(_Mutation(ANYTHING, None, True, (ANYTHING,)))  # Go refuses it
            return self.state.apply(operand.name, [], id(operand))
        if isinstance(operand, Parenthesised):
            return self.pipeline(operand.pipeline, function)
        if isinstance(operand, Chained):
            inner = self.operand(operand.operand, line, None)
            return self.fields(inner, operand.names)
        if self.state is None:
            return ANYTHING
        if isinstance(operand, Dot):
            return self.dot
        if isinstance(operand, Fields):
            return self.fields(self.dot, operand.names)
        if isinstance(operand, Variable):
            base = self.dollar if operand.name == "$" else self.variables.get(operand.name)
            return self.fields(base if base is not None else ANYTHING, operand.names)
        return _literal(operand)

    def fields(self, value: _Value, names: Sequence[str]) -> _Value:
        if self.state is None:
            return ANYTHING
        for name in names:
            value = self.state.field(value, name)
        return value

    def names_files(self, where: Operand | Pipeline) -> bool:
        """Whether a value may be a chart file's text: it names `.Files`, or a variable
        that was given one."""
        if isinstance(where, Pipeline):
            return any(
                self.names_files(argument)
                for command in where.commands
                for argument in command.arguments
            )
        if isinstance(where, Fields | Variable | Chained) and "Files" in where.names:
            return True
        if isinstance(where, Variable):
            return where.name in self.file_variables
        if isinstance(where, Chained):
            return self.names_files(where.operand)
        if isinstance(where, Parenthesised):
            return self.names_files(where.pipeline)
        return False

    def tpl(self, text: Operand | None, line: int) -> bool:
        """Read what a `tpl` runs; True when that is text from values."""
        at = self.at(line)
        if isinstance(text, Literal) and text.kind is Kind.STRING:
            tree = _parsed(text.value)
            if isinstance(tree, TemplateSyntaxError):
                self.random.append((at, f"runs tpl on a literal that does not parse ({tree})"))
                return False
            # Its data is tpl's second argument: read with nothing known about it.
            inner = _Walker(at)
            inner.nodes(tree.body)
            for body in tree.defines.values():
                inner.nodes(body)
            facts = inner.facts()
            self.random += facts.random
            self.includes += facts.includes
            self.values_tpl += facts.values_tpl
            if facts.values_tpl and self.state is not None:
                self.tpl_data.append(ANYTHING)  # the literal's own data is not followed
            if facts.mutates:
                self.mutates = True
                if self.state is not None:
                    self.mutations.append(_Mutation(ANYTHING, None, True, (ANYTHING,)))
            return False
        if (text is not None and self.names_files(text)) or (self.file_dot and text is not None):
            self.random.append((at, "runs tpl on a chart file's text, which gate does not read"))
            return False
        self.values_tpl.append(at)
        # Fragments the template wraps around the values text (bitnami's
        # `tpl (cat "{{- with $.RelativeScope -}}" $value "{{- end }}")`) cannot be read
        # alone: a random function named in one counts.
        for fragment in _literals(text):
            for word in _random_words(fragment):
                self.random.append((at, f"runs tpl on text that calls {word}"))
        return True


def _literal(operand: Operand) -> _Value:
    """A literal's value: strings, bools and nil as they are; a number only by its truth."""
    if not isinstance(operand, Literal):
        return ANYTHING
    if operand.kind is Kind.STRING:
        return _Const(operand.value)
    if operand.kind is Kind.BOOL:
        return _Const(operand.value == "true")
    if operand.kind is Kind.NIL:
        return _NIL
    if operand.kind is Kind.NUMBER:
        try:
            return _Opaque(float(operand.value.replace("_", "")) != 0)
        except ValueError:  # 0x1F, 1i, 'a': Go reads them; their truth is not needed
            return _Opaque()
    return _Opaque()


def _assigned(nodes: Iterable[Node]) -> set[str]:
    """The variables a list of nodes assigns with `=` (declared before it)."""
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        pipeline = node.pipeline
        if pipeline is not None:
            if pipeline.variables and not pipeline.declares:
                found.update(pipeline.variables)
            for command in pipeline.commands:
                stack.extend(_assigning_operands(command.arguments))
        if isinstance(node, Branch):
            stack.extend(node.body)
            stack.extend(node.otherwise)
    return found


def _assigning_operands(operands: Iterable[Operand]) -> Iterator[Action]:
    """The parenthesised pipelines among operands, as actions (they may assign too)."""
    for operand in operands:
        while isinstance(operand, Chained):
            operand = operand.operand
        if isinstance(operand, Parenthesised):
            yield Action(operand.pipeline)


def _function(command: Command) -> str | None:
    head = command.arguments[0]
    return head.name if isinstance(head, Identifier) else None


def _literals(operand: Operand | None) -> Iterator[str]:
    """The string literals inside an operand."""
    if isinstance(operand, Literal) and operand.kind is Kind.STRING:
        yield operand.value
    elif isinstance(operand, Parenthesised):
        for command in operand.pipeline.commands:
            for argument in command.arguments:
                yield from _literals(argument)
    elif isinstance(operand, Chained):
        yield from _literals(operand.operand)


def _name_parts(operand: Operand) -> tuple[str, ...]:
    """What an include name evaluates to: literal text, _BASE for the template's
    BasePath, _ANY for what gate cannot know. `print` and `printf` of those are
    followed, since `include (print $.Template.BasePath "/configmap.yaml") .` is how
    charts checksum their own files."""
    parts = _operand_parts(operand)
    merged: list[str] = []
    for part in parts:
        if merged and part == _ANY and merged[-1] == _ANY:
            continue
        if merged and not part.startswith("\0") and not merged[-1].startswith("\0"):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged) or ("",)


def _operand_parts(operand: Operand) -> list[str]:
    if isinstance(operand, Literal) and operand.kind is Kind.STRING:
        return [operand.value]
    names: tuple[str, ...] = ()
    if isinstance(operand, Fields | Variable | Chained):
        names = operand.names
    if names[-2:] == ("Template", "BasePath"):
        return [_BASE]
    if isinstance(operand, Parenthesised) and len(operand.pipeline.commands) == 1:
        if operand.pipeline.variables:
            return [_ANY]
        return _command_parts(operand.pipeline.commands[0])
    return [_ANY]


def _command_parts(command: Command) -> list[str]:
    head, arguments = command.arguments[0], command.arguments[1:]
    function = head.name if isinstance(head, Identifier) else None
    if function is None:
        return _operand_parts(head) if not arguments else [_ANY]
    if function == "print":
        # fmt.Sprint puts no space between two strings; anything else is _ANY anyway.
        return [part for argument in arguments for part in _operand_parts(argument)]
    if function == "printf" and arguments:
        first = arguments[0]
        if isinstance(first, Literal) and first.kind is Kind.STRING:
            return _printf_parts(first.value, [_operand_parts(a) for a in arguments[1:]])
    return [_ANY]


_VERB = r"%([-+# 0]*)(\d*)(?:\.(\d*))?(.)"


def _printf_parts(format_: str, arguments: list[list[str]]) -> list[str]:
    out: list[str] = []
    at = 0
    used = 0
    for verb in _regex(_VERB).finditer(format_):
        out.append(format_[at : verb.start()])
        at = verb.end()
        if verb.group(4) == "%":
            out.append("%")
            continue
        if used >= len(arguments) or verb.group(4) not in "sv" or any(verb.group(1, 2, 3)):
            out.append(_ANY)  # a width, a quote, %!s(MISSING): not worth exactness
        else:
            out += arguments[used]
        used += 1
    out.append(format_[at:])
    if used < len(arguments):
        out.append(_ANY)  # fmt appends %!(EXTRA ...)
    return [part for part in out if part]


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Parsed | TemplateSyntaxError:
    """A values string or a literal given to `tpl`, parsed once: the same strings come
    back for every profile (chart files go through the values reader's cache)."""
    try:
        return parse(text)
    except TemplateSyntaxError as exc:
        return exc
    except RecursionError:
        return TemplateSyntaxError("nested too deep to read", 0)


_SPACES = " \t\r\n"
# An action that is `break` or `continue` (in a comment too: then it only costs).
_BREAKS = r"\{\{-?\s*(?:break|continue)\b"


@functools.lru_cache(maxsize=4096)
def _quiet_defines(text: str) -> frozenset[str]:
    """The defines of a template file that write no text of their own: each text
    between their actions is white space that an adjacent action trims (`{{- ` before
    it or ` -}}` after it), as bitnami writes its `...createSecret` helpers. What such
    a define writes comes from its actions alone, so gate can know it (`{{- true -}}`
    inside an `if`). A file gate cannot scan has none."""
    quiet: dict[str, bool] = {}
    opened: list[str | None] = []  # blocks open: a define's name, None for the others
    at = 0
    trimmed = False  # the action before the text ends with ` -}}`
    while True:
        start = text.find("{{", at)
        between = text[at : start if start >= 0 else len(text)]
        trims = (
            start >= 0
            and text.startswith("{{-", start)
            and text[start + 3 : start + 4] in (*_SPACES,)
        )
        inside = opened[0] if opened else None
        if inside is not None and between and (between.strip(_SPACES) or not (trimmed or trims)):
            quiet[inside] = False
        if start < 0:
            break
        action = _action(text, start)
        if action is None:
            return frozenset()
        end, words = action
        trimmed = text[end - 4 : end - 3] in (*_SPACES,) and text[end - 3 : end] == "-}}"
        first = words[0] if words else ""
        if first in ("if", "with", "range", "block"):
            opened.append(None)
        elif first == "define":
            name = words[1] if len(words) > 1 else ""
            if opened or not (name.startswith('"') and name.endswith('"') and len(name) > 1):
                return frozenset()  # not as gate's parser reads it: say nothing
            opened.append(name[1:-1])
            quiet.setdefault(name[1:-1], True)
        elif first == "end":
            if not opened:
                return frozenset()
            opened.pop()
        elif first in ("break", "continue") and opened and opened[0] is not None:
            # gate's parser drops them: what follows in the loop may not run
            quiet[opened[0]] = False
        at = end
    return frozenset(name for name, alone in quiet.items() if alone)


def _action(text: str, start: int) -> tuple[int, list[str]] | None:
    """Where the action at `start` ends (after its `}}`), and its first two words (a
    quoted name as written); None when it does not end. A comment has no words."""
    at = start + 2
    if text.startswith("-", at) and text[at + 1 : at + 2] in (*_SPACES,):
        at += 1
    inner = at
    while inner < len(text) and text[inner] in _SPACES:
        inner += 1
    if text.startswith("/*", inner):
        close = text.find("*/", inner + 2)
        end = text.find("}}", close + 2) if close >= 0 else -1
        return None if end < 0 else (end + 2, [])
    content = at
    while at < len(text):
        if text.startswith("}}", at):
            return at + 2, text[content:at].split()[:2]
        quote = text[at]
        if quote in "\"`'":  # a string or a character: `}}` inside it does not end the action
            at += 1
            while at < len(text) and text[at] != quote:
                at += 2 if quote != "`" and text[at] == "\\" else 1
        at += 1
    return None


def _facts(nodes: tuple[Node, ...]) -> _Facts:
    walker = _Walker()
    try:
        walker.nodes(nodes)
    except RecursionError:
        return _Facts(random=((0, "is nested too deep to read"),))
    return walker.facts()


# --- the graph of a chart tree ------------------------------------------------------------


@dataclass(frozen=True)
class _Body:
    """A file's top level, a define, or a values string."""

    where: str  # the file, as a report names it: "charts/common/templates/_secrets.tpl"
    define: str | None  # the define's name; None for a file or a values string
    facts: _Facts
    value: str | None = None  # the values string, for a reason
    chart: int = -1  # the chart (index in _Graph.charts) it belongs to; -1: values
    nodes: tuple[Node, ...] = ()  # its syntax tree, walked again with a profile's values
    quiet: bool = False  # a define that writes no text of its own (see _quiet_defines)
    # its file uses `break` or `continue`, which gate's parser drops: a `range` body
    # may stop anywhere
    breaks: bool = False

    def describe(self, line: int | None = None) -> str:
        at = f"{self.where}:{line}" if line else self.where
        if self.define is not None:
            return f'"{self.define}" ({at})'
        if self.value is not None:
            quoted = self.value if len(self.value) <= _QUOTED else self.value[:_QUOTED] + "..."
            return f"{self.where} string {quoted!r}"
        return at


@dataclass(frozen=True)
class _File:
    where: str
    helm_name: str  # "parent/charts/common/templates/_names.tpl"
    template_name: str  # "templates/_names.tpl"
    body: int  # index in _Graph.bodies
    root: bool  # its output reaches the manifests
    notes: bool  # executed, output dropped
    chart: int = 0


class _Graph:
    """The bodies of a chart tree and what each may run: built once per chart."""

    def __init__(self) -> None:
        self.bodies: list[_Body] = []
        self.files: list[_File] = []
        self.names: dict[str, list[int]] = {}  # define (or file) name -> its bodies
        self.values: list[int] = []  # the bodies of the charts' values strings
        self.refused: list[str] = []  # reasons that make the chart random outright
        self.actions = MOST_ACTIONS  # left to read
        self.charts: list[ChartFiles] = []  # the chart tree, the top chart first
        self.children: list[list[int]] = []  # each chart's subcharts (indexes)
        self._targets: dict[tuple[str | None, tuple[str, ...]], list[int]] = {}
        self._defaults: dict[int, Any] = {}
        self._harmless: frozenset[int] | None = None

    @classmethod
    def build(cls, top: ChartFiles) -> _Graph:
        graph = cls()
        pending: list[tuple[ChartFiles, str, str, int]] = [(top, "", top.name or "chart", -1)]
        while pending:
            chart, base, helm_base, parent = pending.pop()
            index = len(graph.charts)
            graph.charts.append(chart)
            graph.children.append([])
            if parent >= 0:
                graph.children[parent].append(index)
            if graph.actions >= 0:
                graph.add_chart(chart, base, helm_base, index)
            # the subcharts, with the prefix of their files as a report names them
            # (`charts/x/`, `charts/x-1.0.0.tgz#x/`) and helm's name for them
            for sub in chart.subcharts:
                where = f"{base}{sub.location}"
                if sub.location.endswith(".tgz"):
                    where += f"#{sub.archive_folder or sub.name}"
                pending.append((sub, f"{where}/", f"{helm_base}/charts/{sub.name}", index))
        return graph

    def add(self, body: _Body) -> int:
        self.bodies.append(body)
        return len(self.bodies) - 1

    def add_chart(self, chart: ChartFiles, base: str, helm_base: str, index: int) -> None:
        library = str(chart.chart.get("type", "")).casefold() == "library"
        for name, text in chart.named_templates():
            partial = posixpath.basename(name).startswith("_")
            if library and not partial:
                continue  # helm drops it before parsing
            where = f"{base}{name}"
            self.actions -= text.count("{{")
            if self.actions < 0:
                self.refused.append(
                    f"{where}: the charts hold more than {MOST_ACTIONS:,} actions, past what "
                    "gate reads (counted random)"
                )
                return
            # The values reader parses the same files in the same run: one parse each.
            tree = _template_tree(text)
            if isinstance(tree, TemplateSyntaxError):
                line = f":{tree.line}" if tree.line else ""
                self.refused.append(f"{where}{line} does not parse for gate ({tree}): random")
                continue
            helm_name = f"{helm_base}/{name}"
            breaks = bool(_regex(_BREAKS).search(text))
            body = _Body(
                where, None, _facts(tree.body), chart=index, nodes=tree.body, breaks=breaks
            )
            added = self.add(body)
            notes = not partial and name.endswith("NOTES.txt")
            root = not partial and not notes
            self.files.append(_File(where, helm_name, name, added, root, notes, index))
            self.names.setdefault(helm_name, []).append(added)
            quiet = _quiet_defines(text)
            for define, nodes in tree.defines.items():
                body = _Body(
                    where,
                    define,
                    _facts(nodes),
                    chart=index,
                    nodes=nodes,
                    quiet=define in quiet,
                    breaks=breaks,
                )
                self.names.setdefault(define, []).append(self.add(body))
        if isinstance(chart.values, Mapping):
            bodies, self.actions = _value_bodies([chart.values], f"{base}values.yaml", self.actions)
            self.values += [self.add(body) for body in bodies]

    def defaults(self, index: int) -> Any:
        """A chart's values.yaml as coalescing reads it (see _plain)."""
        if index not in self._defaults:
            values = self.charts[index].values
            # An empty values.yaml is {}; so is one gate could not read, which helm may
            # read: what it holds is unknown then.
            self._defaults[index] = _Open() if values is None else _plain(values)
        return self._defaults[index]

    def harmless(self) -> frozenset[int]:
        """The bodies that reach no random call, no change to a map and no `tpl`,
        whatever they are given (their includes followed to every define): a profile's
        evaluation walks them once, with unknown data, unless what they write is asked."""
        if self._harmless is None:
            callers: dict[int, list[int]] = {}
            harmful = []
            for index, body in enumerate(self.bodies):
                facts = body.facts
                if facts.random or facts.mutates or facts.values_tpl:
                    harmful.append(index)
                for include in facts.includes:
                    if include.files:
                        harmful.append(index)
                    for target in self.targets(include):
                        callers.setdefault(target, []).append(index)
            reaching = _backwards(harmful, callers)
            self._harmless = frozenset(range(len(self.bodies))) - reaching
        return self._harmless

    # -- edges

    def targets(self, include: _Include) -> list[int]:
        """The bodies an include may run."""
        key = (include.name, include.parts)
        cached = self._targets.get(key)
        if cached is not None:
            return cached
        found: list[int] = []
        if include.name is not None:
            found += self.names.get(include.name, [])
            # A file named by its path: helm's chart path holds aliases gate does not
            # resolve here, so the path inside the chart decides.
            found += [f.body for f in self.files if include.name.endswith("/" + f.template_name)]
        else:
            pattern = include.pattern()
            for name, bodies in self.names.items():
                if pattern.fullmatch(name):
                    found += bodies
            found += [f.body for f in self.files if pattern.fullmatch(f"x/{f.template_name}")]
        result = sorted(set(found))
        self._targets[key] = result
        return result

    # -- the answer

    def verdict(self, extra: Sequence[_Body]) -> Randomness:
        """The answer with nothing known about the values."""
        if self.refused:
            return Randomness(True, tuple(self.refused[:MOST_REASONS]))
        walk = _Walk(self, extra, None)
        return walk.verdict([(file, walk.node(file.body, ANYTHING)) for file in self.files])

    def evaluate(self, instances: Sequence[_Instance], extra: Sequence[_Body]) -> Randomness:
        """The answer with a profile's values: evaluated again while templates are found
        to change values that the evaluation read as known."""
        changes = _Changes()
        for _ in range(MOST_ROUNDS):
            state = _State(instances, changes)
            walk = _Walk(self, extra, state)
            roots = [
                (file, walk.node(file.body, _Top(number)))
                for number, instance in enumerate(instances)
                for file in self.files
                if file.chart == instance.chart
            ]
            walk.explore(node for _, node in roots)
            mutations = list(walk.mutations())
            found = changes
            while (wider := found.extended(mutations, instances)) != found:
                found = wider  # a merge into a key another change added
            if not state.reads(found):
                return walk.verdict(roots)  # no value this walk read has changed
            changes = found
        raise _Unsure("the templates keep changing the values")


class _Walk:
    """The graph of one chart tree with one set of values strings (the charts' and those
    given), as far as it is reached from the rendered files: its nodes are bodies with
    the data each is run on (without values: unknown data, one node per body).

    Every `tpl` over values text may run every values string: they are reached through
    one extra node per data (a `hub`), so that a chart with a hundred such `tpl` and a
    thousand strings does not make a hundred thousand edges."""

    def __init__(self, graph: _Graph, extra: Sequence[_Body], state: _State | None):
        self.graph, self.state = graph, state
        self.bodies: list[_Body] = [*graph.bodies, *extra]
        self.values = [*graph.values, *range(len(graph.bodies), len(self.bodies))]
        self.keys: list[tuple[int, _Value]] = []
        self.ids: dict[tuple[int, _Value], int] = {}
        self.contexts: dict[int, int] = {}  # body -> data it was walked with
        self.found: list[_Facts | None] = []
        self.out: list[list[tuple[int, str, _Include | None]] | None] = []
        self.hub = len(self.bodies)  # the body index of the hubs
        self.walking: set[int] = set()  # nodes being walked (an include walks its define)
        if state is not None:
            state.walk = self
        self.file_tpl: dict[int, tuple[_Include, int]] = {}  # set by random()

    # -- nodes

    def node(self, body: int, data: _Value) -> int:
        if self.state is None:
            data = ANYTHING
        key = (body, data)
        found = self.ids.get(key)
        if found is not None:
            return found
        if data != ANYTHING and self.contexts.get(body, 0) >= MOST_CONTEXTS:
            return self.node(body, ANYTHING)  # walked with enough data: unknown from here
        if len(self.keys) >= MOST_NODES:
            raise _Unsure("too many bodies to walk")
        self.contexts[body] = self.contexts.get(body, 0) + 1
        self.ids[key] = len(self.keys)
        self.keys.append(key)
        self.found.append(None)
        self.out.append(None)
        return len(self.keys) - 1

    def is_hub(self, node: int) -> bool:
        return self.keys[node][0] == self.hub

    def body(self, node: int) -> _Body:
        return self.bodies[self.keys[node][0]]

    def facts(self, node: int) -> _Facts:
        found = self.found[node]
        if found is None:
            found = self.found[node] = self.walk(node)
        return found

    def walk(self, node: int) -> _Facts:
        index, data = self.keys[node]
        if index == self.hub:
            return _Facts()
        body = self.bodies[index]
        if self.state is None:
            return body.facts
        if not body.quiet and (body.facts.empty() or index in self.graph.harmless()):
            return body.facts  # nothing in it depends on values, or nothing that matters
        if index in self.graph.harmless() and data == ANYTHING:
            return body.facts  # what it writes, with data nothing is known of
        if not body.nodes or (body.chart < 0 and data == ANYTHING):
            # values text that does not parse or defines templates, or that is run on
            # data nothing is known of: its facts without values
            return _unknown_changes(body.facts)
        # values text is reported at its line 0, as without values
        line = 0 if body.chart < 0 else None
        walker = _Walker(line, state=self.state, dot=data, quiet=body.quiet, breaks=body.breaks)
        self.walking.add(node)
        try:
            walker.nodes(body.nodes)
        except RecursionError:
            return _unknown_changes(body.facts)  # its facts without values
        finally:
            self.walking.discard(node)
        facts = walker.facts()
        if not body.quiet:
            return dataclasses.replace(facts, text=None, written=None)
        return facts

    def written(self, include: _Include) -> tuple[str | None, bool | None]:
        """What an include writes, as far as known: the text, and whether it is not
        empty. Each define it may run is walked first (unless it is being walked: an
        include of itself), at most _NESTED walks deep."""
        assert self.state is not None
        nodes = [
            self.node(target, include.argument)
            for target in self.graph.targets(include)
            if self.state.defined(self.bodies[target].chart)
        ]
        if not nodes or len(self.walking) >= _NESTED or self.walking.intersection(nodes):
            return None, None
        found = [self.facts(node) for node in nodes]
        texts = {facts.text for facts in found}
        written = {facts.written for facts in found}
        return (texts.pop() if len(texts) == 1 else None), (
            written.pop() if len(written) == 1 else None
        )

    def edges(self, node: int) -> list[tuple[int, str, _Include | None]]:
        """(node, how, include) for each node this one may run; `how` says how, for a
        reason."""
        found = self.out[node]
        if found is not None:
            return found
        found = []
        if self.is_hub(node):
            data = self.keys[node][1]
            found = [(self.node(index, data), "", None) for index in self.values]
        else:
            body, facts = self.body(node), self.facts(node)
            harmless = self.graph.harmless() if self.state is not None else frozenset()
            for include in facts.includes:
                for target in self.graph.targets(include):
                    if self.state is None or self.state.defined(self.bodies[target].chart):
                        how = f"{body.describe(include.line)} {include.describe()}"
                        # what cannot reach a random call or a change is walked once
                        data = ANYTHING if target in harmless else include.argument
                        found.append((self.node(target, data), how, include))
            if facts.values_tpl:
                how = f"{body.describe(facts.values_tpl[0])} runs tpl on values text"
                for data in facts.tpl_data or (ANYTHING,):
                    found.append((self.node(self.hub, data), how, None))
        self.out[node] = found
        return found

    def explore(self, starts: Iterable[int]) -> None:
        """Walk every node the starts may run."""
        seen = set(starts)
        queue = deque(seen)
        while queue:
            for target, _, _ in self.edges(queue.popleft()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)

    def mutations(self) -> Iterator[_Mutation]:
        for node in range(len(self.keys)):
            found = self.found[node]
            if found is not None:
                yield from found.mutations

    # -- reach

    def reach(self, *starts: int) -> list[int]:
        """Every node the starts may run."""
        return [node for node in self.steps(*starts) if not self.is_hub(node)]

    def steps(self, *starts: int) -> dict[int, tuple[int, str] | None]:
        """Every node the starts may run (and the hubs), each with the node and step it
        was reached by (breadth first: the shortest chain), in the order reached."""
        reached: dict[int, tuple[int, str] | None] = dict.fromkeys(starts)
        queue = deque(starts)
        while queue:
            node = queue.popleft()
            for target, how, _ in self.edges(node):
                if target not in reached:
                    reached[target] = (node, how)
                    queue.append(target)
        return reached

    def random(self, starts: Sequence[int]) -> set[int]:
        """The nodes reached from `starts` that may reach a random call: found
        backwards from the calls, over every edge once."""
        every = list(self.steps(*starts))
        reached = [node for node in every if not self.is_hub(node)]
        callers: dict[int, list[int]] = {}
        for node in every:
            for target, _, _ in self.edges(node):
                callers.setdefault(target, []).append(node)
        direct = [node for node in reached if self.facts(node).random]
        runs_tpl = _backwards([node for node in reached if self.facts(node).values_tpl], callers)
        self.file_tpl = {
            node: (include, target)
            for node in reached
            for target, _, include in self.edges(node)
            if include is not None and include.files and target in runs_tpl
        }
        return _backwards([*direct, *self.file_tpl], callers)

    def why(self, node: int) -> str | None:
        """What makes a node random by itself, if anything."""
        body, facts = self.body(node), self.facts(node)
        if facts.random:
            line, why = facts.random[0]
            return f"{body.describe(line)} {why}"
        found = self.file_tpl.get(node)
        if found is None:
            return None
        # A chart file's text handed to a define (`dict "value" (.Files.Get "x")`) that
        # runs `tpl` on its data: gate cannot read that text.
        include, target = found
        site = next(
            self.body(n).describe(self.facts(n).values_tpl[0])
            for n in self.reach(target)
            if self.facts(n).values_tpl
        )
        return (
            f"{body.describe(include.line)} {include.describe()} with a chart file's text, "
            f"and {site} runs tpl on it: text gate does not read"
        )

    def reason(self, start: int) -> str:
        """Why `start` may differ between renders: the nearest random call, after the
        includes that lead there. Called for nodes `random()` found."""
        reached = self.steps(start)
        node, why = next(
            (n, w) for n in reached if not self.is_hub(n) and (w := self.why(n)) is not None
        )
        steps: list[str] = []
        while (step := reached.get(node)) is not None:
            node, how = step
            if how:
                steps.append(how)
        return f"{', '.join(reversed(steps))}; {why}" if steps else why

    def verdict(self, roots: Sequence[tuple[_File, int]]) -> Randomness:
        random = self.random([node for _, node in roots])
        # NOTES.txt runs, but its output is dropped: it matters only when it changes a map
        # the templates rendered after it read.
        executed = [
            (file, node)
            for file, node in roots
            if file.root or (file.notes and any(self.facts(n).mutates for n in self.reach(node)))
        ]
        reasons: dict[str, None] = {}  # a chart mounted twice gives the same reason twice
        for file, node in executed:
            if node not in random:
                continue
            reason = self.reason(node)
            if file.notes:
                reason += "; NOTES.txt output is dropped, but it changes a map later templates read"
            reasons[reason] = None
        kept = list(reasons)[:MOST_REASONS]
        if len(reasons) > MOST_REASONS:
            kept.append(f"... and {len(reasons) - MOST_REASONS} more rendered templates")
        sites = {
            self.body(node).describe(line): None
            for node in self.reach(*(node for _, node in executed))
            for line in self.facts(node).values_tpl
        }
        return Randomness(bool(kept), tuple(kept), tuple(sites))


def _unknown_changes(facts: _Facts) -> _Facts:
    """Facts found without values, for an evaluation with them: a change to a map
    there is a change gate cannot place."""
    if not facts.mutates:
        return facts
    return dataclasses.replace(facts, mutations=(_Mutation(ANYTHING, None, True, (ANYTHING,)),))


def _backwards(starts: Iterable[int], callers: Mapping[int, list[int]]) -> set[int]:
    """The starts and every node that may run one of them."""
    found = set(starts)
    queue = deque(found)
    while queue:
        for caller in callers.get(queue.popleft(), ()):
            if caller not in found:
                found.add(caller)
                queue.append(caller)
    return found


# --- values as helm merges them -----------------------------------------------------------


class _Open(dict[str, Any]):
    """A map that may hold keys gate does not know: a key missing from it is unknown."""


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


# In a values tree: a value gate cannot know, and (from a lookup) a key a map lacks.
_UNSURE: Any = _Marker("<unsure>")
_ABSENT: Any = _Marker("<absent>")
# The key of a path that stands for any key (the element of a `range`).
_EACH = "\0each"


def _go_truth(value: Any) -> bool | None:
    """Go's truth of a value of a values tree: false, 0, nil, and empty strings, maps
    and lists are false."""
    if value is None or value is _ABSENT:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | tuple):
        return len(value) > 0
    if isinstance(value, dict):
        return True if value else (None if isinstance(value, _Open) else False)
    return None


# Strings gate's YAML reader keeps as text where Go's yaml.v2 (helm's) reads a plain
# scalar as a bool or a number: `n` is false there. Quoted, they are strings to both;
# the parsed value does not say which.
_GO_READS_OTHERWISE = (
    r"^(?:[yYnN]|[-+]?0[oO][0-7_]+|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+)\Z"
)


def _plain(value: Any) -> Any:
    """A values document as helm holds it: maps with string keys, lists, strings,
    numbers, bools and nil. Anything else (a date PyYAML made) is unknown, and a map
    with a key YAML did not read as a string (`yes:`, `1:`) may hold keys gate cannot
    name."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        odd = False
        for key, item in value.items():
            if isinstance(key, str):
                out[key] = _plain(item)
            else:
                odd = True
        return _Open(out) if odd else out
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str) and _regex(_GO_READS_OTHERWISE).match(value):
        return _UNSURE  # unquoted, helm reads it as a bool or a number
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return _UNSURE


def _opened(value: Any) -> Any:
    """The same tree with every map open: keys may come from where gate does not look."""
    if isinstance(value, dict):
        return _Open({key: _opened(item) for key, item in value.items()})
    return value


def _like(model: dict[str, Any], *others: Any) -> dict[str, Any]:
    """A copy of `model`, open when it or any of `others` is."""
    if isinstance(model, _Open) or any(isinstance(other, _Open) for other in others):
        return _Open(model)
    return dict(model)


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Values documents merged as helm's CLI does (pkg/cli/values `mergeMaps`): later
    wins, maps merged, a null kept as null (it deletes a default later)."""
    out = _like(base, top)
    for key, value in top.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = _overlay(current, value)
        else:
            out[key] = value
    return out


def _coalesce(high: Any, low: Any, keep_null: bool = False) -> Any:
    """A chart's defaults (`low`) under the values given (`high`), as helm's coalescing
    does it (coalesceValues, coalesceTablesFullKey): maps merged, the given value wins,
    a given null deletes the default. Which helm deletes what differs (older ones kept
    a subchart's default): a deleted default that is not false itself is unknown.
    `keep_null`: merging (helm's `merge` mode), nulls stay."""
    if not isinstance(high, dict):
        return high
    if low is _UNSURE:
        return _opened(high)
    if not isinstance(low, dict):
        return high
    out = _like(high, low)
    for key, default in low.items():
        if key not in high:
            out[key] = default
            continue
        given = high[key]
        if given is None and not keep_null:
            out[key] = None if _go_truth(default) is False else _UNSURE
        elif isinstance(given, dict):
            out[key] = _coalesce(given, default, keep_null)
    return out


def _coalesce_entry(high: Any, low: Any) -> Any:
    """One value coalesced over another, either of which may be _ABSENT."""
    if high is _ABSENT:
        return low
    if low is _ABSENT:
        return high
    return _coalesce({"x": high}, {"x": low})["x"]


def _entry(values: Any, key: str) -> Any:
    """values[key]: _ABSENT when a map lacks it, _UNSURE when gate cannot know."""
    if isinstance(values, dict):
        if key in values:
            return values[key]
        return _UNSURE if isinstance(values, _Open) else _ABSENT
    return _UNSURE


def _lookup(values: Any, path: Sequence[str], dead_end: Any) -> Any:
    """The value at `path`: _ABSENT when the last map lacks the key, `dead_end` when an
    earlier step is missing or no map, _UNSURE when gate cannot know.

    A key missing from a map below `global.<key>` is unknown: helm copies a parent's
    `global` into each subchart's with a shallow copy of its tables, so a subchart's
    global defaults land in maps the parent and the other subcharts share."""
    current = values
    for depth, key in enumerate(path):
        if current is _UNSURE or key == _EACH:
            return _UNSURE
        if not isinstance(current, dict):
            return dead_end
        if key in current:
            current = current[key]
        elif isinstance(current, _Open) or "global" in path[: max(depth - 1, 0)]:
            return _UNSURE
        else:
            current = _ABSENT
    return current


def _with_globals(section: Any, parent: Any) -> Any:
    """A subchart's section with the parent's `global` copied in, as helm's
    coalesceGlobals does: the parent's values win, its tables merged over the section's
    (nulls kept: the subchart's coalescing deletes them)."""
    if not isinstance(section, dict):
        return section
    own = _entry(section, "global")
    parent = {} if parent is _ABSENT else parent
    own = {} if own is _ABSENT else own
    if not isinstance(parent, dict) or not isinstance(own, dict):
        if parent is _UNSURE or own is _UNSURE:
            out = _like(section)
            out["global"] = _UNSURE
            return out
        return section  # helm skips globals that are not a table
    merged = _like(own, parent)
    for key, value in parent.items():
        current = merged.get(key, _ABSENT)
        if isinstance(value, dict):
            if current is _ABSENT:
                merged[key] = value
            elif isinstance(current, dict):
                merged[key] = _coalesce(value, current, keep_null=True)
            elif current is _UNSURE:
                merged[key] = _UNSURE
            # else: helm keeps the subchart's value ("cannot merge map onto non-map")
        elif value is _UNSURE:
            merged[key] = _UNSURE
        elif not isinstance(current, dict):
            merged[key] = value
    out = _like(section)
    out["global"] = merged
    return out


def _blur(options: Sequence[Any], raw: Any) -> Any:
    """A subchart's section as its parent sees it when gate cannot say whether (or which
    of `options`) helm mounts there: the parent's own keys (`raw`) as any option has
    them, every other key unknown."""
    if not isinstance(raw, dict) or not all(isinstance(option, dict) for option in options):
        first = options[0]
        return first if all(option is first for option in options) else _UNSURE
    out = _Open()
    for key, given in raw.items():
        found = [option.get(key, _ABSENT) for option in options]
        if isinstance(given, dict):
            out[key] = _blur(found, given) if _ABSENT not in found else _UNSURE
        else:
            out[key] = found[0] if all(item == found[0] for item in found) else _UNSURE
    return out


# --- dependencies as helm enables them ----------------------------------------------------

_VERSION = r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
_PART = r"(?:\d+|[xX*])"
_TERM = (
    r"\s*(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*"
    rf"(v?{_PART}(?:\.{_PART})?(?:\.{_PART})?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*,?"
)


def _compatible(constraint: object, version: object) -> bool | None:
    """Whether a chart's version fits a dependency's range as helm's IsCompatibleRange
    (Masterminds semver) says, for the forms charts use (`2.x.x`, `1.2.*`, `^1.4.0`,
    `~1.2.3`, `>=1.0.0 <2.0.0`, `a || b`, exact versions); None where gate cannot say:
    another form, a prerelease, a partial version without wildcards, a caret on 0.x
    (semver releases disagree), where Masterminds versions differ."""
    if not isinstance(constraint, str) or not isinstance(version, str):
        return None
    match = _regex(_VERSION).fullmatch(version.strip())
    if match is None or match.group(4):
        return None
    have = tuple(int(part or 0) for part in match.group(1, 2, 3))
    groups = []
    for group in constraint.split("||"):
        terms = []
        at = 0
        text = group.strip()
        if not text:
            return None
        for term in _regex(_TERM).finditer(text):
            if term.start() != at or not term.group(0).strip():
                return None
            at = term.end()
            terms.append(_fits(term.group(1) or "=", term.group(2), have))
        if at != len(text):
            return None
        groups.append(False if False in terms else None if None in terms else True)
    return True if True in groups else None if None in groups else False


def _fits(operator: str, wanted: str, have: tuple[int, ...]) -> bool | None:
    """One term of a range against a release version (major, minor, patch)."""
    match = _regex(r"v?([^.+-]+)(?:\.([^.+-]+))?(?:\.([^.+-]+))?(-[^+]*)?(\+.*)?").fullmatch(wanted)
    if match is None or match.group(4):
        return None
    parts = list(match.group(1, 2, 3))
    wild = [part in ("x", "X", "*") for part in parts]
    if parts[0] is not None and wild[0]:
        # `*`, `x.x.x`: any release (an operator with it is rare and versions differ)
        return True if operator in ("=", "~", "~>", "^") else None
    if any(part is None for part in parts) and not any(wild):
        return None  # `1.2`: exact in some releases, a range in others
    base = tuple(0 if part is None or w else int(part) for part, w in zip(parts, wild, strict=True))
    if any(wild) or any(part is None for part in parts):
        if operator not in ("=", "~", "~>", "^"):
            return None
        minor_any = wild[1] or parts[1] is None
        if operator == "^":
            return have >= base and have[0] == base[0] if base[0] > 0 else None
        return have >= base and have[0] == base[0] and (minor_any or have[1] == base[1])
    if operator == "=":
        return have == base
    if operator == "!=":
        return have != base
    if operator in (">", "<", ">=", "=>", "<=", "=<"):
        return {
            ">": have > base,
            "<": have < base,
            ">=": have >= base,
            "=>": have >= base,
            "<=": have <= base,
            "=<": have <= base,
        }[operator]
    if operator in ("~", "~>"):
        return have >= base and have[:2] == base[:2]
    # `^`: the same major; on 0.x Masterminds releases differ (same minor, or any)
    if base[0] > 0:
        return have >= base and have[0] == base[0]
    if have < base or have[0] != 0:
        return False
    return True if have[1] == base[1] and base[1] > 0 else None


@dataclass(frozen=True)
class _Instance:
    """A chart as helm mounts it: which chart, where its values sit in the top chart's
    (its aliases from the top: () for the top chart), and its values (.Values)."""

    chart: int
    prefix: tuple[str, ...]
    values: Any


@dataclass(frozen=True)
class _Candidate:
    """A chart helm may mount under a parent: under `alias`, as `entry` (its dependency
    in Chart.yaml, None when Chart.yaml does not list it) says; `certain`: gate knows
    the entry is the chart's (its version fits the range)."""

    alias: str
    chart: int
    entry: Mapping[str, Any] | None
    certain: bool


def _instances(graph: _Graph, documents: Sequence[Any]) -> list[_Instance] | None:
    """Every chart helm renders with these values documents, with its values; None
    when a document is not a map (helm refuses it)."""
    given: dict[str, Any] = {}
    for document in documents:
        if document is None:
            continue  # an empty values file
        if not isinstance(document, Mapping):
            return None
        given = _overlay(given, _plain(document))
    mounted = _Mounter(graph)
    _, instances = mounted.mount(0, given, (), _ABSENT)
    return instances


class _Mounter:
    """helm's processDependencyEnabled and coalescing, over gate's chart tree."""

    def __init__(self, graph: _Graph):
        self.graph = graph
        self.count = 0
        self._candidates: dict[int, list[_Candidate]] = {}

    def candidates(self, index: int) -> list[_Candidate]:
        """The charts helm may mount under chart `index`: those Chart.yaml lists, under
        their alias, and those it does not list (or whose version no range fits),
        under their own name, always."""
        found = self._candidates.get(index)
        if found is not None:
            return found
        chart, graph = self.graph.charts[index], self.graph
        kids = graph.children[index]
        listed = _listed(chart)
        if listed is None:  # helm mounts every subchart as it is
            found = [_Candidate(graph.charts[kid].name, kid, None, True) for kid in kids]
            self._candidates[index] = found
            return found
        found = []
        for kid in kids:
            sub = graph.charts[kid]
            fits = [
                _compatible(entry.get("version"), sub.chart.get("version"))
                for entry in listed
                if entry["name"] == sub.name
            ]
            if True not in fits:
                found.append(_Candidate(sub.name, kid, None, None not in fits))
        for entry in listed:
            for kid in kids:
                sub = graph.charts[kid]
                if sub.name != entry["name"]:
                    continue
                fit = _compatible(entry.get("version"), sub.chart.get("version"))
                if fit is not False:
                    found.append(_Candidate(_mount_name(entry), kid, entry, fit is True))
        self._candidates[index] = found
        return found

    def mount(
        self, index: int, given: Any, prefix: tuple[str, ...], above: Any
    ) -> tuple[Any, list[_Instance]]:
        """Chart `index` with the values its parent gives it: its values as its
        templates see them, and it with every chart mounted below it. `above`: the
        `tags` helm reads for this chart's dependencies, before its own defaults."""
        self.count += 1
        if self.count > MOST_INSTANCES:
            raise _Unsure("too many charts mounted")
        chart, defaults = self.graph.charts[index], self.graph.defaults(index)
        own = _coalesce(given, defaults)
        if _imports(chart):
            own = _opened(own)  # import-values fills keys gate does not follow
        # helm reads tags at the top of the values it coalesced: the top chart's; below
        # it, each chart's own defaults coalesced under those.
        tags = (
            _entry(own, "tags") if not prefix else _coalesce_entry(above, _entry(defaults, "tags"))
        )
        candidates = self.candidates(index)
        kids: list[tuple[Any, Any, list[_Instance]]] = []
        for candidate in candidates:
            raw = _entry(own, candidate.alias)
            raw = {} if raw is _ABSENT else raw if isinstance(raw, dict) else _UNSURE
            section = _with_globals(raw, _entry(own, "global"))
            values, below = self.mount(candidate.chart, section, (*prefix, candidate.alias), tags)
            kids.append((raw, values, below))
        # What the conditions read: every candidate coalesced, as helm does before
        # removing the disabled ones.
        shared = [
            [number for number, other in enumerate(candidates) if other.alias == c.alias]
            for c in candidates
        ]
        coalesced = _like(own) if isinstance(own, dict) else own
        if isinstance(coalesced, dict):
            for candidate, (raw, values, _), same in zip(candidates, kids, shared, strict=True):
                choices = [kids[number][1] for number in same]
                coalesced[candidate.alias] = values if len(same) == 1 else _blur(choices, raw)
        listed = _listed(chart) or []
        statuses = [
            self.status(candidate, coalesced, tags, prefix, candidates, listed)
            for candidate in candidates
        ]
        rendered = _like(own) if isinstance(own, dict) else own
        instances: list[_Instance] = []
        for number, (candidate, (raw, _, below)) in enumerate(zip(candidates, kids, strict=True)):
            if statuses[number] is False:
                continue  # removed before rendering: its section stays as the parent has it
            instances += below
            live = [n for n in shared[number] if statuses[n] is not False]
            if isinstance(rendered, dict) and live[0] == number:
                if len(live) == 1 and statuses[number] is True:
                    rendered[candidate.alias] = kids[number][1]
                else:
                    rendered[candidate.alias] = _blur([kids[n][1] for n in live], raw)
        return rendered, [_Instance(index, prefix, rendered), *instances]

    def status(
        self,
        candidate: _Candidate,
        values: Any,
        tags: Any,
        prefix: tuple[str, ...],
        candidates: Sequence[_Candidate],
        listed: Sequence[Mapping[str, Any]],
    ) -> bool | None:
        """Whether helm mounts a candidate: True, False, None when gate cannot say.

        helm removes a mounted chart whose name (its alias) is the name of any disabled
        dependency, whether that dependency is the one it came from or not: a chart of
        charts/ whose version no range fits stays only while the dependency of its name
        is enabled."""
        if candidate.entry is None:
            status: bool | None = True if candidate.certain else None
        else:
            status = self.enabled(candidate.entry, values, tags, prefix, candidates)
            if status is True and not candidate.certain:
                status = None
        for entry in listed:
            if status is False or _mount_name(entry) != candidate.alias:
                continue
            enabled = self.enabled(entry, values, tags, prefix, candidates)
            if enabled is False:
                status = False
            elif enabled is None:
                status = None
        return status

    def enabled(
        self,
        entry: Mapping[str, Any],
        values: Any,
        tags: Any,
        prefix: tuple[str, ...],
        candidates: Sequence[_Candidate],
    ) -> bool | None:
        """Whether helm enables a dependency: tags first (all of its tags false:
        disabled), then the first condition path that holds a bool
        (processDependencyTags, processDependencyConditions)."""
        enabled: bool | None = True
        names = entry.get("tags")
        if isinstance(names, list) and names:
            if tags is _UNSURE:
                enabled = None
            elif isinstance(tags, dict):
                found = [_entry(tags, name) for name in names if isinstance(name, str)]
                if any(value is _UNSURE for value in found):
                    enabled = None
                elif any(value is False for value in found) and not any(
                    value is True for value in found
                ):
                    enabled = False  # tags that are not bools do not count
        condition = entry.get("condition")
        if isinstance(condition, str):
            for path in condition.strip().split(","):
                if not path:
                    continue
                value = self.condition(values, path.split("."), prefix, candidates)
                if value is _UNSURE:
                    return None
                if isinstance(value, bool):
                    return value
        return enabled

    def condition(
        self,
        values: Any,
        path: list[str],
        prefix: tuple[str, ...],
        candidates: Sequence[_Candidate],
    ) -> Any:
        """What a condition path holds: a bool, _ABSENT (no bool there) or _UNSURE.

        helm reads it from values it coalesced before it applied the aliases below the
        top chart: there a subchart's own subcharts sit under their chart names. gate's
        values have them under their aliases, so a path into a subchart's subcharts, or
        (below the top chart) into an aliased subchart, is not decided."""
        for candidate in candidates:
            names = {candidate.alias, self.graph.charts[candidate.chart].name}
            if path[0] not in names:
                continue
            if prefix and len(names) > 1:
                return _UNSURE
            deeper = {
                name
                for below in self.candidates(candidate.chart)
                for name in (below.alias, self.graph.charts[below.chart].name)
            }
            if len(path) > 2 and path[1] in deeper:
                return _UNSURE
        value = _lookup(values, path, _ABSENT)
        return value if value is _UNSURE or isinstance(value, bool) else _ABSENT


def _listed(chart: ChartFiles) -> list[Mapping[str, Any]] | None:
    """The dependencies Chart.yaml lists (those with a name); None when it has none."""
    entries = chart.chart.get("dependencies")
    if entries is None:
        return None
    return [
        entry
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str)
    ]


def _mount_name(entry: Mapping[str, Any]) -> str:
    """Where helm mounts a dependency: its alias, else its name."""
    alias = entry.get("alias")
    return alias if isinstance(alias, str) and alias else str(entry["name"])


def _imports(chart: ChartFiles) -> bool:
    entries = chart.chart.get("dependencies")
    return isinstance(entries, list) and any(
        isinstance(entry, Mapping) and entry.get("import-values") for entry in entries
    )


# --- evaluating templates with a profile's values -----------------------------------------


@dataclass(frozen=True)
class _Changes:
    """What the templates may change in the values, so that gate reads it as unknown:
    paths from the top chart's values (a subchart's values are its parent's section),
    paths from a `global` key (in any chart: their tables are shared), maps made by
    `dict` (site, key; None: any key), keys set on a chart's top-level data (_ANY_KEY:
    any), or everything."""

    everything: bool = False
    paths: frozenset[tuple[str, ...]] = frozenset()
    globals: frozenset[tuple[str, ...]] = frozenset()
    maps: frozenset[tuple[int, str | None]] = frozenset()
    top_keys: frozenset[str] = frozenset()

    def extended(self, mutations: Iterable[_Mutation], instances: Sequence[_Instance]) -> _Changes:
        everything = self.everything
        paths, globals_, maps = set(self.paths), set(self.globals), set(self.maps)
        found = list(mutations)
        top_keys = set(self.top_keys)
        for mutation in found:
            if isinstance(mutation.target, _Top):
                top_keys.add(_key(mutation) or _ANY_KEY)

        def values(instance: int, path: tuple[str, ...]) -> None:
            paths.add(instances[instance].prefix + path)
            if not path:
                globals_.add(("global",))
            elif "global" in path:
                globals_.add(path[path.index("global") :])

        def may_have(source: _Value, key: str) -> bool:
            """Whether a merge source may hold a map under `key`."""
            if isinstance(source, _Const):
                return False
            if isinstance(source, _Dict):
                if not source.complete or any(site == source.site for site, _ in maps):
                    return True
                return any(
                    name == key and not isinstance(item, _Const) for name, item in source.items
                )
            if isinstance(source, _Top):
                return key in _TOP_KEYS or key in top_keys or _ANY_KEY in top_keys
            return True

        def under(source: _Value, key: str) -> _Value:
            if isinstance(source, _Dict):
                return next((item for name, item in source.items if name == key), ANYTHING)
            if isinstance(source, _Top):
                return _Ref(source.instance, ()) if key == "Values" else ANYTHING
            if isinstance(source, _Ref):
                return _Ref(source.instance, (*source.path, key))
            return source  # what is inside a map of its own is its own

        pending = [(m.target, m.key, m.merge, m.sources) for m in found]
        seen: set[tuple[_Value, tuple[_Value, ...]]] = set()
        while pending and not everything:
            target, key, merge, sources = pending.pop()
            name = None if merge else _key(_Mutation(target, key, merge))
            if isinstance(target, _Ref):
                path = target.path
                if _EACH in path:
                    path, name = path[: path.index(_EACH)], None
                values(target.instance, path if name is None else (*path, name))
            elif isinstance(target, _Top):
                if name is None or name == "Values":
                    values(target.instance, ())  # `set $ "x"` adds to the top map only
            elif isinstance(target, _Dict):
                maps.add((target.site, name))
                if merge and (target, sources) not in seen:
                    seen.add((target, sources))
                    # mergo walks into a map the dict holds where a source has a map too
                    for item_key, item in target.items:
                        inner = tuple(under(s, item_key) for s in sources if may_have(s, item_key))
                        if inner:
                            pending.append((item, None, True, inner))
            elif isinstance(target, _Anything):
                everything = True
        return _Changes(
            everything,
            frozenset(paths),
            frozenset(globals_),
            frozenset(maps),
            frozenset(top_keys),
        )


def _key(mutation: _Mutation) -> str | None:
    """The one key a `set` or `unset` changes, when known."""
    key = mutation.key
    if mutation.merge or not isinstance(key, _Const) or not isinstance(key.value, str):
        return None
    return key.value


# The keys of a chart's top-level data (pkg/engine/engine.go recAllTpls, and
# `Template`); a template may add others with `set`.
_TOP_KEYS = frozenset(
    {"Values", "Release", "Chart", "Capabilities", "Template", "Files", "Subcharts"}
)
_ANY_KEY = "\0any key"


def _related(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether one path lies on the other (a change to either changes both)."""
    size = min(len(one), len(other))
    return one[:size] == other[:size]


# Functions whose value is a value of its own: a string, a number, a bool, a new list
# (whose items may be values: reading into it is unknown), or a map whose maps are new
# too. Changing such a value changes no values. Any other function's value may be (a
# part of) its arguments, as `first`, `pick` or `default` return.
_FRESH = frozenset(
    {
        "include",
        "tpl",
        "toYaml",
        "toYamlPretty",
        "toJson",
        "toPrettyJson",
        "toRawJson",
        "toToml",
        "fromYaml",
        "fromJson",
        "fromYamlArray",
        "fromJsonArray",
        "fromToml",
        "deepCopy",
        "mustDeepCopy",
        "list",
        "tuple",
        "append",
        "mustAppend",
        "push",
        "mustPush",
        "prepend",
        "mustPrepend",
        "concat",
        "keys",
        "values",
        "sortAlpha",
        "uniq",
        "mustUniq",
        "without",
        "mustWithout",
        "compact",
        "mustCompact",
        "reverse",
        "mustReverse",
        "rest",
        "mustRest",
        "initial",
        "mustInitial",
        "slice",
        "mustSlice",
        "splitList",
        "split",
        "splitn",
        "toStrings",
        "until",
        "untilStep",
        "seq",
        "chunk",
        "mustChunk",
        "print",
        "printf",
        "println",
        "quote",
        "squote",
        "cat",
        "indent",
        "nindent",
        "replace",
        "trim",
        "trimAll",
        "trimPrefix",
        "trimSuffix",
        "trunc",
        "lower",
        "upper",
        "title",
        "untitle",
        "repeat",
        "substr",
        "nospace",
        "abbrev",
        "abbrevboth",
        "initials",
        "wrap",
        "wrapWith",
        "contains",
        "hasPrefix",
        "hasSuffix",
        "plural",
        "snakecase",
        "camelcase",
        "kebabcase",
        "swapcase",
        "shuffle",
        "toString",
        "join",
        "regexMatch",
        "mustRegexMatch",
        "regexFind",
        "mustRegexFind",
        "regexFindAll",
        "mustRegexFindAll",
        "regexReplaceAll",
        "mustRegexReplaceAll",
        "regexReplaceAllLiteral",
        "mustRegexReplaceAllLiteral",
        "regexSplit",
        "mustRegexSplit",
        "regexQuoteMeta",
        "b64enc",
        "b64dec",
        "b32enc",
        "b32dec",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "adler32sum",
        "htmlDate",
        "htmlDateInZone",
        "now",
        "date",
        "dateInZone",
        "date_in_zone",
        "ago",
        "toDate",
        "mustToDate",
        "dateModify",
        "mustDateModify",
        "unixEpoch",
        "duration",
        "durationRound",
        "int",
        "int64",
        "float64",
        "atoi",
        "add",
        "add1",
        "sub",
        "mul",
        "div",
        "mod",
        "max",
        "min",
        "floor",
        "ceil",
        "round",
        "len",
        "addf",
        "add1f",
        "subf",
        "mulf",
        "divf",
        "maxf",
        "minf",
        "semver",
        "semverCompare",
        "typeOf",
        "kindOf",
        "typeIs",
        "typeIsLike",
        "kindIs",
        "deepEqual",
        "lt",
        "le",
        "gt",
        "ge",
        "has",
        "mustHas",
        "randAlphaNum",
        "randAlpha",
        "randAscii",
        "randNumeric",
        "randInt",
        "randBytes",
        "uuidv4",
        "genPrivateKey",
        "genCA",
        "genCAWithKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "buildCustomCert",
        "derivePassword",
        "encryptAES",
        "decryptAES",
        "bcrypt",
        "htpasswd",
        "lookup",
        "getHostByName",
        "urlParse",
        "urlJoin",
        "urlquery",
        "html",
        "js",
        "base",
        "dir",
        "ext",
        "clean",
        "isAbs",
        "osBase",
        "osDir",
        "osExt",
        "osClean",
        "osIsAbs",
        "toDecimal",
        "biggest",
        "fail",
    }
)


def _kinds(kind: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), kind)


# The kind of what those functions of _FRESH return.
_KINDS: Mapping[str, str] = {
    **_kinds(
        "string",
        """
        include tpl toYaml toYamlPretty toJson toPrettyJson toRawJson toToml print printf
        println quote squote cat indent nindent replace trim trimAll trimPrefix trimSuffix
        trunc lower upper title untitle repeat substr nospace abbrev abbrevboth initials wrap
        wrapWith plural snakecase camelcase kebabcase swapcase shuffle toString join seq
        regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
        mustRegexReplaceAllLiteral regexQuoteMeta b64enc b64dec b32enc b32dec sha1sum
        sha256sum sha512sum adler32sum htmlDate htmlDateInZone date dateInZone date_in_zone
        ago randAlphaNum randAlpha randAscii randNumeric uuidv4 genPrivateKey derivePassword
        encryptAES decryptAES bcrypt htpasswd getHostByName urlJoin urlquery html js base dir
        ext clean osBase osDir osExt osClean
        """,
    ),
    **_kinds(
        "slice",
        """
        list tuple append mustAppend push mustPush prepend mustPrepend concat keys values
        sortAlpha uniq mustUniq without mustWithout compact mustCompact reverse mustReverse
        rest mustRest initial mustInitial splitList toStrings until untilStep chunk mustChunk
        regexFindAll mustRegexFindAll regexSplit mustRegexSplit fromYamlArray fromJsonArray
        """,
    ),
    **_kinds("map", "fromYaml fromJson fromToml split splitn urlParse lookup"),
    **_kinds(
        "bool",
        """
        contains hasPrefix hasSuffix regexMatch mustRegexMatch semverCompare typeIs typeIsLike
        kindIs deepEqual lt le gt ge has mustHas isAbs osIsAbs
        """,
    ),
}


class _State:
    """A profile's values and what the templates may change in them, for one round of
    the evaluation; the data of one body's walk lives in its _Walker."""

    def __init__(self, instances: Sequence[_Instance], changes: _Changes):
        self.instances = instances
        self.changes = changes
        self.charts = {instance.chart for instance in instances}
        self.steps = MOST_STEPS
        self._resolved: dict[_Ref, Any] = {}
        self.walk: _Walk | None = None  # set by the walk that uses this state
        # what the walk read: values paths (from the top chart's, and from a `global`),
        # maps made by `dict`
        self.read_paths: set[tuple[str, ...]] = set()
        self.read_globals: set[tuple[str, ...]] = set()
        self.read_sites: set[int] = set()

    def defined(self, chart: int) -> bool:
        """Whether helm loads chart `chart` (its defines exist): -1 is values text."""
        return chart < 0 or chart in self.charts

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise _Unsure("too many template nodes to walk")

    # -- reading

    def reads(self, changes: _Changes) -> bool:
        """Whether this round read a value that `changes` changes and its own did not."""
        if changes.everything and not self.changes.everything:
            return bool(self.read_paths or self.read_sites)
        return (
            any(
                _related(path, read)
                for path in changes.paths - self.changes.paths
                for read in self.read_paths
            )
            or any(
                _related(path, read)
                for path in changes.globals - self.changes.globals
                for read in self.read_globals
            )
            or any(site in self.read_sites for site, _ in changes.maps - self.changes.maps)
        )

    def resolve(self, ref: _Ref) -> Any:
        """The values at a reference: _ABSENT, _UNSURE, or the value."""
        found = self._resolved.get(ref, _ABSENT)
        if found is _ABSENT:
            self.read_paths.add(self.instances[ref.instance].prefix + ref.path)
            if "global" in ref.path:
                self.read_globals.add(ref.path[ref.path.index("global") :])
            found = _UNSURE if self.changed(ref) else None
            if found is None:
                found = _lookup(self.instances[ref.instance].values, ref.path, _UNSURE)
            self._resolved[ref] = found
        return found

    def changed(self, ref: _Ref) -> bool:
        if self.changes.everything:
            return True
        path = self.instances[ref.instance].prefix + ref.path
        if any(_related(path, changed) for changed in self.changes.paths):
            return True
        if "global" in ref.path:
            under = ref.path[ref.path.index("global") :]
            return any(_related(under, changed) for changed in self.changes.globals)
        return False

    def map_changed(self, site: int, key: str | None) -> bool:
        """Whether a template may change the maps made at `site` (at `key`)."""
        self.read_sites.add(site)
        if self.changes.everything:
            return True  # a change through a value gate cannot place may be to any map
        return any(
            changed == site and (name is None or key is None or name == key)
            for changed, name in self.changes.maps
        )

    def included(self, include: _Include) -> _Value:
        """The value of an include (or what a `template` writes): a string, which the
        define is walked for when its text or emptiness is asked."""
        return _Opaque(kind="string", include=include)

    def written(self, value: _Opaque) -> tuple[str | None, bool | None]:
        """The text an include returns, when known, and whether it is not empty."""
        if value.include is None or self.walk is None:
            return None, value.truth
        return self.walk.written(value.include)

    def printed(self, value: _Value) -> tuple[str | None, bool | None]:
        """What writing `value` writes: its text when known, whether it is not empty.
        Go writes nil (a missing key) as "<no value>": helm removes it from a rendered
        file and from `tpl`'s text, not from what `include` returns."""
        if isinstance(value, _Ref):
            found = self.resolve(value)
            if found is None or found is _ABSENT:
                return "<no value>", True
            if isinstance(found, str):
                return found, bool(found)
            if isinstance(found, bool):
                return ("true" if found else "false"), True
            return None, None if found is _UNSURE else True  # a number, "map[...]", "[...]"
        if isinstance(value, _Const):
            if value.value is None:
                return "<no value>", True
            if isinstance(value.value, bool):
                return ("true" if value.value else "false"), True
            return value.value, bool(value.value)
        if isinstance(value, _Dict | _Top):
            return None, True
        if isinstance(value, _Opaque) and value.include is not None:
            return self.written(value)
        # a true value writes something; a false one may ("0", "false", "[]") or not
        return None, True if self.truth(value) is True else None

    def truth(self, value: _Value) -> bool | None:
        if isinstance(value, _Ref):
            return _go_truth(self.resolve(value))
        if isinstance(value, _Dict) and self.map_changed(value.site, None):
            return None
        if isinstance(value, _Opaque) and value.include is not None and value.truth is None:
            text, written = self.written(value)
            return bool(text) if text is not None else written
        return _truth_of(value)

    def concrete(self, value: _Value) -> Any:
        if isinstance(value, _Const):
            return value.value
        if isinstance(value, _Ref):
            return self.resolve(value)
        if isinstance(value, _Opaque) and value.include is not None:
            text, _ = self.written(value)
            return _UNSURE if text is None else text
        return _UNSURE

    def field(self, value: _Value, name: str) -> _Value:
        if isinstance(value, _Top):
            if name == "Values":
                return _Ref(value.instance, ())
            # helm's own maps: no part of the values (a key a template set: unknown)
            return _Opaque() if name in _TOP_OWN else ANYTHING
        if isinstance(value, _Ref):
            return (
                _Ref(value.instance, (*value.path, name)) if len(value.path) < _PATH else ANYTHING
            )
        if isinstance(value, _Dict):
            if self.map_changed(value.site, name):
                return ANYTHING
            for key, item in value.items:
                if key == name:
                    return item
            return _NIL if value.complete else ANYTHING
        return ANYTHING  # a field of nil, of a string, of anything gate does not follow

    def element(self, value: _Value) -> _Value:
        """What `range` gives of a value."""
        if isinstance(value, _Ref) and len(value.path) < _PATH:
            return _Ref(value.instance, (*value.path, _EACH))
        return ANYTHING

    # -- functions

    def apply(self, function: str, args: list[_Value], site: int) -> _Value:
        """A function's value, as far as known: those that decide conditions are
        evaluated, the others give a value of their own or anything."""
        evaluate = _FUNCTIONS.get(function)
        if evaluate is not None:
            return evaluate(self, args, site)
        return _Opaque(kind=_KINDS.get(function)) if function in _FRESH else ANYTHING

    def kind(self, value: _Value) -> str | None:
        if isinstance(value, _Ref):
            return _kind(self.resolve(value))
        if isinstance(value, _Dict) and self.map_changed(value.site, None):
            return "map"
        return _kind_of(value)

    def logic(self, args: list[_Value], conjunction: bool) -> _Value:
        """`and` gives its first false argument, else its last; `or` its first true
        one, else its last (Go evaluates no further)."""
        if not args:
            return ANYTHING
        truths = [self.truth(arg) for arg in args]
        stop = not conjunction  # the truth that ends the evaluation
        candidates: list[_Value] = []  # the arguments that may be the value
        for number, (arg, truth) in enumerate(zip(args, truths, strict=True)):
            if truth is not conjunction or number == len(args) - 1:
                candidates.append(arg)
            if truth is stop:
                break
        if any(truth is stop for truth in truths):
            result: bool | None = stop
        else:
            result = conjunction if all(truth is conjunction for truth in truths) else None
        value = candidates[0] if len(candidates) == 1 else _join(candidates)
        return _with_truth(value, result)

    def equal(self, args: list[_Value], negate: bool) -> _Value:
        """`eq` (the first argument against any other) and `ne`, for strings and bools;
        anything else unknown (Go fails on a float64 against an int, nil varies)."""
        if len(args) < 2 or (negate and len(args) != 2):
            return _Opaque()
        first = self.concrete(args[0])
        if not isinstance(first, str | bool):
            return _Opaque()
        result = False
        for other in args[1:]:
            value = self.concrete(other)
            if not isinstance(value, str | bool) or type(value) is not type(first):
                return _Opaque()
            result = result or value == first
        return _Const(result != negate)

    def has_key(self, args: list[_Value]) -> _Value:
        if len(args) != 2:
            return _Opaque()
        target, key = args[0], self.concrete(args[1])
        if not isinstance(key, str):
            return _Opaque()
        if isinstance(target, _Ref):
            if not isinstance(self.resolve(target), dict):
                return _Opaque()
            found = self.resolve(_Ref(target.instance, (*target.path, key)))
            if found is _ABSENT:
                return _Const(False)
            # a null may be a key kept as nil or a key deleted: helm versions differ
            return _Opaque() if found is None or found is _UNSURE else _Const(True)
        if isinstance(target, _Dict) and not self.map_changed(target.site, key):
            if any(name == key for name, _ in target.items):
                return _Const(True)
            return _Const(False) if target.complete else _Opaque()
        return _Opaque()

    def index(self, args: list[_Value]) -> _Value:
        """`index m "a" "b"`: fields, for string keys (a missing key gives nil)."""
        if not args:
            return ANYTHING
        value = args[0]
        for arg in args[1:]:
            if not isinstance(arg, _Const) or not isinstance(arg.value, str):
                return ANYTHING
            value = self.field(value, arg.value)
        return value

    def get(self, args: list[_Value]) -> _Value:
        """sprig's `get`: the value at a key, "" when the map lacks it."""
        if len(args) != 2:
            return ANYTHING
        target, name = args[0], args[1]
        if not isinstance(name, _Const) or not isinstance(name.value, str):
            return ANYTHING
        key = name.value
        if isinstance(target, _Ref):
            found = self.resolve(_Ref(target.instance, (*target.path, key)))
            if found is _ABSENT and isinstance(self.resolve(target), dict):
                return _Const("")
            return ANYTHING if found is _UNSURE else self.field(target, key)
        if isinstance(target, _Dict):
            value = self.field(target, key)
            return (
                _Const("")
                if value == _NIL and not any(n == key for n, _ in target.items)
                else value
            )
        return ANYTHING

    def dig(self, args: list[_Value]) -> _Value:
        """sprig's `dig "a" "b" default map`: the value, or the default where a key is
        missing."""
        if len(args) < 3:
            return ANYTHING
        *keys, default, target = args
        names = [key.value for key in keys if isinstance(key, _Const)]
        if not isinstance(target, _Ref) or not all(isinstance(name, str) for name in names):
            return ANYTHING
        if len(names) != len(keys):
            return ANYTHING
        path = target.path
        for name in names:
            assert isinstance(name, str)
            path = (*path, name)
            found = self.resolve(_Ref(target.instance, path))
            if found is _ABSENT:
                return default
            if found is _UNSURE:
                return ANYTHING
        return _Ref(target.instance, path)


def _with_truth(value: _Value, truth: bool | None) -> _Value:
    """`value` with a truth known by other means."""
    if truth is None or _truth_of(value) is truth or isinstance(value, _Ref | _Dict | _Top):
        return value
    if isinstance(value, _Opaque | _Const):
        return _Opaque(truth, _kind_of(value))
    return _Anything(truth)


def _default(state: _State, args: list[_Value], _: int) -> _Value:
    """sprig's `default d v`: v unless it is empty, then d."""
    if len(args) < 2:
        return args[0] if args else ANYTHING
    fallback, given = args[0], args[1]
    truth = state.truth(given)
    return given if truth is True else fallback if truth is False else _join([given, fallback])


def _ternary(state: _State, args: list[_Value], _: int) -> _Value:
    if len(args) != 3:
        return ANYTHING
    truth = state.truth(args[2])
    return args[0] if truth is True else args[1] if truth is False else _join(args[:2])


def _coalesce_function(state: _State, args: list[_Value], _: int) -> _Value:
    """sprig's `coalesce`: the first argument that is not empty, else nil."""
    candidates: list[_Value] = []
    for arg in args:
        truth = state.truth(arg)
        if truth is not False:
            candidates.append(arg)
        if truth is True:
            break
    else:
        candidates.append(_NIL)
    return candidates[0] if len(candidates) == 1 else _join(candidates)


def _dict(state: _State, args: list[_Value], site: int) -> _Value:
    """sprig's `dict k v ...` (an odd last key gets ""): keys that are literal strings
    are kept; another key makes the map incomplete (a missing key is then unknown)."""
    items: dict[str, _Value] = {}
    complete = True
    for at in range(0, len(args), 2):
        key = args[at]
        value = args[at + 1] if at + 1 < len(args) else _Const("")
        if isinstance(key, _Const) and isinstance(key.value, str):
            items[key.value] = value
        else:
            complete = False
    return _Dict(site, tuple(items.items()), complete)


def _pick(state: _State, args: list[_Value], site: int) -> _Value:
    """sprig's `pick m "a" "b"`: a new map with those keys of m, their values shared."""
    if not args or isinstance(args[0], _Opaque):
        return _Opaque()  # from a map of its own: all of its own
    keys = [arg.value for arg in args[1:] if isinstance(arg, _Const)]
    if not all(isinstance(key, str) for key in keys) or len(keys) != len(args) - 1:
        return ANYTHING
    # keys m lacks are left out: complete=False (a missing key is unknown, not nil)
    items = tuple((str(key), state.field(args[0], str(key))) for key in keys)
    return _Dict(site, items, complete=False)


def _omit(state: _State, args: list[_Value], site: int) -> _Value:
    """sprig's `omit`: a new map with the other keys, their values shared."""
    return _Opaque() if args and isinstance(args[0], _Opaque) else ANYTHING


def _kind_is(state: _State, args: list[_Value], kinds: bool) -> _Value:
    """`kindIs "map" x`; `typeIs` for "string" and "bool" (where type and kind agree)."""
    if len(args) != 2 or not isinstance(args[0], _Const) or not isinstance(args[0].value, str):
        return _Opaque(kind="bool")
    wanted = args[0].value
    if not kinds and wanted not in ("string", "bool"):
        return _Opaque(kind="bool")
    kind = state.kind(args[1])
    if kind is None or (not kinds and kind == "invalid"):
        return _Opaque(kind="bool")
    return _Const(kind == wanted)


def _not(state: _State, args: list[_Value], _: int) -> _Value:
    """`not x` and `empty x`: the opposite of Go's truth (sprig's empty agrees with it)."""
    truth = state.truth(args[0]) if len(args) == 1 else None
    return _Opaque() if truth is None else _Const(not truth)


_TOP_OWN = frozenset({"Release", "Chart", "Capabilities", "Template", "Files"})
_Function = Callable[[_State, list[_Value], int], _Value]
_FUNCTIONS: Mapping[str, _Function] = {
    "not": _not,
    "empty": _not,
    "and": lambda s, a, _: s.logic(a, True),
    "or": lambda s, a, _: s.logic(a, False),
    "eq": lambda s, a, _: s.equal(a, False),
    "ne": lambda s, a, _: s.equal(a, True),
    "hasKey": lambda s, a, _: s.has_key(a),
    "index": lambda s, a, _: s.index(a),
    "get": lambda s, a, _: s.get(a),
    "dig": lambda s, a, _: s.dig(a),
    "default": _default,
    "ternary": _ternary,
    "coalesce": _coalesce_function,
    "required": lambda s, a, _: a[-1] if len(a) == 2 else ANYTHING,
    "dict": _dict,
    "pick": _pick,
    "omit": _omit,
    "list": lambda s, a, _: _Opaque(bool(a), "slice"),
    "kindIs": lambda s, a, _: _kind_is(s, a, kinds=True),
    "typeIs": lambda s, a, _: _kind_is(s, a, kinds=False),
    # they change their first argument and return it
    "set": lambda s, a, _: a[0] if a else ANYTHING,
    "unset": lambda s, a, _: a[0] if a else ANYTHING,
    **{name: (lambda s, a, _: a[0] if a else ANYTHING) for name in _MERGING},
}


def _strings(value: Any) -> Iterator[str]:
    """The strings of a values document that `tpl` could run: those holding `{{`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _value_body(text: str, where: str) -> _Body:
    tree = _parsed(text)
    if isinstance(tree, TemplateSyntaxError):
        # A fragment the template may wrap before it runs it: a random function named
        # inside its actions counts.
        words = _random_words(text)
        random = ((0, f"names {words[0]} (a fragment gate cannot parse)"),) if words else ()
        return _Body(where, None, _Facts(random=random), value=text)
    walker = _Walker(0)
    try:
        walker.nodes(tree.body)
        for body in tree.defines.values():
            walker.nodes(body)
    except RecursionError:
        return _Body(where, None, _Facts(random=((0, "is nested too deep to read"),)), value=text)
    # With a profile's values it is walked again on the data its `tpl` gives it; not one
    # that defines templates (they may be called with other data).
    nodes = () if tree.defines else tree.body
    return _Body(where, None, walker.facts(), value=text, nodes=nodes)


def _value_bodies(documents: Iterable[Any], where: str, left: int) -> tuple[list[_Body], int]:
    """A body for each distinct string of `documents` that holds `{{`, and the actions
    left of `left` after them; past the budget, one body that counts random."""
    bodies: list[_Body] = []
    seen: set[str] = set()
    for document in documents:
        for text in _strings(document):
            if text in seen:
                continue
            seen.add(text)
            left -= text.count("{{")
            if left < 0:
                past = _Facts(random=((0, f"is past the {MOST_ACTIONS:,} actions gate reads"),))
                bodies.append(_Body(where, None, past, value=text))
                return bodies, left
            bodies.append(_value_body(text, where))
    return bodies, left


_ACTION = r"\{\{(.*?)(?:\}\}|$)"


def _random_words(text: str) -> list[str]:
    """The random functions named inside the actions of a text gate cannot parse
    (words outside actions are prose: "now" is not a call there). `keys` and `values`
    are left out: as words they are too common to mean a call."""
    return [
        word
        for action in _regex(_ACTION).findall(text)
        for word in _regex(_WORD).findall(action)
        if word in RANDOM_FUNCTIONS and word not in ("keys", "values")
    ]
