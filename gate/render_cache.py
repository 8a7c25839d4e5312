"""Renderings kept between runs: an unchanged target is not rendered again.

An entry is keyed by a sha256 over everything that can change what `helm
template` prints (`render_key`): helm itself (path, version, size, modification
time), the exact arguments gate passes it (release, namespace, kube and API
versions, values files, `set`), the content of every file of the chart folder
helm renders (its subcharts, archives and the dependencies gate built
included), and the content of every values file. Change any of them and the
key changes; nothing is ever invalidated by time.

A chart whose templates use randomness or the clock renders differently each
time. When such a pair was rendered twice, its entry keeps the mask (the paths
whose values differed), so a warm run masks exactly what the cold run masked;
an entry made from one rendering never stands in for a comparison that needs
two.

The cache lies in the repository a pull request controls (`cache.dir`, by
default `.gate-cache/`), so an entry counts only when it carries an HMAC made
with the machine's key, which lives outside the repository
(gate/golden_cache.py). A planted, edited or foreign entry fails that check and
is rendered again: it costs time, never a verdict. Entries are written
atomically (two gates sharing the folder each see a whole entry or none), and
the folder is kept under `cache.max_mb`, least recently used first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.checks.policies.paths import Concrete
from gate.golden_cache import machine_key
from gate.helm import Helm
from gate.limits import DEFAULT_LIMITS, Limits
from gate.repository import Fence
from gate.writes import write_atomically

# Bumped whenever what an entry holds, or how a key is made, changes.
FORMAT = 1
# A chart folder with more files than this, or more bytes than limits.archive_bytes, is
# rendered every time rather than hashed: hashing it could cost more than helm does.
MAX_FILES = 20_000


def _file_sha(path: Path, budget: list[int]) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    return None
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def folder_digest(folder: Path, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """A sha256 over the names and contents of every file under `folder` (and the
    targets of symbolic links, which are not followed); None when the folder cannot be
    read whole or is larger than the bounds above."""
    budget = [limits.archive_bytes]
    entries: list[tuple[str, str]] = []
    stack = [(folder, "")]
    while stack:
        current, prefix = stack.pop()
        try:
            listing = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            return None
        for entry in listing:
            name = f"{prefix}{entry.name}"
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                return None
            if stat.S_ISLNK(mode):
                entries.append((name, "link:" + os.readlink(entry.path)))
            elif stat.S_ISDIR(mode):
                stack.append((Path(entry.path), f"{name}/"))
            elif stat.S_ISREG(mode):
                sha = _file_sha(Path(entry.path), budget)
                if sha is None:
                    return None
                entries.append((name, sha))
            else:
                return None  # a fifo or device: never opened, never cached
            if len(entries) > MAX_FILES:
                return None
    return _sha(json.dumps(sorted(entries), separators=(",", ":")))


def file_digest(path: Path, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """A file's sha256, or a folder's folder_digest; None past the bounds or unreadable."""
    if path.is_dir():
        return folder_digest(path, limits)
    return _file_sha(path, [limits.archive_bytes])


@functools.cache
def code_digest() -> str:
    """gate's own code as a key sees it: the name, size and modification time of every
    file of the package, so a changed gate never reuses an older gate's results."""
    package = Path(__file__).resolve().parent
    files = []
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json", ".md") and path.is_file():
            info = path.stat()
            files.append((str(path.relative_to(package)), info.st_size, info.st_mtime_ns))
    return _sha(json.dumps(files, separators=(",", ":")))


def helm_identity(helm: Helm) -> str:
    """helm as a key sees it: another binary at the same path is another helm."""
    try:
        info = os.stat(helm.path)
    except OSError:
        return f"{helm.path}|{helm.version}"
    return f"{os.path.realpath(helm.path)}|{helm.version}|{info.st_size}|{info.st_mtime_ns}"


def render_key(
    helm: Helm,
    arguments: Sequence[str],
    chart_digest: str,
    values_files: Sequence[Path],
    limits: Limits = DEFAULT_LIMITS,
) -> str | None:
    """The key of one rendering: `arguments` are helm's arguments with the chart named as
    gate.yaml names it (not the temporary copy helm may render), `chart_digest` the
    folder_digest of what helm renders. None when a values file cannot be hashed."""
    budget = [limits.archive_bytes]
    values = []
    for file in values_files:
        sha = _file_sha(file, budget)
        if sha is None:
            return None
        values.append(sha)
    payload = [FORMAT, helm_identity(helm), list(arguments), chart_digest, values]
    return _sha(json.dumps(payload, separators=(",", ":")))


# What differs between two renderings of one pair: (object position, paths) pairs.
Mask = Sequence[tuple[int, Sequence[Concrete]]]


@dataclass(frozen=True)
class Kept:
    """A rendering from the cache; `mask` is None when it was rendered only once."""

    stream: str
    mask: tuple[tuple[int, tuple[Concrete, ...]], ...] | None


def _mask(data: object) -> tuple[tuple[int, tuple[Concrete, ...]], ...] | None:
    """The mask as JSON holds it, read back; its MAC already verified."""
    if not isinstance(data, list):
        return None
    return tuple((int(index), tuple(tuple(path) for path in paths)) for index, paths in data)


@dataclass(frozen=True)
class RenderCache:
    """The renderings kept in `folder` (cache.dir/renders), trusted only when signed."""

    folder: Path
    key: bytes
    max_bytes: int
    fence: Fence
    most_read: int  # an entry larger than two renderings helm may print is not read

    @classmethod
    def open(
        cls,
        folder: Path,
        fence: Fence,
        max_bytes: int,
        limits: Limits = DEFAULT_LIMITS,
        kind: str = "renders",
    ) -> RenderCache | None:
        """The entries under `folder`/`kind`: `renders` (helm's output per pair) or
        `results` (the findings of a whole check, gate/pipeline.py). None when there is
        no machine key, or when the folder (committed as a symlink, say) leads out of the
        repository: gate neither reads nor writes there."""
        key = machine_key(fence)
        entries = folder / kind
        if key is None or not fence.may_write(entries / "00" / "entry.json"):
            return None
        return cls(entries, key, max_bytes, fence, 3 * limits.helm_output_bytes)

    def _usable(self, entry: Path) -> bool:
        """An entry's folder, resolved, is inside the repository: a shard folder a pull
        request commits as a link to elsewhere is neither read nor written through."""
        return self.fence.may_write(entry)

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _mac(self, key: str, stream: str, mask: Mask | None) -> str:
        payload = json.dumps([FORMAT, key, _sha(stream), mask], separators=(",", ":"))
        return hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()

    def get(self, key: str) -> Kept | None:
        """The rendering kept for `key`, if this machine kept it."""
        entry = self._entry(key)
        try:
            info = entry.lstat()
            # An entry is a file gate wrote, never a link to somewhere else, a fifo, or
            # more than any rendering could take.
            if not stat.S_ISREG(info.st_mode) or info.st_size > self.most_read:
                return None
            if not self._usable(entry):
                return None
            data = json.loads(entry.read_bytes())
            stream, mask, mac = data["stream"], data["mask"], data["mac"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(stream, str) or not isinstance(mac, str):
            return None
        if not hmac.compare_digest(mac, self._mac(key, stream, mask)):
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # recently used: kept longest when the folder is pruned
        return Kept(stream, _mask(mask))

    def put(self, key: str, stream: str, mask: Mask | None = None) -> None:
        """Keep a rendering; `mask` when it was compared with a second one (what differed,
        by object position: gate/normalize.py unstable_paths)."""
        entry = self._entry(key)
        listed = None if mask is None else [[i, [list(p) for p in paths]] for i, paths in mask]
        record = {"key": key, "stream": stream, "mask": listed}
        record["mac"] = self._mac(key, stream, listed)  # type: ignore[arg-type]
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
            if self._usable(entry):
                # Not synced to disk: an entry a crash leaves torn fails its MAC.
                write_atomically(entry, json.dumps(record), durable=False)

    def prune(self) -> None:
        """Remove the least recently used entries until the folder fits `max_bytes`."""
        found: list[tuple[float, int, Path]] = []
        total = 0
        with contextlib.suppress(OSError):
            for shard in os.scandir(self.folder):
                if not shard.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(shard.path):
                    info = entry.stat(follow_symlinks=False)
                    found.append((info.st_mtime, info.st_size, Path(entry.path)))
                    total += info.st_size
        for _, size, path in sorted(found):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
