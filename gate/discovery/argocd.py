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

from pathlib import Path
from typing import Any

import yaml

from gate.discovery import Found, HelmSource, Note, leaf_sets, typed_as_set, yaml_files
from gate.errors import GateError
from gate.limits import Limits
from gate.repository import Fence
from gate.yamlload import Located, load_located_all

API_GROUP = "argoproj.io/"


def read_applications(folder: Path, root: Path, fence: Fence, limits: Limits) -> Found:
    """Every Application under `folder` as a HelmSource, or a Note saying why not."""
    found = Found()
    for file in yaml_files(folder, "argocd"):
        fence.check_read(file, "Argo CD file", None, None)
        for doc in load_located_all(file, "Argo CD file", limits=limits):
            data = doc.data
            if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith(
                API_GROUP
            ):
                continue
            kind = data.get("kind")
            if kind == "Application":
                _application(doc, data, root, fence, found)
            elif kind == "ApplicationSet":
                found.notes.append(
                    Note(
                        file,
                        doc.line_of(()),
                        f"ApplicationSet {_name(data)!r} is not read yet: write its "
                        "Applications' targets in gate.yaml by hand",
                    )
                )
    return found


def _name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def _application(
    doc: Located, data: dict[str, Any], root: Path, fence: Fence, found: Found
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
    refs = {
        str(s["ref"]): root / str(s.get("path") or "")
        for _, s in sources
        if isinstance(s, dict) and s.get("ref")
    }
    charts = [(where, s) for where, s in sources if isinstance(s, dict) and not s.get("ref")]
    if not charts:
        note(("spec",), "has no source to render; skipped")
        return
    for where, source in charts:
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
            note(
                (*where, "path"),
                f"{path or '.'} is not a Helm chart (no Chart.yaml; kustomize or plain "
                "manifests); skipped",
            )
            continue
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        found.sources.append(
            HelmSource(
                name=name,
                file=Path(doc.file),
                line=doc.line_of(()),
                chart=chart,
                release=str(helm.get("releaseName") or name),
                namespace=_namespace(spec),
                values=_value_files(helm, chart, refs, doc, where, name, fence),
                set=_inline(helm, doc, where, name) + _parameters(helm, note, where),
                include_crds=not helm.get("skipCrds", False),
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
) -> tuple[Path, ...]:
    files: list[Path] = []
    entries = helm.get("valueFiles") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        text = str(entry)
        line = doc.line_of((*where, "helm", "valueFiles", index))
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


def _inline(
    helm: dict[str, Any], doc: Located, where: tuple[Any, ...], name: str
) -> tuple[tuple[str, Any], ...]:
    """`valuesObject`, else `values` (Argo CD reads one or the other), as --set-json of
    each top-level key: after the value files, before the parameters, as Argo CD's
    values file is."""
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
        return ()
    if not isinstance(values, dict):
        raise GateError(
            f"Application {name!r}: helm values must be a mapping",
            doc.file,
            doc.line_of((*where, "helm")),
        )
    return leaf_sets(values)


def _parameters(
    helm: dict[str, Any], note: Any, where: tuple[Any, ...]
) -> tuple[tuple[str, Any], ...]:
    out: list[tuple[str, Any]] = []
    entries = helm.get("parameters") or []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not entry.get("name"):
            note((*where, "helm", "parameters", index), "a parameter without a name; skipped")
            continue
        value = "" if entry.get("value") is None else str(entry["value"])
        out.append((str(entry["name"]), value if entry.get("forceString") else typed_as_set(value)))
    return tuple(out)
