"""`gate init`: a starter gate.yaml for the charts found under a folder, and
`.gate-cache/` in the repository's .gitignore (gate keeps its caches there, and a
cache committed by mistake is one a pull request could then edit)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from gate.config import DEFAULT_KUBE_VERSION
from gate.errors import GateError
from gate.repository import Fence, find_root
from gate.writes import write_atomically

_PROFILE_FILE = re.compile(r"^values[-_.](?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\.ya?ml$")
_SKIP = {".git", ".venv", ".tools", "node_modules", "golden", ".gate-cache"}


def find_charts(root: Path) -> list[Path]:
    """Chart folders under `root`, not counting the subcharts inside a chart's charts/."""
    charts: list[Path] = []
    for chart_file in sorted(root.rglob("Chart.yaml")):
        folder = chart_file.parent
        parts = folder.relative_to(root).parts
        if any(p in _SKIP for p in parts) or (
            "charts" in parts[:-1]
            and any((root.joinpath(*parts[:i]) / "Chart.yaml").exists() for i in range(len(parts)))
        ):
            continue
        charts.append(folder)
    return charts


def _profiles(chart: Path) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for file in sorted(chart.iterdir()):
        match = _PROFILE_FILE.match(file.name)
        if match and file.is_file():
            found[match.group("name")] = {"values": [file.name]}
    return found or {"default": {"values": []}}


def starter_config(root: Path) -> str:
    charts = find_charts(root)
    if not charts:
        raise GateError(
            "no chart (no Chart.yaml) found here; run `gate init` in a chart repository", root
        )
    targets = []
    used: set[str] = set()
    for chart in charts:
        name = re.sub(r"[^A-Za-z0-9._-]", "-", chart.name)
        while name in used:
            name += "-2"
        used.add(name)
        targets.append(
            {
                "name": name,
                "chart": chart.relative_to(root).as_posix() or ".",
                "namespace": "default",
                "profiles": _profiles(chart),
            }
        )
    body = yaml.safe_dump(
        {
            "helm": {"kube_version": DEFAULT_KUBE_VERSION},
            "golden": {"dir": "golden"},
            "targets": targets,
        },
        sort_keys=False,
    )
    return (
        "# Written by `gate init`. Profiles are the values-<profile>.yaml files found beside\n"
        "# each chart (relative to the chart folder). Then: `gate golden update` and\n"
        "# `gate check`. Every key is explained in gate's docs/configuration.md\n"
        "# (`gate --version` shows where gate's docs are installed).\n"
        + body
        + PACKS_HINT
        + discovery_hint(root, charts)
    )


# What marks a document the deployer reads (a light scan: gate init parses none):
# its apiVersion group and its kind, each on a line of its own.
_MARKS = {
    "argocd": (
        re.compile(r"^apiVersion:\s*argoproj\.io/", re.M),
        re.compile(r"^kind:\s*Application(Set)?\s*$", re.M),
    ),
    "flux": (
        re.compile(r"^apiVersion:\s*helm\.toolkit\.fluxcd\.io/", re.M),
        re.compile(r"^kind:\s*HelmRelease\s*$", re.M),
    ),
}
_SCANNED_FILES = 2_000
_SCANNED_BYTES = 1 << 20


def discovery_hint(root: Path, charts: list[Path]) -> str:
    """Commented `discover:` lines for the Argo CD, Flux and helmfile files found under
    `root` (outside charts), so a team sees it can read them (docs/discovery.md)."""
    found: dict[str, list[Path]] = {"argocd": [], "flux": [], "helmfile": []}
    scanned = 0
    for path in sorted(p for p in root.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")):
        parts = path.relative_to(root).parts
        if scanned >= _SCANNED_FILES or any(p.startswith(".") for p in parts):
            continue
        if any(chart in path.parents for chart in charts) or path.is_symlink():
            continue
        scanned += 1
        if path.name in ("helmfile.yaml", "helmfile.yml"):
            found["helmfile"].append(path)
            continue
        try:
            if path.stat().st_size > _SCANNED_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        documents = text.split("\n---")
        for kind, (group, kind_line) in _MARKS.items():
            if any(group.search(d) and kind_line.search(d) for d in documents):
                found[kind].append(path.parent)
    lines = []
    for kind, paths in found.items():
        places = sorted(set(paths))
        if len(places) > 1 and kind != "helmfile":
            common = Path(os.path.commonpath(places))
            places = [common] if common != root else places
        lines += [f"#   - {kind}: {p.relative_to(root).as_posix() or '.'}" for p in places[:5]]
    if not lines:
        return ""
    return (
        "# Deployment files found: gate can read its targets from them instead of (or\n"
        "# beside) the ones above, as the deployer renders them (docs/discovery.md):\n"
        "# discover:\n" + "\n".join(lines) + "\n"
    )


# The opt-in packs, offered where a new user reads first (docs/policies.md#packs).
PACKS_HINT = (
    "# More policies, opt-in by name (docs/policies.md#packs):\n"
    "# packs: [pod-security-baseline, pod-security-restricted, reliability]\n"
)


CACHE_LINE = ".gate-cache/"
# Lines that already keep .gate-cache out of git, at the root or at any depth.
_IGNORES_CACHE = {".gate-cache", ".gate-cache/", "/.gate-cache", "/.gate-cache/"}


@dataclass(frozen=True)
class Started:
    config: Path
    gitignore: Path
    gitignore_status: str  # created, appended, unchanged, or skipped (not a plain file)


def write_starter(folder: Path) -> Started:
    target = folder / "gate.yaml"
    if target.exists() or target.is_symlink():
        raise GateError("gate.yaml already exists; edit it, or remove it to start over", target)
    fence = Fence(find_root(target))
    text = starter_config(folder)  # before any write: no chart, nothing written
    if not fence.may_write(target):
        raise GateError(
            "gate.yaml would land outside the repository through a symlinked folder; "
            "run gate init in the chart repository itself",
            target,
        )
    write_atomically(target, text)
    gitignore, status = ignore_cache(fence)
    return Started(target, gitignore, status)


def ignore_cache(fence: Fence) -> tuple[Path, str]:
    """Add `.gate-cache/` to the .gitignore at the repository's root: create the file, or
    append the line once. A .gitignore that is a symlink or not a file is left alone (a
    rename would replace the link, and writing through it could land outside)."""
    path = fence.root / ".gitignore"
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return path, "skipped"
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(
            f"cannot be read ({exc.__class__.__name__}); add {CACHE_LINE} to it yourself", path
        ) from None
    if old is not None and any(line.strip() in _IGNORES_CACHE for line in old.splitlines()):
        return path, "unchanged"
    if old is None:
        new, status = CACHE_LINE + "\n", "created"
    else:
        separator = "\n" if old and not old.endswith("\n") else ""
        new, status = f"{old}{separator}{CACHE_LINE}\n", "appended"
    try:
        write_atomically(path, new)
    except OSError as exc:
        raise GateError(
            f"cannot be written ({exc.strerror or exc}); add {CACHE_LINE} to it yourself", path
        ) from None
    return path, status
