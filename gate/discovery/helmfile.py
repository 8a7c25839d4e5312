"""helmfile releases as gate targets.

Each release of a `helmfile.yaml` whose chart is a folder of this repository becomes a
target named after the release, with one profile per helmfile environment (`default`
when the file declares none). Each profile renders the release as `helmfile template
-e ENV` would:

- the chart, relative to the helmfile's folder; the release's `namespace`
  (`default` when unset);
- `values:` in order: a file (relative to the helmfile's folder) or an inline map;
- `set:` last, each `name`/`value` typed as helm's `--set` types it.

An environment's own `values:` feed helmfile's templates, not the chart, so gate does
not pass them. helmfile renders its file as a Go template: the one expression gate
substitutes is `{{ .Environment.Name }}` (and `{{ .Release.Name }}`) in a values path;
any other template, a remote chart, `bases:`, `helmfiles:`, `installed: false` (not
checked, as helmfile does not deploy it), a `condition:` and a second document are
Notes naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.discovery import HelmSource, Note, leaf_items, typed_as_set
from gate.errors import GateError
from gate.limits import Limits
from gate.repository import Fence
from gate.yamlload import Located, load_located_all

_ENVIRONMENT = re.compile(r"\{\{-?\s*\.Environment\.Name\s*-?\}\}")
_RELEASE = re.compile(r"\{\{-?\s*\.Release\.Name\s*-?\}\}")
UNREAD_KEYS = ("bases", "helmfiles", "repositories_only", "templates")


@dataclass
class Releases:
    """The releases found, each with one HelmSource per environment."""

    targets: dict[str, list[HelmSource]]
    notes: list[Note]


def _local_chart(chart: str) -> bool:
    """As helmfile reads `chart:` (pkg/state isLocalChart): a path, or a name that is not
    `repository/chart`; `oci://` and `repository/chart` come from a chart repository."""
    if chart.startswith((".", "/")):
        return True
    if not chart or "://" in chart:
        return False
    return len(chart.split("/")) not in (2, 3)


def read_helmfile(file: Path, fence: Fence, limits: Limits) -> Releases:
    found = Releases({}, [])
    fence.check_read(file, "helmfile", None, None)
    try:
        documents = list(load_located_all(file, "helmfile", limits=limits))
    except GateError as error:
        if "{{" in file.read_text(encoding="utf-8", errors="replace"):
            found.notes.append(
                Note(
                    file,
                    error.line,
                    "this helmfile needs helmfile's own templating to be read as YAML "
                    f"({error.message}); no release of it is checked",
                )
            )
            return found
        raise
    if not documents:
        return found
    # helmfile v1's layout: `environments:` in one document, `releases:` in the next
    # (`---` between them): the environments of every document, then each one's releases.
    environments: list[str] = []
    for doc in documents:
        data = doc.data if isinstance(doc.data, dict) else {}
        environments += [str(e) for e in (data.get("environments") or {}) if e not in environments]
        for key in UNREAD_KEYS:
            if key in data:
                found.notes.append(Note(file, doc.line_of((key,)), f"`{key}:` is not read"))
    for doc in documents:
        data = doc.data if isinstance(doc.data, dict) else {}
        for index, release in enumerate(data.get("releases") or []):
            if isinstance(release, dict):
                _release(doc, file, release, index, environments or ["default"], fence, found)
    return found


def _release(
    doc: Located,
    file: Path,
    release: dict[str, Any],
    index: int,
    environments: list[str],
    fence: Fence,
    found: Releases,
) -> None:
    where: tuple[Any, ...] = ("releases", index)
    name = str(release.get("name", ""))

    def note(path: tuple[Any, ...], message: str) -> None:
        found.notes.append(Note(file, doc.line_of((*where, *path)), f"release {name!r}: {message}"))

    if "{{" in name or not name:
        note(("name",), "a release name helmfile computes is not read; skipped")
        return
    if release.get("installed") is False:
        note(("installed",), "installed: false, so helmfile does not deploy it; not checked")
        return
    if "installed" in release and release["installed"] is not True:
        note(("installed",), "`installed:` is computed; the release is checked as if installed")
    if "condition" in release:
        note(
            ("condition",), "`condition:` is not evaluated; the release is checked as if installed"
        )
    for key in ("secrets", "strategicMergePatches", "jsonPatches", "transformers", "hooks"):
        if release.get(key):
            note(
                (key,), f"`{key}:` needs helmfile itself; the rendering may differ from helmfile's"
            )
    chart_text = str(release.get("chart", ""))
    if not _local_chart(chart_text):
        note(
            ("chart",),
            f"chart {chart_text!r} comes from a chart repository, not from this repository; "
            "skipped (add a target for it by hand, with the chart vendored)",
        )
        return
    chart = (file.parent / chart_text).resolve()
    fence.check_read(chart, f"chart of release {name!r}", file, doc.line_of((*where, "chart")))
    if not (chart / "Chart.yaml").is_file():
        note(("chart",), f"{chart_text!r} is no chart folder; skipped")
        return
    namespace = str(release.get("namespace") or "default")
    for environment in environments:
        values: list[Path] = []
        sets: list[tuple[str, Any]] = []
        lines: list[int | None] = []
        for position, entry in enumerate(release.get("values") or []):
            line = doc.line_of((*where, "values", position))
            if isinstance(entry, dict):
                for keys, step, value in leaf_items(entry):
                    sets.append((step, value))
                    lines.append(doc.line_of((*where, "values", position, *keys)))
                continue
            text = _RELEASE.sub(name, _ENVIRONMENT.sub(environment, str(entry)))
            if text.endswith(".gotmpl"):
                note(
                    ("values", position),
                    f"the values template {text!r} needs helmfile to render it; left out",
                )
                continue
            if "{{" in text:
                note(
                    ("values", position),
                    f"the values path {entry!r} needs helmfile's templating; left out",
                )
                continue
            path = (file.parent / text).resolve()
            fence.check_read(path, "values file", file, line)
            if not path.is_file():
                raise GateError(
                    f"release {name!r}, environment {environment!r}: values file {text!r} "
                    "not found; fix the path (relative to the helmfile's folder)",
                    file,
                    line,
                )
            values.append(path)
        for position, entry in enumerate(release.get("set") or []):
            if isinstance(entry, dict) and entry.get("name"):
                value = entry.get("value")
                # YAML already typed it (true, 3); text is typed as --set types it.
                typed = typed_as_set(value) if isinstance(value, str) else value
                sets.append((str(entry["name"]), typed))
                lines.append(doc.line_of((*where, "set", position)))
            else:
                note(("set", position), "a set entry without name; left out")
        found.targets.setdefault(name, []).append(
            HelmSource(
                name=environment,
                file=file,
                line=doc.line_of(where),
                chart=chart,
                release=name,
                namespace=namespace,
                values=tuple(values),
                set=tuple(sets),
                set_lines=tuple(lines),
                inputs=(file,),
            )
        )
