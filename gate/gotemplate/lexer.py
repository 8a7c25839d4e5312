"""Tokens of Go `text/template` source, as Go's own lexer (text/template/parse/lex.go)
cuts them, with the `{{`/`}}` delimiters helm uses.

Text between actions becomes one TEXT token; inside an action every operand, operator
and keyword is a token that knows its line and whether white space came before it:
`.Values.a` is the field `.Values` then, with no space, the field `.a`, while
`.Values .a` is two arguments. Helm refuses a template its parser cannot read, so a
chart that renders always lexes; what cannot be lexed raises `TemplateSyntaxError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

KEYWORDS = frozenset(
    {"block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"}
)


class Kind(Enum):
    TEXT = "text"
    OPEN = "{{"  # an action starts; `{{-` trims, which gate does not need to know
    CLOSE = "}}"
    FIELD = "field"  # `.name`
    DOT = "."
    VARIABLE = "variable"  # `$` or `$name`
    IDENTIFIER = "identifier"  # a function name
    KEYWORD = "keyword"
    STRING = "string"  # its value, quotes and escapes resolved
    NUMBER = "number"
    CHAR = "char"
    BOOL = "bool"
    NIL = "nil"
    LEFT = "("
    RIGHT = ")"
    PIPE = "|"
    DECLARE = ":="
    ASSIGN = "="
    COMMA = ","


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    line: int
    spaced: bool = False  # white space came before it inside the action


class TemplateSyntaxError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


_SPACE = " \t\r\n"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "0": "\0"}  # fmt: skip


_SIMPLE = {"(": Kind.LEFT, ")": Kind.RIGHT, "|": Kind.PIPE, ",": Kind.COMMA, "=": Kind.ASSIGN}


def _alphanumeric(char: str) -> bool:
    return char == "_" or char.isalnum()


def tokens(source: str) -> list[Token]:
    """Every token of `source`; comments are dropped."""
    return _Lexer(source).run()


class _Lexer:
    def __init__(self, source: str):
        self.text = source
        self.at = 0
        self.line = 1
        self.out: list[Token] = []

    def emit(self, kind: Kind, text: str, line: int, spaced: bool = False) -> None:
        self.out.append(Token(kind, text, line, spaced))

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.at, to)
        self.at = to

    def run(self) -> list[Token]:
        text = self.text
        while self.at < len(text):
            start = text.find("{{", self.at)
            if start < 0:
                self.emit(Kind.TEXT, text[self.at :], self.line)
                self.advance(len(text))
                break
            if start > self.at:
                self.emit(Kind.TEXT, text[self.at : start], self.line)
                self.advance(start)
            self.action()
        return self.out

    def action(self) -> None:
        text, opened = self.text, self.line
        position = self.at + 2
        if text.startswith("-", position) and text[position + 1 : position + 2] in (*_SPACE,):
            position += 1
        after_space = position
        while after_space < len(text) and text[after_space] in _SPACE:
            after_space += 1
        if text.startswith("/*", after_space):  # a comment: {{/* ... */}}
            end = text.find("*/", after_space + 2)
            if end < 0:
                raise TemplateSyntaxError("unclosed comment", opened)
            close = text.find("}}", end + 2)
            if close < 0 or text[end + 2 : close].strip(_SPACE + "-"):
                raise TemplateSyntaxError("comment ends before closing delimiter", opened)
            self.advance(close + 2)
            return
        self.emit(Kind.OPEN, "{{", opened)
        self.advance(position)
        depth = 0
        spaced = False
        while True:
            if self.at >= len(text):
                raise TemplateSyntaxError("unclosed action", opened)
            char = text[self.at]
            if char in _SPACE:
                end = self.at
                while end < len(text) and text[end] in _SPACE:
                    end += 1
                if text.startswith("-}}", end) and end > self.at:  # a right trim marker
                    end += 1
                if text.startswith("}}", end):
                    self.advance(end)
                    continue
                self.advance(end)
                spaced = True
                continue
            if text.startswith("}}", self.at):
                if depth:
                    raise TemplateSyntaxError("unclosed left paren", self.line)
                self.emit(Kind.CLOSE, "}}", self.line)
                self.advance(self.at + 2)
                return
            self.one(char, spaced)
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    raise TemplateSyntaxError("unexpected right paren", self.line)
            spaced = False

    def one(self, char: str, spaced: bool) -> None:
        text, at, line = self.text, self.at, self.line
        if text.startswith(":=", at):
            self.emit(Kind.DECLARE, ":=", line, spaced)
            self.advance(at + 2)
        elif char in _SIMPLE:
            self.emit(_SIMPLE[char], char, line, spaced)
            self.advance(at + 1)
        elif char == '"':
            end, value = self.quoted(at)
            self.emit(Kind.STRING, value, line, spaced)
            self.advance(end)
        elif char == "`":
            end = text.find("`", at + 1)
            if end < 0:
                raise TemplateSyntaxError("unterminated raw quoted string", line)
            self.emit(Kind.STRING, text[at + 1 : end], line, spaced)
            self.advance(end + 1)
        elif char == "'":
            end = at + 1
            while end < len(text) and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise TemplateSyntaxError("unterminated character constant", line)
            self.emit(Kind.CHAR, text[at : end + 1], line, spaced)
            self.advance(end + 1)
        elif char == "." and not (at + 1 < len(text) and text[at + 1].isdigit()):
            end = at + 1
            while end < len(text) and _alphanumeric(text[end]):
                end += 1
            if end == at + 1:
                self.emit(Kind.DOT, ".", line, spaced)
            else:
                self.emit(Kind.FIELD, text[at + 1 : end], line, spaced)
            self.advance(end)
        elif char == "$":
            end = at + 1
            while end < len(text) and _alphanumeric(text[end]):
                end += 1
            self.emit(Kind.VARIABLE, text[at:end], line, spaced)
            self.advance(end)
        elif char.isdigit() or (char in "+-." and at + 1 < len(text) and text[at + 1].isdigit()):
            end = at + 1
            while end < len(text) and (_alphanumeric(text[end]) or text[end] in ".+-"):
                if text[end] in "+-" and text[end - 1] not in "eEpP":
                    break
                end += 1
            self.emit(Kind.NUMBER, text[at:end], line, spaced)
            self.advance(end)
        elif _alphanumeric(char):
            end = at
            while end < len(text) and _alphanumeric(text[end]):
                end += 1
            word = text[at:end]
            kind = (
                Kind.KEYWORD
                if word in KEYWORDS
                else Kind.BOOL
                if word in ("true", "false")
                else Kind.NIL
                if word == "nil"
                else Kind.IDENTIFIER
            )
            self.emit(kind, word, line, spaced)
            self.advance(end)
        else:
            raise TemplateSyntaxError(f"unrecognized character in action: {char!r}", line)

    def quoted(self, at: int) -> tuple[int, str]:
        text, end = self.text, at + 1
        value: list[str] = []
        while True:
            if end >= len(text) or text[end] == "\n":
                raise TemplateSyntaxError("unterminated quoted string", self.line)
            char = text[end]
            if char == '"':
                return end + 1, "".join(value)
            if char == "\\" and end + 1 < len(text):
                escaped = text[end + 1]
                value.append(_ESCAPES.get(escaped, escaped))
                end += 2
                continue
            value.append(char)
            end += 1
