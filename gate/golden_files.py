"""Golden files on disk: `golden/<target>/<profile>.yaml`, read, listed, and written
all at once.

A golden file is the normalized rendering (gate/normalize.py). Reading one
means knowing, per object, its identity, its line and its YAML text; the
comparison (gate/checks/golden.py) compares that text with today's and parses
only the objects whose text differs (gate/golden_cache.py can spare even that
for a golden file compared before on this machine).

Writing is all or nothing: every new file is first written to a staging folder
beside the golden files, then all are renamed into place in one pass with
SIGINT and SIGTERM held back, so an interrupted update leaves every file old or
every file new.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.errors import GateError
from gate.process import Interrupted, signals_held
from gate.repository import Fence
from gate.writes import write_atomically
from gate.yamlload import parse_document

_OBJECT = re.compile(r"^# Object: (.+)$", re.MULTILINE)
_SEPARATOR = "\n---\n"
_STAGING = ".gate-staging-"
_FOLDER = (
    "a folder stands where this golden file belongs; remove it and run `gate golden update` again"
)


def golden_path(directory: Path, target: str, profile: str) -> Path:
    return directory / target / f"{profile}.yaml"


@dataclass(frozen=True)
class GoldenObject:
    identity: str
    line: int
    text: str  # the object's YAML exactly as written, without its comment lines
    file: str = ""

    def body(self) -> Any:
        try:
            return parse_document(self.text)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or exc.__class__.__name__
            raise GateError(
                f"golden file is not valid YAML near object {self.identity} "
                f"({problem}); rewrite it with `gate golden update`",
                self.file,
                self.line,
            ) from None


@dataclass(frozen=True)
class GoldenFile:
    path: Path
    objects: dict[str, GoldenObject]
    text: str = ""


def _chunks(text: str) -> Iterator[tuple[str, int, str]]:
    """(identity, line of its `# Object:` comment, YAML text) per object of a golden file.

    gate writes each object as `---`, `# Source:`, `# Object:`, then its YAML; plain
    string splits read that in a few milliseconds for thousands of objects. Each
    object's text keeps the newline the separator took, so it is byte for byte what
    gate wrote for it."""
    start = 0  # with the "\n" put in front, line numbers below are the file's own
    dash = 0
    parts = ("\n" + text).split(_SEPARATOR)
    for index, chunk in enumerate(parts):
        whole = chunk + "\n" if index < len(parts) - 1 else chunk
        if index > 0:
            source, _, rest = whole.partition("\n")
            header, _, body = rest.partition("\n")
            if source.startswith("# Source:") and header.startswith("# Object: "):
                yield header[10:].strip(), dash + 2, body
            else:  # written by hand or by an older gate: look for the comment
                match = _OBJECT.search(whole)
                if match is not None:
                    line = dash + 1 + whole.count("\n", 0, match.start())
                    yield match.group(1).strip(), line, whole[match.end() + 1 :]
        dash = start + chunk.count("\n") + 1
        start = dash + 1


def read_golden(path: Path, fence: Fence | None = None) -> GoldenFile | None:
    """The golden file at `path`, or None when there is none yet. A golden file that
    is a symlink out of the repository is refused, never read into a diff."""
    if fence is not None and (path.exists() or path.is_symlink()):
        fence.check_read(path, "golden file")
    if path.is_dir():
        raise GateError(_FOLDER, path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GateError(
            f"golden file cannot be read ({exc.strerror or exc}); restore it from git or "
            "rewrite it with `gate golden update`",
            path,
        ) from None
    try:
        # A BOM and CRLF line ends (a Windows checkout) change no object.
        text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise GateError(
            "golden file is not UTF-8 text; restore it from git or rewrite it with "
            "`gate golden update`",
            path,
            raw.count(b"\n", 0, exc.start) + 1,
        ) from None
    objects = {
        identity: GoldenObject(identity, line, body, str(path))
        for identity, line, body in _chunks(text)
    }
    return GoldenFile(path, objects, text)


@contextlib.contextmanager
def golden_update_stops_cleanly() -> Iterator[None]:
    """An interrupt before the golden files are swapped in changes none of them: say so
    (write_all says what it did itself once it has begun)."""
    try:
        yield
    except Interrupted as stop:
        if not getattr(stop, "__notes__", None):
            stop.add_note("no golden file was changed")
        raise


def write_all(directory: Path, files: Sequence[tuple[Path, str]], fence: Fence) -> None:
    """Write every (path, text) under `directory`, all or none (see the module doc).

    Raises GateError, with nothing changed, when a path would land outside the
    repository or cannot be written; an interrupt before the swap changes nothing,
    and one during it is handled once every file is in place (its note says which)."""
    for path, _ in files:
        if not fence.may_write(path):
            raise GateError(
                f"golden file would be written to {path.parent.resolve()}, outside the "
                "repository (a symlinked folder?); replace the link with a folder; no golden "
                "file was changed",
                path,
            )
        if path.is_dir() and not path.is_symlink():
            raise GateError(_FOLDER, path)
    if not files:
        return
    try:
        for path, _ in files:
            path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=directory))
    except OSError as exc:
        raise GateError(
            f"golden files cannot be written ({exc.strerror or exc}); no golden file was changed",
            directory,
        ) from None
    try:
        staged = []
        for index, (path, text) in enumerate(files):
            file = staging / f"{index}.yaml"
            write_atomically(file, text)
            staged.append((file, path))
        with signals_held():
            for file, path in staged:
                os.replace(file, path)
    except Interrupted as interrupt:
        done = all(path.exists() and not file.exists() for file, path in staged)
        interrupt.add_note(
            f"all {len(files)} golden files were written before it stopped"
            if done and len(staged) == len(files) > 1
            else "the golden file was written before it stopped"
            if done and len(staged) == len(files)
            else "no golden file was changed"
        )
        raise
    except OSError as exc:
        raise GateError(
            f"golden files cannot be written ({exc.strerror or exc}); no golden file was changed",
            exc.filename or directory,
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def golden_files(directory: Path) -> Iterator[tuple[str, str, Path]]:
    """(target, profile, path) of every golden file under `directory`."""
    if not directory.is_dir():
        return
    for target_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        if target_dir.name.startswith(_STAGING):
            continue
        for file in sorted(target_dir.glob("*.yaml")):
            yield target_dir.name, file.stem, file
