"""Golden files: `golden/<target>/<profile>.yaml`, read, written atomically, listed.

A golden file is the normalized rendering (gate/normalize.py). Reading one
means knowing, per object, its identity, its line, its YAML text and a digest
of its content. Parsing a 2,000-object file costs about
as much as helm's render of it, so the digests of a golden file are kept in
`.gate-cache/` keyed by the file's own sha256: an unchanged file is read in
milliseconds, and any edit to it, by gate or by hand, makes gate parse it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.errors import GateError
from gate.normalize import digest
from gate.yamlload import parse_document

_OBJECT = re.compile(r"^# Object: (.+)$", re.MULTILINE)
_SEPARATOR = "\n---\n"


def golden_path(directory: Path, target: str, profile: str) -> Path:
    return directory / target / f"{profile}.yaml"


def golden_text(target: str, profile: str, normalized: str) -> str:
    """A golden file is exactly the normalized rendering: every document starts with
    `---` and its `# Source:` comment, so `gate render` output and the file agree."""
    return normalized


@dataclass(frozen=True)
class GoldenObject:
    identity: str
    line: int
    text: str  # the YAML of the object, without its comment lines
    digest: str

    def body(self) -> Any:
        return parse_document(self.text)


@dataclass(frozen=True)
class GoldenFile:
    path: Path
    objects: dict[str, GoldenObject]


def _chunks(text: str) -> Iterator[tuple[str, int, str]]:
    """(identity, line of its `# Object:` comment, YAML text) per object of a golden file.

    gate writes each object as `---`, `# Source:`, `# Object:`, then its YAML; plain
    string splits read that in a few milliseconds for thousands of objects."""
    start = 0  # with the "\n" put in front, line numbers below are the file's own
    dash = 0
    for index, chunk in enumerate(("\n" + text).split(_SEPARATOR)):
        if index > 0:
            source, _, rest = chunk.partition("\n")
            header, _, body = rest.partition("\n")
            if source.startswith("# Source:") and header.startswith("# Object: "):
                yield header[10:].strip(), dash + 2, body
            else:  # written by hand or by an older gate: look for the comment
                match = _OBJECT.search(chunk)
                if match is not None:
                    line = dash + 1 + chunk.count("\n", 0, match.start())
                    yield match.group(1).strip(), line, chunk[match.end() + 1 :]
        dash = start + chunk.count("\n") + 1
        start = dash + 1


def _cache_file(cache: Path, path: Path) -> Path:
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    return cache / "golden" / f"{name}.json"


def _cached_digests(cache: Path | None, path: Path, sha: str) -> dict[str, str] | None:
    if cache is None:
        return None
    try:
        data = json.loads(_cache_file(cache, path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("sha256") != sha:
        return None
    digests = data.get("digests")
    return digests if isinstance(digests, dict) else None


def remember_digests(cache: Path | None, path: Path, text: str, digests: dict[str, str]) -> None:
    """Record the digests of a golden file's objects, keyed by the file's sha256."""
    if cache is None:
        return
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
        write_atomically(
            _cache_file(cache, path), json.dumps({"sha256": sha, "digests": digests}) + "\n"
        )


def read_golden(path: Path, cache: Path | None = None) -> GoldenFile | None:
    """The golden file at `path`, or None when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"golden file cannot be read ({exc}); restore it from git", path) from None
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    known = _cached_digests(cache, path, sha)
    objects: dict[str, GoldenObject] = {}
    for identity, line, body_text in _chunks(text):
        if known is not None and identity in known:
            objects[identity] = GoldenObject(identity, line, body_text, known[identity])
            continue
        try:
            body = parse_document(body_text)
        except yaml.YAMLError as exc:
            raise GateError(
                f"golden file is not valid YAML near object {identity} ({exc.__class__.__name__}); "
                "rewrite it with `gate golden update`",
                path,
                line,
            ) from None
        objects[identity] = GoldenObject(identity, line, body_text, digest(body))
    if known is None:
        remember_digests(cache, path, text, {i: o.digest for i, o in objects.items()})
    return GoldenFile(path, objects)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and a rename: a reader, or a
    crash half-way, sees the old file or the new one, never a truncated one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
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


def golden_files(directory: Path) -> Iterator[tuple[str, str, Path]]:
    """(target, profile, path) of every golden file under `directory`."""
    if not directory.is_dir():
        return
    for target_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        for file in sorted(target_dir.glob("*.yaml")):
            yield target_dir.name, file.stem, file
