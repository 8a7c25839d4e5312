"""Where a run's time went: `--timings`.

A recorder the pipeline writes to from any of its threads: seconds per stage,
the objects each stage saw, helm calls, render cache hits, and each second
rendering with the reason it was needed. Stages run at the same time (one
rendering is checked while helm renders the next), so their seconds add up to
more than the wall time, which the table shows on its own line.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

STAGES = ("render", "split", "schema", "policies", "values", "golden", "report")


@dataclass
class Timings:
    started: float = field(default_factory=time.perf_counter)
    seconds: dict[str, float] = field(default_factory=dict)
    objects: Counter[str] = field(default_factory=Counter)
    helm_calls: Counter[str] = field(default_factory=Counter)
    cache_hits: Counter[str] = field(default_factory=Counter)
    # (target, why) -> profiles rendered a second time, and how many masks came from the cache
    second_renders: Counter[tuple[str, str]] = field(default_factory=Counter)
    masks_cached: int = 0
    results_cached: int = 0  # pairs whose findings a whole kept check gave
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextlib.contextmanager
    def stage(self, name: str, objects: int = 0) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - began, objects)

    def add(self, name: str, seconds: float, objects: int = 0) -> None:
        with self._lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self.objects[name] += objects

    def helm_call(self, stage: str) -> None:
        with self._lock:
            self.helm_calls[stage] += 1

    def cache_hit(self, stage: str) -> None:
        with self._lock:
            self.cache_hits[stage] += 1

    def second_render(self, target: str, why: str, cached: bool) -> None:
        """A pair compared with a second rendering of itself (`cached`: the mask of one
        the render cache kept)."""
        with self._lock:
            if cached:
                self.masks_cached += 1
            else:
                self.second_renders[(target, why)] += 1

    def results_kept(self, pairs: int) -> None:
        with self._lock:
            self.results_cached += pairs

    def table(self) -> str:
        """The table `--timings` prints on stderr."""
        rows = [("stage", "seconds", "objects", "helm calls", "cache hits")]
        for name in STAGES:
            rows.append(
                (
                    name,
                    f"{self.seconds.get(name, 0.0):.3f}",
                    str(self.objects[name]),
                    str(self.helm_calls[name]),
                    str(self.cache_hits[name]),
                )
            )
        rows.append(("wall", f"{time.perf_counter() - self.started:.3f}", "", "", ""))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        lines.append(f"second renders: {sum(self.second_renders.values())}")
        for (target, why), count in sorted(self.second_renders.items()):
            lines.append(f"  {target} ({count} profile{'s' if count != 1 else ''}): {why}")
        if self.results_cached:
            lines.append(
                f"findings of all {self.results_cached} pairs from the result cache: "
                "nothing changed since a check with the same inputs"
            )
        if self.masks_cached:
            lines.append(f"masks from the render cache: {self.masks_cached}")
        return "\n".join(lines) + "\n"
