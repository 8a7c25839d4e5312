"""Renderings kept between runs: an unchanged target is not rendered again.

An entry is keyed by a sha256 over everything that can change what `helm
template` prints (`render_key`): helm itself (path, version, size, modification
time), the exact arguments gate passes it (release, namespace, kube and API
versions, values files, `set`), the content of every file of the chart folder
helm renders (its subcharts, archives and the dependencies gate built
included), and the content of every values file. Change any of them and the
key changes; nothing is ever invalidated by time.

A chart whose templates use randomness or the clock renders differently each
time. Its entry holds the second rendering too when one was made, so the
values that differ are masked on a warm run exactly as on a cold one; an entry
with one rendering never stands in for a comparison that needs two.

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
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
        cls, folder: Path, fence: Fence, max_bytes: int, limits: Limits = DEFAULT_LIMITS
    ) -> RenderCache | None:
        """None when there is no machine key, or when the folder (committed as a symlink,
        say) leads out of the repository: gate neither reads nor writes there."""
        key = machine_key(fence)
        renders = folder / "renders"
        if key is None or not fence.may_write(renders / "00" / "entry.json"):
            return None
        return cls(renders, key, max_bytes, fence, 3 * limits.helm_output_bytes)

    def _usable(self, entry: Path) -> bool:
        """An entry's folder, resolved, is inside the repository: a shard folder a pull
        request commits as a link to elsewhere is neither read nor written through."""
        return self.fence.may_write(entry)

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def _mac(self, key: str, streams: Sequence[str]) -> str:
        signed = hmac.new(self.key, f"{FORMAT}|{key}|".encode(), hashlib.sha256)
        for stream in streams:
            signed.update(_sha(stream).encode())
        return signed.hexdigest()

    def get(self, key: str) -> tuple[str, ...]:
        """The renderings stored for `key` (one, or two when the chart is random), or ()
        when there is no entry this machine wrote."""
        entry = self._entry(key)
        try:
            info = entry.lstat()
            # An entry is a file gate wrote, never a link to somewhere else, a fifo, or
            # more than any two renderings could take.
            if not stat.S_ISREG(info.st_mode) or info.st_size > self.most_read:
                return ()
            if not self._usable(entry):
                return ()
            data = json.loads(entry.read_bytes())
            streams, mac = data["streams"], data["mac"]
        except (OSError, ValueError, KeyError, TypeError):
            return ()
        if not isinstance(streams, list) or not 1 <= len(streams) <= 2:
            return ()
        if not all(isinstance(s, str) for s in streams) or not isinstance(mac, str):
            return ()
        if not hmac.compare_digest(mac, self._mac(key, streams)):
            return ()
        with contextlib.suppress(OSError):
            os.utime(entry)  # recently used: kept longest when the folder is pruned
        return tuple(streams)

    def put(self, key: str, streams: Sequence[str]) -> None:
        entry = self._entry(key)
        record = {"key": key, "streams": list(streams), "mac": self._mac(key, streams)}
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
