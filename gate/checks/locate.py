"""Point a finding at a line of the template a person would open."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from gate.checks.policies.paths import Concrete


@functools.lru_cache(maxsize=512)
def _template_lines(file: str) -> tuple[str, ...] | None:
    try:
        return tuple(Path(file).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def template_line(file: str, path: Concrete) -> int | None:
    """The first line of `file` that writes the deepest key of `path` that it writes.

    A rendered value cannot be traced back to a template line exactly; the key
    that holds it (`startupProbe:`, `image:`) is where a reader starts, and the
    template's first line is the fallback.
    """
    lines = _template_lines(file) if file else None
    if lines is None:
        return None
    for key in reversed([p for p in path if isinstance(p, str)]):
        written = re.compile(rf"^\s*(?:-\s+)?[\"']?{re.escape(key)}[\"']?\s*:")
        for number, line in enumerate(lines, start=1):
            if written.match(line):
                return number
    return 1
