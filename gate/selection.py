"""Which target x profile pairs a command checks: gate.yaml's, narrowed by the TARGET and
--profile arguments, then by `--changed-since` (gate/changes.py), then cut by `--shard`
(gate/shards.py). What was chosen, and why, goes into the report and onto stderr."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.changes import ChangedSince, annotate, changed_since
from gate.checks.policies.model import Policy
from gate.config import GateConfig, Profile, Target
from gate.report import Report
from gate.shards import Part, parse, partition

Pair = tuple[Target, Profile]


@dataclass(frozen=True)
class Chosen:
    pairs: tuple[Pair, ...]
    picked: ChangedSince | None = None
    part: Part | None = None

    def annotate(self, report: Report) -> Report:
        """The report with why each target was picked and which shard it is."""
        if self.picked is not None:
            report = annotate(report, self.picked)
        if self.part is not None:
            report = dataclasses.replace(report, shard=self.part.shard)
        return report

    def lines(self) -> list[str]:
        """One line for each choice made, for the terminal."""
        out = self.picked.lines() if self.picked is not None else []
        if self.part is not None:
            shard, costs = self.part.shard, self.part.costs
            total = sum(costs) or 1
            shares = " ".join(f"{100 * cost / total:.0f}%" for cost in costs)
            out.append(
                f"shard {shard.label}: {len(self.pairs)} of {shard.pairs} target x profile pairs "
                f"(estimated cost of the {shard.count} shards: {shares})"
            )
        return out


def choose(
    config: GateConfig,
    policies: Sequence[Policy],
    pairs: Sequence[Pair],
    since: str | None = None,
    shard: str | None = None,
    baseline: Path | None = None,
) -> Chosen:
    """`pairs` (from pipeline.select) narrowed by --changed-since and cut by --shard.
    The shard is parsed first: a bad K/N fails before git runs."""
    spec = parse(shard) if shard is not None else None
    picked = changed_since(config, policies, since, baseline) if since is not None else None
    chosen = picked.pairs(pairs) if picked is not None else list(pairs)
    part = partition(chosen, *spec, limits=config.limits) if spec is not None else None
    return Chosen(part.pairs if part is not None else tuple(chosen), picked, part)
