"""Compare today's normalized rendering with the golden file, in Kubernetes terms.

Objects are matched by identity and compared by digest: a golden object is
parsed only when no verified digest of it is kept (gate/golden_cache.py), and
walked only when its digest differs from today's, so a large rendering with a
few changes costs little, and nothing is taken on trust from a cache. List items
that carry a `name` (containers, env, ports, volumes) are matched by name
rather than position, so a change reads
`spec.template.spec.containers[backstage].image`, and inserting a container does
not make every later one look changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.checks.policies.paths import format_path
from gate.golden_files import GoldenFile, GoldenObject
from gate.model import Category, Finding, RenderedObject, Severity, one_line, short_identity
from gate.normalize import digest, keyed

NOT_SET = object()


class Named(str):
    """A list item matched by its `name`; printed as `[name]`."""

    __slots__ = ()


@dataclass(frozen=True)
class Change:
    path: tuple[str | int, ...]
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{_path(self.path)}: {_value(self.old)} → {_value(self.new)}"


def _path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, Named):
            out += f"[{one_line(part)}]"
        else:
            out += format_path((part,)) if not out else _step(part)
    return out


def _step(part: str | int) -> str:
    formatted = format_path(("x", part))
    return formatted[1:]


def _value(value: Any) -> str:
    """A value as a change line shows it: scalars whole (a digest differs at its end),
    maps and lists as compact JSON, cut when long."""
    if value is NOT_SET:
        return "(unset)"
    if isinstance(value, str):
        text = json.dumps(value) if ("\n" in value or value.strip() != value) else value
        return one_line(text if len(text) <= 200 else text[:197] + "...")
    text = json.dumps(value, sort_keys=True, default=str)
    return one_line(text if len(text) <= 100 else text[:97] + "...")


def by_name(value: Any) -> Any:
    """Lists whose items all have distinct names become mappings keyed by name."""
    if isinstance(value, dict):
        return {key: by_name(item) for key, item in value.items()}
    if isinstance(value, list):
        names = [i.get("name") for i in value if isinstance(i, dict)]
        if (
            value
            and len(names) == len(value)
            and all(isinstance(n, str) for n in names)
            and len(set(names)) == len(names)
        ):
            return {Named(i["name"]): by_name(i) for i in value}
        return [by_name(item) for item in value]
    return value


def changes(old: Any, new: Any) -> list[Change]:
    """Every changed, added and removed value from `old` to `new`."""
    found: list[Change] = []
    _diff(by_name(old), by_name(new), (), found)
    return sorted(found, key=lambda c: _path(c.path))


def _diff(old: Any, new: Any, path: tuple[str | int, ...], found: list[Change]) -> None:
    """Mappings key by key and lists index by index, down to the values that differ; a
    value of another type (1 and "1", 1 and 1.0, a map and a list) is one change."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key in new:
                _diff(old[key], new[key], (*path, key), found)
            else:
                found.append(Change((*path, key), old[key], NOT_SET))
        found.extend(Change((*path, key), NOT_SET, new[key]) for key in new if key not in old)
    elif isinstance(old, list) and isinstance(new, list):
        for index, (before, after) in enumerate(zip(old, new, strict=False)):
            _diff(before, after, (*path, index), found)
        found.extend(Change((*path, i), old[i], NOT_SET) for i in range(len(new), len(old)))
        found.extend(Change((*path, i), NOT_SET, new[i]) for i in range(len(old), len(new)))
    elif type(old) is not type(new) or old != new:
        found.append(Change(path, old, new))


def _changes(now: RenderedObject, then: GoldenObject, known: str | None) -> list[Change]:
    """What changed from the golden object to today's. A verified digest of the golden
    object (gate/golden_cache.py) spares parsing it; else it is parsed once, and equal
    digests (canonical JSON: 1, 1.0 and "1" differ) spare the walk. Parsing is cheaper
    than writing today's object as YAML to compare texts."""
    today = digest(now.body)
    if known is not None and today == known:
        return []
    old = then.body()
    if known is None and digest(old) == today:
        return []
    return changes(old, now.body)


def compare(
    objects: Sequence[RenderedObject],
    golden: GoldenFile,
    target: str,
    profile: str,
    known: Mapping[str, str] | None = None,
) -> list[Finding]:
    """One golden-drift finding per added, removed or changed object. `known` holds
    verified digests of the golden objects (gate/golden_cache.py), when there are."""
    today = dict(keyed(objects))
    findings: list[Finding] = []
    file = str(golden.path)

    def drift(
        kind: str, identity: str, message: str, path: str = "", line: int | None = None
    ) -> Finding:
        return Finding(
            Category.GOLDEN,
            "golden-drift",
            Severity.ERROR,
            message,
            target=target,
            profile=profile,
            object=identity,
            path=path,
            file=file,
            line=line,
            drift=kind,
        )

    for identity in sorted(set(today) | set(golden.objects)):
        now, then = today.get(identity), golden.objects.get(identity)
        if then is None:
            findings.append(
                drift(
                    "added",
                    identity,
                    f"{short_identity(identity)} is added: not in the golden file",
                )
            )
        elif now is None:
            findings.append(
                drift(
                    "removed",
                    identity,
                    f"{short_identity(identity)} is removed: no longer rendered",
                    line=then.line,
                )
            )
        else:
            found = _changes(now, then, (known or {}).get(identity))
            if found:
                lines = "\n".join(change.describe() for change in found)
                findings.append(drift("changed", identity, lines, _path(found[0].path), then.line))
    return findings


def missing(path: Path, target: str, profile: str) -> Finding:
    return Finding(
        Category.GOLDEN,
        "golden-missing",
        Severity.ERROR,
        f"no golden file yet for {target}/{profile}; write it with `gate golden update {target}` "
        "and commit it",
        target=target,
        profile=profile,
        file=str(path),
    )


def stale(path: Path, target: str, profile: str) -> Finding:
    return Finding(
        Category.GOLDEN,
        "golden-stale",
        Severity.WARNING,
        f"golden file for {target}/{profile}, which gate.yaml no longer renders; delete it",
        target=target,
        profile=profile,
        file=str(path),
    )


def nondeterministic(
    masked: dict[str, tuple[tuple[str | int, ...], ...]], target: str, profile: str, file: Path
) -> Finding:
    fields = [
        f"{short_identity(identity)} {format_path(path)}"
        for identity, paths in masked.items()
        for path in paths
    ]
    shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
    return Finding(
        Category.GOLDEN,
        "golden-nondeterministic",
        Severity.WARNING,
        f"{len(fields)} {'value differs' if len(fields) == 1 else 'values differ'} between two "
        f"renderings of the same inputs and {'is' if len(fields) == 1 else 'are'} masked as "
        f"<nondeterministic> in the golden file: {shown}",
        target=target,
        profile=profile,
        file=str(file),
    )
