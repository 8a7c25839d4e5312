"""The documentation of every rule a run can report: the loaded policies (the built-in
pack and the repository's own) and the checks' rules (schema-*, values-*, golden-*,
render-failed, exemption-*). Formats that describe their rules (SARIF's rule metadata,
which GitHub code scanning shows beside each alert) print these; they compute nothing.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from gate.checks import CHECK_RULES
from gate.checks.policies.model import Policy
from gate.checks.policies.packs import builtin_policy_dir
from gate.model import Category, RuleDoc
from gate.repository import Fence

# The checks' own rules: what each finds and the page of docs/ that says more. The
# titles are CHECK_RULES' (what `gate explain` and overrides know them by).
CHECK_DOCS: dict[str, tuple[str, str]] = {
    "schema-invalid": (
        "The Kubernetes schema of the object's kind, for the target Kubernetes version "
        "(helm.kube_version), rejects the object: a field the schema does not have (the API "
        "server drops it, or kubectl's strict validation refuses it), a wrong type, a value "
        "outside an enum, a missing required field. The message names the field and, for a "
        "misspelt one, the field meant.",
        "docs/schema.md",
    ),
    "schema-deprecated-api": (
        "The object's apiVersion is no longer served by the target Kubernetes version: the "
        "cluster refuses it. The message names the version that removed it and the "
        "apiVersion to use instead.",
        "docs/schema.md",
    ),
    "schema-api-removal-pending": (
        "The object's apiVersion is still served by the target Kubernetes version, but a "
        "later version stops serving it, and the target version already serves its "
        "replacement: move now, while both work. The message names the version that "
        "removes it and the apiVersion to use.",
        "docs/schema.md",
    ),
    "schema-unknown-kind": (
        "gate has no schema for the object's kind: neither a built-in kind nor one described "
        "by a CRD the chart renders or gate.yaml lists under schemas.crds. The object is not "
        "validated. An error instead of a warning with schemas.strict: true.",
        "docs/schema.md#custom-resources",
    ),
    "values-unknown-key": (
        "A values file (or a `set` entry) sets a key that no chart or subchart declares or "
        "reads, so helm ignores it without a word: the incident's probe settings nested one "
        "level too high. The finding points at the key's line in the values file and names "
        "the path most likely meant.",
        "docs/values.md#known-paths",
    ),
    "values-no-effect": (
        "Removing the key from the profile's values leaves the rendering unchanged: a setting "
        "under a disabled feature, a key a later file sets again, or (info) a key equal to "
        "the chart's default.",
        "docs/values.md#no-effect",
    ),
    "golden-drift": (
        "Today's rendering differs from the committed golden file: an object was added, "
        "removed or changed. The message lists every change as `path: old → new`; review it, "
        "then run `gate golden update` and commit the golden file if the change is meant.",
        "docs/golden.md#drift",
    ),
    "golden-missing": (
        "A target and profile have no golden file yet; write it with `gate golden update` "
        "and commit it, so that reviewers see what reaches the cluster.",
        "docs/golden.md#drift",
    ),
    "golden-stale": (
        "A golden file whose target or profile gate.yaml no longer renders; gate never "
        "deletes a file it did not render, so delete it.",
        "docs/golden.md#drift",
    ),
    "golden-nondeterministic": (
        "Values that differ between two renderings of the same inputs (random passwords, "
        "checksums of them) are masked as <nondeterministic> in the golden file; the finding "
        "lists them, so nothing is hidden silently.",
        "docs/golden.md#values-that-change-on-every-render",
    ),
    "render-failed": (
        "helm could not render the chart with this profile's values (a template error, a "
        "values.schema.json refusal, a missing dependency), so the rest of the gate could "
        "not run for it: exit 2. The message carries helm's whole error; the file and line "
        "are the template or schema helm blames.",
        "docs/reports.md#render-failed-helms-whole-error",
    ),
    "exemption-expired": (
        "An exemption in gate.yaml is past its expires date, so it no longer applies and the "
        "findings it covered fail the gate again: fix them, or renew the exemption with a "
        "new date and reason.",
        "docs/configuration.md#exemptions",
    ),
    "exemption-unused": (
        "An exemption in gate.yaml matched no finding in a run that rendered its target and "
        "profile: remove it, so that stale exemptions do not pile up.",
        "docs/configuration.md#exemptions",
    ),
    "discovery-unsupported": (
        "A source gate.yaml `discover:` reads (an Argo CD Application) asks for something "
        "gate cannot render offline as the deployer does: a chart from a remote "
        "repository, a file parameter, its own Kubernetes version, an ApplicationSet. The "
        "message names the file and line and what gate did instead (skipped it, or "
        "rendered without it).",
        "docs/discovery.md",
    ),
    "suppression-without-reason": (
        "A `gate.dev/ignore.<rule>` annotation on a rendered object has no reason (its "
        "value is empty): it suppresses nothing until it says why, since the reason is what "
        "every report shows a reviewer.",
        "docs/policies.md#suppressing-a-rule-on-one-object",
    ),
    "suppression-unknown-rule": (
        "A `gate.dev/ignore.<rule>` annotation names a rule id gate does not know (a typo, "
        "or a policy that was removed), so it suppresses nothing.",
        "docs/policies.md#suppressing-a-rule-on-one-object",
    ),
}


# pyproject's [project] name.
DISTRIBUTIONS = ("rendered-manifest-gate",)


@functools.cache
def documentation_url() -> str:
    """Where gate's own docs/ folder is published, when the installed package says so
    (its `Documentation` project URL, pyproject's [project.urls]); "" otherwise. gate
    never guesses a link: a help link that leads nowhere is worse than none."""
    # The distribution's own name, asked directly: scanning every installed
    # distribution for the one that holds `gate` cost 50 ms on every command.
    for name in DISTRIBUTIONS:
        try:
            urls = importlib.metadata.metadata(name).get_all("Project-URL") or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for entry in urls:
            label, _, url = str(entry).partition(",")
            if label.strip().lower() == "documentation" and url.strip():
                return url.strip().rstrip("/")
    return ""


def blob_url(environ: Mapping[str, str]) -> str:
    """The web address of the checked-out commit's files in GitHub Actions
    (`https://github.com/OWNER/REPO/blob/SHA`), from the variables the runner sets
    (the workflow's, not the repository's); "" elsewhere."""
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    sha = environ.get("GITHUB_SHA", "")
    if not (server.startswith("https://") and repository.count("/") == 1 and sha.isalnum()):
        return ""
    return f"{server}/{repository}/blob/{sha}"


def _builtin(policy: Policy, pack: Path) -> bool:
    return Path(policy.file).resolve().parent == pack


def _page_url(docs: str, base: str) -> str:
    """`docs/schema.md#x` under the published docs folder."""
    return f"{base}/{docs.removeprefix('docs/')}" if base else ""


def rule_docs(
    policies: Sequence[Policy], fence: Fence, environ: Mapping[str, str]
) -> tuple[RuleDoc, ...]:
    """The documentation of every loaded policy and every check rule, by rule id."""
    base, blob = documentation_url(), blob_url(environ)
    pack = builtin_policy_dir().resolve()
    docs: list[RuleDoc] = []
    for policy in policies:
        if _builtin(policy, pack):
            where = f"docs/builtin-policies.md#{policy.id}"
            uri = _page_url(where, base)
        else:
            file = fence.relative(policy.file)
            inside = not Path(file).is_absolute() and not file.startswith("..")
            where = f"{file}:{policy.line}" if policy.line else file
            uri = ""
            if blob and inside:
                uri = f"{blob}/{quote(file)}" + (f"#L{policy.line}" if policy.line else "")
        docs.append(
            RuleDoc(
                policy.id,
                policy.title or policy.id,
                policy.description.strip(),
                policy.severity,
                Category.POLICY,
                where,
                uri,
                policy.params,
            )
        )
    for rule, (category, severity, title) in CHECK_RULES.items():
        description, where = CHECK_DOCS[rule]
        docs.append(
            RuleDoc(rule, title, description, severity, category, where, _page_url(where, base))
        )
    return tuple(sorted(docs, key=lambda doc: doc.id))
