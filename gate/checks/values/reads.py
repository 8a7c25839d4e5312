"""Which values paths a chart's templates read, found by running the templates'
syntax trees (gate/gotemplate) over abstract values instead of real ones.

An abstract value is a set of possibilities: the chart's top-level data (`.` of a
template, where `.Values` lives), a values subtree at a path, a `dict` built in the
template, a list, a literal string, or nothing known. Every field taken of a subtree
(`.Values.a.b`, `(.Values).a`, `$x.b` with `$x := .Values.a`, `.b` inside
`with .Values.a`, `get .Values "a"`, `index .Values "a" "b"`, `dig "a" "b" ...`,
`pluck`, `hasKey`) is a read; a `dict` handed to `include` or `template` carries its
subtrees into the named template, which is run with them.

A subtree is free-form only when it is handed whole to something that reads keys gate
cannot name: a serializer (`toYaml`), `tpl`, `range`, `keys`, a key computed at render
time, a function gate does not know. Then only that subtree is free-form. The chart's
whole values handed so (`toYaml .Values`, a library helper walking `.Values` by a key
given as a string) never make the chart free-form: gate records the place as one it
could not read, and the confirming renders (gate/checks/values) decide.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gate.chart import ChartFiles
from gate.checks.values.tree import ANY, DEEPEST, Known, ValuesPath
from gate.gotemplate.lexer import Kind, TemplateSyntaxError
from gate.gotemplate.parser import (
    Action,
    Branch,
    Call,
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

# --- abstract values ------------------------------------------------------------------


@dataclass(frozen=True)
class TopLevel:
    """A chart's top-level data: `.Values` is the subtree at `values`."""

    values: ValuesPath


@dataclass(frozen=True)
class Subtree:
    path: ValuesPath


@dataclass(frozen=True)
class Dictionary:
    """`dict "k" v ...` built in a template. `depth` counts the dicts nested in it."""

    items: tuple[tuple[str, Value], ...]
    depth: int = field(default=1, compare=False)

    def get(self, key: str) -> Value:
        found = [value for name, value in self.items if name == key]
        return found[-1] if found else NOTHING


@dataclass(frozen=True)
class Items:
    """A list built in a template (`list a b`): its elements are any of `element`."""

    element: Value


@dataclass(frozen=True)
class Text:
    value: str


Atom = TopLevel | Subtree | Dictionary | Items | Text
Value = frozenset[Atom]
NOTHING: Value = frozenset()
# Possibilities one value may hold; past this, the rest are dropped (a `default` chain
# longer than this is unheard of in real charts).
MOST_POSSIBILITIES = 32
# Steps of one chart's reading: real charts take tens of thousands. Past it the reading
# stops and says so; the confirming renders still guard every finding.
STEP_BUDGET = 1_000_000
DEEPEST_CALLS = 64  # `include` inside `include`, as Go's own exec limit (100000) is far off
# Dicts inside dicts a value may hold (bitnami's helpers nest two or three); deeper ones
# are cut, so that a template passing `(dict "p" .)` down a chain of defines cannot grow
# a value, and the cost of comparing it, without end.
DEEPEST_DICT = 6
# Distinct arguments one named template is run with: bitnami's `common.tplvalues.render`
# meets several hundred in a big chart. Past it the reading is incomplete, never
# exponential.
MOST_ARGUMENTS = 4096
# Actions (`{{ ... }}`) read per chart: the biggest real charts measured hold about
# 21,000 (bitnami mastodon, kube-prometheus-stack 18,000). A template past the budget is
# left unread, and said so: its syntax tree would cost memory in proportion (a 5 MiB
# template of actions takes about 400 MB), and helm renders it anyway.
MOST_ACTIONS = 100_000


def _union(values: Iterable[Value]) -> Value:
    merged: set[Atom] = set()
    for value in values:
        merged |= value
        if len(merged) > MOST_POSSIBILITIES:
            return frozenset(list(merged)[:MOST_POSSIBILITIES])
    return frozenset(merged)


def _texts(value: Value) -> list[str] | None:
    """The literal strings a value can be, or None when it can be anything else."""
    if value and all(isinstance(atom, Text) for atom in value):
        return [atom.value for atom in value if isinstance(atom, Text)]
    return None


# --- what a reading finds -------------------------------------------------------------


@dataclass(frozen=True)
class Unread:
    """A place whose reads gate could not follow: a subtree made free-form there, or the
    whole values handed to something opaque (`path` None then)."""

    file: str
    line: int
    path: ValuesPath | None
    how: str


@dataclass
class Reads:
    known: Known = field(default_factory=Known)
    unread: list[Unread] = field(default_factory=list)
    unparsed: list[tuple[str, int, str]] = field(default_factory=list)  # file, line, why
    complete: bool = True


# --- functions by what they do with their arguments -----------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Whole subtrees go in, and gate cannot tell which keys come out.
_SERIALIZERS = _words(
    "toYaml mustToYaml toYamlPretty toJson mustToJson toPrettyJson mustToPrettyJson "
    "toRawJson mustToRawJson toToml keys values sortAlpha"
)
# One of the arguments comes out as it went in.
_PASS_ANY = _words(
    "default coalesce and or merge mustMerge mergeOverwrite mustMergeOverwrite deepCopy "
    "mustDeepCopy required ternary"
)
_PASS_FIRST = _words("omit first mustFirst last mustLast")
# Values in, a scalar or a string out; the arguments are read as values, not walked.
_SCALAR = _words(
    """
    eq ne lt le gt ge not empty len print printf println quote squote upper lower title
    untitle trim trimAll trimPrefix trimSuffix trunc nindent indent replace contains
    hasPrefix hasSuffix int int64 float64 atoi toString toStrings toDecimal add add1 sub
    mul div mod max min maxf minf addf add1f subf mulf divf ceil floor round b64enc b64dec
    b32enc b32dec sha1sum sha256sum sha512sum adler32sum kindIs kindOf typeOf typeIs
    typeIsLike deepEqual semver semverCompare regexMatch mustRegexMatch regexFind
    mustRegexFind regexFindAll mustRegexFindAll regexReplaceAll mustRegexReplaceAll
    regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit mustRegexSplit
    regexQuoteMeta split splitList splitn join cat nospace abbrev abbrevboth repeat substr
    wrap wrapWith plural snakecase camelcase kebabcase swapcase shuffle initials htmlEscape
    html js urlquery urlParse urlJoin lookup fail now date dateInZone date_in_zone
    dateModify mustDateModify ago toDate mustToDate duration durationRound unixEpoch
    htmlDate htmlDateInZone randAlphaNum randAlpha randNumeric randAscii randInt randBytes
    uuidv4 genCA genCAWithKey genPrivateKey genSelfSignedCert genSelfSignedCertWithKey
    genSignedCert genSignedCertWithKey derivePassword encryptAES decryptAES bcrypt
    htpasswd base dir ext clean isAbs osBase osDir osExt osClean osIsAbs fromYaml fromJson
    fromYamlArray fromJsonArray mustFromJson fromToml until untilStep seq append mustAppend
    push mustPush prepend mustPrepend concat rest mustRest initial mustInitial uniq
    mustUniq without mustWithout has mustHas compact mustCompact slice mustSlice reverse
    mustReverse chunk mustChunk env expandenv getHostByName call toBool
    """
)
_BUILD_DICT = frozenset({"dict"})
_BUILD_LIST = frozenset({"list", "tuple"})


# --- the reader -----------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> Parsed | TemplateSyntaxError:
    """Templates are shared by every target and profile of a chart (and bitnami's common
    library by many charts): each text is parsed once."""
    try:
        return parse(text)
    except (TemplateSyntaxError, RecursionError) as exc:
        return (
            exc
            if isinstance(exc, TemplateSyntaxError)
            else TemplateSyntaxError("nested too deep to read", 0)
        )


@dataclass(frozen=True)
class _Mounted:
    """A chart of the tree and where its values sit in the values helm is given."""

    chart: ChartFiles
    values: ValuesPath
    shown: str  # the chart as findings name it: "backstage" or "parent/charts/backstage"


class _OutOfSteps(Exception):
    pass


class _Scope:
    """The variables of one template run: a stack of blocks, innermost last."""

    def __init__(self, top: Value):
        self.blocks: list[dict[str, Value]] = [{"$": top}]

    def lookup(self, name: str) -> Value:
        for block in reversed(self.blocks):
            if name in block:
                return block[name]
        return NOTHING

    def declare(self, name: str, value: Value) -> None:
        self.blocks[-1][name] = value

    def assign(self, name: str, value: Value) -> None:
        """`$x = v` inside a branch that may not run: `$x` is either after it. A value
        gate cannot know replaces: bitnami's `$section = index $section .` walks down
        from the whole values by keys computed at render time, and keeping the whole
        values as one possibility would make every top-level key read."""
        for block in reversed(self.blocks):
            if name in block:
                block[name] = _union([block[name], value]) if value else NOTHING
                return
        self.declare(name, value)


class TemplateReader:
    """Runs every template a rendering runs, over abstract values, and collects the paths
    read into a Known tree with absolute paths (a subchart's `.Values.x` is `alias.x`)."""

    def __init__(self, root: ChartFiles, mounts: Sequence[_Mounted]):
        self.root = root
        self.mounts = mounts
        self.chart_roots = {mount.values for mount in mounts}
        self.reads = Reads()
        # name -> body -> the file that defines it (a chart mounted twice defines once)
        self.defines: dict[str, dict[tuple[Node, ...], str]] = {}
        self.done: set[tuple[str, Value]] = set()
        self.calls: list[str] = []
        self.arguments: dict[str, int] = {}  # distinct arguments each define was run with
        self.steps = 0
        self.file = ""  # the template being read, for Unread notes
        self.noted: set[Unread] = set()  # a helper called a hundred times is noted once

    # --- results --------------------------------------------------------------------

    def read(self, path: ValuesPath) -> None:
        self.reads.known.add(path[:DEEPEST])

    def free(self, value: Value, how: str, line: int, noted: bool = True) -> None:
        """Any key below `value` may be read. A chart's whole values are never made
        free-form: the place is noted, and the confirming renders decide."""
        for atom in value:
            if isinstance(atom, Subtree):
                if atom.path in self.chart_roots:
                    self._unread(line, None, how)
                else:
                    self.reads.known.add(atom.path[:DEEPEST], free=True)
                    if noted:
                        self._unread(line, atom.path, how)
            elif isinstance(atom, TopLevel):
                self._unread(line, None, how)
            elif isinstance(atom, Dictionary):
                self.free(_union(item for _, item in atom.items), how, line, noted)
            elif isinstance(atom, Items):
                self.free(atom.element, how, line, noted)

    def _unread(self, line: int, path: ValuesPath | None, how: str) -> None:
        note = Unread(self.file, line, path, how)
        if note not in self.noted and len(self.noted) < 10_000:
            self.noted.add(note)
            self.reads.unread.append(note)

    # --- the run --------------------------------------------------------------------

    def run(self) -> Reads:
        parsed: list[tuple[_Mounted, str, Parsed]] = []
        actions = 0
        for mount in self.mounts:
            for name, text in mount.chart.named_templates():
                shown = f"{mount.shown}/{name}"
                actions += text.count("{{")
                if actions > MOST_ACTIONS:
                    self.reads.unparsed.append(
                        (shown, 0, f"left unread: the charts hold more than {MOST_ACTIONS} actions")
                    )
                    self.reads.complete = False
                    continue
                tree = _parsed(text)
                if isinstance(tree, TemplateSyntaxError):
                    self.reads.unparsed.append((shown, tree.line, f"does not parse ({tree})"))
                    continue
                parsed.append((mount, shown, tree))
                for define, body in tree.defines.items():
                    self.defines.setdefault(define, {}).setdefault(body, shown)
        try:
            for mount, shown, tree in parsed:
                library = mount.chart.chart.get("type") == "library"
                if library or posixpath.basename(shown).startswith("_"):
                    continue  # helm renders neither partials nor a library's files
                self.file = shown
                top: Value = frozenset({TopLevel(mount.values)})
                self.nodes(tree.body, top, _Scope(top))
            # A define no template reaches may still be called under a name computed at
            # render time (`include (printf "%s.labels" .Chart.Name) .`): it is run once
            # with its own chart's data, as most defines are called.
            called = {name for name, _ in self.done}
            for mount, _, tree in parsed:
                for define in tree.defines:
                    if define not in called:
                        called.add(define)
                        top = frozenset({TopLevel(mount.values)})
                        self.call(define, top, 0)
        except _OutOfSteps:
            self.reads.complete = False
        return self.reads

    def step(self) -> None:
        self.steps += 1
        if self.steps > STEP_BUDGET:
            raise _OutOfSteps

    def nodes(self, nodes: Sequence[Node], dot: Value, scope: _Scope) -> None:
        for node in nodes:
            self.step()
            if isinstance(node, Action):
                # What an action prints is not made free-form: a map printed whole
                # (`map[a:1]`) shows its keys in the output, so the confirming renders see
                # them, and charts print a value only where it is a string (external-dns'
                # `provider`, a string or a map read field by field).
                self.pipeline(node.pipeline, dot, scope)
            elif isinstance(node, Branch):
                self.branch(node, dot, scope)
            elif isinstance(node, Call):
                argument = self.pipeline(node.pipeline, dot, scope) if node.pipeline else NOTHING
                self.call(node.name, argument, node.line)

    def branch(self, node: Branch, dot: Value, scope: _Scope) -> None:
        scope.blocks.append({})
        value = self.pipeline(node.pipeline, dot, scope, declare=node.keyword != "range")
        inner = dot
        if node.keyword == "with":
            inner = value
        elif node.keyword == "range":
            # Ranging over a values map takes any key; what the body reads of an entry is
            # known below each (ANY). Over a list or dict built in the template, it reads
            # that list's elements. Over the chart's whole values: noted, never opened.
            inner = _union(self.entries(atom, node.pipeline.line) for atom in value)
            names = node.pipeline.variables
            if len(names) == 2:
                scope.declare(names[0], NOTHING)
            if names:
                scope.declare(names[-1], inner)
        scope.blocks.append({})
        self.nodes(node.body, inner, scope)
        scope.blocks.pop()
        scope.blocks.append({})  # `else` sees what the pipeline declared, not the body
        self.nodes(node.otherwise, dot, scope)
        scope.blocks.pop()
        scope.blocks.pop()

    def call(self, name: str, argument: Value, line: int) -> None:
        """`include`/`template`: run the named template with `argument` as its dot and `$`."""
        if name not in self.defines:  # helm fails on it; nothing to follow
            self.free(argument, f'include of "{name}", which no chart defines', line)
            return
        key = (name, argument)
        if key in self.done or len(self.calls) >= DEEPEST_CALLS:
            return
        runs = self.arguments.get(name, 0)
        if runs >= MOST_ARGUMENTS:
            self.reads.complete = False
            return
        self.arguments[name] = runs + 1
        self.done.add(key)
        caller = self.file
        self.calls.append(name)
        try:
            for body, file in self.defines.get(name, {}).items():
                self.file = file
                self.nodes(body, argument, _Scope(argument))
        finally:
            self.calls.pop()
            self.file = caller

    def pipeline(
        self, pipeline: Pipeline, dot: Value, scope: _Scope, declare: bool = True
    ) -> Value:
        result: Value | None = None
        for command in pipeline.commands:
            result = self.command(command, dot, scope, result, pipeline.line)
        value = result if result is not None else NOTHING
        if declare:
            for name in pipeline.variables:
                if pipeline.declares:
                    scope.declare(name, value)
                else:
                    scope.assign(name, value)
        return value

    def command(
        self, command: Command, dot: Value, scope: _Scope, piped: Value | None, line: int
    ) -> Value:
        first, *rest = command.arguments
        if not isinstance(first, Identifier):
            value = self.operand(first, dot, scope, line)
            if not rest:
                return value
            # A method with arguments (`.Capabilities.APIVersions.Has .Values.api`,
            # `.Files.Get`): the arguments are read; what it returns is not values.
            for argument in rest:
                self.operand(argument, dot, scope, line)
            return NOTHING
        values = [self.operand(argument, dot, scope, line) for argument in rest]
        operands: list[Operand | None] = list(rest)
        if piped is not None:
            values.append(piped)
            operands.append(None)
        return self.function(first.name, values, operands, scope, line)

    def operand(self, operand: Operand, dot: Value, scope: _Scope, line: int) -> Value:
        self.step()
        if isinstance(operand, Dot):
            return dot
        if isinstance(operand, Fields):
            return self.fields(dot, operand.names)
        if isinstance(operand, Variable):
            return self.fields(scope.lookup(operand.name), operand.names)
        if isinstance(operand, Identifier):
            return self.function(operand.name, [], [], scope, line)
        if isinstance(operand, Literal):
            return frozenset({Text(operand.value)}) if operand.kind is Kind.STRING else NOTHING
        if isinstance(operand, Parenthesised):
            return self.pipeline(operand.pipeline, dot, scope)
        return self.fields(self.operand(operand.operand, dot, scope, line), operand.names)

    def fields(self, value: Value, names: Sequence[str]) -> Value:
        for name in names:
            value = self.field(value, name)
            if not value:
                break
        return value

    def field(self, value: Value, name: str) -> Value:
        found: list[Value] = []
        for atom in value:
            if isinstance(atom, TopLevel):
                if name == "Values":
                    found.append(frozenset({Subtree(atom.values)}))
            elif isinstance(atom, Subtree):
                path = (*atom.path, name)
                if len(path) > DEEPEST:
                    continue
                self.read(path)
                found.append(frozenset({Subtree(path)}))
                if name == "global" and atom.path in self.chart_roots and atom.path:
                    # A subchart's `.Values.global` is its own `global` merged with the
                    # parent's, which helm copies down.
                    self.read(("global",))
                    found.append(frozenset({Subtree(("global",))}))
            elif isinstance(atom, Dictionary):
                found.append(atom.get(name))
        return _union(found)

    def entries(self, atom: Atom, line: int) -> Value:
        """What `range` over `atom` gives each turn."""
        if isinstance(atom, Subtree) and atom.path not in self.chart_roots:
            if len(atom.path) >= DEEPEST:
                return NOTHING
            path = (*atom.path, ANY)
            self.read(path)
            return frozenset({Subtree(path)})
        if isinstance(atom, Subtree | TopLevel):
            self._unread(line, None, "range")
            return NOTHING
        return _element(atom)

    def keyed(self, value: Value, keys: Sequence[Value], how: str, line: int) -> Value:
        """`index m "a" "b"` and the like: fields by literal keys. A key known only at
        render time makes what it indexes free-form."""
        for key in keys:
            names = _texts(key)
            if names is None:
                # Which key, only the render knows: noted, not free-form, so that a typo
                # next to it still goes to the confirming renders.
                for atom in _maps(value) - _built(value):  # a dict of the template's own
                    path = atom.path if isinstance(atom, Subtree) else None
                    self._unread(line, path, f"{how} with a key computed at render time")
                return NOTHING
            value = _union(self.field(value, name) for name in names)
        return value

    def function(
        self,
        name: str,
        values: list[Value],
        operands: Sequence[Operand | None],
        scope: _Scope,
        line: int,
    ) -> Value:
        if name in ("include", "template"):
            names = _texts(values[0]) if values else None
            argument = values[1] if len(values) > 1 else NOTHING
            if names is None:
                self.free(argument, f"{name} of a name computed at render time", line)
            for called in names or ():
                self.call(called, argument, line)
            return NOTHING
        if name == "tpl":
            self.free(values[0] if values else NOTHING, "tpl", line)
            if len(values) > 1:
                self._unread(line, None, "tpl (a template text from values may read any key)")
            return NOTHING
        if name in ("get", "hasKey"):
            if len(values) >= 2:
                found = self.keyed(values[0], values[1:2], name, line)
                return found if name == "get" else NOTHING
            return NOTHING
        if name == "index":
            if not values:
                return NOTHING
            keys = values[1:]
            if any(isinstance(o, Literal) and o.kind is Kind.NUMBER for o in operands[1:]):
                return _union(_element(atom) for atom in values[0])  # a list's element
            return self.keyed(values[0], keys, "index", line)
        if name == "dig":
            if len(values) >= 2:
                found = self.keyed(values[-1], values[:-2], "dig", line)
                return _union([found, values[-2]])
            return NOTHING
        if name == "pluck":
            if values:
                return _union(self.keyed(m, values[:1], "pluck", line) for m in values[1:])
            return NOTHING
        if name in _PASS_ANY:
            return _union(values[:2] if name == "ternary" else values)
        if name in _PASS_FIRST:
            if not values:
                return NOTHING
            first = values[0] if name == "omit" else values[-1]
            if name == "omit":
                return first
            return _union([first, *(_element(atom) for atom in first)])
        if name == "pick":
            if not values:
                return NOTHING
            picked = [
                (text, self.field(values[0], text))
                for key in values[1:]
                for text in _texts(key) or ()
            ]
            return frozenset({_from_items(picked)})
        if name in _BUILD_DICT:
            return frozenset({_dictionary(values)})
        if name in _BUILD_LIST:
            return frozenset({Items(_union(values))})
        if name in ("set", "unset"):
            return self.setter(name, values, operands, scope)
        if name in _SERIALIZERS:
            for value in values:
                self.free(value, name, line)
            return NOTHING
        if name in _SCALAR:
            return NOTHING
        for value in values:  # a function gate does not know
            self.free(value, f"{name} (a function gate does not know)", line)
        return NOTHING

    def setter(
        self, name: str, values: list[Value], operands: Sequence[Operand | None], scope: _Scope
    ) -> Value:
        """`set $d "k" v` changes the dict in place: the variable that holds it sees it."""
        if len(values) < 2:
            return NOTHING
        keys = _texts(values[1]) or []
        changed: list[Atom] = []
        for atom in values[0]:
            if isinstance(atom, Dictionary):
                kept = tuple(item for item in atom.items if item[0] not in keys)
                added = (
                    ()
                    if name == "unset" or len(values) < 3
                    else tuple((key, values[2]) for key in keys)
                )
                changed.append(_from_items(kept + added))
            else:
                changed.append(atom)
        result = frozenset(changed)
        target = operands[0] if operands else None
        if isinstance(target, Variable) and not target.names:
            scope.assign(target.name, result)
        return result


def _dictionary(values: Sequence[Value]) -> Dictionary:
    """`dict k1 v1 k2 v2 ...`, cut at DEEPEST_DICT dicts deep."""
    pairs: list[tuple[str, Value]] = []
    depth = 1
    for key, value in zip(values[::2], values[1::2], strict=False):
        inner = max((a.depth for a in value if isinstance(a, Dictionary)), default=0)
        if inner >= DEEPEST_DICT:
            value = frozenset(a for a in value if not isinstance(a, Dictionary))
            inner = 0
        depth = max(depth, inner + 1)
        pairs += [(text, value) for text in _texts(key) or ()]
    return Dictionary(tuple(pairs), depth)


def _from_items(items: Sequence[tuple[str, Value]]) -> Dictionary:
    flat: list[Value] = []
    for key, value in items:
        flat += [frozenset({Text(key)}), value]
    return _dictionary(flat)


def _element(atom: Atom) -> Value:
    """What `range` over an atom gives, and a list's element."""
    if isinstance(atom, Items):
        return atom.element
    if isinstance(atom, Dictionary):
        return _union(value for _, value in atom.items)
    return NOTHING


def _built(value: Value) -> Value:
    return frozenset(atom for atom in value if isinstance(atom, Dictionary | Items))


def _maps(value: Value) -> Value:
    return frozenset(atom for atom in value if isinstance(atom, Subtree | Dictionary | TopLevel))


def mounted(chart: ChartFiles) -> list[_Mounted]:
    """The chart and every subchart at any depth, each where its values sit: a
    dependency's under its alias or name (one chart may be mounted twice)."""
    out: list[_Mounted] = []
    pending: list[tuple[ChartFiles, ValuesPath, str]] = [(chart, (), chart.name or ".")]
    while pending:
        current, values, shown = pending.pop()
        out.append(_Mounted(current, values, shown))
        dependencies = current.chart.get("dependencies") or []
        for sub in current.subcharts:
            for alias in mount_names(sub, dependencies):
                place = values if sub.chart.get("type") == "library" else (*values, alias)
                pending.append((sub, place, f"{shown}/charts/{alias}"))
    return out


def mount_names(sub: ChartFiles, dependencies: object) -> list[str]:
    """A dependency's values live under its alias, or its name; one chart may have several."""
    aliases = [
        str(d.get("alias") or d.get("name"))
        for d in (dependencies if isinstance(dependencies, list) else [])
        if isinstance(d, Mapping) and d.get("name") == sub.name
    ]
    return aliases or [sub.name]


def read_template(text: str) -> Reads:
    """What one template, of a chart with no subcharts, reads from the values."""
    chart = ChartFiles("chart", {}, None, None, (text,), (), ("templates/template.yaml",))
    return template_reads(chart)


def template_reads(chart: ChartFiles) -> Reads:
    """What the templates of `chart` and its subcharts read from the values."""
    return TemplateReader(chart, mounted(chart)).run()
