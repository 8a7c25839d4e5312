"""Point a finding at the line a person would open."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from gate.checks.policies.paths import Concrete


@functools.lru_cache(maxsize=512)
def _file_lines(file: str) -> tuple[str, ...] | None:
    try:
        return tuple(Path(file).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


@functools.lru_cache(maxsize=1024)
def _key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:-\s+)?[\"']?{re.escape(key)}[\"']?\s*:")


def key_line(lines: Sequence[str], path: Concrete, start: int = 0) -> int | None:
    """Follow the keys of `path` down `lines` from `start`; the 1-based line of the
    deepest one found, in order. Keys a template writes through `toYaml` are not in
    it, so a key not found is passed over and the search goes on with the next."""
    position, found = start, None
    for key in (p for p in path if isinstance(p, str)):
        pattern = _key_pattern(key)
        for number in range(position, len(lines)):
            if number > start and lines[number].startswith("---"):
                break
            if pattern.match(lines[number]):
                position, found = number, number + 1
                break
    return found


_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\w\"'.-]+\s*:")


@functools.lru_cache(maxsize=512)
def _document_starts(file: str) -> tuple[int, ...]:
    """The first line (0-based) of each document of a template that holds YAML keys;
    a leading `---` or a `{{- if }}` line before it does not count as a document."""
    lines = _file_lines(file) or ()
    starts: list[int] = []
    begin = 0
    for number, line in enumerate([*lines, "---"]):
        if line.startswith("---"):
            if any(_YAML_KEY.match(text) for text in lines[begin:number]):
                starts.append(begin)
            begin = number + 1
    return tuple(starts)


def template_line(file: str, path: Concrete, occurrence: int = 0) -> int | None:
    """The line of the template that writes the failing path's deepest key, else 1.

    A rendered value cannot be traced back to a template line exactly; the key
    that holds it (`startupProbe:`, `image:`) is where a reader starts. For the
    n-th document a template rendered, the search starts at its n-th document.
    """
    lines = _file_lines(file) if file else None
    if lines is None:
        return None
    starts = _document_starts(file)
    start = starts[occurrence] if 0 < occurrence < len(starts) else 0
    return key_line(lines, path, start) or key_line(lines, path) or (start + 1)
