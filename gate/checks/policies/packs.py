"""Where gate's own policies live: the built-in pack, always loaded unless gate.yaml says
`builtin_policies: false`, and the opt-in packs gate.yaml names under `packs:`.

The built-in pack is the repository's `policies/` (an installed wheel carries it as
`gate/_builtin_policies`); each opt-in pack is a folder of it, `policies/packs/<name>/`,
written in the same policy language as a user's own files.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN = "built-in"  # Policy.pack of the built-in pack's policies
# Enabling a pack enables the packs it builds on: the Restricted level of the Pod Security
# Standards is Baseline plus its own controls, and its folder holds only those.
PACK_INCLUDES: dict[str, tuple[str, ...]] = {
    "pod-security-restricted": ("pod-security-baseline",),
}


def builtin_policy_dir() -> Path:
    """The built-in pack: inside an installed wheel, or the repository's policies/."""
    package = Path(__file__).resolve().parents[2]
    bundled = package / "_builtin_policies"
    return bundled if bundled.is_dir() else package.parent / "policies"


def packs_dir() -> Path:
    return builtin_policy_dir() / "packs"


def available_packs() -> tuple[str, ...]:
    """The names gate.yaml `packs:` accepts, sorted."""
    folder = packs_dir()
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))


def pack_closure(names: tuple[str, ...]) -> tuple[str, ...]:
    """The packs to load for `names`: each with the packs it builds on first, once."""
    ordered: list[str] = []

    def add(name: str) -> None:
        for base in PACK_INCLUDES.get(name, ()):
            add(base)
        if name not in ordered:
            ordered.append(name)

    for name in names:
        add(name)
    return tuple(ordered)
