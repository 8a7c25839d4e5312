"""The baseline: findings a team has accepted for now, so that only new ones fail.

`gate baseline update` records today's findings in a committed JSON file;
`gate check --baseline FILE` marks the findings recorded there `baselined` (shown,
not counted), and says which recorded ones are fixed (their target and profile were
checked and the finding is gone) and which are stale (their target, profile or rule
no longer exists). A team adopts gate on a large estate and ratchets down.

A finding is known again by its rule, target, profile, object and path, with each
list item that has a name written by that name (`containers[name=web]`), never by
its index, line or message: a container added above it, a template reformatted or a
message reworded leaves the baseline as it was.

What is recorded: policy, schema and values findings of severity error or warning
that no exemption covers. A render failure, golden drift or an exemption's own
finding is never baselined: the first means gate could not run, the others have
their own remedies (`gate golden update`, gate.yaml).

The file is in the repository a pull request controls: it is read within the fence
(gate/repository.py), bounded by `limits.document_bytes`, parsed by gate/yamlload.py
(JSON is YAML: every mistake has its file and line) and checked key by key; it is
written atomically, only inside the repository (gate/writes.py).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.config import GateConfig, did_you_mean
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits, MiB
from gate.model import Category, Finding, Severity
from gate.report import Report
from gate.repository import Fence
from gate.verdict import rejudged
from gate.writes import write_atomically
from gate.yamlload import Located, load_located

VERSION = 1
DEFAULT_FILE = "gate-baseline.json"  # beside gate.yaml
_KEYS = ("rule", "target", "profile", "object", "path")
_RECORDED = (Category.POLICY, Category.SCHEMA, Category.VALUES)


@dataclass(frozen=True, order=True)
class Entry:
    """A finding as a baseline knows it."""

    target: str
    profile: str
    rule: str
    object: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in _KEYS}

    def shown(self) -> str:
        """One line for a person: `rule target/profile object at path`."""
        where = " ".join(part for part in (self.object, f"at {self.path}" if self.path else ""))
        return f"{self.rule} {self.target}/{self.profile}{' ' + where if where else ''}"


def recorded(finding: Finding) -> bool:
    """Whether a baseline records (and so may accept) this finding."""
    return (
        finding.category in _RECORDED
        and finding.severity in (Severity.ERROR, Severity.WARNING)
        and finding.exempted is None
        and finding.suppressed is None
    )


def entry(finding: Finding) -> Entry:
    return Entry(
        finding.target,
        finding.profile,
        finding.rule,
        finding.object,
        finding.named_path or finding.path,
    )


# --- naming list items ------------------------------------------------------------------

# A path as gate/checks/policies/paths.py format_path writes it.
_STEP = re.compile(
    r"""(?:^|\.)(?P<key>[A-Za-z_][A-Za-z0-9_-]*)
      | \[(?P<index>\d+)\]
      | \[(?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""",
    re.VERBOSE,
)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _steps(path: str) -> list[str | int] | None:
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None or match.end() == position:
            return None
        if match["key"] is not None:
            steps.append(match["key"])
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            steps.append(str(ast.literal_eval(match["quoted"])))
        position = match.end()
    return steps


def _name_of(items: list[Any], index: int) -> str | None:
    """The `name` of the item at `index` when no other item of the list has it."""
    item = items[index]
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not name:
        return None
    same = sum(1 for other in items if isinstance(other, dict) and other.get("name") == name)
    return name if same == 1 else None


def named_path(path: str, body: Any) -> str:
    """`spec.template.spec.containers[0].image` -> `...containers[name=web].image` where
    the item at that index has a unique name; "" when no step was renamed. Steps the
    body does not hold (inside an embedded document) are kept as written."""
    steps = _steps(path) if path else None
    if not steps:
        return ""
    out, node, renamed = "", body, False
    for step in steps:
        if isinstance(step, int):
            name = _name_of(node, step) if isinstance(node, list) and step < len(node) else None
            if name is not None:
                shown = name if _PLAIN_NAME.fullmatch(name) else repr(name)
                out += f"[name={shown}]"
                renamed = True
            else:
                out += f"[{step}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", step):
            out += f".{step}" if out else step
        else:
            out += f"[{step!r}]"
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        else:
            node = None
    return out if renamed else ""


def with_named_paths(
    findings: Iterable[Finding], bodies: Mapping[tuple[str, str, str], Any]
) -> list[Finding]:
    """Each finding about a rendered object with its `named_path`; `bodies` maps
    (target, profile, object identity) to the object as rendered."""
    out = []
    for finding in findings:
        body = bodies.get((finding.target, finding.profile, finding.object))
        if body is not None and finding.path:
            named = named_path(finding.path, body)
            if named:
                finding = dataclasses.replace(finding, named_path=named)
        out.append(finding)
    return out


# --- the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    file: Path
    entries: frozenset[Entry]

    @classmethod
    def empty(cls, file: Path) -> Baseline:
        return cls(file, frozenset())


def _fail(located: Located, where: tuple[str | int, ...], message: str) -> GateError:
    return GateError(
        f"{message}; fix it, or write the file again with `gate baseline update`",
        located.file,
        located.line_of(where),
    )


def _size(count: int) -> str:
    return f"{count // MiB} MiB" if count >= MiB else f"{count:,} bytes"


def load(path: Path, fence: Fence, limits: Limits = DEFAULT_LIMITS) -> Baseline:
    """The baseline at `path`: a missing file, a file too big, bad JSON or an entry
    gate does not understand is one sentence with the file and line."""
    if path.exists() or path.is_symlink():
        fence.check_read(path, "baseline file")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise GateError(
            "baseline file does not exist; write it with `gate baseline update "
            f"--baseline {path}` or fix the path",
            path,
        ) from None
    except OSError as exc:
        raise GateError(f"baseline file cannot be read ({exc.strerror or exc})", path) from None
    if not stat.S_ISREG(mode):
        raise GateError("baseline file is not a regular file; pass the JSON file itself", path)
    if path.stat().st_size > limits.document_bytes:
        raise GateError(
            f"baseline file is larger than {_size(limits.document_bytes)} "
            "(limits.document_bytes in gate.yaml); fix the findings it lists, or raise that limit",
            path,
        )
    located = load_located(path, "baseline file", limits=limits)
    data = located.data
    if not isinstance(data, dict):
        raise _fail(located, (), 'a baseline file is a JSON object with "version" and "findings"')
    for key in data:
        if key not in ("version", "findings"):
            raise _fail(
                located,
                (key,),
                f"unknown key {key!r}{did_you_mean(str(key), ['version', 'findings'])}",
            )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _fail(
            located,
            ("version",),
            f"baseline version {version!r} is not one this gate reads ({VERSION})",
        )
    items = data.get("findings", [])
    if not isinstance(items, list):
        raise _fail(located, ("findings",), '"findings" must be a list')
    entries = set()
    for index, item in enumerate(items):
        where: tuple[str | int, ...] = ("findings", index)
        if not isinstance(item, dict):
            raise _fail(located, where, f"findings[{index}] must be an object")
        for key in item:
            if key not in _KEYS:
                raise _fail(
                    located,
                    (*where, key),
                    f"findings[{index}] has the unknown key {key!r}{did_you_mean(str(key), _KEYS)}",
                )
        for key in _KEYS:
            if not isinstance(item.get(key), str):
                raise _fail(located, where, f"findings[{index}] needs {key!r} as a string")
        entries.add(Entry(**{key: item[key] for key in _KEYS}))
    return Baseline(path, frozenset(entries))


# A JSON text is read back as YAML: characters YAML does not allow raw (DEL, C1
# controls) or reads as line breaks (NEL, U+2028/9) are written escaped.
_NOT_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def dumps(entries: Iterable[Entry]) -> str:
    """The file: one finding per line, in a stable order, so a ratchet is a small diff."""
    lines = [json.dumps(e.as_dict(), ensure_ascii=False) for e in sorted(set(entries))]
    body = ",\n".join(f"    {line}" for line in lines)
    text = f'{{\n  "version": {VERSION},\n  "findings": [\n{body}\n  ]\n}}\n'
    if not lines:
        text = f'{{\n  "version": {VERSION},\n  "findings": []\n}}\n'
    return _NOT_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def check_writable(path: Path, fence: Fence) -> None:
    """Refuse, before any rendering, a place the baseline cannot be written: only inside
    the repository (it is committed), never through a folder linked out of it."""
    if path.is_dir() and not path.is_symlink():
        raise GateError("the baseline file cannot be written there: it is a folder", path)
    if not fence.may_write(path):
        raise GateError(
            f"the baseline file would be written to {path.absolute().parent.resolve()}, outside "
            "the repository; a baseline is committed with the repository, so keep it inside",
            path,
        )


def save(path: Path, entries: Iterable[Entry], fence: Fence) -> None:
    """Write atomically (a link at `path` is replaced, never written through)."""
    check_writable(path, fence)
    try:
        write_atomically(path, dumps(entries))
    except OSError as exc:
        raise GateError(
            f"the baseline file cannot be written ({exc.strerror or exc})", path
        ) from None


# --- judging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stale:
    entry: Entry
    reason: str


@dataclass(frozen=True)
class BaselineStatus:
    """What a baseline did to one run. `fixed`: recorded, its pair checked, not found
    now; `stale`: recorded for a target, profile or rule that no longer exists; `found`:
    every finding of this run a baseline would record (what `gate baseline update`
    writes for the pairs checked)."""

    file: str
    accepted: int
    fixed: tuple[Entry, ...]
    stale: tuple[Stale, ...]
    found: tuple[Entry, ...] = ()
    checked: frozenset[tuple[str, str]] = frozenset()  # pairs that rendered


def judge(
    baseline: Baseline,
    findings: Sequence[Finding],
    rendered: Iterable[tuple[str, str]],
    configured: Iterable[tuple[str, str]],
    rules: Iterable[str],
    shown: str,
) -> tuple[list[Finding], BaselineStatus]:
    """Mark the findings the baseline accepts; name the fixed and stale entries.

    `rendered`: the pairs this run checked and rendered (an entry of a pair that did
    not render, or was not checked here, is neither fixed nor stale: another shard or
    a later run says); `configured`: every pair of gate.yaml; `shown`: the file as the
    report names it."""
    checked = frozenset(rendered)
    pairs, known = set(configured), set(rules)
    marked: list[Finding] = []
    seen: set[Entry] = set()
    accepted = 0
    for finding in findings:
        if recorded(finding):
            key = entry(finding)
            seen.add(key)
            if key in baseline.entries:
                finding = dataclasses.replace(finding, baselined=True)
                accepted += 1
        marked.append(finding)
    stale: list[Stale] = []
    fixed: list[Entry] = []
    for item in sorted(baseline.entries):
        if (item.target, item.profile) not in pairs:
            stale.append(Stale(item, f"gate.yaml has no {item.target}/{item.profile}"))
        elif item.rule not in known:
            stale.append(Stale(item, f"no rule is called {item.rule!r}"))
        elif (item.target, item.profile) in checked and item not in seen:
            fixed.append(item)
    status = BaselineStatus(
        shown, accepted, tuple(fixed), tuple(stale), tuple(sorted(seen)), checked
    )
    return marked, status


def updated(baseline: Baseline, status: BaselineStatus) -> list[Entry]:
    """The entries `gate baseline update` writes: today's findings for the pairs this run
    checked, the recorded ones for every other configured pair; stale ones dropped."""
    dropped = {s.entry for s in status.stale}
    kept = [
        e
        for e in baseline.entries
        if e not in dropped and (e.target, e.profile) not in status.checked
    ]
    return sorted({*kept, *status.found})


def apply(report: Report, baseline: Baseline, config: GateConfig, rules: Iterable[str]) -> Report:
    """The report with the baseline's findings marked, judged again, its status in it."""
    rendered = [(run.target, run.profile) for run in report.runs if run.rendered]
    configured = [(t.name, p.name) for t in config.targets for p in t.profiles]
    findings, status = judge(
        baseline,
        report.findings,
        rendered,
        configured,
        rules,
        config.fence.relative(baseline.file),
    )
    return dataclasses.replace(rejudged(report, findings), baseline=status)


# A person reads these lines; the JSON report lists them all.
_MOST_LINES = 20


def _listed(label: str, items: Sequence[str]) -> list[str]:
    lines = [f"  {label}: {item}" for item in items[:_MOST_LINES]]
    if len(items) > _MOST_LINES:
        lines.append(
            f"  ... and {len(items) - _MOST_LINES} more {label} (the JSON report lists all)"
        )
    return lines


def lines(report: Report) -> list[str]:
    """What the baseline did, for the terminal: counts, then each new, fixed and stale
    finding on a line of its own."""
    status = report.baseline
    if status is None:
        return []
    new = [
        entry(f).shown()
        for f in report.findings
        if recorded(f) and f.counted and (f.fails_gate or report.fail_on is Severity.WARNING)
    ]
    head = (
        f"baseline {status.file}: {status.accepted} accepted, {len(new)} new, "
        f"{len(status.fixed)} fixed, {len(status.stale)} stale"
    )
    out = [head, *_listed("new", new), *_listed("fixed", [e.shown() for e in status.fixed])]
    out += _listed("stale", [f"{s.entry.shown()} ({s.reason})" for s in status.stale])
    if status.fixed or status.stale:
        out.append("  `gate baseline update` removes the fixed and stale ones from the file")
    return out
