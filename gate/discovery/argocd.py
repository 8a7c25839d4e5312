"""Argo CD Applications as gate targets.

Every `argoproj.io` `Application` in the YAML files under a folder becomes a profile,
named after the Application, of the target of its chart (the chart folder's name):
the chart is `spec.source.path` (or the `spec.sources` entry that has one), in this
repository. Argo CD's own rules for a Helm source are followed:

- the release is `spec.source.helm.releaseName`, else the Application's name;
- the namespace is `spec.destination.namespace` (`default` when unset);
- `valueFiles` are relative to the chart folder; `$REF/path` is relative to the root of
  the source whose `ref` is REF (this repository); a missing one is an error unless
  `ignoreMissingValueFiles: true`;
- `valuesObject` (else `values`) comes after the value files, and `parameters` after
  that (`forceString: true` keeps a value text; otherwise helm's `--set` typing);
- `skipCrds: true` leaves the chart's CRDs out.

What gate cannot reproduce offline is a Note (a `discovery-unsupported` warning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.discovery import (
    Found,
    HelmSource,
    Note,
    in_chart,
    leaf_items,
    typed_as_set,
    yaml_files,
)
from gate.errors import GateError
from gate.limits import Limits
from gate.repository import Fence
from gate.yamlload import Located, load_located_all

API_GROUP = "argoproj.io/"
MAX_GENERATED = 1_000  # Applications one ApplicationSet makes, at most


def read_applications(folder: Path, root: Path, fence: Fence, limits: Limits) -> Found:
    """Every Application under `folder` (and those an app-of-apps Application's folder
    holds, one level down; and those an ApplicationSet's list generator makes) as a
    HelmSource, or a Note saying why not."""
    found = Found()
    read: dict[Path, int] = {}  # file -> the Argo CD objects in it
    pending: list[_Child] = []
    for file in yaml_files(folder, "argocd"):
        if in_chart(file, root):
            _chart_template(file, found)
            continue
        read[file] = _read_file(file, root, fence, limits, found, pending, depth=0)
    for child in pending:  # app-of-apps: the folders root Applications point at
        files = [child.folder / f for f in sorted(p.name for p in child.folder.iterdir())]
        files = [
            f for f in files if f.suffix in (".yaml", ".yml") and f.is_file() and not f.is_symlink()
        ]
        for file in files:
            if file not in read:
                read[file] = _read_file(file, root, fence, limits, found, pending, depth=1)
        if not any(read[f] for f in files):  # plain manifests or kustomize, not Applications
            found.notes.append(child.not_a_chart)
    return found


def _chart_template(file: Path, found: Found) -> None:
    """A file of a chart under the folder is a template, not YAML; one that renders
    Applications is an app of apps gate does not follow."""
    try:
        text = file.read_text(encoding="utf-8", errors="replace")[: 1 << 20]
    except OSError:
        return
    kind = re.search(r"^kind:\s*Application\s*$", text, re.M)
    if API_GROUP in text and kind:
        found.notes.append(
            Note(
                file,
                text.count("\n", 0, kind.start()) + 1,
                "a chart template that renders Applications (an app of apps a Helm chart "
                "renders) is not followed; point discover at the folder of its charts' "
                "Applications, or write their targets by hand",
            )
        )


@dataclass(frozen=True)
class _Child:
    """A folder an Application renders that is not a Helm chart: an app-of-apps folder
    of Applications, followed one level, or else a Note."""

    folder: Path
    not_a_chart: Note


def _read_file(
    file: Path,
    root: Path,
    fence: Fence,
    limits: Limits,
    found: Found,
    pending: list[_Child],
    depth: int,
) -> int:
    """Read one file's Applications and ApplicationSets; how many there were."""
    count = 0
    fence.check_read(file, "Argo CD file", None, None)
    for doc in load_located_all(file, "Argo CD file", limits=limits):
        data = doc.data
        if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith(API_GROUP):
            continue
        kind = data.get("kind")
        if kind == "Application":
            count += 1
            _application(doc, data, root, fence, found, pending if depth == 0 else None)
        elif kind == "ApplicationSet":
            count += 1
            for generated in _generated(doc, data, root, fence, limits, found):
                _application(generated, generated.data, root, fence, found, None)
    return count


def _generated(
    doc: Located, data: dict[str, Any], root: Path, fence: Fence, limits: Limits, found: Found
) -> list[Located]:
    """The Applications an ApplicationSet's list and git-files generators make, each a
    Located whose lines are the template's; a Note for any other generator."""
    name = _name(data)
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    generators = spec.get("generators") if isinstance(spec.get("generators"), list) else []
    template = spec.get("template")
    go = bool(spec.get("goTemplate"))
    elements: list[dict[str, Any]] = []
    for index, generator in enumerate(generators or []):
        where = ("spec", "generators", index)
        if isinstance(generator, dict) and set(generator) == {"list"}:
            listed = generator["list"]
            items = listed.get("elements") if isinstance(listed, dict) else None
            elements += [_flat(e) for e in items or [] if isinstance(e, dict)]
            continue
        git = generator.get("git") if isinstance(generator, dict) else None
        here = isinstance(git, dict) and git.get("repoURL") in _repositories(template)
        if isinstance(git, dict) and here and git.get("files") and not git.get("directories"):
            made = _git_files(git, root, fence, limits, go, doc, where)
            if not made:
                found.notes.append(
                    Note(
                        Path(doc.file),
                        doc.line_of(where),
                        f"ApplicationSet {name!r}: the git files generator matches no file "
                        "of this repository; no Application of it is checked",
                    )
                )
            elements += made
            continue
        kinds = ", ".join(generator) if isinstance(generator, dict) else "?"
        if isinstance(git, dict) and not here:
            why = f"reads {git.get('repoURL')}, not the repository its template renders from"
        elif isinstance(git, dict):
            why = "lists directories, which gate does not resolve"
        else:
            why = f"({kinds}) needs the cluster or another repository"
        found.notes.append(
            Note(
                Path(doc.file),
                doc.line_of(where),
                f"ApplicationSet {name!r}: this generator {why}; only list and git-files "
                "generators of this repository are read, so its Applications are not checked",
            )
        )
    if not isinstance(template, dict):
        return []
    if len(elements) > MAX_GENERATED:
        found.notes.append(
            Note(
                Path(doc.file),
                doc.line_of(("spec", "generators")),
                f"ApplicationSet {name!r} makes {len(elements):,} Applications; gate checks "
                f"the first {MAX_GENERATED:,}",
            )
        )
        elements = elements[:MAX_GENERATED]
    lines = {key[2:]: line for key, line in doc.lines.items() if key[:2] == ("spec", "template")}
    root_line = doc.line_of(())
    if root_line is not None:
        lines[()] = root_line
    out = []
    for element in elements:
        body = _filled(template, element, go)
        unfilled = _unfilled(body)
        if unfilled:
            found.notes.append(
                Note(
                    Path(doc.file),
                    doc.line_of(("spec", "template")),
                    f"ApplicationSet {name!r}: the template expression {unfilled!r} is not "
                    "one gate fills in (a parameter of the element); that Application is "
                    "not checked",
                )
            )
            continue
        generated = {"apiVersion": data.get("apiVersion"), "kind": "Application", **body}
        out.append(Located(generated, dict(lines), doc.file))
    return out


_PARAMETER = re.compile(r"\{\{\s*(\.?)([A-Za-z0-9_.\[\]-]+)\s*\}\}")


def _repositories(template: Any) -> set[str]:
    """The repositories an ApplicationSet's template renders from: the one gate reads as
    this repository (a git generator of another is not resolvable offline)."""
    spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(spec, dict):
        return set()
    sources = [spec.get("source"), *(spec.get("sources") or [])]
    return {str(s["repoURL"]) for s in sources if isinstance(s, dict) and s.get("repoURL")}


def _flat(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested parameters by dotted key (`cluster.address`), as both template flavours
    name them (`{{cluster.address}}`, `{{ .cluster.address }}`)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9-.]", "-", text.lower())


def _git_files(
    git: dict[str, Any],
    root: Path,
    fence: Fence,
    limits: Limits,
    go: bool,
    doc: Located,
    where: tuple[Any, ...],
) -> list[dict[str, Any]]:
    """One parameter set per file the generator's globs match (this repository; a file
    holding a list gives one per item), with the `path` parameters Argo CD adds."""
    included: list[Path] = []
    excluded: set[Path] = set()
    for entry in git.get("files") or []:
        pattern = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not pattern or pattern.startswith("/") or ".." in Path(pattern).parts:
            continue
        matches = [p for p in sorted(root.glob(pattern)) if p.is_file() and not p.is_symlink()]
        if isinstance(entry, dict) and entry.get("exclude"):
            excluded.update(matches)
        else:
            included.extend(matches)
    out: list[dict[str, Any]] = []
    for file in (f for f in dict.fromkeys(included) if f not in excluded):
        fence.check_read(file, "ApplicationSet git file", doc.file, doc.line_of(where))
        for item in load_located_all(file, "ApplicationSet git file", limits=limits):
            contents = item.data if isinstance(item.data, list) else [item.data]
            for content in (c for c in contents if isinstance(c, dict)):
                folder = file.parent.relative_to(root).as_posix()
                path = {
                    "basename": file.parent.name,
                    "filename": file.name,
                    "basenameNormalized": _normalized(file.parent.name),
                    "filenameNormalized": _normalized(file.name),
                }
                if go:
                    params = {**content, "path": {"path": folder, **path}}
                else:
                    params = {
                        **content,
                        "path": folder,
                        **{f"path.{k}": v for k, v in path.items()},
                    }
                    params.update({f"path[{i}]": s for i, s in enumerate(folder.split("/"))})
                out.append(_flat(params))
    return out


def _filled(node: Any, element: dict[str, Any], go: bool) -> Any:
    """`node` with each `{{key}}` (`{{ .key }}` with goTemplate) an element's value."""
    if isinstance(node, dict):
        return {k: _filled(v, element, go) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(v, element, go) for v in node]
    if not isinstance(node, str):
        return node

    def value(match: re.Match[str]) -> str:
        dotted, key = match[1], match[2]
        if (dotted == ".") != go or key not in element:
            return str(match[0])
        return str(element[key])

    return _PARAMETER.sub(value, node)


def _unfilled(node: Any) -> str | None:
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        return next((u for u in (_unfilled(v) for v in node) if u), None)
    if isinstance(node, str) and "{{" in node:
        start = node.index("{{")
        end = node.find("}}", start)
        return node[start:] if end < 0 else node[start : end + 2]
    return None


def _name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def _application(
    doc: Located,
    data: dict[str, Any],
    root: Path,
    fence: Fence,
    found: Found,
    pending: list[_Child] | None,
) -> None:
    name = _name(data)
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(spec, dict)

    def note(path: tuple[Any, ...], message: str) -> None:
        found.notes.append(
            Note(Path(doc.file), doc.line_of(path), f"Application {name!r}: {message}")
        )

    if "source" in spec:
        sources: list[tuple[tuple[Any, ...], Any]] = [(("spec", "source"), spec["source"])]
    else:
        listed = spec.get("sources")
        sources = [
            (("spec", "sources", i), s)
            for i, s in enumerate(listed if isinstance(listed, list) else [])
        ]
    # `$REF/path` is read from the root of the ref source's repository, even when that
    # source has a `path` (Argo CD's multiple-sources docs); gate reads it as this one.
    refs = {str(s["ref"]): root for _, s in sources if isinstance(s, dict) and s.get("ref")}
    # A ref source with a path is also rendered, as Argo CD does.
    charts = [
        (where, s)
        for where, s in sources
        if isinstance(s, dict) and (not s.get("ref") or s.get("path") or s.get("chart"))
    ]
    if not charts:
        note(("spec",), "has no source to render; skipped")
        return
    for position, (where, source) in enumerate(charts):
        if source.get("chart"):
            note(
                (*where, "chart"),
                f"chart {source['chart']!r} {source.get('targetRevision', '')} comes from "
                f"{source.get('repoURL', 'a remote repository')}, not from this repository; "
                "skipped (add a target for it by hand, with the chart vendored)",
            )
            continue
        path = str(source.get("path") or "")
        chart = (root / path).resolve() if path else root
        # The fence first: what lies outside the repository is not ours to look at.
        fence.check_read(chart, f"chart of Application {name!r}", doc.file, doc.line_of(where))
        if not (chart / "Chart.yaml").is_file():
            message = (
                f"Application {name!r}: {path or '.'} is not a Helm chart (no Chart.yaml; "
                "kustomize or plain manifests); skipped"
            )
            not_a_chart = Note(Path(doc.file), doc.line_of((*where, "path")), message)
            if pending is not None and chart.is_dir():
                pending.append(_Child(chart, not_a_chart))  # an app-of-apps folder, perhaps
            else:
                found.notes.append(not_a_chart)
            continue
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        for other in ("plugin", "kustomize", "directory"):
            if source.get(other):
                note(
                    (*where, other),
                    f"source.{other} is not applied: gate renders the chart with helm "
                    "alone, and Argo CD's rendering may differ",
                )
        entries = _inline(helm, doc, where, name) + _parameters(helm, doc, note, where)
        found.sources.append(
            HelmSource(
                # Two chart sources of one Application: the second is its own profile.
                name=name if position == 0 else f"{name}-{position + 1}",
                file=Path(doc.file),
                line=doc.line_of(()),
                chart=chart,
                release=str(helm.get("releaseName") or name),
                namespace=str(helm.get("namespace") or _namespace(spec)),
                values=_value_files(helm, chart, refs, doc, where, name, fence, found.notes),
                set=tuple((path, value) for path, value, _ in entries),
                set_lines=tuple(line for _, _, line in entries),
                include_crds=not helm.get("skipCrds", False),
                inputs=(Path(doc.file),),
            )
        )
        for key in ("fileParameters", "kubeVersion", "apiVersions"):
            if helm.get(key):
                note(
                    (*where, "helm", key),
                    f"helm.{key} is not applied by gate (it renders with gate.yaml's helm "
                    "settings); the rendering may differ from Argo CD's",
                )


def _namespace(spec: dict[str, Any]) -> str:
    destination = spec.get("destination")
    namespace = destination.get("namespace") if isinstance(destination, dict) else None
    return str(namespace) if namespace else "default"


def _value_files(
    helm: dict[str, Any],
    chart: Path,
    refs: dict[str, Path],
    doc: Located,
    where: tuple[Any, ...],
    name: str,
    fence: Fence,
    notes: list[Note],
) -> tuple[Path, ...]:
    files: list[Path] = []
    entries = helm.get("valueFiles") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        text = str(entry)
        line = doc.line_of((*where, "helm", "valueFiles", index))
        if re.match(r"^[a-z][a-z0-9+.-]*://", text):
            found_note = (
                f"Application {name!r}: value file {text!r} is fetched from the network by "
                "Argo CD; gate renders without it"
            )
            notes.append(Note(Path(doc.file), line, found_note))
            continue
        if text.startswith("$"):
            ref, _, rest = text[1:].partition("/")
            if ref not in refs:
                raise GateError(
                    f"Application {name!r}: value file {text!r} names the source ref "
                    f"{ref!r}, which no source of the Application declares",
                    doc.file,
                    line,
                )
            path = (refs[ref] / rest).resolve()
        else:
            path = (chart / text).resolve()
        # The fence first: whether a file outside the repository exists is not ours to say.
        fence.check_read(path, "values file", doc.file, line)
        if not path.is_file():
            if helm.get("ignoreMissingValueFiles"):
                continue  # as Argo CD does
            raise GateError(
                f"Application {name!r}: value file {text!r} not found ({path}); fix the "
                "path or set ignoreMissingValueFiles: true, as Argo CD would need",
                doc.file,
                line,
            )
        files.append(path)
    return tuple(files)


Entry = tuple[str, Any, int | None]  # a --set-json path, its value, its line


def _inline(helm: dict[str, Any], doc: Located, where: tuple[Any, ...], name: str) -> list[Entry]:
    """`valuesObject`, else `values` (Argo CD reads one or the other), leaf by leaf: after
    the value files, before the parameters, as Argo CD's values file is."""
    field = "valuesObject" if helm.get("valuesObject") is not None else "values"
    values: Any = helm.get("valuesObject")
    if values is None and isinstance(helm.get("values"), str):
        try:
            values = yaml.safe_load(helm["values"])
        except yaml.YAMLError as exc:
            raise GateError(
                f"Application {name!r}: helm.values is not YAML ({exc.__class__.__name__})",
                doc.file,
                doc.line_of((*where, "helm", "values")),
            ) from None
    if values is None:
        return []
    if not isinstance(values, dict):
        raise GateError(
            f"Application {name!r}: helm values must be a mapping",
            doc.file,
            doc.line_of((*where, "helm")),
        )
    return [
        (path, value, doc.line_of((*where, "helm", field, *keys)))
        for keys, path, value in leaf_items(values)
    ]


def _parameters(
    helm: dict[str, Any], doc: Located, note: Any, where: tuple[Any, ...]
) -> list[Entry]:
    out: list[Entry] = []
    entries = helm.get("parameters") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not entry.get("name"):
            note((*where, "helm", "parameters", index), "a parameter without a name; skipped")
            continue
        value = "" if entry.get("value") is None else str(entry["value"])
        typed = value if entry.get("forceString") else typed_as_set(value)
        out.append((str(entry["name"]), typed, doc.line_of((*where, "helm", "parameters", index))))
    return out
