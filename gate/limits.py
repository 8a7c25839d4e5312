"""Bounds on the work any input can ask of gate.

Everything gate reads comes from a pull request nobody has reviewed yet, so
every reader that could be made to work without end (YAML aliases, nesting,
helm's output, chart archives) takes its bound from here. The defaults are far
above what real charts need; gate.yaml `limits:` raises or lowers them, and
every message that hits one names its key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # YAML (gate.yaml, policies, values files, golden files, helm's output, `parse: yaml`)
    yaml_alias_nodes: int = 100_000  # nodes a document may reach through aliases, counted expanded
    yaml_depth: int = 200  # nesting of mappings and lists
    document_bytes: int = 16 * MiB  # one YAML document
    documents: int = 100_000  # documents in one rendering
    # helm
    helm_output_bytes: int = 256 * MiB  # stdout of one helm call; stderr is kept to 1 MiB
    # chart archives (.tgz under charts/): helm's own defaults
    archive_bytes: int = 100 * MiB  # all members of one archive, decompressed
    archive_member_bytes: int = 5 * MiB  # one member, decompressed


DEFAULT_LIMITS = Limits()
LIMIT_KEYS: tuple[str, ...] = tuple(Limits.__dataclass_fields__)


def allow_nesting(depth: int) -> None:
    """Raise Python's recursion limit (never lower it) so that every stage that walks a
    document (masking, digests, policies, golden files) can walk one as deep as
    `limits.yaml_depth` lets through: a few frames per level, with room to spare."""
    needed = 10 * depth + 1_000
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)
