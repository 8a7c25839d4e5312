"""`--shard K/N`: the K-th of N parts of the target x profile pairs, for a CI matrix.

Every shard of a matrix computes the same partition on its own machine, so the
partition depends only on what every machine sees alike: the pairs selected (gate.yaml,
the TARGET and --profile arguments, --changed-since) and the sizes of the files each
target renders, as committed. Nothing measured or cached takes part: a cache a pull
request can plant, or a machine that happened to be slow, cannot move a pair, and
whatever the sizes say, the N parts together hold every pair exactly once.

Balance. The parts are balanced by an estimate of each target's cost: per profile, a
fixed cost for starting helm and reading the chart, plus the bytes helm loads (the
chart folder with its subcharts and archives, its `file://` dependencies, the values
files). Targets are dealt, largest first, to the part with the least estimated cost
(longest processing time first), which keeps every part within the cost of one target
of the others.

A target's profiles stay in one part: the values analysis compares a target's
profiles (a key of a shared values file is dead only when it is dead in every profile
that reads it), so splitting them would change its findings.

A report says which part it is and of which selection (the sha256 of the selected
pairs), so `gate report merge` can refuse shards of different selections and notice a
part that is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.config import Profile, Target
from gate.dependencies import declared
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits

Pair = tuple[Target, Profile]

# What one target x profile costs beyond the bytes it reads, in bytes: starting helm,
# splitting and checking what it printed. Measured (docs/selection.md): a pair costs
# 20 to 55 ms more than the bytes of its templates, which cost 0.5 to 0.65 ms a KiB;
# the fixed part is worth some 40 to 90 KiB of templates.
RENDER_COST = 64 * 1024
# A .tgz is read unpacked: chart text compresses about four to one.
ARCHIVE_FACTOR = 4
# Entries counted per folder walk: the estimate of a bigger chart stops growing there
# (the same for every machine), so a pull request cannot make sharding walk for long.
MAX_ENTRIES = 20_000
_SKIPPED = frozenset({".git", ".gate-cache"})
_SPEC = re.compile(r"(\d{1,6})/(\d{1,6})")


@dataclass(frozen=True)
class Shard:
    """Which part a report holds: `index` of `count` (from 1), of a selection of
    `pairs` pairs whose sha256 is `selection`. The label says which part, `positions`
    which pairs of the selection (so a merge lists them in their order)."""

    index: int
    count: int
    pairs: int
    selection: str
    positions: tuple[int, ...] = ()  # where this shard's pairs stand in the selection

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N; anything else is one sentence."""
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise GateError(f"--shard {text!r} is not K/N, such as 1/3 for the first of three parts")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise GateError(
            f"--shard {text}: K must be between 1 and N (and N at least 1), such as 1/3"
        )
    return index, count


def selection_digest(pairs: Sequence[Pair]) -> str:
    digest = hashlib.sha256(b"gate-shards\0")
    for target, profile in pairs:
        digest.update(f"{target.name}\0{profile.name}\n".encode())
    return digest.hexdigest()


def _folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder`, archives counted unpacked, links not followed;
    at most MAX_ENTRIES entries."""
    total, entries = 0, 0
    for current, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(f for f in folders if f not in _SKIPPED)
        for name in sorted(files):
            entries += 1
            if entries > MAX_ENTRIES:
                return total
            try:
                info = os.lstat(os.path.join(current, name))
            except OSError:
                continue
            factor = ARCHIVE_FACTOR if name.endswith(".tgz") else 1
            total += info.st_size * factor
    return total


def _local_dependencies(chart: Path, limits: Limits, depth: int = 0) -> list[Path]:
    """The `file://` dependencies a chart declares, and theirs; what helm cannot read
    here it will say itself when it renders."""
    if depth > 10:
        return []
    try:
        chart_deps = declared(chart, limits)
    except GateError:
        return []
    found: list[Path] = []
    for dependency in chart_deps.dependencies:
        if dependency.local:
            folder = chart_deps.local_folder(dependency)
            if folder.is_dir():
                found += [folder, *_local_dependencies(folder, limits, depth + 1)]
    return found


def target_cost(target: Target, profiles: Sequence[Profile], limits: Limits) -> int:
    """The estimated cost of rendering and checking `profiles` of `target`."""
    chart = _folder_bytes(target.chart)
    chart += sum(_folder_bytes(f) for f in _local_dependencies(target.chart, limits))
    cost = 0
    for profile in profiles:
        values = 0
        for file in profile.values:
            with contextlib.suppress(OSError):
                values += file.stat().st_size
        cost += RENDER_COST + chart + values
    return cost


@dataclass(frozen=True)
class Part:
    """One shard's pairs, and its estimated cost beside the others' (for its report)."""

    pairs: tuple[Pair, ...]
    shard: Shard
    costs: tuple[int, ...]  # the estimated cost of every part, in order


def partition(
    pairs: Sequence[Pair], index: int, count: int, limits: Limits = DEFAULT_LIMITS
) -> Part:
    """The `index`-th of `count` parts of `pairs` (in their order), balanced by cost."""
    units: dict[str, list[Pair]] = {}
    for pair in pairs:
        units.setdefault(pair[0].name, []).append(pair)
    costs = {
        name: target_cost(group[0][0], [p for _, p in group], limits)
        for name, group in units.items()
    }
    loads = [0] * count
    owner: dict[str, int] = {}
    for name in sorted(units, key=lambda n: (-costs[n], n)):
        part = min(range(count), key=lambda k: (loads[k], k))
        owner[name] = part
        loads[part] += costs[name]
    positions = tuple(n for n, pair in enumerate(pairs) if owner[pair[0].name] == index - 1)
    shard = Shard(index, count, len(pairs), selection_digest(pairs), positions)
    return Part(tuple(pairs[n] for n in positions), shard, tuple(loads))
