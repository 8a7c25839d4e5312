"""Plain data passed between the stages: rendered objects and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    POLICY = "policy"
    SCHEMA = "schema"
    VALUES = "values"
    GOLDEN = "golden"
    RENDER = "render"
    EXEMPTION = "exemption"


# Kinds that never live in a namespace: helm's release namespace does not apply.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)


# Control characters (newlines, escape sequences, line and paragraph separators) as the
# escapes Python writes for them; a tab stays.
_CONTROLS = {
    code: ascii(chr(code))[1:-1]
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
    if code != 0x09
}


def one_line(text: str) -> str:
    """Text from a chart or values file, fit for one line of a message: a newline or an
    escape sequence in it must not start a line of its own in a CI log (`::error ...`
    is a GitHub workflow command) or repaint a terminal."""
    return text.translate(_CONTROLS)


def lines_shown(text: str) -> str:
    """Text of several lines (helm's error message), each line fit for display as
    `one_line` makes it: the line breaks stay, no other control character does."""
    return "\n".join(one_line(line) for line in text.split("\n"))


def short_identity(identity: str) -> str:
    """`apps/v1/Deployment/ns/name` -> `Deployment/ns/name`, as exemptions and people write it."""
    return "/".join(identity.split("/")[-3:]) if identity.count("/") >= 3 else identity


@dataclass(frozen=True)
class ValuesCoverage:
    """How much of one profile's values the values analysis could check: `analysed` of
    the `keys` it sets sit where gate knows which keys a chart takes; the others sit in
    `free_form` subtrees (dotted path, keys set below it), which take any key. `unread`
    names the places where a template hands the whole values to something gate cannot
    follow (`templates/x.yaml:12 toYaml`): only the confirming renders speak for them."""

    keys: int
    analysed: int
    free_form: tuple[tuple[str, int], ...] = ()
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedObject:
    """One Kubernetes object out of a rendered stream.

    `source` is the template as helm names it in its `# Source:` comment
    (`backstage/charts/backstage/templates/deployment.yaml`); `file` is that
    template's path as a user opens it. `line` is the 1-based line of the
    document's first line in the rendered stream.
    """

    target: str
    profile: str
    api_version: str
    kind: str
    namespace: str
    name: str
    body: dict[str, Any] = field(compare=False, repr=False)
    source: str = ""
    file: str = ""
    doc_index: int = 0
    line: int = 1
    source_index: int = 0  # the how-many-th document rendered from `source`, from 0
    # ... and of its kind: helm sorts a template's documents by kind, so this is the
    # one that maps to the template's documents of that kind, in their order
    kind_index: int = 0

    @property
    def identity(self) -> str:
        """`apps/v1/Deployment/backstage/web`, as in the JSON report."""
        return f"{self.api_version}/{self.kind}/{self.namespace}/{self.name}"

    @property
    def short_identity(self) -> str:
        """`Deployment/backstage/web`, as exemptions and people write it."""
        return short_identity(self.identity)


@dataclass(frozen=True)
class RuleDoc:
    """What a rule checks and where it is documented, for the formats that describe
    their rules (SARIF): gathered before reporting, like every other report datum.

    `docs` names the documentation as a reader finds it: a page of gate's own docs
    (`docs/builtin-policies.md#image-digest-pinned`) or, for a policy of the repository,
    its file and line (`policies/probe-ordering.yaml:3`). `help_uri` is the same as an
    absolute URL, when gate knows one (docs/reports.md, "SARIF")."""

    id: str
    title: str
    description: str
    severity: Severity
    category: Category
    docs: str
    help_uri: str = ""
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Finding:
    """One thing a check found, wherever it came from."""

    category: Category
    rule: str
    severity: Severity
    message: str
    target: str = ""
    profile: str = ""
    object: str = ""
    path: str = ""
    file: str = ""
    line: int | None = None
    suggestion: str | None = None
    exempted: str | None = None  # the exemption's reason when one applies
    # The reason of a `gate.dev/ignore.<rule>` annotation on the object (gate/checks/
    # suppressions.py): shown, but not counted.
    suppressed: str | None = None
    drift: str | None = None  # golden-drift: "added", "removed" or "changed"
    # Recorded in the baseline file `gate check --baseline` was given (gate/baseline.py):
    # shown, but not counted.
    baselined: bool = False
    # `path` with each list item that has a name written by that name
    # (`containers[name=web]`), not its index: how a baseline knows the finding again
    # after a container is added above it. "" when the path holds no such item.
    named_path: str = ""

    @property
    def counted(self) -> bool:
        """Whether it counts towards the verdict: not exempted, suppressed or baselined."""
        return self.exempted is None and self.suppressed is None and not self.baselined

    @property
    def fails_gate(self) -> bool:
        return self.severity is Severity.ERROR and self.counted
