"""Targets read from the deployment configuration a team already commits (issue 15):
gate.yaml `discover:` names where, and each source turns what it finds into ordinary
targets and profiles, which every command treats like hand-written ones.

    discover:
      - argocd: deploy/apps/      # Argo CD Applications (gate/discovery/argocd.py)
      - flux: clusters/           # Flux HelmReleases (gate/discovery/flux.py)

What a source cannot reproduce offline (a chart from a remote repository, a file
parameter, an ApplicationSet, a values reference to an object only the cluster has)
is a `discovery-unsupported` warning naming the file and line, never a silent skip
(docs/discovery.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.errors import GateError

SOURCES = ("argocd", "flux")
MAX_FILES = 5_000  # YAML files read under one `discover:` folder


@dataclass(frozen=True)
class Note:
    """Something a source found but cannot render as the deployer would."""

    file: Path
    line: int | None
    message: str


@dataclass(frozen=True)
class HelmSource:
    """What one deployment object (an Argo CD Application, a Flux HelmRelease) asks helm
    to render; `name` names its profile."""

    name: str
    file: Path
    line: int | None
    chart: Path
    release: str
    namespace: str
    values: tuple[Path, ...] = ()
    set: tuple[tuple[str, Any], ...] = ()
    include_crds: bool = True
    # The line of each `set` entry in `file` (a parameter, an inline value), so a values
    # finding about it points there.
    set_lines: tuple[int | None, ...] = ()
    # The files it was read from (the Application, a valuesFrom ConfigMap, an
    # ApplicationSet's git file): --changed-since picks its target when one changes.
    inputs: tuple[Path, ...] = ()


@dataclass
class Found:
    sources: list[HelmSource] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def yaml_files(folder: Path, key: str) -> Iterator[Path]:
    """The YAML files under `folder`, sorted, links not followed, at most MAX_FILES."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file() and not path.is_symlink():
            count += 1
            if count > MAX_FILES:
                raise GateError(
                    f"more than {MAX_FILES} YAML files under this `{key}:` folder; name the "
                    "folder that holds the deployment files",
                    folder,
                )
            yield path


def in_chart(file: Path, root: Path) -> bool:
    """Whether `file` lies in a Helm chart's folder (a template, or a chart's own values):
    no deployment file of the deployer's, and often no YAML before helm renders it."""
    file, root = file.absolute(), root.absolute()
    for folder in file.parents:
        if (folder / "Chart.yaml").is_file():
            return True
        if folder == root or root not in folder.parents:
            return False
    return False


def set_path_step(key: str) -> str:
    """A key as one step of a --set path: its dots, commas, brackets and equals signs
    escaped, so `app.kubernetes.io/name` stays one key."""
    return re.sub(r"([.,\[\]=\\])", r"\\\1", key)


_INT = re.compile(r"^[-+]?[0-9]+$")


def typed_as_set(value: str) -> Any:
    """A value as helm's --set types it (strvals): true/false, null, whole numbers
    (not with a leading zero); `{a,b}` a list; anything else text."""
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    digits = value.lstrip("+-")
    if _INT.match(value) and not (digits.startswith("0") and len(digits) > 1):
        return int(value)
    if value.startswith("{") and value.endswith("}"):
        return [typed_as_set(item) for item in value[1:-1].split(",")] if value != "{}" else []
    return value


def leaf_items(
    values: dict[Any, Any], keys: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str, Any]]:
    """(keys as written, --set-json path, value) of each leaf, as leaf_sets gives them:
    the keys find the line a value is written on."""
    out: list[tuple[tuple[str, ...], str, Any]] = []
    for key, value in values.items():
        written = (*keys, str(key))
        if isinstance(value, dict):
            out += leaf_items(value, written)
        else:
            out.append((written, ".".join(set_path_step(k) for k in written), value))
    return out


def leaf_sets(values: dict[Any, Any], prefix: str = "") -> tuple[tuple[str, Any], ...]:
    """Inline values as --set-json of each leaf path, so they merge over the values
    files as one more values file would: maps deep, lists and scalars replaced, null
    deleting the key. helm applies --set-json *into* the merged values, so one of a
    whole map (`backstage={...}`) would replace that map, not merge into it. An empty
    map changes nothing in a merge and is left out."""
    out: list[tuple[str, Any]] = []
    for key, value in values.items():
        path = f"{prefix}.{set_path_step(str(key))}" if prefix else set_path_step(str(key))
        if isinstance(value, dict):
            out += leaf_sets(value, path)
        else:
            out.append((path, value))
    return tuple(out)
