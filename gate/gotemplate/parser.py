"""The syntax tree of a Go `text/template`, as text/template/parse builds it, reduced to
what a reader of values needs: actions and their pipelines, the control structures
(`if`, `with`, `range`, `else if`, `else with`), `template` calls and `define`/`block`.

    {{ $x := .Values.a | default dict }}  -> Action(Pipeline(("$x",), [Command(...), ...]))
    {{ with .Values.b }}...{{ else }}...{{ end }} -> With(Pipeline, body, otherwise)

Operands keep the field chain that follows them with no space in between, so
`(.Values).global` is Chained(Parenthesised(.Values), ("global",)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gate.gotemplate.lexer import Kind, TemplateSyntaxError, Token, tokens

# --- operands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dot:
    """`.`: the data the template is running on."""


@dataclass(frozen=True)
class Fields:
    """`.a.b`: fields of the dot."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Variable:
    """`$name` (`$` alone: the data the template was called with), then fields."""

    name: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identifier:
    """A function's name."""

    name: str


@dataclass(frozen=True)
class Literal:
    """A string, number, character, bool or nil; `value` is a string's text."""

    kind: Kind
    value: str


@dataclass(frozen=True)
class Parenthesised:
    pipeline: Pipeline


@dataclass(frozen=True)
class Chained:
    """Fields of an operand that is not the dot or a variable: `(...).a.b`."""

    operand: Operand
    names: tuple[str, ...]


Operand = Dot | Fields | Variable | Identifier | Literal | Parenthesised | Chained


@dataclass(frozen=True)
class Command:
    """A function and its arguments, or a single operand."""

    arguments: tuple[Operand, ...]


@dataclass(frozen=True)
class Pipeline:
    """`$a, $b := command | command`; `declares` is False for `=` (assign)."""

    variables: tuple[str, ...]
    declares: bool
    commands: tuple[Command, ...]
    line: int


# --- nodes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    pipeline: Pipeline


@dataclass(frozen=True)
class Branch:
    """`if`, `with` or `range`: the pipeline, the body, and what `else` holds."""

    keyword: str
    pipeline: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    """`{{ template "name" pipeline }}` (and the call half of `block`)."""

    name: str
    pipeline: Pipeline | None
    line: int


Node = Action | Branch | Call


@dataclass(frozen=True)
class Parsed:
    """One template file: what it renders, and the templates it defines by name."""

    body: tuple[Node, ...]
    defines: dict[str, tuple[Node, ...]] = field(default_factory=dict)


def parse(source: str) -> Parsed:
    """The tree of one template file; `TemplateSyntaxError` when Go would refuse it."""
    return _Parser(tokens(source)).run()


class _Parser:
    def __init__(self, items: list[Token]):
        # Text between actions says nothing about values.
        self.items = [item for item in items if item.kind is not Kind.TEXT]
        self.at = 0
        self.defines: dict[str, tuple[Node, ...]] = {}

    # --- tokens ---------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.at + ahead
        return self.items[index] if index < len(self.items) else None

    def take(self) -> Token:
        item = self.peek()
        if item is None:
            last = self.items[-1].line if self.items else 1
            raise TemplateSyntaxError("unexpected end of template", last)
        self.at += 1
        return item

    def expect(self, kind: Kind, what: str) -> Token:
        item = self.take()
        if item.kind is not kind:
            raise TemplateSyntaxError(f"expected {what}, found {item.text!r}", item.line)
        return item

    def keyword_ahead(self, *words: str) -> str | None:
        """The keyword that opens the next action, when it is one of `words`."""
        first, second = self.peek(), self.peek(1)
        if first is None or first.kind is not Kind.OPEN or second is None:
            return None
        return second.text if second.kind is Kind.KEYWORD and second.text in words else None

    # --- lists of nodes -------------------------------------------------------------

    def run(self) -> Parsed:
        body, stop = self.nodes(top=True)
        if stop is not None:
            raise TemplateSyntaxError(f"unexpected {{{{{stop}}}}}", self.take().line)
        return Parsed(body, self.defines)

    def nodes(self, top: bool = False) -> tuple[tuple[Node, ...], str | None]:
        """Nodes up to an `{{end}}` or `{{else}}`, which is left to the caller; returns
        which of the two stopped it (None at the end of the template)."""
        out: list[Node] = []
        while self.peek() is not None:
            stop = self.keyword_ahead("end", "else")
            if stop is not None:
                if top:
                    raise TemplateSyntaxError(f"unexpected {{{{{stop}}}}}", self.peek(1).line)  # type: ignore[union-attr]
                return tuple(out), stop
            node = self.action(top)
            if node is not None:
                out.append(node)
        return tuple(out), None

    def action(self, top: bool) -> Node | None:
        opened = self.expect(Kind.OPEN, "{{")
        first = self.peek()
        if first is not None and first.kind is Kind.KEYWORD:
            self.take()
            word = first.text
            if word in ("if", "with", "range"):
                return self.branch(word, first.line)
            if word == "template":
                return self.call(first.line)
            if word == "block":
                return self.block(first.line)
            if word == "define":
                if not top:
                    raise TemplateSyntaxError("unexpected define inside an action", first.line)
                self.define()
                return None
            if word in ("break", "continue"):
                self.expect(Kind.CLOSE, "}}")
                return None
            raise TemplateSyntaxError(f"unexpected {word}", first.line)
        return Action(self.pipeline(opened.line, Kind.CLOSE))

    def close_branch(self) -> None:
        """`{{end}}`."""
        self.expect(Kind.OPEN, "{{")
        self.expect(Kind.KEYWORD, "end")
        self.expect(Kind.CLOSE, "}}")

    def branch(self, keyword: str, line: int) -> Branch:
        pipeline = self.pipeline(line, Kind.CLOSE, declarations=2 if keyword == "range" else 1)
        body, stop = self.nodes()
        otherwise: tuple[Node, ...] = ()
        if stop == "else":
            self.expect(Kind.OPEN, "{{")
            self.expect(Kind.KEYWORD, "else")
            chained = self.peek()
            if chained and chained.kind is Kind.KEYWORD and chained.text in ("if", "with"):
                # `{{else if x}}...{{end}}` is `{{else}}{{if x}}...{{end}}{{end}}` with one end
                self.take()
                otherwise = (self.branch(chained.text, chained.line),)
                return Branch(keyword, pipeline, body, otherwise)
            self.expect(Kind.CLOSE, "}}")
            otherwise, stop = self.nodes()
            if stop != "end":
                raise TemplateSyntaxError(f"expected end after else of {keyword}", line)
        elif stop is None:
            raise TemplateSyntaxError(f"unexpected EOF: {keyword} without end", line)
        self.close_branch()
        return Branch(keyword, pipeline, body, otherwise)

    def name(self) -> str:
        item = self.take()
        if item.kind is not Kind.STRING:
            raise TemplateSyntaxError("template name must be a string", item.line)
        return item.text

    def call(self, line: int) -> Call:
        name = self.name()
        if self.peek() is not None and self.peek().kind is Kind.CLOSE:  # type: ignore[union-attr]
            self.take()
            return Call(name, None, line)
        return Call(name, self.pipeline(line, Kind.CLOSE), line)

    def block(self, line: int) -> Call:
        """`{{block "name" pipeline}}body{{end}}`: defines `name` and calls it."""
        called = self.call(line)
        body, stop = self.nodes()
        if stop != "end":
            raise TemplateSyntaxError("unexpected EOF: block without end", line)
        self.close_branch()
        self.defines.setdefault(called.name, body)
        return called

    def define(self) -> None:
        name = self.name()
        self.expect(Kind.CLOSE, "}}")
        body, stop = self.nodes()
        if stop != "end":
            raise TemplateSyntaxError(f'unexpected EOF: define "{name}" without end', 0)
        self.close_branch()
        # Go keeps one body per name; an empty redefinition does not replace a full one.
        if body or name not in self.defines:
            self.defines[name] = body

    # --- pipelines ------------------------------------------------------------------

    def pipeline(self, line: int, end: Kind, declarations: int = 1) -> Pipeline:
        variables: list[str] = []
        declares = True
        # `$x :=`, `$x =`, and in range `$k, $v :=`
        start = self.at
        while (item := self.peek()) is not None and item.kind is Kind.VARIABLE:
            following = self.peek(1)
            if following is None or following.kind not in (Kind.DECLARE, Kind.ASSIGN, Kind.COMMA):
                break
            if following.kind is Kind.COMMA and len(variables) + 1 >= declarations:
                break
            variables.append(item.text)
            self.at += 2
            if following.kind is not Kind.COMMA:
                declares = following.kind is Kind.DECLARE
                break
        else:
            if variables:  # `$a, $b` without := : not a declaration after all
                self.at, variables = start, []
        commands: list[Command] = []
        while True:
            commands.append(self.command(end))
            item = self.take()
            if item.kind is end:
                break
            if item.kind is not Kind.PIPE:
                raise TemplateSyntaxError(f"unexpected {item.text!r} in pipeline", item.line)
        return Pipeline(tuple(variables), declares, tuple(commands), line)

    def command(self, end: Kind) -> Command:
        arguments: list[Operand] = []
        while (item := self.peek()) is not None and item.kind not in (end, Kind.PIPE):
            arguments.append(self.operand())
        if not arguments:
            line = self.peek().line if self.peek() is not None else 0  # type: ignore[union-attr]
            raise TemplateSyntaxError("missing value for command", line)
        return Command(tuple(arguments))

    def operand(self) -> Operand:
        item = self.take()
        kind = item.kind
        term: Operand
        if kind is Kind.DOT:
            term = Dot()
        elif kind is Kind.FIELD:
            term = Fields((item.text, *self.chain()))
            return term
        elif kind is Kind.VARIABLE:
            return Variable(item.text, self.chain())
        elif kind is Kind.IDENTIFIER:
            term = Identifier(item.text)
        elif kind in (Kind.STRING, Kind.NUMBER, Kind.CHAR, Kind.BOOL, Kind.NIL):
            term = Literal(kind, item.text)
        elif kind is Kind.LEFT:
            term = Parenthesised(self.pipeline(item.line, Kind.RIGHT))
        else:
            raise TemplateSyntaxError(f"unexpected {item.text!r} in operand", item.line)
        names = self.chain()
        return Chained(term, names) if names else term

    def chain(self) -> tuple[str, ...]:
        """The fields that follow an operand with no space: `.a.b` of `$x.a.b`."""
        names: list[str] = []
        while (item := self.peek()) is not None and item.kind is Kind.FIELD and not item.spaced:
            names.append(item.text)
            self.at += 1
        return tuple(names)
