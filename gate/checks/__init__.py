"""The checks: each takes rendered objects (or values) and returns findings."""

from __future__ import annotations

from gate.model import Category, Severity

# Rule ids produced by the checks themselves rather than by policy files;
# gate.yaml `overrides` and `exemptions` may name them like any policy.
CHECK_RULES: dict[str, tuple[Category, Severity, str]] = {
    "schema-invalid": (Category.SCHEMA, Severity.ERROR, "the Kubernetes schema rejects the object"),
    "schema-deprecated-api": (
        Category.SCHEMA,
        Severity.ERROR,
        "the apiVersion is no longer served by the target version",
    ),
    "schema-api-removal-pending": (
        Category.SCHEMA,
        Severity.WARNING,
        "the apiVersion is deprecated: a later version removes it",
    ),
    "schema-unknown-kind": (Category.SCHEMA, Severity.WARNING, "no schema for this kind"),
    "values-unknown-key": (Category.VALUES, Severity.ERROR, "a values key no chart declares"),
    "values-no-effect": (Category.VALUES, Severity.WARNING, "a values key with no effect"),
    "golden-drift": (Category.GOLDEN, Severity.ERROR, "the rendering differs from the golden file"),
    "golden-missing": (Category.GOLDEN, Severity.ERROR, "no golden file yet"),
    "golden-stale": (Category.GOLDEN, Severity.WARNING, "a golden file nothing renders any more"),
    "golden-nondeterministic": (
        Category.GOLDEN,
        Severity.WARNING,
        "values that differ between two renders, masked",
    ),
    "render-failed": (Category.RENDER, Severity.ERROR, "helm could not render"),
    "exemption-expired": (Category.EXEMPTION, Severity.ERROR, "an exemption past its expiry"),
    "exemption-unused": (Category.EXEMPTION, Severity.WARNING, "an exemption that matched nothing"),
    "discovery-unsupported": (
        Category.VALUES,
        Severity.WARNING,
        "a deployment setting gate cannot render as the deployer does",
    ),
    "suppression-without-reason": (
        Category.POLICY,
        Severity.ERROR,
        "a gate.dev/ignore annotation with no reason",
    ),
    "suppression-unknown-rule": (
        Category.POLICY,
        Severity.WARNING,
        "a gate.dev/ignore annotation naming no known rule",
    ),
}
