"""The built-in kinds' schemas, as kubernetes-validate bundles them, compiled once.

kubernetes-validate ships the strict JSON schemas of every Kubernetes minor it
supports (`v1.31.0-local-strict/deployment-apps-v1.json`, with shared
`_definitions.json`). gate reads those files once per version and compiles
each kind's schema the first time an object of that kind is seen; the
compiled validator then serves every object, target and profile of the run.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from gate.checks.schema.compiled import Check, Compiler
from gate.errors import GateError


def _package_folder(name: str) -> Path:
    """Where an installed package lives, found without importing it: importing
    kubernetes-validate imports jsonschema, whose format checkers (rfc3987-syntax
    builds a grammar on import) cost most of a second on every gate command."""
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise GateError(f"the package {name} is not installed; reinstall gate (pip install .)")
    return Path(locations[0]).resolve()


SCHEMAS = _package_folder("kubernetes_validate") / "kubernetes-json-schema"
_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")


@functools.cache
def bundled_versions() -> tuple[str, ...]:
    """`("1.25", ..., "1.37")`: the minors kubernetes-validate has schemas for."""
    found = []
    for folder in SCHEMAS.iterdir():
        match = _VERSION_DIR.match(folder.name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def minor_of(kube_version: str) -> str:
    major, minor, *_ = kube_version.lstrip("v").split(".")
    return f"{int(major)}.{int(minor)}"


def schema_folder(kube_version: str) -> Path:
    minor = minor_of(kube_version)
    if minor not in bundled_versions():
        versions = bundled_versions()
        raise GateError(
            f"there are no Kubernetes schemas for {kube_version} (kubernetes-validate has "
            f"{versions[0]} to {versions[-1]}); use one of those"
        )
    return SCHEMAS / f"v{minor}.0-local-strict"


def _schema_file(api_version: str, kind: str) -> str:
    # rbac.authorization.k8s.io/v1 -> rbac-v1; v1 -> v1 (kubernetes-validate's naming)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


class KubernetesSchemas:
    """Compiled validators for one Kubernetes minor, built on first use."""

    def __init__(self, kube_version: str):
        self.folder = schema_folder(kube_version)
        self.minor = minor_of(kube_version)
        self._compiler: Compiler | None = None
        self._checks: dict[tuple[str, str], Check | None] = {}
        self._served: dict[str, list[str]] = {}

    @property
    def compiler(self) -> Compiler:
        if self._compiler is None:
            definitions = json.loads((self.folder / "_definitions.json").read_text("utf-8"))
            self._compiler = Compiler(definitions.get("$defs", {}))
        return self._compiler

    def check_for(self, api_version: str, kind: str) -> Check | None:
        """The validator of a built-in kind, or None when this version has no schema."""
        key = (api_version, kind)
        if key not in self._checks:
            file = self.folder / _schema_file(api_version, kind)
            schema = _load(file)
            if schema is not None and _kind_matches(schema, api_version, kind):
                self._checks[key] = self.compiler.compile(schema, root=True)
            else:
                self._checks[key] = None
        return self._checks[key]

    def api_versions_of(self, kind: str) -> list[str]:
        """The apiVersions this Kubernetes version serves `kind` under."""
        known = self._served.get(kind)
        if known is None:
            known = self._served[kind] = self._read_api_versions(kind)
        return list(known)

    def _read_api_versions(self, kind: str) -> list[str]:
        served = []
        for file in self.folder.glob(f"{kind.lower()}-*.json"):
            schema = _load(file)
            for gvk in (schema or {}).get("x-kubernetes-group-version-kind", []):
                if gvk.get("kind") == kind:
                    group = gvk.get("group", "")
                    served.append(f"{group}/{gvk['version']}" if group else gvk["version"])
        return sorted(set(served))


def _load(file: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _kind_matches(schema: dict[str, Any], api_version: str, kind: str) -> bool:
    """The file name folds the group's domain away; make sure it is this group's kind."""
    group, _, version = api_version.rpartition("/")
    for gvk in schema.get("x-kubernetes-group-version-kind", []):
        if gvk.get("kind") == kind and gvk.get("version") == version and gvk.get("group") == group:
            return True
    return not schema.get("x-kubernetes-group-version-kind")


@functools.cache
def builtin_kinds(kube_version: str) -> tuple[str, ...]:
    """`group/version/Kind` of every built-in kind the version serves (`apps/v1/Deployment`,
    `v1/Service`): what a real cluster answers to `.Capabilities.APIVersions.Has`."""
    definitions = json.loads((schema_folder(kube_version) / "_definitions.json").read_text("utf-8"))
    found = set()
    for schema in definitions.get("$defs", {}).values():
        for gvk in (
            schema.get("x-kubernetes-group-version-kind", []) if isinstance(schema, dict) else []
        ):
            group, version, kind = gvk.get("group", ""), gvk.get("version"), gvk.get("kind")
            if version and kind and not kind.endswith("List"):
                found.add(f"{group}/{version}/{kind}" if group else f"{version}/{kind}")
    return tuple(sorted(found))
