"""`--changed-since REF`: check only the targets whose inputs changed since a git ref.

What changed is REF against the working tree: the tracked files that differ (`git
diff-index REF`, the index's stat data telling which working files to look at) and the
untracked files that are not ignored (`git ls-files --others --exclude-standard`).
Each changed path then picks targets:

- a target's chart folder (its templates, values.yaml, subcharts as folders or `.tgz`
  archives under charts/, Chart.lock), a `file://` dependency it declares (and theirs),
  the file or folder a symlink inside the chart leads to, one of its profiles' values
  files, or one of its golden files picks that target;
- a policy file picks the targets its policies match (`match.targets`); one with a
  policy for every target, or one that was removed, picks every target;
- gate.yaml, the built-in pack (when it lies in this repository: gate's own), a CRD
  file (schemas.crds validates every target's custom resources) and the baseline file
  pick every target;
- a target whose chart, values or dependencies lie outside the repository
  (`read_outside`) is always picked: git cannot see what changed there.

Each target is picked with the first reason found, one line a person can check.

git is run as a tool of the repository gate was given, not of the checkout's choosing
(docs/security.md): gate finds the root itself, and runs git there with an allow-listed
environment, no system or global configuration, core.fsmonitor off, no external diff or
textconv, no network (protocol.allow=never, no lazy fetch), NUL-separated names only,
a deadline and a cap on what it prints. REF is resolved to a commit first
(`--end-of-options`, so it can never be read as an option); a REF that is no commit is
one sentence, and in a shallow clone the sentence says how to fetch it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from gate.checks.policies.model import Policy
from gate.checks.policies.packs import builtin_policy_dir, pack_closure, packs_dir
from gate.config import GateConfig, Profile, Target
from gate.dependencies import declared
from gate.errors import GateError
from gate.limits import MiB
from gate.model import one_line
from gate.process import OutputHeld, OutputTooLarge, TimedOut, run_bounded
from gate.report import Report, plural

Pair = tuple[Target, Profile]

GIT_TIMEOUT = 120.0  # seconds per git call; a checkout of any size lists its changes in far less
GIT_OUTPUT = 16 * MiB  # changed names; more than this and every target is picked
_SHORT = 64 * 1024  # an answer of one line
_POLICY_SUFFIXES = (".yaml", ".yml")
_POLICIES, _BUILTIN = "policies", "the built-in pack"


@dataclass(frozen=True)
class Pick:
    target: str
    reason: str


@dataclass(frozen=True)
class ChangedSince:
    """What `--changed-since` picked: `picked` in gate.yaml's order, each with its
    reason; `every` is the reason when one change picks every target."""

    ref: str
    commit: str
    picked: tuple[Pick, ...]
    skipped: tuple[str, ...]
    every: str | None = None
    changed: int = 0  # paths that changed

    def reason(self, target: str) -> str | None:
        return next((p.reason for p in self.picked if p.target == target), None)

    def pairs(self, pairs: Sequence[Pair]) -> list[Pair]:
        chosen = {p.target for p in self.picked}
        return [pair for pair in pairs if pair[0].name in chosen]

    def lines(self) -> list[str]:
        """What it picked and why, one line each (one line for a change that picks all)."""
        head = (
            f"changed since {self.ref} ({self.commit[:12]}): {len(self.picked)} of "
            f"{len(self.picked) + len(self.skipped)} targets picked, "
            f"{plural(self.changed, 'path')} changed"
        )
        if self.every is not None:
            return [f"{head}: every target, because {self.every}"]
        return [head, *(f"  picked {p.target}: {p.reason}" for p in self.picked)]


# --- git ----------------------------------------------------------------------------------

# The environment git runs in: nothing of gate's own (CI secrets, GIT_DIR, GIT_CONFIG_*,
# GIT_EXTERNAL_DIFF all stay behind) but PATH, and settings that keep git from reading
# configuration outside the repository, prompting, taking locks or fetching.
_GIT_ENV = {
    "LC_ALL": "C",
    "HOME": os.devnull,
    "XDG_CONFIG_HOME": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_PAGER": "cat",
}
# Settings no configuration of the repository can turn back on for these calls.
_GIT_SETTINGS = (
    "core.fsmonitor=false",
    "core.hooksPath=" + os.devnull,
    "protocol.allow=never",
    "diff.external=",
)


class _TooMany(Exception):
    pass


class Git:
    def __init__(self, root: Path, timeout: float = GIT_TIMEOUT):
        self.root, self.timeout = root, timeout
        binary = shutil.which("git")
        if binary is None:
            raise GateError("--changed-since needs git, and there is no git on PATH; install it")
        self.binary = binary

    def run(self, *args: str, check: bool = True, output: int | None = None) -> tuple[int, bytes]:
        """git `args`; `output`: the most it may print (GIT_OUTPUT for lists of names)."""
        env = {"PATH": os.environ.get("PATH", os.defpath), **_GIT_ENV}
        # The repository gate found, and no other: git must not look further up for one
        # (an unusable .git here would otherwise let it find an enclosing repository).
        env["GIT_DIR"], env["GIT_WORK_TREE"] = str(self.root / ".git"), str(self.root)
        settings = [part for setting in _GIT_SETTINGS for part in ("-c", setting)]
        argv = [self.binary, "--no-pager", "-C", str(self.root), *settings, *args]
        command = next(arg for arg in args if not arg.startswith("-"))
        try:
            done = run_bounded(argv, env, self.timeout, output or GIT_OUTPUT)
        except OutputTooLarge:
            raise _TooMany() from None
        except (TimedOut, OutputHeld):
            raise GateError(
                f"git {command} did not finish within {self.timeout:g} seconds in {self.root}; "
                "drop --changed-since to check every target"
            ) from None
        if check and done.code != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            said = one_line(lines[-1][:300]) if lines else f"exit {done.code}"
            raise GateError(f"git {command} failed in {self.root} ({said})")
        return done.code, done.stdout

    def commit(self, ref: str) -> str:
        """REF as a commit, or one sentence saying why not (and how to fetch it)."""
        # Also the first question to the repository: git's own words if it is none.
        _, shallow = self.run("rev-parse", "--is-shallow-repository", output=_SHORT)
        code, out = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            check=False,
            output=_SHORT,
        )
        if code == 0 and out.strip():
            return out.decode("ascii", "replace").strip()
        if shallow.strip() == b"true":
            raise GateError(
                f"--changed-since {ref!r}: this is a shallow clone that does not hold {ref}; "
                "check out with `fetch-depth: 0` (actions/checkout), or fetch the base first "
                f"(git fetch --depth=1 origin <base branch or sha>)"
            )
        raise GateError(
            f"--changed-since {ref!r} is not a commit in this repository; name a branch, tag "
            "or sha that git knows here (fetch it first if it lives on a remote)"
        )

    def changed(self, commit: str, inputs: Sequence[str]) -> list[str] | None:
        """Paths (relative to the root) that differ from `commit`: in the index (git
        compares trees, never a working file), in the working tree under `inputs`
        (hashed here, see `_worktree_changes`), or untracked under `inputs`; None when
        there are more than git may print."""
        try:
            _, staged = self.run(
                "diff-index", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff",
                "--no-textconv", "--ignore-submodules=none", commit, "--",
            )  # fmt: skip
            names = {os.fsdecode(name) for name in staged.split(b"\0") if name}
            if inputs:  # no pathspec at all would mean the whole tree
                names |= self._worktree_changes(inputs)
                _, untracked = self.run(
                    "--literal-pathspecs", "ls-files", "--others", "--exclude-standard", "-z",
                    "--", *inputs,
                )  # fmt: skip
                names |= {os.fsdecode(name) for name in untracked.split(b"\0") if name}
        except _TooMany:
            return None
        return sorted(names)

    def _worktree_changes(self, inputs: Sequence[str]) -> set[str]:
        """Tracked files under `inputs` whose working copy differs from the index.

        gate hashes them itself, as git would store them: asking git would have it
        run the clean filter or textconv that the checkout's .gitattributes names (a
        pull request writes that file) on files whose timestamps look racy. A file
        that only a filter or line-ending conversion makes equal counts as changed:
        one target too many, never one too few."""
        _, format_ = self.run("rev-parse", "--show-object-format", output=_SHORT)
        algorithm = format_.decode("ascii", "replace").strip() or "sha1"
        _, listed = self.run("--literal-pathspecs", "ls-files", "--stage", "-z", "--", *inputs)
        changed: set[str] = set()
        for record in listed.split(b"\0"):
            if not record:
                continue
            info, _, raw_name = record.partition(b"\t")
            mode, oid, stage = info.decode("ascii", "replace").split(" ")
            name = os.fsdecode(raw_name)
            if stage != "0" or _blob_id(self.root / name, mode, algorithm) != oid:
                changed.add(name)
        return changed


def _blob_id(path: Path, mode: str, algorithm: str) -> str | None:
    """The object id git would give the working copy at `path` as a blob of `mode`;
    None when it is not there as that kind of entry (or is a submodule, which the
    index comparison covers)."""
    if mode == "160000":
        return None
    try:
        info = path.lstat()
        if mode == "120000":
            if not stat.S_ISLNK(info.st_mode):
                return None
            data = os.fsencode(os.readlink(path))
            return hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()
        if not stat.S_ISREG(info.st_mode):
            return None
        digest = hashlib.new(algorithm, b"blob %d\0" % info.st_size)
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()
    except (OSError, ValueError):
        return None


def _is_work_tree(root: Path) -> bool:
    return (root / ".git").exists()


# --- what each target reads -----------------------------------------------------------------


def _forms(path: Path) -> tuple[Path, ...]:
    """A path as written (absolute, `..` folded) and as the system resolves it: git names
    files as they sit in the tree, a link on the way leads elsewhere."""
    written = Path(os.path.normpath(os.path.abspath(path)))
    resolved = written.resolve()
    return (written,) if resolved == written else (written, resolved)


def _link_targets(folder: Path) -> list[Path]:
    """Where the symlinks in a chart lead (the fence keeps them in the repository)."""
    found = []
    for current, folders, files in os.walk(folder, followlinks=False):
        folders[:] = [f for f in folders if f not in (".git", ".gate-cache")]
        for name in (*folders, *files):
            path = Path(current) / name
            if path.is_symlink():
                found.append(path.resolve())
    return found


def _local_dependencies(chart: Path, config: GateConfig, depth: int = 0) -> list[Path]:
    if depth > 10:
        return []
    try:
        chart_deps = declared(chart, config.limits)
    except GateError:
        return []  # helm will say what is wrong with it when it renders
    found: list[Path] = []
    for dependency in chart_deps.dependencies:
        if dependency.local:
            folder = chart_deps.local_folder(dependency)
            found += [folder, *_local_dependencies(folder, config, depth + 1)]
    return found


class _Index:
    """Inputs (files or folders, in both forms) -> who they belong to and why."""

    def __init__(self) -> None:
        self.owners: dict[Path, list[tuple[str | None, str]]] = {}

    def add(self, path: Path, target: str | None, what: str) -> None:
        for form in _forms(path):
            self.owners.setdefault(form, []).append((target, what))

    def pathspecs(self, root: Path) -> list[str]:
        """Every input inside `root`, as git names it (relative, literal)."""
        specs = set()
        for path in self.owners:
            if path == root or root in path.parents:
                specs.add(path.relative_to(root).as_posix() if path != root else ".")
        return sorted(specs)

    def lookup(self, changed: Path) -> list[tuple[Path, str | None, str]]:
        """Each input `changed` lies in (or is), nearest first."""
        found = []
        for form in _forms(changed):
            for candidate in (form, *form.parents):
                for target, what in self.owners.get(candidate, []):
                    found.append((candidate, target, what))
        return found


def _inside(path: Path, root: Path) -> bool:
    return all(form == root or root in form.parents for form in _forms(path))


def _shown(path: Path, root: Path) -> str:
    try:
        return one_line(Path(os.path.abspath(path)).relative_to(root).as_posix())
    except ValueError:
        return one_line(str(path))


def _chart_part(chart: Path, path: Path, root: Path) -> str:
    """`chart charts/app`, or `subchart charts/app/charts/db` for a change below charts/."""
    for form in _forms(path):
        try:
            inside = form.relative_to(chart).parts
        except ValueError:
            continue
        if len(inside) >= 2 and inside[0] == "charts":
            return f"subchart {_shown(chart / 'charts' / inside[1], root)}"
    return f"chart {_shown(chart, root)}"


def _policy_targets(policies: Sequence[Policy], targets: Sequence[str]) -> list[str] | None:
    """The targets any of `policies` can match; None for every target."""
    picked: set[str] = set()
    for policy in policies:
        if not policy.match.targets:
            return None
        picked |= {t for t in targets if any(fnmatchcase(t, g) for g in policy.match.targets)}
    return [t for t in targets if t in picked]


def inputs(config: GateConfig, baseline: Path | None = None) -> tuple[_Index, dict[str, str]]:
    """What each target reads, and what every target reads; with the reason of each
    target that must always be picked (an input outside the repository)."""
    root = config.root
    outside: dict[str, str] = {}
    index = _Index()
    index.add(config.file, None, "gate.yaml")
    if baseline is not None:
        index.add(baseline, None, "the baseline file")
    for crd in config.schemas.crds:
        index.add(crd, None, "a CRD file (schemas.crds validates every target)")
    if config.builtin_policies:
        index.add(builtin_policy_dir(), None, _BUILTIN)
    for pack in pack_closure(config.packs):  # also when the built-in pack is off
        index.add(packs_dir() / pack, None, f"the {pack} pack")
    for entry in config.policies:
        index.add(entry, None, _POLICIES)
    for target in config.targets:
        reads = [(target.chart, "its chart")]
        reads += [(link, "a file its chart links to") for link in _link_targets(target.chart)]
        reads += [
            (dep, "a file:// dependency") for dep in _local_dependencies(target.chart, config)
        ]
        reads += [
            (file, f"values file of profile {profile.name}")
            for profile in target.profiles
            for file in profile.values
        ]
        reads += [  # a discovered profile: the deployment files that define it
            (file, f"the deployment file of profile {profile.name}")
            for profile in target.profiles
            for file in profile.inputs
        ]
        reads.append((config.golden.dir / target.name, "its golden files"))
        for path, what in reads:
            if not _inside(path, root):
                outside.setdefault(
                    target.name,
                    f"{what} {_shown(path, root)} lies outside the repository, where git cannot "
                    "see what changed",
                )
            index.add(path, target.name, what)
    return index, outside


def pick(
    config: GateConfig,
    policies: Sequence[Policy],
    changed: Iterable[str] | None,
    ref: str,
    commit: str,
    baseline: Path | None = None,
    read: tuple[_Index, dict[str, str]] | None = None,
) -> ChangedSince:
    """The targets `changed` (paths relative to the root; None: too many to list) pick;
    `read`: what `inputs` says, when already asked."""
    root = config.root
    names = [t.name for t in config.targets]
    index, outside = read or inputs(config, baseline)
    reasons = dict(outside)
    every: str | None = None

    by_file: dict[Path, list[Policy]] = {}
    for policy in policies:
        for form in _forms(Path(policy.file)):
            by_file.setdefault(form, []).append(policy)

    paths = None if changed is None else list(changed)
    if paths is None:
        every = f"git listed more than {GIT_OUTPUT // MiB} MiB of changed paths"
    for name in paths or []:
        if every is not None:
            break
        path = root / name
        for found, owner, what in index.lookup(path):
            shown = _shown(path, root)
            if what in (_POLICIES, _BUILTIN):
                every = _policy_change(path, found, by_file, names, reasons, shown)
                if every is not None and what == _BUILTIN:
                    every = f"the built-in pack changed ({shown})"
                if every is not None:
                    break
                continue
            if owner is None:
                every = f"{what} changed ({shown})" if what != "gate.yaml" else "gate.yaml changed"
                break
            if what == "its chart":
                what = f"its {_chart_part(found, path, root)}"
            reasons.setdefault(owner, f"{what} changed ({shown})")

    if every is not None:
        picked = tuple(Pick(t, every) for t in names)
    else:
        picked = tuple(Pick(t, reasons[t]) for t in names if t in reasons)
    chosen = {p.target for p in picked}
    skipped = tuple(t for t in names if t not in chosen)
    return ChangedSince(ref, commit, picked, skipped, every, len(paths or []))


def _policy_change(
    path: Path,
    folder_or_file: Path,
    by_file: dict[Path, list[Policy]],
    names: Sequence[str],
    reasons: dict[str, str],
    shown: str,
) -> str | None:
    """A change under a policy entry: the targets its policies match get a reason; the
    reason for every target is returned. Only what gate loads counts: a folder's
    *.yaml / *.yml files, not its subfolders or other files."""
    loaded = next((by_file[f] for f in _forms(path) if f in by_file), None)
    if loaded is not None:
        targets = _policy_targets(loaded, names)
        if targets is None:
            return f"policy file {shown} changed (a policy in it applies to every target)"
        for target in targets:
            reasons.setdefault(target, f"policy file {shown} changed (its policies match it)")
        return None
    is_policy_file = path.suffix in _POLICY_SUFFIXES and any(
        form == folder_or_file or form.parent == folder_or_file for form in _forms(path)
    )
    if is_policy_file and not path.exists():
        return f"policy file {shown} was removed"
    return None


def changed_since(
    config: GateConfig, policies: Sequence[Policy], ref: str, baseline: Path | None = None
) -> ChangedSince:
    """Ask git what changed since `ref`, and pick the targets it touches."""
    if not ref or ref.strip() != ref:
        raise GateError(f"--changed-since {ref!r} is not a git ref; name a branch, tag or sha")
    if not _is_work_tree(config.root):
        raise GateError(
            f"--changed-since needs a git checkout, and {config.root} (the folder of gate.yaml) "
            "is not in one; drop the option to check every target"
        )
    git = Git(config.root)
    commit = git.commit(ref)
    read = inputs(config, baseline)
    changed = git.changed(commit, read[0].pathspecs(config.root))
    return pick(config, policies, changed, ref, commit, baseline, read)


def annotate(report: Report, picked: ChangedSince) -> Report:
    """Each run with the reason its target was picked, and the selection in the report."""
    runs = tuple(dataclasses.replace(run, picked=picked.reason(run.target)) for run in report.runs)
    return dataclasses.replace(report, runs=runs, changed_since=picked)
