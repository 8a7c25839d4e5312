"""Regular expressions from policies, gate.yaml overrides and rendered objects, in bounded time.

Every pattern gate matches (`matches`, `not_matches`, a parameter that feeds
them, an `=~` inside a JSONPath filter) is compiled here, with RE2
(google-re2): a pattern compiles to an automaton, so matching takes time
linear in the text, with no backtracking: `^(a|aa)+$` on 5,000 `a`s and a `b`
takes microseconds, where Python's `re` would run for longer than the universe.

RE2 refuses what it cannot match in linear time: lookarounds (`(?=`, `(?!`,
`(?<=`, `(?<!`), backreferences (`\\1`), atomic groups and possessive
quantifiers. Such a pattern is an error when the policy or gate.yaml is loaded,
never a silent change of meaning. Other differences from Python's `re` (see
docs/policies.md, "Regular expressions"): `$` matches only at the very end of
the text (Python's also before a final newline), `\\d \\w \\s \\b` are ASCII,
`\\Z` is written `\\z`, `(?x)` is not supported.

Bounds:

- a pattern is at most MAX_PATTERN_CHARS characters and its compiled program
  at most RE2_MAX_MEM bytes ("pattern too large" otherwise), so compiling one
  takes well under a second;
- matching is linear in the text, but the constant is the size of the
  program when RE2's DFA runs out of memory and it falls back to its NFA
  (a pattern like `[ab]{0,900}[ab]{0,900}c` on a megabyte). A match whose
  worst case (text bytes x program size) exceeds INLINE_WORK runs on a worker
  thread (RE2 releases the GIL), and one still running after MATCH_SECONDS
  raises RegexTimeout, which the engine turns into a GateError naming the
  policy, its file and line, the object and the path.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

import re2  # type: ignore[import-untyped]

from gate.errors import GateError

MAX_PATTERN_CHARS = 4096
RE2_MAX_MEM = 2 * 1024 * 1024  # per compiled pattern: program and DFA cache
INLINE_WORK = 20_000_000  # text bytes x program size: at most ~0.1 s even on RE2's NFA
MATCH_SECONDS = 1.0  # a match on the worker thread that runs longer stops gate

_SYNTAX = "https://github.com/google/re2/wiki/Syntax"


class RegexTimeout(GateError):
    """A match ran past MATCH_SECONDS: exit 2. The policy engine catches it to name the
    policy, object and path; anywhere else (a `golden.ignore` filter) it stops gate as is."""

    def __init__(self, pattern: str, length: int, seconds: float):
        super().__init__(
            f"matching the regular expression {_short(pattern)} against {length:,} "
            f"characters ran past the {seconds:g} s bound; simplify the expression"
        )
        self.pattern = pattern
        self.length = length
        self.seconds = seconds


def _short(pattern: str) -> str:
    return repr(pattern) if len(pattern) <= 80 else repr(pattern[:77] + "...")


def _options() -> Any:
    options = re2.Options()
    options.never_capture = True  # only "is there a match": the DFA can answer alone
    options.log_errors = False  # a bad pattern is our ValueError, not a line on stderr
    options.max_mem = RE2_MAX_MEM
    return options


def _hint(error: str) -> str:
    if "(?=" in error or "(?!" in error or "(?<=" in error or "(?<!" in error:
        return "RE2 has no lookaround; write it as separate matches and not_matches tests"
    if any(f"\\{digit}" in error for digit in "123456789"):
        return "RE2 has no backreferences"
    if "\\Z" in error:
        return "write \\z for the end of the text"
    if "bad repetition operator" in error and error.rstrip().endswith("+"):
        return "RE2 has no possessive quantifiers; drop the trailing +"
    if "too large" in error:
        return "RE2 bounds the size of a compiled pattern; use smaller counted repetitions"
    if "repetition size" in error:
        return "RE2 allows counted repetitions up to {1000}, nested ones included"
    return f"gate uses RE2 syntax, {_SYNTAX}"


@dataclass(frozen=True)
class Regex:
    pattern: str
    compiled: Any = field(repr=False, compare=False)
    program_size: int = field(compare=False)

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in `text`; RegexTimeout past MATCH_SECONDS."""
        # surrogatepass: a lone surrogate from a YAML escape is bytes RE2 can skip, not a crash
        data = text.encode("utf-8", "surrogatepass")
        if len(data) * self.program_size <= INLINE_WORK:
            return self.compiled.search(data) is not None
        return self._watched(data, len(text))

    def _watched(self, data: bytes, length: int) -> bool:
        found: list[bool] = []
        worker = threading.Thread(
            target=lambda: found.append(self.compiled.search(data) is not None),
            name="gate-regex",
            daemon=True,  # abandoned past the bound: gate exits with the GateError
        )
        worker.start()
        worker.join(MATCH_SECONDS)
        if worker.is_alive() or not found:
            raise RegexTimeout(self.pattern, length, MATCH_SECONDS)
        return found[0]


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str) -> Regex:
    """Compile once; ValueError saying what RE2 refused, and why, when it cannot."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(
            f"is {len(pattern):,} characters long; a regular expression is at most "
            f"{MAX_PATTERN_CHARS:,}"
        )
    try:
        compiled = re2.compile(pattern.encode("utf-8"), _options())
    except UnicodeEncodeError:
        raise ValueError("holds a lone surrogate, which is no character") from None
    except re2.error as exc:
        detail = exc.args[0] if exc.args else str(exc)
        error = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        raise ValueError(f"{error}; {_hint(error)}") from None
    return Regex(pattern, compiled, max(1, int(compiled.programsize)))
