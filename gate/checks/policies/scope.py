"""Which objects gate's own policies (the built-in pack and the opt-in packs) look at.

A helm test hook (`helm.sh/hook: test`) is created only by `helm test`: `helm install`,
`helm upgrade` and Argo CD never create it, so a workload rule on it is noise about
nothing that runs in production. gate's own policies skip such objects unless gate.yaml
says `helm_tests: check`; the repository's own policies still see them, and the reports
count what was skipped (docs/policies.md, "What gate's own policies skip").
"""

from __future__ import annotations

from gate.checks.policies.model import Policy
from gate.model import RenderedObject

HOOK_ANNOTATION = "helm.sh/hook"
# helm 3 and 4 run `test`; `test-success` is helm 2's name that both still accept, and
# `test-failure` helm 2's other phase.
TEST_PHASES = frozenset({"test", "test-success", "test-failure"})
SKIP_REASON = "helm test hook (helm.sh/hook: test): `helm install` never creates it"


def helm_test_hook(obj: RenderedObject) -> bool:
    """Whether the object is a helm test hook: its `helm.sh/hook` annotation, a
    comma-separated list of phases, names a test phase."""
    metadata = obj.body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    hooks = annotations.get(HOOK_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(hooks, str):
        return False
    # helm reads each phase trimmed and lower-cased: `Test` is a test hook too.
    return any(phase.strip().lower() in TEST_PHASES for phase in hooks.split(","))


def skips_helm_tests(policy: Policy, obj: RenderedObject) -> bool:
    """Whether `policy` leaves `obj` alone because it is gate's own and `obj` a test hook."""
    return policy.pack is not None and helm_test_hook(obj)
