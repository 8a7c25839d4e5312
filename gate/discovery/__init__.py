"""Targets read from the deployment configuration a team already commits (issue 15):
gate.yaml `discover:` names where, and each source turns what it finds into ordinary
targets and profiles, which every command treats like hand-written ones.

    discover:
      - argocd: deploy/apps/      # Argo CD Applications (gate/discovery/argocd.py)

What a source cannot reproduce offline (a chart from a remote repository, a file
parameter, an ApplicationSet) is a `discovery-unsupported` warning naming the file and
line, never a silent skip (docs/discovery.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Note:
    """Something a source found but cannot render as the deployer would."""

    file: Path
    line: int | None
    message: str


SOURCES = ("argocd",)
