"""Schema check: every object against the schema of its kind for the target version.

Built-in kinds use kubernetes-validate's strict schemas for `helm.kube_version`;
custom resources use their CRDs' schemas; an apiVersion the version no longer
serves is its own finding, naming the replacement; a kind with no schema at all
is `schema-unknown-kind` (a warning, an error with `schemas.strict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gate.checks.locate import Locate
from gate.checks.policies.paths import Concrete, format_path
from gate.checks.schema.compiled import SchemaError
from gate.checks.schema.crds import CustomSchemas, load_crd_objects
from gate.checks.schema.kubernetes import KubernetesSchemas
from gate.checks.schema.removed import is_listed, pending_removal, removal, replacement
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import Category, Finding, RenderedObject, Severity

MAX_ERRORS_PER_OBJECT = 20


def _described(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class SchemaCheck:
    """Validators for one Kubernetes version and a set of CRDs, reused across the run."""

    def __init__(
        self,
        kube_version: str,
        crd_paths: Sequence[Path] = (),
        strict: bool = False,
        limits: Limits = DEFAULT_LIMITS,
    ):
        self.kubernetes = KubernetesSchemas(kube_version)
        self.custom = CustomSchemas(load_crd_objects(crd_paths, limits))
        self.strict = strict

    def check(self, objects: Sequence[RenderedObject], locate: Locate) -> list[Finding]:
        """Findings for `objects`, which come from one rendering (their CRDs count too)."""
        custom = self.custom.with_crds(o for o in objects if o.kind == "CustomResourceDefinition")
        findings: list[Finding] = []
        for obj in objects:
            findings += self._object(obj, custom, locate)
        return findings

    def _finding(
        self,
        obj: RenderedObject,
        rule: str,
        severity: Severity,
        message: str,
        path: Concrete,
        locate: Locate,
    ) -> Finding:
        file, line = locate(obj, path)
        return Finding(
            Category.SCHEMA,
            rule,
            severity,
            message,
            target=obj.target,
            profile=obj.profile,
            object=obj.identity,
            path=format_path(path),
            file=file,
            line=line,
        )

    def _object(self, obj: RenderedObject, custom: CustomSchemas, locate: Locate) -> list[Finding]:
        for field in ("apiVersion", "kind"):
            # `kind: 5`, `kind: [a]` or `kind: null` names no kind, as `kind: ""` does: the
            # API server refuses them all, so none is merely an unknown kind.
            value = obj.body.get(field)
            if not isinstance(value, str) or not value:
                wrong = "" if value in (None, "") else f" ({field} is {_described(value)})"
                return [
                    self._finding(
                        obj,
                        "schema-invalid",
                        Severity.ERROR,
                        f"the object has no {field}{wrong}; set it to a string such as "
                        + ("apps/v1" if field == "apiVersion" else "Deployment"),
                        (field,),
                        locate,
                    )
                ]
        minor = self.kubernetes.minor
        removed_in = removal(obj.api_version, obj.kind, minor)
        if removed_in is not None:
            served = self.kubernetes.api_versions_of(obj.kind)
            instead = replacement(obj.api_version, obj.kind, served)
            advice = (
                f"use {instead}"
                if instead
                else f"Kubernetes {minor} serves no replacement; remove the object"
            )
            return [
                self._finding(
                    obj,
                    "schema-deprecated-api",
                    Severity.ERROR,
                    f"{obj.api_version} {obj.kind} is not served by Kubernetes {minor} "
                    f"(removed in {removed_in}); {advice}",
                    ("apiVersion",),
                    locate,
                )
            ]
        findings = []
        if is_listed(obj.api_version, obj.kind):
            served = self.kubernetes.api_versions_of(obj.kind)
            pending = pending_removal(obj.api_version, obj.kind, minor, served)
            if pending is not None:
                findings.append(
                    self._finding(
                        obj,
                        "schema-api-removal-pending",
                        Severity.WARNING,
                        f"{obj.api_version} {obj.kind} is deprecated: Kubernetes {pending[0]} "
                        f"stops serving it; move to {pending[1]}, which {minor} already serves",
                        ("apiVersion",),
                        locate,
                    )
                )
        check = self.kubernetes.check_for(obj.api_version, obj.kind) or custom.check_for(
            obj.api_version, obj.kind
        )
        if check is None:
            return [self._unknown(obj, custom, locate)]
        errors: list[SchemaError] = []
        check(obj.body, (), errors)
        return findings + [
            self._finding(
                obj,
                "schema-invalid",
                Severity.ERROR,
                f"{format_path(e.path) or 'the object'} {e.message}",
                e.path,
                locate,
            )
            for e in errors[:MAX_ERRORS_PER_OBJECT]
        ]

    def _unknown(self, obj: RenderedObject, custom: CustomSchemas, locate: Locate) -> Finding:
        group = obj.api_version.rpartition("/")[0]
        served = [
            v
            for v in [*self.kubernetes.api_versions_of(obj.kind), *custom.versions_of(obj.kind)]
            if v.rpartition("/")[0] == group
        ]
        if served:  # a known kind under a version its group (or CRD) does not serve
            message = (
                f"Kubernetes {self.kubernetes.minor} serves {obj.kind} as "
                f"{', '.join(served)}, not {obj.api_version}"
            )
            return self._finding(
                obj, "schema-invalid", Severity.ERROR, message, ("apiVersion",), locate
            )
        message = (
            f"no schema for {obj.api_version} {obj.kind}: not a built-in kind of Kubernetes "
            f"{self.kubernetes.minor}, and no CRD for it was rendered or listed under "
            "schemas.crds in gate.yaml"
        )
        severity = Severity.ERROR if self.strict else Severity.WARNING
        return self._finding(obj, "schema-unknown-kind", severity, message, (), locate)
