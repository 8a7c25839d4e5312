"""A fast reader for rendered documents: yaml-rs where its reading is known to equal gate's.

`gate.yamlload.parse_document` reads every rendered document (2,000 calls for a
2,000-object rendering). PyYAML's C parser with its Python constructors took ~70 ms
a thousand documents there, more than helm takes to render them; yaml-rs (a Rust
YAML parser over `saphyr`) builds the same dicts and lists about ten times faster.
But it reads YAML 1.2, not the YAML 1.1 that Go's yaml.v2 (helm, kubectl, the API
server) and gate read: `yes` is text to it, `010` is ten, `0o17` fifteen, and it
accepts some texts PyYAML refuses. So `read` returns yaml-rs's result only when it can
tell, cheaply, that PyYAML (gate's reference) would build the same value, and raises
`NotFast` otherwise, for the caller to read the text with PyYAML, which also words
every error (a duplicate key, a limit, a syntax error) with its line. Every rule
below comes from a difference seen in tests/test_yaml_differential.py, which keeps
checking the two readings against each other.

Before parsing, cheap scans send to PyYAML:

- a document that may nest deeper than `_MAX_DEPTH` (or the depth limit). yaml-rs
  converts its tree to Python recursively (~800 bytes of stack a level) and crashes,
  rather than raising, on a deep enough document; its parser stops flow collections
  at 255 levels but not block ones. The bound: a block collection inside another
  starts at a greater column, at the same column (a sequence in a mapping), or later
  on the same line after an indicator (`- - x`); so block nesting is at most twice
  the deepest indentation plus the longest run of indicators (capped below), and flow
  nesting at most two levels per `[` (`[a: b]` holds a mapping) and one per `{`;
- a flow collection that may span lines (a line whose brackets do not balance):
  yaml-rs reads `{a\n  b: c}` and `[a,\n|\n]`, which PyYAML refuses;
- in one RE2 scan (linear time): an anchor, alias, tag, directive or explicit key
  (`&a`, `*a`, `!!int`, `%YAML`, `?`) at a token's start, since yaml-rs reads an
  unknown tag as text and aliases are what `limits.yaml_alias_nodes` bounds; a merge
  key `<<`; a document marker (`---`, `...`) at a line's start; a number-like token
  that starts with `0` and a digit, `_` or radix letter, or with `_` or `._` (`010`
  is 8 to PyYAML and 10 to yaml-rs, `0o17` and `0X1F` text to PyYAML only, `_1` a
  number to yaml-rs only); `:` or `?` opening a token in a flow, or `:` before `]`,
  `}`, `,` (`[:x]`, `{a:}`: read by yaml-rs only); an escaped surrogate (`"\\ud83d"`);
  a character outside PyYAML's printable set, a NEL, U+2028, U+2029, a byte order
  mark, a tab or a carriage return (PyYAML refuses or folds what yaml-rs keeps); a
  run of eight block indicators (`- - - - - - - - x`).

After parsing, one walk over the result (a tree: there are no aliases) sends to PyYAML
a document that is not a mapping or list (yaml-rs indents a root block scalar as YAML
1.2 does); a key that is not a string (`1:` and `'1':` are the same key to PyYAML's
duplicate check, which compares keys' text; `[a]:` is an error to it) or that holds a
space or line break; a string that PyYAML would read as another type were it plain
while yaml-rs would not (`yes`: the walk cannot tell `yes` from `'yes'`); a string
starting with a line break, `|` or `>` (yaml-rs reads an empty `|` block as "\n", and
`{a: |}` as "|"); an infinity or NaN (`.iNf` is a number to yaml-rs only); an
integer too long for Python's int() (gate refuses those); any other type.

Without yaml-rs (no wheel for the platform or Python) `read` always raises NotFast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import re2  # type: ignore[import-untyped]

try:
    import yaml_rs
except ImportError:  # no wheel for this platform or Python: PyYAML reads everything
    yaml_rs = None  # type: ignore[assignment]

# yaml-rs's recursion takes ~800 bytes of stack a level, and documents are parsed on
# worker threads: a bound of 96 (its documents nest ~70 levels at most) keeps it within
# ~60 KiB, inside even musl's 128 KiB thread stacks (glibc's are 8 MiB).
_MAX_DEPTH = 96
# Runs of block indicators longer than this are sent to PyYAML (the pattern below).
_RUN = 8

# Characters PyYAML accepts (its Reader's printable set) less those it reads differently
# from yaml-rs or that a plain ASCII rendering never needs: tab, CR, NEL (\x85), U+2028,
# U+2029, and the byte order mark U+FEFF.
_ODD_CHARACTER = (
    r"[^\n\x20-\x7E\xA0-\x{2027}\x{202A}-\x{D7FF}\x{E000}-\x{FEFE}\x{FF00}-\x{FFFD}"
    r"\x{10000}-\x{10FFFF}]"
)
# Where a token can start: the text's start, after a space or line break, a flow
# indicator, or `:` (`{"a":010}`). Generous on purpose: a match only costs speed.
_TOKEN_START = r"(?:\A|[ \n\[\]{},:])"
# A plain scalar yaml-rs may read as a number PyYAML reads otherwise: `0` and then a
# digit, `_` or a radix letter (`010` is 8 to PyYAML and 10 to yaml-rs, `0o17` text to
# PyYAML), or `_`/`._` first (`_1` is 1 to yaml-rs). Only characters a number can hold
# may follow, up to the token's end: a checksum such as `0610fbb` is text to both.
_NUMBER_ALIKE = (
    r"[-+]?(?:0(?:[xX][0-9A-Fa-f_]*|[oO][0-7_]*|[bB][01_]*|[0-9_][0-9_.eE+-]*)"
    r"|\.?_[0-9_.eE+-]*)"
)
_NOT_FAST = re2.compile(
    "|".join(
        [
            _TOKEN_START + r"[&*!%?]",
            _TOKEN_START + _NUMBER_ALIKE + r"(?:[ \n,\]}:#]|\z)",
            r"\\(?:u|U0000)[dD][89a-fA-F]",
            r"[\[{,] *[:?]|:[\]},]|: +:",
            r"<<",
            r"(?m:^(?:---|\.\.\.))",
            _ODD_CHARACTER,
            rf"(?:[-?:] +){{{_RUN}}}",
        ]
    )
)

# Does PyYAML, as gate configures it, read this plain scalar as something other than a
# string? (`yes`, `010`, `1e3`, `~`; gate.yamlload's resolvers)
PlainTyper = Callable[[str], bool]


class NotFast(Exception):
    """yaml-rs's reading of this text is not known to equal PyYAML's: read it with PyYAML."""


# Strings starting with these are never a plain scalar's reading in block context: a line
# break (yaml-rs reads an empty `|` block as "\n" where PyYAML reads ""), `|` and `>`
# (yaml-rs reads `{a: |}` as the text "|", where PyYAML refuses a block scalar in a flow).
_NEVER_PLAIN = frozenset("\n|>")


# Every byte but brackets and line breaks, for bytes.translate to delete (C speed).
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}\n")


def _flow_spans_lines(text: str) -> bool:
    """Might a flow collection (`[...]`, `{...}`) span lines? yaml-rs reads some that
    PyYAML refuses (`{a\n  b: c}`). False when each line's brackets (quoted ones too)
    pair up on that line: deleting all else and then every `[]` and `{}` leaves only
    line breaks."""
    if "[" not in text and "{" not in text and "]" not in text and "}" not in text:
        return False
    brackets = text.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    while True:  # one round per level of nesting: the nesting bound holds already
        paired = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if paired == brackets:
            return brackets.strip(b"\n") != b""  # a bracket left unpaired
        brackets = paired


def _deepest_indent_bound(text: str) -> int:
    """A number greater than every line's indentation (C-speed substring searches)."""
    for bound in (8, 16, 24, 32, 48):
        spaces = " " * bound
        if not text.startswith(spaces) and "\n" + spaces not in text:
            return bound
    return _MAX_DEPTH  # deeper than any bound we would accept


def _nesting_bound(text: str) -> int:
    """At least the number of levels the text can nest (see the module's docstring)."""
    return 2 * _deepest_indent_bound(text) + _RUN + 1 + 2 * text.count("[") + text.count("{")


class _Reader:
    """yaml-rs with gate's checks around it; `typed(s)` says whether PyYAML, as gate
    configures it, reads the plain scalar `s` as something other than a string."""

    def __init__(self, typed: PlainTyper, first: frozenset[str]):
        self._typed = typed
        # the first characters of the strings `typed` can say yes to, and the line break
        # of yaml-rs's empty block scalar: only strings starting with one get a look
        self._first = first | _NEVER_PLAIN
        # short string -> does it need PyYAML; the same few ("true", "80") recur everywhere
        self._verdicts: dict[str, bool] = {}

    def _ambiguous(self, text: str) -> bool:
        """Would PyYAML read `text`, written plain, as something yaml-rs does not?"""
        verdict = self._verdicts.get(text)
        if verdict is None:
            verdict = text[0] in _NEVER_PLAIN or (self._typed(text) and not _rs_types(text))
            if len(text) <= 32:  # a number or a word; a long text would stay in memory
                if len(self._verdicts) > 4096:
                    self._verdicts.clear()
                self._verdicts[text] = verdict
        return verdict

    def read(self, text: str, max_depth: int) -> Any:
        if (
            yaml_rs is None
            or _nesting_bound(text) > min(max_depth, _MAX_DEPTH)
            or _flow_spans_lines(text)
        ):
            raise NotFast
        try:
            if _NOT_FAST.search(text) is not None:
                raise NotFast
            data = _rs_loads(text)
        except Exception as exc:  # YAMLDecodeError, a surrogate RE2 cannot encode, ...
            raise NotFast from exc  # PyYAML words the error, or reads what yaml-rs cannot
        self._check(data, len(text) > _MAX_INT_DIGITS)
        return data

    def _check(self, data: Any, long_text: bool) -> None:
        """Raise NotFast when PyYAML might build something else (module docstring)."""
        ambiguous, first = self._ambiguous, self._first
        stack = [data]
        values: Iterable[Any]
        while stack:
            node = stack.pop()
            if type(node) is dict:
                for key in node:
                    if (
                        type(key) is not str
                        or (key and key[0] in first and ambiguous(key))
                        or (" " in key or "\n" in key)
                    ):
                        raise NotFast
                values = node.values()
            elif type(node) is list:
                values = node
            elif node is None:  # an empty document
                return
            else:  # a scalar document: yaml-rs indents a root block scalar as YAML 1.2 does
                raise NotFast
            for value in values:
                kind = type(value)
                if kind is str:
                    if value and value[0] in first and ambiguous(value):
                        raise NotFast
                elif kind is dict or kind is list:
                    stack.append(value)
                elif kind is int:
                    if long_text and not -_BIG_INT < value < _BIG_INT:
                        raise NotFast
                elif kind is float:
                    if math.isinf(value) or math.isnan(value):
                        raise NotFast
                elif kind is not bool and value is not None:  # a set, a date: a tag's
                    raise NotFast


# Python reads at most 4,300 decimal digits into an int; gate refuses longer integers.
_MAX_INT_DIGITS = 4300
_BIG_INT = 10 ** (_MAX_INT_DIGITS - 1)


def _rs_types(plain: str) -> bool:
    """Does yaml-rs read `plain`, written as a plain scalar, as something other than a
    string? No when it cannot read it at all (`&`: an anchor to it)."""
    try:
        return not isinstance(_rs_loads(plain), str)
    except Exception:  # YAMLDecodeError: say text, which sends the document to PyYAML
        return False


def _rs_loads(text: str) -> Any:
    assert yaml_rs is not None
    return yaml_rs.loads(
        text,
        parse_datetime=False,  # timestamps stay the text they are written as, as in Go
        duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
    )


def reader(typed: PlainTyper, first: frozenset[str]) -> Callable[[str, int], Any]:
    """`read(text, max_depth)`: the document, or NotFast (module docstring). `typed` as
    PlainTyper; `first`: every first character of a plain scalar `typed` can say yes to."""
    return _Reader(typed, first).read
