"""Schemas for custom resources, from CustomResourceDefinitions.

A CRD rendered by the chart itself (helm's --include-crds) or listed under
`schemas.crds` in gate.yaml gives each served version's `openAPIV3Schema`.
Those are structural schemas: a field they do not list is pruned by the API
server (and refused by kubectl's strict field validation), unless
`x-kubernetes-preserve-unknown-fields` keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gate.checks.schema.compiled import Check, Compiler
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import RenderedObject
from gate.split import SplitError, StreamContext, split_stream

Key = tuple[str, str]  # (apiVersion, kind)


def crd_schemas(body: Mapping[str, Any]) -> dict[Key, Mapping[str, Any]]:
    """(group/version, kind) -> openAPIV3Schema for every served version of a CRD."""
    spec = body.get("spec") if isinstance(body.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    group = spec.get("group")
    kind = (spec.get("names") or {}).get("kind") if isinstance(spec.get("names"), Mapping) else None
    if not isinstance(group, str) or not isinstance(kind, str):
        return {}
    found: dict[Key, Mapping[str, Any]] = {}
    shared = (spec.get("validation") or {}).get("openAPIV3Schema")  # apiextensions v1beta1
    for version in spec.get("versions") or [{"name": spec.get("version"), "served": True}]:
        if not isinstance(version, Mapping) or version.get("served") is False:
            continue
        schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or shared
        if isinstance(version.get("name"), str) and isinstance(schema, Mapping):
            found[(f"{group}/{version['name']}", kind)] = schema
    return found


def crd_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
            )
        elif path.is_file():
            files.append(path)
        else:
            raise GateError("CRD file or folder does not exist; fix the `schemas.crds` entry", path)
    return files


def load_crd_objects(
    paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS
) -> list[RenderedObject]:
    """Every CustomResourceDefinition in the files and folders of `schemas.crds`."""
    objects: list[RenderedObject] = []
    for file in crd_files(paths):
        try:
            text = file.read_text(encoding="utf-8")
            found = split_stream(text, StreamContext(file=str(file), limits=limits))
        except SplitError as exc:
            raise GateError(f"CRD file: {exc.message}", file, exc.line) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise GateError(f"CRD file cannot be read ({exc})", file) from None
        objects += [o for o in found if o.kind == "CustomResourceDefinition"]
    return objects


class CustomSchemas:
    """Compiled validators for custom resources, built once per schema."""

    def __init__(self, crds: Iterable[RenderedObject] = ()):
        self._schemas: dict[Key, Mapping[str, Any]] = {}
        self._checks: dict[Key, Check] = {}
        for crd in crds:
            self._schemas.update(crd_schemas(crd.body))

    def with_crds(self, crds: Iterable[RenderedObject]) -> CustomSchemas:
        """These schemas plus those of `crds` (a chart's own rendered CRDs)."""
        crds = list(crds)
        if not crds:
            return self
        combined = CustomSchemas()
        combined._schemas = dict(self._schemas)
        combined._checks = dict(self._checks)
        for crd in crds:
            rendered = crd_schemas(crd.body)
            combined._schemas.update(rendered)
            for key in rendered:  # the chart's own CRD replaces a listed one's validator
                combined._checks.pop(key, None)
        return combined

    def versions_of(self, kind: str) -> list[str]:
        """The apiVersions the known CRDs serve `kind` under."""
        return sorted(api_version for api_version, known in self._schemas if known == kind)

    def check_for(self, api_version: str, kind: str) -> Check | None:
        key = (api_version, kind)
        if key not in self._checks:
            schema = self._schemas.get(key)
            if schema is None:
                return None
            self._checks[key] = Compiler(closed_by_default=True).compile(schema, root=True)
        return self._checks[key]
