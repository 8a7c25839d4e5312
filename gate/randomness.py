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
  documents given as `extra_values`, a profile's values files and `set`) that holds
  `{{` is read like a template and reached from that `tpl`. Limitation: text assembled
  by the template from fragments that hold no `{{` (`printf "{{ %s }}" .Values.fn`)
  is not followed, and a profile's values count only when given.
- `.Files`: gate does not read a chart's other files, so `tpl` over text that may be
  one is counted random: a `tpl` whose text names `.Files` or a variable given it, a
  `tpl` inside `with`/`range` over it, and a define handed it (`include "x" (dict
  "value" (.Files.Get "f"))`) that runs `tpl` on its data.
- `fail` ends the render: what a pipeline that calls it computes only reaches the error
  message (bitnami's `common.resources.preset` lists `keys` there), so it is not read.
- A template gate's parser refuses is counted random (helm refuses it too, or gate's
  reader is wrong; either way gate does not guess).

Bounded like the values reader: parses are cached by text, the actions of one chart
tree are counted against MOST_ACTIONS, and every walk over the define graph keeps a
visited set, so defines that include each other end.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
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

# Actions (`{{ ... }}`) read per chart tree, as in the values reader
# (gate/checks/values/reads.py): the biggest real charts hold about 21,000. Past it the
# chart is counted random: helm renders it anyway and gate would only be guessing.
MOST_ACTIONS = 100_000
# Reasons kept in one answer: enough to act on, bounded for a chart of a thousand files.
MOST_REASONS = 20
# A values string quoted in a reason is cut to this many characters.
_QUOTED = 60


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
    text from values: only there can a profile's values (`extra_values`) change the
    answer, so a caller that finds it empty need not read them.
    """

    random: bool
    reasons: tuple[str, ...] = ()
    values_tpl: tuple[str, ...] = ()


def reachable_randomness(
    chart: Path, limits: Limits = DEFAULT_LIMITS, extra_values: Sequence[Any] = ()
) -> Randomness:
    """Whether the rendering of `chart` may differ between two renders with the same
    inputs. `extra_values` are values documents helm is also given (a profile's values
    files as parsed, its `set` as a tree): their strings are text that `tpl` may run.
    Reading the chart and its define graph is done once per folder and limits; a chart
    gate.chart.read_chart refuses (an archive past a limit) raises its GateError."""
    base = _verdict(chart, limits)
    if not extra_values or base.random or not base.values_tpl:
        return base  # no tpl over values text is reached: profile values change nothing
    graph = _graph(chart, limits)
    bodies, _ = _value_bodies(extra_values, "profile values", graph.actions)
    return graph.verdict(bodies)


@functools.cache
def _verdict(chart: Path, limits: Limits) -> Randomness:
    return _graph(chart, limits).verdict(())


@functools.cache
def _graph(chart: Path, limits: Limits) -> _Graph:
    return _Graph.build(read_chart(chart, limits))


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


class _Walker:
    """Collects the facts of a list of nodes; `line` overrides every line (a literal
    given to `tpl` is reported at the `tpl`)."""

    def __init__(self, line: int | None = None):
        self.line = line
        self.random: list[tuple[int, str]] = []
        self.includes: list[_Include] = []
        self.values_tpl: list[int] = []
        self.mutates = False
        # Variables that may hold a chart file's text (`$c := .Files.Get "x"`), and how
        # many `with`/`range` over one are open (then `.` may be one).
        self.file_variables: set[str] = set()
        self.file_dot = 0

    def facts(self) -> _Facts:
        return _Facts(
            tuple(self.random), tuple(self.includes), tuple(self.values_tpl), self.mutates
        )

    def at(self, line: int) -> int:
        return self.line if self.line is not None else line

    def nodes(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            if isinstance(node, Action):
                self.pipeline(node.pipeline, None)
            elif isinstance(node, Branch):
                self.pipeline(node.pipeline, None)
                over_files = node.keyword != "if" and self.names_files(node.pipeline)
                self.file_dot += over_files
                self.nodes(node.body)
                self.file_dot -= over_files
                self.nodes(node.otherwise)
            elif isinstance(node, Call):
                files = node.pipeline is not None and self.names_files(node.pipeline)
                self.includes.append(_Include(self.at(node.line), node.name, files=files))
                if node.pipeline is not None:
                    self.pipeline(node.pipeline, None)

    def pipeline(self, pipeline: Pipeline, consumer: str | None) -> None:
        """`consumer` is the function the pipeline's value goes to, if known."""
        commands = pipeline.commands
        if any(_function(command) == "fail" for command in commands):
            # Running `fail` ends the render with an error: what the rest of the pipeline
            # computes only goes into the message (bitnami's presets list `keys` there).
            return
        if pipeline.variables and self.names_files(pipeline):
            self.file_variables.update(pipeline.variables)
        for index, command in enumerate(commands):
            after = _function(commands[index + 1]) if index + 1 < len(commands) else consumer
            self.command(command, pipeline.line, after)

    def command(self, command: Command, line: int, consumer: str | None) -> None:
        head, arguments = command.arguments[0], command.arguments[1:]
        function = head.name if isinstance(head, Identifier) else None
        if function is None:
            # `(keys .x) | sortAlpha`: the operand's value goes where the command's goes
            self.operand(head, line, None if arguments else consumer)
        else:
            self.call(function, line, consumer)
        if function == "include":
            parts = _name_parts(arguments[0]) if arguments else (_ANY,)
            literal = parts[0] if len(parts) == 1 and not parts[0].startswith("\0") else None
            files = any(self.names_files(argument) for argument in arguments[1:])
            include = _Include(self.at(line), literal, () if literal else parts, files)
            self.includes.append(include)
        elif function == "tpl":
            self.tpl(arguments[0] if arguments else None, line)
        for argument in arguments:
            self.operand(argument, line, function)

    def call(self, function: str, line: int, consumer: str | None) -> None:
        why = RANDOM_FUNCTIONS.get(function)
        sorted_after = function in ("keys", "values") and consumer in UNORDERED_UNLESS
        if why is not None and not sorted_after:
            self.random.append((self.at(line), f"calls {function} ({why})"))
        if function in MUTATING:
            self.mutates = True

    def operand(self, operand: Operand, line: int, function: str | None) -> None:
        if isinstance(operand, Identifier):  # a function called with no arguments
            self.call(operand.name, line, function)
        elif isinstance(operand, Parenthesised):
            self.pipeline(operand.pipeline, function)
        elif isinstance(operand, Chained):
            self.operand(operand.operand, line, None)

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

    def tpl(self, text: Operand | None, line: int) -> None:
        at = self.at(line)
        if isinstance(text, Literal) and text.kind is Kind.STRING:
            tree = _parsed(text.value)
            if isinstance(tree, TemplateSyntaxError):
                self.random.append((at, f"runs tpl on a literal that does not parse ({tree})"))
                return
            inner = _Walker(at)
            inner.nodes(tree.body)
            for body in tree.defines.values():
                inner.nodes(body)
            facts = inner.facts()
            self.random += facts.random
            self.includes += facts.includes
            self.values_tpl += facts.values_tpl
            self.mutates |= facts.mutates
            return
        if (text is not None and self.names_files(text)) or (self.file_dot and text is not None):
            self.random.append((at, "runs tpl on a chart file's text, which gate does not read"))
            return
        self.values_tpl.append(at)
        # Fragments the template wraps around the values text (bitnami's
        # `tpl (cat "{{- with $.RelativeScope -}}" $value "{{- end }}")`) cannot be read
        # alone: a random function named in one counts.
        for fragment in _literals(text):
            for word in _random_words(fragment):
                self.random.append((at, f"runs tpl on text that calls {word}"))


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


class _Graph:
    """The bodies of a chart tree and what each may run: built once per chart."""

    def __init__(self) -> None:
        self.bodies: list[_Body] = []
        self.files: list[_File] = []
        self.names: dict[str, list[int]] = {}  # define (or file) name -> its bodies
        self.values: list[int] = []  # the bodies of the charts' values strings
        self.refused: list[str] = []  # reasons that make the chart random outright
        self.actions = MOST_ACTIONS  # left to read
        self._targets: dict[_Include, list[int]] = {}

    @classmethod
    def build(cls, top: ChartFiles) -> _Graph:
        graph = cls()
        for chart, base, helm_base in _charts(top):
            graph.add_chart(chart, base, helm_base)
            if graph.actions < 0:
                break  # said once: the chart is random, the rest need not be read
        return graph

    def add(self, body: _Body) -> int:
        self.bodies.append(body)
        return len(self.bodies) - 1

    def add_chart(self, chart: ChartFiles, base: str, helm_base: str) -> None:
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
            index = self.add(_Body(where, None, _facts(tree.body)))
            notes = not partial and name.endswith("NOTES.txt")
            root = not partial and not notes
            self.files.append(_File(where, helm_name, name, index, root, notes))
            self.names.setdefault(helm_name, []).append(index)
            for define, body in tree.defines.items():
                added = self.add(_Body(where, define, _facts(body)))
                self.names.setdefault(define, []).append(added)
        if isinstance(chart.values, Mapping):
            bodies, self.actions = _value_bodies([chart.values], f"{base}values.yaml", self.actions)
            self.values += [self.add(body) for body in bodies]

    # -- edges

    def targets(self, include: _Include) -> list[int]:
        """The bodies an include may run."""
        cached = self._targets.get(include)
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
        self._targets[include] = result
        return result

    # -- the answer

    def verdict(self, extra: Sequence[_Body]) -> Randomness:
        if self.refused:
            return Randomness(True, tuple(self.refused[:MOST_REASONS]))
        walk = _Walk(self, [*self.bodies, *extra])
        random = walk.random()
        # NOTES.txt runs, but its output is dropped: it matters only when it changes a map
        # the templates rendered after it read.
        executed = [
            file
            for file in self.files
            if file.root
            or (file.notes and any(walk.body(i).facts.mutates for i in walk.reach(file.body)))
        ]
        counted = [file for file in executed if file.body in random]
        reasons = []
        for file in counted[:MOST_REASONS]:
            reason = walk.reason(file.body)
            if file.notes:
                reason += "; NOTES.txt output is dropped, but it changes a map later templates read"
            reasons.append(reason)
        if len(counted) > MOST_REASONS:
            reasons.append(f"... and {len(counted) - MOST_REASONS} more rendered templates")
        sites = {
            walk.body(index).describe(line): None
            for index in walk.reach(*(file.body for file in executed))
            for line in walk.body(index).facts.values_tpl
        }
        return Randomness(bool(reasons), tuple(reasons), tuple(sites))


class _Walk:
    """The graph of one chart tree with one set of values strings (the charts' and those
    given): which bodies each body may run, and which may reach a random call.

    Every `tpl` over values text may run every values string: they are reached through
    one extra node (`hub`), so that a chart with a hundred such `tpl` and a thousand
    strings does not make a hundred thousand edges."""

    def __init__(self, graph: _Graph, bodies: Sequence[_Body]):
        self.graph, self.bodies = graph, bodies
        given = range(len(graph.bodies), len(bodies))
        self.values = [*graph.values, *given]
        self.hub = len(bodies)
        self.file_tpl: dict[int, tuple[_Include, int]] = {}  # set by random()

    def body(self, index: int) -> _Body:
        return self.bodies[index]

    def edges(self, index: int) -> Iterator[tuple[int, str]]:
        """(body, how) for each body this one may run; `how` says how, for a reason."""
        if index == self.hub:
            for target in self.values:
                yield target, ""
            return
        body = self.bodies[index]
        for include in body.facts.includes:
            for target in self.graph.targets(include):
                yield target, f"{body.describe(include.line)} {include.describe()}"
        if body.facts.values_tpl:
            yield self.hub, f"{body.describe(body.facts.values_tpl[0])} runs tpl on values text"

    def reach(self, *starts: int) -> list[int]:
        """Every body the starts may run."""
        return [index for index in self.steps(*starts) if index != self.hub]

    def steps(self, *starts: int) -> dict[int, tuple[int, str] | None]:
        """Every body the starts may run (and the hub), each with the body and step it
        was reached by (breadth first: the shortest chain), in the order reached."""
        reached: dict[int, tuple[int, str] | None] = dict.fromkeys(starts)
        queue = deque(starts)
        while queue:
            index = queue.popleft()
            for target, how in self.edges(index):
                if target not in reached:
                    reached[target] = (index, how)
                    queue.append(target)
        return reached

    def random(self) -> set[int]:
        """The bodies that may reach a random call: found backwards from the calls, over
        every edge once."""
        callers: dict[int, list[int]] = {}
        for index in range(len(self.bodies) + 1):
            for target, _ in self.edges(index):
                callers.setdefault(target, []).append(index)
        direct = [i for i in range(len(self.bodies)) if self.bodies[i].facts.random]
        runs_tpl = _backwards(
            [i for i in range(len(self.bodies)) if self.bodies[i].facts.values_tpl], callers
        )
        self.file_tpl = {
            index: (include, target)
            for index, body in enumerate(self.bodies)
            for include in body.facts.includes
            if include.files
            for target in self.graph.targets(include)
            if target in runs_tpl
        }
        return _backwards([*direct, *self.file_tpl], callers)

    def why(self, index: int) -> str | None:
        """What makes a body random by itself, if anything."""
        body = self.bodies[index]
        if body.facts.random:
            line, why = body.facts.random[0]
            return f"{body.describe(line)} {why}"
        found = self.file_tpl.get(index)
        if found is None:
            return None
        # A chart file's text handed to a define (`dict "value" (.Files.Get "x")`) that
        # runs `tpl` on its data: gate cannot read that text.
        include, target = found
        site = next(
            self.bodies[i].describe(self.bodies[i].facts.values_tpl[0])
            for i in self.reach(target)
            if self.bodies[i].facts.values_tpl
        )
        return (
            f"{body.describe(include.line)} {include.describe()} with a chart file's text, "
            f"and {site} runs tpl on it: text gate does not read"
        )

    def reason(self, start: int) -> str:
        """Why `start` may differ between renders: the nearest random call, after the
        includes that lead there. Called for bodies `random()` found."""
        reached = self.steps(start)
        index, why = next(
            (i, w) for i in reached if i != self.hub and (w := self.why(i)) is not None
        )
        steps: list[str] = []
        while (step := reached.get(index)) is not None:
            index, how = step
            if how:
                steps.append(how)
        return f"{', '.join(reversed(steps))}; {why}" if steps else why


def _backwards(starts: Iterable[int], callers: Mapping[int, list[int]]) -> set[int]:
    """The starts and every body that may run one of them."""
    found = set(starts)
    queue = deque(found)
    while queue:
        for caller in callers.get(queue.popleft(), ()):
            if caller not in found:
                found.add(caller)
                queue.append(caller)
    return found


def _charts(top: ChartFiles) -> Iterator[tuple[ChartFiles, str, str]]:
    """The chart and its subcharts at any depth: each with the prefix of its files as a
    report names them (`charts/x/`, `charts/x-1.0.0.tgz#x/`) and helm's name for it."""
    pending: list[tuple[ChartFiles, str, str]] = [(top, "", top.name or "chart")]
    while pending:
        chart, base, helm_base = pending.pop()
        yield chart, base, helm_base
        for sub in chart.subcharts:
            where = f"{base}{sub.location}"
            if sub.location.endswith(".tgz"):
                where += f"#{sub.archive_folder or sub.name}"
            pending.append((sub, f"{where}/", f"{helm_base}/charts/{sub.name}"))


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
    return _Body(where, None, walker.facts(), value=text)


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
