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


def template_line(file: str, path: Concrete) -> int | None:
    """The line of the template that writes the failing path's deepest key, else 1.

    A rendered value cannot be traced back to a template line exactly; the key
    that holds it (`startupProbe:`, `image:`) is where a reader starts.
    """
    lines = _file_lines(file) if file else None
    if lines is None:
        return None
    return key_line(lines, path) or 1
