"""`gate report merge`: the JSON reports of several shards as one report, one exit code.

Each shard of a CI matrix writes `--format json:PATH`; a last job merges them. The
merged report is the report one unsharded run would have written: the findings and
runs of every shard, counted and judged again (gate/verdict.py), in the same order.

What a merge refuses, each with one sentence and exit 2:

- a file that is missing, too big, not JSON or not a gate report: a shard that could
  not run at all (a bad gate.yaml, no helm) writes no report, and its absence must not
  pass for a green shard;
- reports of different versions, or of a version this gate does not read;
- two reports that checked the same target and profile (a shard given twice, or shards
  of overlapping selections);
- shards cut from different selections (their `shard.selection` digests differ), a
  shard missing from its set, or a set whose runs do not add up to the pairs it was cut
  from;
- a report whose own findings do not give the verdict it records (edited, or written
  by a gate that judges otherwise).

A shard whose helm failed to render carries `render-failed` findings; the merged report
keeps them, so its exit code is 2, as the unsharded run's would be.

Findings that are not about one pair are found alike by every shard: `golden-stale`
(a golden file no target renders) and `exemption-expired` appear once. An exemption
counts as unused only when no shard used it: `exemption-unused` is kept when every
shard whose pairs the exemption names reported it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from gate.baseline import BaselineStatus, Entry, Stale
from gate.changes import ChangedSince, Pick
from gate.errors import GateError
from gate.limits import MiB
from gate.model import Category, Finding, Severity, ValuesCoverage
from gate.report import Report, RunLine
from gate.shards import Shard
from gate.verdict import build_report

VERSION = 1
MAX_BYTES = 256 * MiB
# Found alike by every shard, whatever pairs it checked.
_SHARED_RULES = frozenset({"golden-stale", "exemption-expired", "exemption-unused"})


@dataclass(frozen=True)
class Loaded:
    """One report file, read back."""

    file: str
    report: Report
    passed: bool  # as the file says


class _Bad(Exception):
    """A field of a report that is not what gate writes."""


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int,))):
        raise _Bad(f"{where}{key} is {json.dumps(value)[:60]}")
    return value


def _optional(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    return None if data.get(key) is None else _get(data, key, kind, where)


def _finding(data: Any, where: str) -> Finding:
    if not isinstance(data, dict):
        raise _Bad(f"{where} is not an object")
    category, severity = _get(data, "category", str, where), _get(data, "severity", str, where)
    try:
        kind, level = Category(category), Severity(severity)
    except ValueError:
        raise _Bad(f"{where}category or severity is unknown ({category}, {severity})") from None
    line = data.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool)):
        raise _Bad(f"{where}line is {json.dumps(line)[:60]}")
    baselined = data.get("baselined", False)
    if not isinstance(baselined, bool):
        raise _Bad(f"{where}baselined is not true or false")
    return Finding(
        kind,
        _get(data, "rule", str, where),
        level,
        _get(data, "message", str, where),
        target=_get(data, "target", str, where),
        profile=_get(data, "profile", str, where),
        object=_get(data, "object", str, where),
        path=_get(data, "path", str, where),
        file=_get(data, "file", str, where),
        line=line,
        suggestion=_optional(data, "suggestion", str, where),
        exempted=_optional(data, "exempted", str, where),
        suppressed=_optional(data, "suppressed", str, where),
        drift=_optional(data, "drift", str, where),
        baselined=baselined,
    )


def _run(data: Any, where: str) -> RunLine:
    if not isinstance(data, dict):
        raise _Bad(f"{where} is not an object")
    values = None
    if isinstance(data.get("values"), dict):
        raw = data["values"]
        free = _get(raw, "free_form", dict, f"{where}values.")
        values = ValuesCoverage(
            keys=_get(raw, "keys", int, f"{where}values."),
            analysed=_get(raw, "analysed", int, f"{where}values."),
            free_form=tuple((str(k), int(v)) for k, v in free.items()),
            unread=tuple(str(u) for u in _get(raw, "unread", list, f"{where}values.")),
        )
    return RunLine(
        _get(data, "target", str, where),
        _get(data, "profile", str, where),
        _get(data, "objects", int, where),
        _get(data, "rendered", bool, where),
        values,
        _optional(data, "picked", str, where),
        skipped=_optional(data, "skipped", int, where) or 0,
    )


def _entry(data: Any, where: str) -> Entry:
    if not isinstance(data, dict):
        raise _Bad(f"{where} is not an object")
    return Entry(
        **{k: _get(data, k, str, where) for k in ("rule", "target", "profile", "object", "path")}
    )


def _extras(document: Mapping[str, Any]) -> dict[str, Any]:
    """The optional parts: fail_on, changed_since, shard, baseline."""
    extras: dict[str, Any] = {}
    fail_on = document.get("fail_on", "error")
    if fail_on not in ("error", "warning"):
        raise _Bad(f"fail_on is {json.dumps(fail_on)[:60]}")
    extras["fail_on"] = Severity(fail_on)
    if isinstance(document.get("shard"), dict):
        raw = document["shard"]
        positions = _get(raw, "positions", list, "shard.")
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in positions):
            raise _Bad("shard.positions holds something other than numbers")
        extras["shard"] = Shard(
            _get(raw, "index", int, "shard."),
            _get(raw, "count", int, "shard."),
            _get(raw, "pairs", int, "shard."),
            _get(raw, "selection", str, "shard."),
            tuple(positions),
        )
    if isinstance(document.get("changed_since"), dict):
        raw = document["changed_since"]
        picked = _get(raw, "picked", dict, "changed_since.")
        extras["changed_since"] = ChangedSince(
            _get(raw, "ref", str, "changed_since."),
            _get(raw, "commit", str, "changed_since."),
            tuple(Pick(str(t), str(r)) for t, r in picked.items()),
            tuple(str(t) for t in _get(raw, "skipped", list, "changed_since.")),
        )
    if isinstance(document.get("baseline"), dict):
        raw = document["baseline"]
        stale = _get(raw, "stale", list, "baseline.")
        extras["baseline"] = BaselineStatus(
            _get(raw, "file", str, "baseline."),
            _get(raw, "accepted", int, "baseline."),
            tuple(
                _entry(e, f"baseline.fixed[{i}].")
                for i, e in enumerate(_get(raw, "fixed", list, "baseline."))
            ),
            tuple(
                Stale(_entry(e, f"baseline.stale[{i}]."), _get(e, "reason", str, ""))
                for i, e in enumerate(stale)
            ),
        )
    return extras


def read(path: Path) -> Loaded:
    """A JSON report as `gate check --format json` wrote it."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise GateError(
            "no such report; the shard that should have written it did not run or stopped "
            "before it wrote one (its log says why)",
            path,
        ) from None
    except OSError as exc:
        raise GateError(f"the report cannot be read ({exc.strerror or exc})", path) from None
    if len(raw) > MAX_BYTES:
        raise GateError(f"the report is larger than {MAX_BYTES // MiB} MiB; is it a report?", path)
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise GateError("the report is not UTF-8 text; pass a gate JSON report", path) from None
    except json.JSONDecodeError as exc:
        raise GateError(
            f"the report is not JSON ({exc.msg}); pass what `--format json:PATH` wrote",
            path,
            exc.lineno,
        ) from None
    except RecursionError:
        raise GateError("the report nests too deep to be a gate report", path) from None
    if not isinstance(document, dict) or "version" not in document:
        raise GateError("not a gate JSON report (it has no version)", path)
    version = document["version"]
    if version != VERSION or isinstance(version, bool):
        raise GateError(
            f"the report is version {json.dumps(version)[:20]}, and this gate reads version "
            f"{VERSION}; merge reports with the gate that wrote them",
            path,
        )
    try:
        findings = [
            _finding(f, f"findings[{i}].")
            for i, f in enumerate(_get(document, "findings", list, ""))
        ]
        runs = [_run(r, f"runs[{i}].") for i, r in enumerate(_get(document, "runs", list, ""))]
        passed = _get(document, "passed", bool, "")
        extras = _extras(document)
    except _Bad as bad:
        raise GateError(f"not a gate JSON report ({bad})", path) from None
    judged = build_report(findings, runs, "", extras["fail_on"])
    if judged.passed != passed:
        raise GateError(
            f"the report says the gate {'passed' if passed else 'failed'}, but its findings say "
            "otherwise; was it edited, or written by another gate?",
            path,
        )
    report = dataclasses.replace(judged, **{k: v for k, v in extras.items() if k != "fail_on"})
    return Loaded(str(path), report, passed)


# --- merging ------------------------------------------------------------------------------


def _check_versions_and_pairs(loaded: Sequence[Loaded]) -> None:
    owner: dict[tuple[str, str], str] = {}
    for item in loaded:
        for run in item.report.runs:
            pair = (run.target, run.profile)
            if pair in owner:
                raise GateError(
                    f"{owner[pair]} and {item.file} both checked {run.target}/{run.profile}; "
                    "merge the reports of different shards (each once), or of different targets"
                )
            owner[pair] = item.file


def _check_shards(loaded: Sequence[Loaded]) -> None:
    """Every set of shards (one selection, one N) complete: each part once, every pair of
    the selection in exactly one of them."""
    groups: dict[tuple[str, int, int], list[Loaded]] = {}
    for item in loaded:
        shard = item.report.shard
        if shard is not None:
            if len(shard.positions) != len(item.report.runs):
                raise GateError(
                    f"{item.file} names {len(shard.positions)} pairs of its shard but ran "
                    f"{len(item.report.runs)}; was it edited?"
                )
            groups.setdefault((shard.selection, shard.count, shard.pairs), []).append(item)
    for (_, count, pairs), items in groups.items():
        seen: dict[int, str] = {}
        for item in items:
            index = item.report.shard.index if item.report.shard else 0
            if index in seen:
                raise GateError(
                    f"{seen[index]} and {item.file} are both shard {index}/{count}; "
                    "pass each shard's report once"
                )
            seen[index] = item.file
        missing = [k for k in range(1, count + 1) if k not in seen]
        if missing and len(groups) > 1:
            raise GateError(
                "these shard reports were cut from different selections of pairs; run every "
                "shard of a matrix from the same commit with the same targets, --profile, "
                "--changed-since and N"
            )
        if missing:
            raise GateError(
                f"shard {', '.join(f'{k}/{count}' for k in missing)} is missing (given: "
                f"{', '.join(item.file for item in items)}); a shard that could not run writes "
                "no report, so the merged verdict cannot be given without it"
            )
        positions = sorted(
            p for item in items if item.report.shard for p in item.report.shard.positions
        )
        if positions != list(range(pairs)):
            raise GateError(
                f"the {count} shards checked {len(positions)} pairs, but were cut from {pairs} "
                "(or checked some twice); run every shard from the same commit with the same "
                "options"
            )


def _covered(finding: Finding, runs: Sequence[RunLine]) -> bool:
    """Whether an exemption's target and profile globs name a pair of `runs`."""
    return any(
        fnmatchcase(run.target, finding.target) and fnmatchcase(run.profile, finding.profile)
        for run in runs
    )


def _findings(loaded: Sequence[Loaded]) -> list[Finding]:
    out: list[Finding] = []
    shared: list[Finding] = []
    for item in loaded:
        pairs = {(run.target, run.profile) for run in item.report.runs}
        for finding in item.report.findings:
            if finding.rule in _SHARED_RULES or (finding.target, finding.profile) not in pairs:
                if finding not in shared:
                    shared.append(finding)
            else:
                out.append(finding)
    for finding in shared:
        if finding.rule == "exemption-unused" and not all(
            finding in item.report.findings
            for item in loaded
            if _covered(finding, item.report.runs)
        ):
            continue  # a shard used it
        out.append(finding)
    return out


def _baseline(loaded: Sequence[Loaded], findings: Sequence[Finding]) -> BaselineStatus | None:
    statuses = [item.report.baseline for item in loaded if item.report.baseline is not None]
    if not statuses:
        return None
    files = list(dict.fromkeys(s.file for s in statuses))
    fixed = sorted({e for s in statuses for e in s.fixed})
    stale = sorted({(s.entry, s.reason) for status in statuses for s in status.stale})
    return BaselineStatus(
        ", ".join(files),
        sum(1 for f in findings if f.baselined),
        tuple(fixed),
        tuple(Stale(e, r) for e, r in stale),
    )


def _changed_since(loaded: Sequence[Loaded]) -> ChangedSince | None:
    picks = [item.report.changed_since for item in loaded]
    if not picks or any(p is None for p in picks):
        return None
    known = [p for p in picks if p is not None]
    if len({(p.ref, p.commit) for p in known}) != 1:
        return None
    picked = {p.target: p for c in known for p in c.picked}
    skipped = [t for c in known for t in c.skipped if t not in picked]
    first = known[0]
    return ChangedSince(
        first.ref, first.commit, tuple(picked.values()), tuple(dict.fromkeys(skipped))
    )


def _runs(loaded: Sequence[Loaded]) -> list[RunLine]:
    """The runs in the order one unsharded run lists them: each set of shards in the
    order of its selection, where its first report was given."""
    runs: list[RunLine] = []
    done: set[str] = set()
    for item in loaded:
        shard = item.report.shard
        if shard is None:
            runs += item.report.runs
        elif shard.selection not in done:
            done.add(shard.selection)
            placed = [
                (position, run)
                for other in loaded
                if other.report.shard and other.report.shard.selection == shard.selection
                for position, run in zip(
                    other.report.shard.positions, other.report.runs, strict=True
                )
            ]
            runs += [run for _, run in sorted(placed, key=lambda pr: pr[0])]
    return runs


def merge(loaded: Sequence[Loaded], fail_on: Severity | None = None) -> Report:
    """One report of `loaded`; `fail_on` defaults to the strictest of theirs."""
    if not loaded:
        raise GateError("gate report merge needs at least one JSON report")
    _check_versions_and_pairs(loaded)
    _check_shards(loaded)
    ordered = sorted(loaded, key=lambda item: item.report.shard.index if item.report.shard else 0)
    if fail_on is None:
        strict = any(item.report.fail_on is Severity.WARNING for item in ordered)
        fail_on = Severity.WARNING if strict else Severity.ERROR
    findings = _findings(ordered)
    runs = _runs(loaded)
    report = build_report(findings, runs, "", fail_on)
    return dataclasses.replace(
        report,
        baseline=_baseline(ordered, report.findings),
        changed_since=_changed_since(ordered),
    )
