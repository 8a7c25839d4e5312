"""Digests of golden files already compared, so an unchanged golden file is not
compared object by object again.

An entry says "the golden file with this sha256 holds objects with these
digests". A pull request can commit `.gate-cache/` like any other folder, so an
entry is trusted only when it carries an HMAC made with a key that lives outside
the repository (in the user's cache folder, created on first use, readable by
the user alone). A planted, edited or foreign entry fails that check and is
ignored: it costs the text comparison, never a wrong verdict. A CI runner that
starts empty has no key yet, so there every run compares text.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gate.repository import Fence
from gate.writes import write_atomically


def _key_file() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or (
        str(Path.home() / ".cache") if os.environ.get("HOME") else ""
    )
    return Path(base) / "gate" / "golden-cache.key" if base else None


def machine_key(fence: Fence) -> bytes | None:
    """The machine's key, for every cache gate keeps in a repository (golden digests here,
    built dependencies in gate/dependencies.py); None when there is no private place for
    one."""
    path = _key_file()
    if path is None or fence.names_inside(path) or fence.may_read(path.parent):
        return None  # a key inside the repository would be the pull request's to choose
    for _ in range(20):  # another gate may have made the file and not yet written it
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            break
        if text:
            with contextlib.suppress(ValueError):
                return bytes.fromhex(text)[:32] or None
            return None
        time.sleep(0.01)
    else:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(os.urandom(32).hex())
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class GoldenDigests:
    folder: Path
    key: bytes

    @classmethod
    def open(cls, folder: Path, fence: Fence) -> GoldenDigests | None:
        """None when there is no key, or when the cache folder (committed as a symlink,
        say) leads out of the repository: gate neither reads nor writes there."""
        key = machine_key(fence)
        inside = fence.may_write(folder / "golden" / "entry.json")
        return cls(folder, key) if key is not None and inside else None

    def _entry(self, golden: Path) -> Path:
        name = hashlib.sha256(str(golden.absolute()).encode()).hexdigest()[:24]
        return self.folder / "golden" / f"{name}.json"

    def _mac(self, sha: str, digests: Mapping[str, str]) -> str:
        payload = json.dumps([sha, dict(sorted(digests.items()))], separators=(",", ":"))
        return hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()

    def get(self, golden: Path, text: str) -> dict[str, str] | None:
        """The digests recorded for exactly this golden text, if the record is ours."""
        entry = self._entry(golden)
        if entry.is_symlink():
            return None  # an entry is a file gate wrote, never a link to somewhere else
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            sha, digests, mac = data["sha256"], data["digests"], data["mac"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if sha != _sha(text) or not isinstance(digests, dict):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items()):
            return None
        if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(sha, digests)):
            return None
        return digests

    def put(self, golden: Path, text: str, digests: Mapping[str, str]) -> None:
        sha = _sha(text)
        record = {"sha256": sha, "digests": dict(digests), "mac": self._mac(sha, digests)}
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
            # Not synced to disk: an entry a crash leaves torn fails its MAC.
            write_atomically(self._entry(golden), json.dumps(record) + "\n", durable=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
