"""A policy's shipped examples as renderings: what the tests run, `gate explain` and the
generated docs show.

An example is one object, or a `kind: List` whose items are a whole rendering (how a
policy that relates objects, such as `selects`, shows a passing case). A pass example
has no finding of its policy on any object; a fail example has one.
"""

from __future__ import annotations

from typing import Any

from gate.checks.policies.engine import check_policies
from gate.checks.policies.model import Example, Policy
from gate.model import Finding, RenderedObject

EXAMPLE_TARGET, EXAMPLE_PROFILE = "example", "example"


def _rendered(body: dict[str, Any]) -> RenderedObject:
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    return RenderedObject(
        target=EXAMPLE_TARGET,
        profile=EXAMPLE_PROFILE,
        api_version=str(body.get("apiVersion", "")),
        kind=str(body.get("kind", "")),
        namespace=str(metadata.get("namespace", "") or ""),
        name=str(metadata.get("name", "") or ""),
        body=body,
        source="example",
    )


def example_objects(example: Example) -> list[RenderedObject]:
    body = example.body
    if body.get("kind") == "List" and isinstance(body.get("items"), list):
        return [_rendered(item) for item in body["items"] if isinstance(item, dict)]
    return [_rendered(body)]


def example_findings(policy: Policy, example: Example) -> list[Finding]:
    """The findings of `policy` on the example's rendering, with the policy's defaults."""
    return check_policies([policy], example_objects(example))


def example_holds(policy: Policy, example: Example) -> bool:
    """Whether the example shows what it says: a pass passes, a fail fails."""
    return (
        not example_findings(policy, example)
        if example.passes
        else bool(example_findings(policy, example))
    )
