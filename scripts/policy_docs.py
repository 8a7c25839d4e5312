#!/usr/bin/env python3
"""Write docs/builtin-policies.md from the policy files themselves.

The built-in pack documents itself: each policy's title, description,
parameters and its passing and failing example objects. A test checks that
the committed page matches, so the docs never drift from the pack.

Usage: policy_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Policy
from gate.checks.policies.packs import builtin_policy_dir
from gate.normalize import dump_body

PAGE = Path(__file__).resolve().parent.parent / "docs" / "builtin-policies.md"


def _policy_section(policy: Policy) -> list[str]:
    source = Path(policy.file).name
    lines = [
        f"## `{policy.id}`",
        "",
        f"**{policy.title}** · severity `{policy.severity.value}` · [`policies/{source}`]"
        f"(../policies/{source})",
        "",
        policy.description.strip(),
        "",
    ]
    if policy.params:
        params = ", ".join(f"`{name}` = `{value}`" for name, value in policy.params)
        lines += [f"Parameters (override per target or profile in gate.yaml): {params}.", ""]
    for passes, label in ((True, "Passes"), (False, "Fails")):
        for example in (e for e in policy.examples if e.passes is passes):
            lines += [f"{label}:", "", "```yaml", dump_body(example.body).rstrip(), "```", ""]
    return lines


def render_page() -> str:
    policies = load_policies([], builtin=True)
    lines = [
        "# The built-in policy pack",
        "",
        "Generated from the files under `policies/` by `scripts/policy_docs.py`;",
        "do not edit by hand. Every example below is run by the test suite.",
        "",
        "| id | severity | title |",
        "| --- | --- | --- |",
        *(f"| `{p.id}` | {p.severity.value} | {p.title} |" for p in policies),
        "",
    ]
    for policy in policies:
        lines += _policy_section(policy)
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    page = render_page()
    if "--check" in sys.argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != page:
            sys.exit(
                f"{PAGE} is out of date with {builtin_policy_dir()}: run scripts/policy_docs.py"
            )
        return
    PAGE.write_text(page, encoding="utf-8")
    print(PAGE)


if __name__ == "__main__":
    main()
