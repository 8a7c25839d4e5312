"""A chart's own files, read once: Chart.yaml, values.yaml, values.schema.json, its
templates, and its subcharts (folders under charts/ or .tgz archives, recursively).
Rendering asks whether the templates use randomness; the values analysis asks what
they read. Both ask this one reader."""

from __future__ import annotations

import functools
import io
import json
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from gate.yamlload import parse_document


@dataclass(frozen=True)
class ChartFiles:
    """A chart's own files as text, from a folder or a .tgz, without its subcharts."""

    name: str
    chart: Mapping[str, Any]
    values: Any
    schema: Any
    templates: tuple[str, ...]
    subcharts: tuple[ChartFiles, ...]

    def all_templates(self) -> Iterator[str]:
        """Its templates and every subchart's, at any depth."""
        yield from self.templates
        for sub in self.subcharts:
            yield from sub.all_templates()


def _yaml(text: str | None) -> Any:
    if not text:
        return None
    try:
        return parse_document(text)
    except yaml.YAMLError:
        return None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _from_mapping(files: Mapping[str, str], archives: Mapping[str, bytes]) -> ChartFiles:
    """A chart from its files (paths relative to it) and the .tgz files under its charts/."""
    chart = _yaml(files.get("Chart.yaml")) or {}
    folders = sorted(
        {p.split("/")[1] for p in files if p.startswith("charts/") and p.count("/") >= 2}
    )
    subcharts = [_from_mapping(*_below(files, archives, f"charts/{sub}/")) for sub in folders]
    subcharts += [_from_archive(data) for path, data in archives.items() if path.count("/") == 1]
    return ChartFiles(
        name=str(chart.get("name", "")) if isinstance(chart, Mapping) else "",
        chart=chart if isinstance(chart, Mapping) else {},
        values=_yaml(files.get("values.yaml")),
        schema=_json(files.get("values.schema.json")),
        templates=tuple(text for path, text in files.items() if path.startswith("templates/")),
        subcharts=tuple(subcharts),
    )


def _below(
    files: Mapping[str, str], archives: Mapping[str, bytes], prefix: str
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The files and archives of the subchart folder at `prefix`, relative to it."""
    return (
        {p[len(prefix) :]: t for p, t in files.items() if p.startswith(prefix)},
        {p[len(prefix) :]: d for p, d in archives.items() if p.startswith(prefix)},
    )


def _from_archive(data: bytes) -> ChartFiles:
    files: dict[str, str] = {}
    archives: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as bundle:
            for member in bundle.getmembers():
                handle = bundle.extractfile(member) if member.isfile() else None
                if handle is None:
                    continue
                inside = str(PurePosixPath(*PurePosixPath(member.name).parts[1:]))
                content = handle.read()
                if _archive(inside):
                    archives[inside] = content
                elif _wanted(inside):
                    files[inside] = content.decode("utf-8", errors="replace")
    except (tarfile.TarError, OSError):
        pass
    return _from_mapping(files, archives)


_OWN = ("Chart.yaml", "values.yaml", "values.schema.json")


def _wanted(path: str) -> bool:
    """A chart's own files, or those of a subchart folder under charts/, at any depth."""
    name = path.rsplit("/", 1)[-1]
    return (
        path in _OWN
        or path.startswith("templates/")
        or (path.startswith("charts/") and (name in _OWN or "/templates/" in path))
    )


def _archive(path: str) -> bool:
    return path.startswith("charts/") and path.endswith(".tgz")


@functools.cache
def read_chart(folder: Path) -> ChartFiles:
    files: dict[str, str] = {}
    archives: dict[str, bytes] = {}
    for file in folder.rglob("*"):
        if not file.is_file():
            continue
        inside = file.relative_to(folder).as_posix()
        if _archive(inside):
            archives[inside] = file.read_bytes()
        elif _wanted(inside):
            files[inside] = file.read_text(encoding="utf-8", errors="replace")
    return _from_mapping(files, archives)
