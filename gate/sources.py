"""The file a person opens for a template helm names.

helm names each template by the chain of chart *names* that leads to it:
`# Source: parent/charts/portal/templates/deployment.yaml`, where `parent` is the
chart's Chart.yaml name and `portal` a dependency's alias (or its name). On disk the
subchart is a folder under charts/ whose folder name can be anything (helm reads the
Chart.yaml inside it), or a .tgz archive there. `Sources` walks that chain back:
alias -> the dependency's name (Chart.yaml `dependencies`) -> the subchart under
charts/ whose Chart.yaml carries that name (the one of the version the dependency
names, when several do), at every level. A chart gate was given in a folder is
written as that folder; a member of an archive as `ARCHIVE#MEMBER`, the member as the
archive lists it (`tar -tzf`):

    charts/app/charts/webportal/templates/deployment.yaml            a folder
    charts/app/charts/postgresql-12.10.0.tgz#postgresql/templates/statefulset.yaml
    charts/app/charts/kafka-1.0.0.tgz#kafka/charts/common/templates/_names.tpl
                                                   a folder subchart inside an archive
    charts/app/charts/kafka-1.0.0.tgz#kafka/charts/zookeeper-2.0.0.tgz#zookeeper/templates/x.yaml
                                       an archive inside an archive: one `#` per archive

Everything is read through gate.chart.read_chart (no link followed, gate.yaml's
limits applied), so the text of every template, archive members included, is the
text helm rendered: lines are found in it, not in a second reading.

Files here are written relative to the chart path gate.yaml gave; reports make them
relative to the repository root (gate.repository.Fence.relative).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.chart import ChartFiles, read_chart
from gate.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Template:
    """One template of the chart or a subchart: helm's name for it, the file a person
    opens, and its text."""

    name: str
    file: str
    text: str = field(repr=False)


@dataclass(frozen=True)
class _Chart:
    """A chart in the rendering: its files, where it is, and helm's name for it."""

    files: ChartFiles
    base: str  # the chart's folder as a report writes it: "charts/x", "charts/x.tgz#x"
    name: str  # helm's name for its folder: "parent", "parent/charts/portal"
    children: dict[str, _Chart] = field(default_factory=dict)

    @functools.cached_property
    def templates(self) -> dict[str, str]:
        """Its templates' text by their path inside it (`templates/x.yaml`)."""
        return dict(self.files.named_templates())


_DEFINE = re.compile(r"\{\{-?\s*define\s+\"((?:[^\"\\]|\\.)*)\"\s*-?\}\}")


class Sources:
    """helm's template names of one chart, mapped to the files on disk.

    `rendered` is the folder helm renders when it is not `chart` itself: a copy whose
    charts/ holds the dependencies gate built (gate/dependencies.py). Templates are read
    from it, so that every template helm rendered has its text, and shown at `chart`,
    whose files the copy holds at the same paths; those of a dependency gate built are
    shown where `dependency_file` says (a `file://` dependency's folder, `ARCHIVE#MEMBER`
    of an archive it fetched into .gate-cache/).
    """

    def __init__(
        self,
        chart: Path,
        limits: Limits = DEFAULT_LIMITS,
        rendered: Path | None = None,
        dependency_file: Callable[[str], str | None] | None = None,
    ):
        self.chart = chart
        self._dependency_file = dependency_file
        files = read_chart(rendered or chart, limits)
        self._top = _tree(files, str(chart), files.name)
        self._templates: dict[str, Template | None] = {}

    def _shown(self, name: str, file: str) -> str:
        """Where a person opens the file helm calls `name`, found at `file` in the chart."""
        built = self._dependency_file(name) if self._dependency_file is not None else None
        return built or file

    # --- templates -------------------------------------------------------------------

    def template(self, name: str) -> Template | None:
        """The template helm calls `name` (`parent/charts/portal/templates/x.yaml`), or
        None when no chart of the rendering holds it."""
        if name not in self._templates:
            self._templates[name] = self._find(name)
        return self._templates[name]

    def _find(self, name: str) -> Template | None:
        found = self._chart_of(name)
        if found is None:
            return None
        chart, inside = found
        text = chart.templates.get(inside)
        file = self._shown(name, f"{chart.base}/{inside}")
        return None if text is None else Template(name, file, text)

    def _chart_of(self, name: str) -> tuple[_Chart, str] | None:
        """The chart a name of helm's lies in, and the rest of the name inside it. The
        first part is the top chart's name, whatever it is: helm takes it from
        Chart.yaml, which may say what gate could not read."""
        parts = name.split("/")
        chart, index = self._top, 1
        while index + 2 < len(parts) and parts[index] == "charts":
            child = chart.children.get(parts[index + 1])
            if child is None:
                return None
            chart, index = child, index + 2
        return (chart, "/".join(parts[index:])) if index < len(parts) else None

    def file(self, name: str) -> str:
        """The file to open for helm's template name. A name no chart holds (a chart
        gate could not read) is taken as a path under the chart folder."""
        template = self.template(name)
        if template is not None:
            return template.file
        found = self._chart_of(name)
        if found is not None:
            return self._shown(name, f"{found[0].base}/{found[1]}")
        _, _, inside = name.partition("/")
        return self._shown(name, str(self.chart / inside) if inside else str(self.chart))

    # --- named templates -------------------------------------------------------------

    @functools.cached_property
    def _defines(self) -> dict[str, tuple[Template, int]]:
        """Every `define "x.y"` of the chart and its subcharts: the template that holds
        it and the 0-based line of the define. A parent chart's definition wins over a
        subchart's, as helm loads parents last."""
        found: dict[str, tuple[Template, int]] = {}
        for chart in _breadth_first(self._top):
            for inside, text in chart.templates.items():
                if "define" not in text:
                    continue
                name = f"{chart.name}/{inside}"
                template = Template(name, self._shown(name, f"{chart.base}/{inside}"), text)
                for match in _DEFINE.finditer(text):
                    line = text.count("\n", 0, match.start())
                    found.setdefault(match.group(1), (template, line))
        return found

    def define(self, helper: str) -> tuple[Template, int] | None:
        """Where `define "helper"` is: its template and its 0-based line."""
        return self._defines.get(helper)

    # --- charts by name --------------------------------------------------------------

    def schema_file(self, chart_name: str) -> str | None:
        """The values.schema.json of the chart helm calls `chart_name` (in its schema
        errors: the chart's name or alias, without the parents)."""
        for chart in _breadth_first(self._top):
            leaf = chart.name.rsplit("/", 1)[-1]
            if leaf == chart_name and chart.files.schema is not None:
                name = f"{chart.name}/values.schema.json"
                return self._shown(name, f"{chart.base}/values.schema.json")
        return None

    @property
    def chart_yaml(self) -> str:
        return str(self.chart / "Chart.yaml")


def _base(parent: str, sub: ChartFiles) -> str:
    """Where a subchart's files are, as a report writes them."""
    path = f"{parent}/{sub.location}"
    if sub.location.endswith(".tgz"):
        return f"{path}#{sub.archive_folder or sub.name}"
    return path


def _tree(files: ChartFiles, base: str, name: str) -> _Chart:
    """A chart and, recursively, the subcharts helm renders in it, by the name helm
    gives each: the alias of its dependency entry, else its own name."""
    chart = _Chart(files, base, name)
    on_disk = [(sub, _base(base, sub)) for sub in files.subcharts]
    used: set[int] = set()
    for dependency in _dependencies(files.chart):
        wanted = str(dependency.get("name", ""))
        alias = str(dependency.get("alias") or wanted)
        matches = [(sub, b) for sub, b in on_disk if sub.name == wanted]
        version = str(dependency.get("version", ""))
        exact = [(sub, b) for sub, b in matches if str(sub.chart.get("version", "")) == version]
        if not matches or alias in chart.children:
            continue
        pick = (exact or matches)[0]
        used.add(id(pick[0]))
        chart.children[alias] = _tree(pick[0], pick[1], f"{name}/charts/{alias}")
    # Charts under charts/ that Chart.yaml does not list are rendered under their names.
    for sub, sub_base in on_disk:
        if id(sub) not in used and sub.name and sub.name not in chart.children:
            chart.children[sub.name] = _tree(sub, sub_base, f"{name}/charts/{sub.name}")
    return chart


def _dependencies(chart: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    entries = chart.get("dependencies")
    if isinstance(entries, list):
        yield from (entry for entry in entries if isinstance(entry, Mapping))


def _breadth_first(top: _Chart) -> Iterator[_Chart]:
    level = [top]
    while level:
        yield from level
        level = [child for chart in level for child in chart.children.values()]


@functools.cache
def chart_sources(
    chart: Path,
    limits: Limits = DEFAULT_LIMITS,
    rendered: Path | None = None,
    dependency_file: Callable[[str], str | None] | None = None,
) -> Sources:
    """The Sources of a chart (as helm renders it), built once per process; read_chart is
    cached too."""
    return Sources(chart, limits, rendered, dependency_file)
