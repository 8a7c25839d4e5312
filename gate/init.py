"""`gate init`: a starter gate.yaml for the charts found under a folder."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gate.config import DEFAULT_KUBE_VERSION
from gate.errors import GateError

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
        "# `gate check`. Every key is explained in docs/configuration.md.\n" + body
    )


def write_starter(root: Path) -> Path:
    target = root / "gate.yaml"
    if target.exists():
        raise GateError("gate.yaml already exists; edit it, or remove it to start over", target)
    target.write_text(starter_config(root), encoding="utf-8")
    return target
