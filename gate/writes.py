"""Every file gate writes: atomically, and only where it may.

gate writes golden files (inside the repository) and reports (where the user's
`--format FORMAT:PATH` names). A pull request can commit a symlink where either
will land; a rename replaces such a link instead of writing through it, and a
folder on the way that is a link out of the repository is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from gate.errors import GateError
from gate.repository import Fence


def write_atomically(path: Path, text: str, durable: bool = True) -> None:
    """Write via a temporary file in the same folder and a rename: a reader, or a
    crash half-way, sees the old file or the new one, never a truncated one. The
    rename replaces a symlink at `path` rather than writing through it. `durable`
    syncs the file to disk before the rename; a cache entry that checks itself
    needs no sync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; a file is 0644-ish
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_report(path: Path, text: str, fence: Fence, what: str) -> None:
    """A report where the user named it. Inside the repository it is always written
    atomically (a committed symlink there is replaced, never written through) and must
    not land outside through a linked folder; outside it, a device or pipe the user
    named (/dev/stdout, a fifo) is written as it is."""
    try:
        inside = fence.names_inside(path)
        mode = path.stat().st_mode if not inside and path.exists() else None
        if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            with path.open("w", encoding="utf-8") as handle:
                handle.write(text)
            return
        if path.is_dir() and not path.is_symlink():
            raise GateError(
                f"the {what} report cannot be written there: it is a folder; pick a file path "
                "for --format",
                path,
            )
        if inside and not fence.may_write(path):
            raise GateError(
                f"the {what} report would be written to {path.parent.resolve()}, outside the "
                "repository, through a symlinked folder; pick another --format path",
                path,
            )
        write_atomically(path, text)
    except OSError as exc:
        raise GateError(
            f"the {what} report cannot be written there ({exc.strerror or exc}); "
            "pick another --format path",
            path,
        ) from None


def append_step_summary(path: Path, text: str, fence: Fence) -> None:
    """Append to the job summary GitHub gave this step ($GITHUB_STEP_SUMMARY): other
    steps, and other gate runs of this step, write there too, so it is never replaced.
    The runner keeps that file outside the work tree; one inside the repository could be
    a link the pull request committed, so it is refused rather than written through."""
    if fence.names_inside(path) or fence.names_inside(path.resolve()):
        raise GateError(
            "$GITHUB_STEP_SUMMARY names a file inside the repository; gate appends only to "
            "the job summary file the runner keeps outside it",
            path,
        )
    try:
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            if handle.tell():  # after another step's text: start a paragraph of its own
                handle.write("\n")
            handle.write(text)
    except OSError as exc:
        raise GateError(
            f"the job summary cannot be appended to ({exc.strerror or exc}); check "
            "$GITHUB_STEP_SUMMARY",
            path,
        ) from None
