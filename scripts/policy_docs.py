#!/usr/bin/env python3
"""Write docs/builtin-policies.md and docs/packs/<pack>.md from the policy files themselves.

The built-in pack and every opt-in pack under policies/packs/ document
themselves: each policy's title, description, parameters and its passing and
failing example objects. A pack's page opens with its folder's README.md. A
test checks that the committed pages match, so the docs never drift from the
policies.

Usage: policy_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Policy
from gate.checks.policies.packs import PACK_INCLUDES, available_packs, builtin_policy_dir, packs_dir
from gate.normalize import dump_body

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGE = DOCS / "builtin-policies.md"
PACK_PAGES = DOCS / "packs"


def _policy_section(policy: Policy, source: str, link: str) -> list[str]:
    """One policy: `source` is the file as the page names it, `link` its path from the page."""
    switched = "" if policy.enabled else " · **off by default**"
    lines = [
        f"## `{policy.id}`",
        "",
        f"**{policy.title}** · severity `{policy.severity.value}`{switched} · [`{source}`]({link})",
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
        name = Path(policy.file).name
        lines += _policy_section(policy, f"policies/{name}", f"../policies/{name}")
    return "\n".join(lines).rstrip() + "\n"


def render_pack_page(name: str) -> str:
    folder = packs_dir() / name
    policies = sorted(load_policies([folder], builtin=False), key=lambda p: p.id)
    readme = folder / "README.md"
    intro = readme.read_text(encoding="utf-8").strip() if readme.is_file() else ""
    lines = [
        f"# Policy pack `{name}`",
        "",
        f"Generated from `policies/packs/{name}/` by `scripts/policy_docs.py`;",
        "do not edit by hand. Every example below is run by the test suite.",
        "See [packs.md](../packs.md) for what packs are and",
        "[pack-mapping.md](../pack-mapping.md) for the nearest checkov and kube-linter checks.",
        "",
    ]
    if intro:
        lines += [intro, ""]
    lines += [
        "## Enabling",
        "",
        "Name the pack in gate.yaml:",
        "",
        "```yaml",
        f"packs: [{name}]",
        "```",
        "",
        *(
            [f"Naming it also loads {', '.join(f'`{b}`' for b in PACK_INCLUDES[name])}.", ""]
            if PACK_INCLUDES.get(name)
            else []
        ),
        "Tune a policy with gate.yaml `overrides` (`params`, `severity`, `enabled`) for the",
        "targets and profiles you name, or accept a finding with an `exemptions` entry.",
        "",
    ]
    off = [p for p in policies if not p.enabled]
    if off:
        first = off[0].id
        lines += [
            "Policies marked *off* have `enabled: false`: they load with the pack and report",
            "nothing until an override turns them on for the profiles you name:",
            "",
            "```yaml",
            "overrides:",
            *(f'  - {{rule: {p.id}, profile: "prod*", enabled: true}}' for p in off),
            "```",
            "",
            f"A later override wins, so `{{rule: {first}, target: tools, enabled: false}}`",
            "after those switches it off again for one target.",
            "",
        ]
    lines += [
        "| id | severity | default | title |",
        "| --- | --- | --- | --- |",
        *(
            f"| [`{p.id}`](#{p.id}) | {p.severity.value} | {'on' if p.enabled else 'off'} "
            f"| {p.title} |"
            for p in policies
        ),
        "",
    ]
    for policy in policies:
        source = f"policies/packs/{name}/{Path(policy.file).name}"
        lines += _policy_section(policy, source, f"../../{source}")
    return "\n".join(lines).rstrip() + "\n"


def pages() -> dict[Path, str]:
    """Every generated page and its content."""
    out = {PAGE: render_page()}
    for name in available_packs():
        out[PACK_PAGES / f"{name}.md"] = render_pack_page(name)
    return out


def main() -> None:
    wanted = pages()
    stale = sorted(
        p for p in (PACK_PAGES.glob("*.md") if PACK_PAGES.is_dir() else []) if p not in wanted
    )
    if "--check" in sys.argv:
        problems = [
            f"{page} is out of date with {builtin_policy_dir() if page == PAGE else packs_dir()}"
            for page, text in wanted.items()
            if not page.exists() or page.read_text(encoding="utf-8") != text
        ]
        problems += [f"{page} documents a pack that no longer exists" for page in stale]
        if problems:
            sys.exit("; ".join(problems) + ": run scripts/policy_docs.py")
        return
    PACK_PAGES.mkdir(exist_ok=True)
    for page, text in wanted.items():
        page.write_text(text, encoding="utf-8")
        print(page)
    for page in stale:
        page.unlink()
        print(f"removed {page}")


if __name__ == "__main__":
    main()
