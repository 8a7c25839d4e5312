"""Flux HelmReleases as gate targets.

Every `helm.toolkit.fluxcd.io` `HelmRelease` in the YAML files under a folder becomes a
profile, named after the HelmRelease, of the target of its chart (the chart folder's
name). The chart is `spec.chart.spec.chart`, a path in the `GitRepository` that
`spec.chart.spec.sourceRef` names, read from this repository. Flux's own rules are
followed:

- the namespace is `spec.targetNamespace`, else the HelmRelease's namespace;
- the release is `spec.releaseName`, else `<targetNamespace>-<name>` when a target
  namespace is set, else the HelmRelease's name;
- values merge in Flux's order: the chart's `valuesFiles` (paths in the source), then
  each `valuesFrom` entry in order (a ConfigMap's or Secret's `valuesKey`, default
  `values.yaml`, or one value at `targetPath`), then `spec.values` last.

A `valuesFrom` ConfigMap or Secret is looked up among the objects committed under the
same folder (name and the HelmRelease's namespace); one only the cluster has is a Note,
and the release renders without it, as `optional: true` would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Any

import yaml

from gate.discovery import (
    Found,
    HelmSource,
    Note,
    leaf_items,
    leaf_sets,
    typed_as_set,
    yaml_files,
)
from gate.errors import GateError
from gate.limits import Limits
from gate.repository import Fence
from gate.yamlload import Located, load_located_all

API_GROUP = "helm.toolkit.fluxcd.io/"


def read_helm_releases(folder: Path, root: Path, fence: Fence, limits: Limits) -> Found:
    """Every HelmRelease under `folder` as a HelmSource, or a Note saying why not."""
    releases: list[Located] = []
    stores: dict[
        tuple[str, str, str], tuple[dict[str, str], Path]
    ] = {}  # (kind, namespace, name) -> data
    for file in yaml_files(folder, "flux"):
        fence.check_read(file, "Flux file", None, None)
        for doc in load_located_all(file, "Flux file", limits=limits):
            data = doc.data
            if not isinstance(data, dict):
                continue
            kind = data.get("kind")
            if kind == "HelmRelease" and str(data.get("apiVersion", "")).startswith(API_GROUP):
                releases.append(doc)
            elif kind in ("ConfigMap", "Secret") and data.get("apiVersion") == "v1":
                metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
                assert isinstance(metadata, dict)
                key = (str(kind), str(metadata.get("namespace", "")), str(metadata.get("name")))
                stores[key] = (_entries(data), file)
    found = Found()
    for doc in releases:
        _helm_release(doc, root, fence, stores, found)
    return found


def _shortened(name: str) -> str:
    """A release name as helm-controller shortens one past helm's 53 characters: its
    first 40, a dash and 12 hex digits of its sha256."""
    if len(name) <= 53:
        return name
    return f"{name[:40]}-{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def _entries(data: dict[str, Any]) -> dict[str, str]:
    """A ConfigMap's or Secret's keys as text (a Secret's `data` base64-decoded)."""
    out: dict[str, str] = {}
    for key, value in (
        (data.get("data") or {}).items() if isinstance(data.get("data"), dict) else ()
    ):
        if data.get("kind") == "Secret" and isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
        out[str(key)] = str(value)
    string_data = data.get("stringData")
    if isinstance(string_data, dict):
        out.update({str(k): str(v) for k, v in string_data.items()})
    return out


def _helm_release(
    doc: Located,
    root: Path,
    fence: Fence,
    stores: dict[tuple[str, str, str], tuple[dict[str, str], Path]],
    found: Found,
) -> None:
    data = doc.data
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name, own_namespace = str(metadata.get("name", "")), str(metadata.get("namespace") or "")
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}

    def note(path: tuple[Any, ...], message: str) -> None:
        found.notes.append(
            Note(Path(doc.file), doc.line_of(path), f"HelmRelease {name!r}: {message}")
        )

    chart_spec = (
        (spec.get("chart") or {}).get("spec") if isinstance(spec.get("chart"), dict) else None
    )
    if not isinstance(chart_spec, dict):
        if spec.get("chartRef"):
            note(
                ("spec", "chartRef"),
                "spec.chartRef (an OCIRepository or HelmChart) is not in this repository; skipped",
            )
        else:
            note(
                ("spec",),
                "has no spec.chart: a kustomize patch of a HelmRelease elsewhere? gate does "
                "not merge overlays; the HelmRelease it patches renders without it",
            )
        return
    source: dict[str, Any] = (
        chart_spec["sourceRef"] if isinstance(chart_spec.get("sourceRef"), dict) else {}
    )
    if source.get("kind") != "GitRepository":
        note(
            ("spec", "chart", "spec", "sourceRef"),
            f"chart {chart_spec.get('chart')!r} comes from a {source.get('kind', 'remote')} "
            f"({source.get('name', '')}), not from this repository; skipped (add a target "
            "for it by hand, with the chart vendored)",
        )
        return
    where = ("spec", "chart", "spec", "chart")
    chart = (root / str(chart_spec.get("chart") or "")).resolve()
    fence.check_read(chart, f"chart of HelmRelease {name!r}", doc.file, doc.line_of(where))
    if not (chart / "Chart.yaml").is_file():
        note(where, f"{chart_spec.get('chart')!r} is no chart folder of this repository; skipped")
        return
    values: list[Path] = []
    for index, entry in enumerate(chart_spec.get("valuesFiles") or []):
        line = doc.line_of(("spec", "chart", "spec", "valuesFiles", index))
        path = (root / str(entry)).resolve()
        fence.check_read(path, "values file", doc.file, line)
        if not path.is_file():
            raise GateError(
                f"HelmRelease {name!r}: values file {entry!r} not found; fix the path "
                "(relative to the root of the GitRepository)",
                doc.file,
                line,
            )
        values.append(path)
    target_namespace = str(spec.get("targetNamespace") or "")
    namespace = target_namespace or own_namespace or "default"
    release = _shortened(
        str(spec.get("releaseName") or (f"{target_namespace}-{name}" if target_namespace else name))
    )
    for key in ("postRenderers",):
        if spec.get(key):
            note(("spec", key), f"spec.{key} is not applied; the rendering may differ from Flux's")
    sets: list[tuple[str, Any]] = []
    lines: list[int | None] = []
    inputs = [Path(doc.file)]
    for index, reference in enumerate(spec.get("valuesFrom") or []):
        found_sets = _values_from(reference, own_namespace, stores, doc, index, note, inputs)
        sets += found_sets
        lines += [doc.line_of(("spec", "valuesFrom", index))] * len(found_sets)
    inline = spec.get("values")
    if isinstance(inline, dict):
        for keys, step, value in leaf_items(inline):
            sets.append((step, value))
            lines.append(doc.line_of(("spec", "values", *keys)))
    found.sources.append(
        HelmSource(
            name=name,
            file=Path(doc.file),
            line=doc.line_of(()),
            chart=chart,
            release=release,
            namespace=namespace,
            values=tuple(values),
            set=tuple(sets),
            set_lines=tuple(lines),
            inputs=tuple(dict.fromkeys(inputs)),
            include_crds=(spec.get("install") or {}).get("crds") != "Skip"
            if isinstance(spec.get("install"), dict)
            else True,
        )
    )


def _values_from(
    reference: Any,
    namespace: str,
    stores: dict[tuple[str, str, str], tuple[dict[str, str], Path]],
    doc: Located,
    index: int,
    note: Any,
    inputs: list[Path],
) -> list[tuple[str, Any]]:
    where = ("spec", "valuesFrom", index)
    if not isinstance(reference, dict) or reference.get("kind") not in ("ConfigMap", "Secret"):
        note(where, "a valuesFrom entry that is not a ConfigMap or Secret; skipped")
        return []
    kind, ref_name = str(reference["kind"]), str(reference.get("name", ""))
    stored = stores.get((kind, namespace, ref_name))
    if stored is None:
        note(
            where,
            f"valuesFrom {kind} {ref_name!r} is not committed under this folder (only the "
            "cluster has it); rendered without it",
        )
        return []
    entries, source = stored
    inputs.append(source)
    key = str(reference.get("valuesKey") or "values.yaml")
    if key not in entries:
        note(where, f"{kind} {ref_name!r} has no key {key!r}; rendered without it")
        return []
    text = entries[key]
    target_path = reference.get("targetPath")
    if target_path:
        # As helm-controller sets it: a quoted value is text, any other typed as --set.
        quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
        return [(str(target_path), text[1:-1] if quoted else typed_as_set(text))]
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError:
        raise GateError(
            f"{kind} {ref_name!r}, key {key!r}: not YAML values; fix it",
            doc.file,
            doc.line_of(where),
        ) from None
    if values is None:
        return []
    if not isinstance(values, dict):
        raise GateError(
            f"{kind} {ref_name!r}, key {key!r}: values must be a mapping",
            doc.file,
            doc.line_of(where),
        )
    return list(leaf_sets(values))
