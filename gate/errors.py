"""The one error type that stops gate with exit 2 and a clear sentence."""

from __future__ import annotations

from pathlib import Path


class GateError(Exception):
    """gate could not run: bad configuration, bad policy, helm missing or failing.

    The message is one sentence a user can act on; `file` and `line` say where
    to look when known, and `render` prefixes them.
    """

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line

    def render(self) -> str:
        if self.file is None:
            return self.message
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"
