"""Chart dependencies that are declared but not in charts/: built by gate, never in the
user's folder.

Real repositories often commit a wrapper chart without its charts/ folder and run
`helm dependency build` in CI. helm template refuses such a chart ("found in
Chart.yaml, but missing in charts/ directory"), so before rendering gate does what
that CI step does, on a copy:

- A chart needs a build when a dependency that Chart.yaml (or a v1 chart's
  requirements.yaml) declares is not in charts/, or charts/ holds a version of it
  that Chart.lock does not name. Every other chart is rendered from its own folder.
- The build runs real `helm dependency build` (which resolves the constraints like
  `helm dependency update` when there is no Chart.lock) in a private helm home, on a
  copy of the chart and of its `file://` dependencies laid out as in the repository,
  inside `.gate-cache/dependencies/`. A chart repository named by URL is `helm repo
  add`ed there first: with a Chart.lock, both Helm 3.17 and Helm 4.1 refuse a URL they
  were not given ("no repository definition"). A `file://` dependency whose own
  dependencies are missing is built first: helm packages a local chart as it is and
  would silently drop them.
- What helm put in charts/ is kept as a cache entry `.gate-cache/dependencies/<key>/`,
  keyed by the sha256 of what decides it: Chart.yaml, Chart.lock, requirements*, the
  files already under charts/, the files of every `file://` dependency (recursively)
  and the helm version. An unchanged chart builds nothing on the next run: no helm
  call, no network.
- helm renders a temporary copy: the user's chart files with the entry's charts/.

The cache lies in the repository a pull request controls, so an entry is used only
when its manifest (every file's sha256 and each dependency's archive) carries an HMAC
made with the machine's key, which lives outside the repository (gate/golden_cache.py),
and each file matches its digest as it is copied for rendering; a link anywhere in an
entry, a missing or extra file, or a foreign manifest means a rebuild. Entries are
built in a temporary folder beside them and renamed into place, so two gate processes
building at once each end with a complete entry.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from gate.chart import MAX_MEMBERS, read_chart
from gate.config import GateConfig, clean
from gate.errors import GateError
from gate.golden_cache import machine_key
from gate.helm import Helm, isolated_env
from gate.limits import Limits
from gate.model import one_line
from gate.process import OutputHeld, OutputTooLarge, TimedOut, run_bounded
from gate.yamlload import Located, load_located

VENDORED = "vendored"  # helm.dependencies: never fetch
# Entries kept in .gate-cache/dependencies/; the least recently used go first. A
# repository has a handful of charts; a key changes only with their dependencies.
MAX_ENTRIES = 20
# A build or trash folder older than this was left by a gate that was killed.
_STALE_SECONDS = 3600.0
_MANIFEST = "manifest.json"
_MANIFEST_BYTES = 4 * 1024 * 1024
_FORMAT = 1
_HELM_OUTPUT = 4 * 1024 * 1024
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Dependency:
    """One entry of Chart.yaml's `dependencies`."""

    name: str
    version: str  # the constraint as written; "" when none
    repository: str  # as written; "" when none
    alias: str = ""
    line: int | None = None

    @property
    def shown(self) -> str:
        """The name helm gives the subchart in `# Source:` paths: its alias, if any."""
        return self.alias or self.name

    @property
    def local(self) -> bool:
        return self.repository.startswith("file://")

    def described(self, locked: str | None = None) -> str:
        version = locked or self.version
        where = f" from {self.repository}" if self.repository else ""
        return f"{self.name}{' ' + version if version else ''}{where}"


@dataclass(frozen=True)
class Declared:
    """What a chart folder declares: its dependencies and the versions its lock names."""

    folder: Path
    file: Path  # Chart.yaml, or requirements.yaml for a v1 chart that has one
    dependencies: tuple[Dependency, ...]
    locked: Mapping[str, str]  # dependency name -> version, from Chart.lock / requirements.lock

    def local_folder(self, dependency: Dependency) -> Path:
        """A `file://` dependency's folder as helm finds it: joined to the chart folder
        as written (helm does not resolve links first), or absolute."""
        path = dependency.repository.removeprefix("file://")
        return clean(self.folder / path)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def declared(folder: Path, limits: Limits) -> Declared:
    """Read Chart.yaml (and, for a v1 chart, requirements.yaml) and the lock file."""
    chart_yaml = folder / "Chart.yaml"
    chart = load_located(chart_yaml, "Chart.yaml", limits=limits)
    data = chart.data if isinstance(chart.data, dict) else {}
    source, file = chart, chart_yaml
    lock_names: tuple[str, ...] = ("Chart.lock",)
    if str(data.get("apiVersion", "v1")) == "v1" and (folder / "requirements.yaml").is_file():
        file = folder / "requirements.yaml"
        source = load_located(file, "requirements.yaml", limits=limits)
        lock_names = ("requirements.lock", "Chart.lock")
    entries = source.data.get("dependencies") if isinstance(source.data, dict) else None
    dependencies = _dependencies(entries, source, file)
    locked = {name: version for name, version in _locked(folder, lock_names, limits)}
    return Declared(folder, file, dependencies, locked)


def _locked(folder: Path, names: Sequence[str], limits: Limits) -> list[tuple[str, str]]:
    """(name, version) of each dependency the first lock file of `names` pins."""
    for name in names:
        if (folder / name).is_file():
            data = load_located(folder / name, name, limits=limits).data
            items = data.get("dependencies") if isinstance(data, dict) else None
            return [
                (item["name"], _text(item.get("version")))
                for item in (items if isinstance(items, list) else [])
                if isinstance(item, dict) and isinstance(item.get("name"), str)
            ]
    return []


def _dependencies(entries: Any, source: Located, file: Path) -> tuple[Dependency, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise GateError(
            "`dependencies` must be a list of charts (name, version, repository); "
            "helm refuses this file too",
            file,
            source.line_of(("dependencies",)),
        )
    dependencies = []
    for index, item in enumerate(entries):
        line = source.line_of(("dependencies", index))
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise GateError(
                f"dependency {index + 1} needs a `name`; helm refuses this file too", file, line
            )
        dependencies.append(
            Dependency(
                name=item["name"],
                version=_text(item.get("version")),
                repository=_text(item.get("repository")).strip(),
                alias=_text(item.get("alias")),
                line=line,
            )
        )
    return tuple(dependencies)


def lacking(chart: Declared, limits: Limits) -> list[tuple[Dependency, str | None]]:
    """The dependencies charts/ does not hold as declared: each with the version charts/
    holds instead (None when it holds none). helm matches a subchart by its name."""
    present: dict[str, list[str]] = {}
    for sub in read_chart(chart.folder, limits).subcharts:
        present.setdefault(str(sub.chart.get("name", "")), []).append(
            _text(sub.chart.get("version"))
        )
    out: list[tuple[Dependency, str | None]] = []
    for dependency in chart.dependencies:
        versions = present.get(dependency.name)
        if not versions:
            out.append((dependency, None))
            continue
        wanted = chart.locked.get(dependency.name)
        if wanted and wanted not in versions:
            out.append((dependency, versions[0]))
    return out


# --- where a rendered template comes from -------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the files of one dependency of a built chart are shown."""

    name: str  # as in `# Source:` paths: the alias, else the name
    chart: str  # the chart's own name: the first folder of its archive's members
    folder: Path | None = None  # a file:// dependency: its folder, as the user has it
    archive: str | None = None  # a fetched one: its archive, relative to the repository root
    below: tuple[Source, ...] = ()  # a file:// dependency's own dependencies


def _shown_in(parts: Sequence[str], folder: Path, sources: Sequence[Source]) -> str | None:
    """The file a person opens for `parts` (a path inside the chart at `folder`), when it
    lies in one of `sources`; None when it is the chart's own file."""
    if len(parts) < 3 or parts[0] != "charts":
        return None
    if (folder / "charts" / parts[1]).is_dir():
        return None  # a subchart folder on disk: the path as it is
    source = next((s for s in sources if s.name == parts[1]), None)
    if source is None:
        return None
    rest = parts[2:]
    if source.archive is not None:
        return f"{source.archive}#{source.chart}/{'/'.join(rest)}"
    if source.folder is not None:
        return _shown_in(rest, source.folder, source.below) or str(source.folder.joinpath(*rest))
    return None


@dataclass(frozen=True)
class BuiltChart:
    """A target's chart as helm renders it: `folder`, which is `user` itself, or a
    temporary copy whose charts/ gate built."""

    user: Path
    folder: Path
    sources: tuple[Source, ...] = ()

    @property
    def built(self) -> bool:
        return self.folder != self.user

    def file_for(self, source: str) -> str | None:
        """For helm's `# Source: app/charts/x/templates/y.yaml`: the file a person opens
        when the template comes from a dependency gate built (a `file://` dependency's
        folder, or `ARCHIVE#MEMBER` for a fetched archive); None for the chart's own files
        and subchart folders on disk, which are where the source path says."""
        if not self.sources:
            return None
        return _shown_in(source.split("/")[1:], self.user, self.sources)


# --- files --------------------------------------------------------------------------------


@dataclass
class _Budget:
    """What copying a chart may cost: bytes and files, so that no folder a pull request
    commits (or links to) can fill the disk."""

    limits: Limits
    left: int
    files: int = MAX_MEMBERS * 4

    def take(self, size: int, shown: Path) -> None:
        self.left -= size
        self.files -= 1
        if self.left < 0 or self.files < 0:
            raise GateError(
                "the charts gate copies to build dependencies (the chart, its file:// "
                f"dependencies and charts/) hold more than {self.limits.archive_bytes} bytes "
                f"or {MAX_MEMBERS * 4} files (limits.archive_bytes); remove what the "
                "charts do not need, or raise that limit in gate.yaml",
                shown,
            )


def _copy_folder(
    source: Path, target: Path, budget: _Budget, skip: frozenset[str], avoid: frozenset[str]
) -> None:
    """Copy a chart folder as helm reads it, following links (the fence has checked where
    they lead), with a folder that links back to one above it not entered twice. Names in
    `skip` are left out at the top; folders whose real path is in `avoid` (the repository's
    .git, gate's own cache, when a chart is the repository's root) are left out anywhere."""
    seen: set[str] = set(avoid)
    for current, folders, files in os.walk(source, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        here = Path(current)
        inside = here.relative_to(source)
        if inside == Path("."):
            folders[:] = [f for f in folders if f not in skip]
            files = [f for f in files if f not in skip]
        folders[:] = [f for f in folders if os.path.realpath(here / f) not in avoid]
        (target / inside).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = here / name
            if not path.is_file():
                continue  # a fifo or a socket: helm skips it too
            budget.take(path.stat().st_size, path)
            shutil.copyfile(path, target / inside / name)


def _walk_plain(folder: Path, most: int) -> dict[str, Path] | None:
    """Every file under `folder` by its path relative to it; None if anything there is a
    link or not a regular file or folder, or there are more than `most` entries."""
    found: dict[str, Path] = {}
    count = 0
    for current, folders, files in os.walk(folder, followlinks=False):
        for name in (*folders, *files):
            count += 1
            path = Path(current) / name
            mode = path.lstat().st_mode
            if count > most or stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                return None
        for name in files:
            found[(Path(current) / name).relative_to(folder).as_posix()] = Path(current) / name
    return dict(sorted(found.items()))


def _sha_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_verified(source: Path, target: Path, files: Mapping[str, str]) -> bool:
    """Copy exactly `files` (path -> sha256) from `source` to `target`, each checked as
    it is copied; False when the folder holds anything else, a link, or other bytes."""
    # Folders count as entries too; an entry holds a few archives in one folder.
    names = _walk_plain(source, 4 * len(files) + 16)
    if names is None or set(names) != set(files):
        return False
    for name, path in names.items():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as reader, destination.open("wb") as writer:
            for block in iter(lambda: reader.read(_CHUNK), b""):
                digest.update(block)
                writer.write(block)
        if not hmac.compare_digest(digest.hexdigest(), files[name]):
            return False
    return True


def _intact(entry: Entry) -> bool:
    """Whether an entry's charts/ holds exactly its manifest's files."""
    names = _walk_plain(entry.charts, 4 * len(entry.files) + 16)
    return (
        names is not None
        and set(names) == set(entry.files)
        and all(_sha_file(path) == entry.files[name] for name, path in names.items())
    )


def _remove(path: Path) -> None:
    """Remove a file, a link (never what it points to) or a folder."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)


def _hash_folder(
    digest: Any, folder: Path, label: str, budget: _Budget, avoid: frozenset[str]
) -> None:
    """Feed every file under `folder` (links followed, as helm reads them, and the folders
    in `avoid` left out, as in _copy_folder) to `digest`."""
    entries: list[tuple[str, Path]] = []
    seen: set[str] = set(avoid)
    for current, folders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        folders.sort()
        entries += [(str(Path(current, f).relative_to(folder)), Path(current, f)) for f in files]
    for name, path in sorted(entries):
        if not path.is_file():
            continue
        budget.take(path.stat().st_size, path)
        digest.update(f"{label}\0{name}\0{path.stat().st_size}\0".encode())
        digest.update(_sha_file(path).encode())


# --- the cache ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A cache entry: the charts/ folder helm built, and what it holds."""

    folder: Path  # .gate-cache/dependencies/<key>
    files: Mapping[str, str]  # path under charts/ -> sha256
    archives: Mapping[str, str]  # dependency name -> its archive, a path under charts/

    @property
    def charts(self) -> Path:
        return self.folder / "charts"


def _mac(key: bytes, name: str, files: Mapping[str, str], archives: Mapping[str, str]) -> str:
    payload = json.dumps(
        ["gate-dependencies", _FORMAT, name, dict(sorted(files.items())), dict(archives)],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _read_manifest(folder: Path, name: str, key: bytes) -> Entry | None:
    """The entry at `folder`, if its manifest is one this machine signed for `name`."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    try:
        descriptor = os.open(
            folder / _MANIFEST, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        )
        with os.fdopen(descriptor, "rb") as handle:
            data = json.loads(handle.read(_MANIFEST_BYTES + 1)[:_MANIFEST_BYTES])
        files, archives, mac = data["files"], data["archives"], data["mac"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (
        isinstance(files, dict)
        and isinstance(archives, dict)
        and isinstance(mac, str)
        and data.get("key") == name
        and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
        and all(isinstance(k, str) and isinstance(v, str) for k, v in archives.items())
    ):
        return None
    if not hmac.compare_digest(mac, _mac(key, name, files, archives)):
        return None
    return Entry(folder, files, archives)


# --- building -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What one build needs: the chart, its file:// dependencies (every level), and which
    of them lack dependencies, in the order they must be built (deepest first)."""

    chart: Declared
    local: tuple[Declared, ...]  # every file:// dependency, at any depth
    to_build: tuple[Declared, ...]  # those lacking a dependency, then the chart itself


class Charts:
    """The folder helm renders for each chart of one command, built once per chart.

    Use as a context manager: the temporary copies are removed when the command ends,
    whether it ends well, with an error, or with SIGINT or SIGTERM."""

    def __init__(self, config: GateConfig, helm: Helm) -> None:
        self.config, self.helm = config, helm
        self.limits = config.limits
        self.fence = config.fence
        self.mode = config.helm.dependencies
        self.cache = config.cache_settings.dir / "dependencies"
        self._built: dict[Path, BuiltChart] = {}
        self._temporary: list[Path] = []
        self._key: bytes | None = None
        self._key_read = False
        # Never copied or hashed, even when a chart is the repository's root folder.
        self._avoid = frozenset(
            os.path.realpath(p) for p in (self.fence.git, config.cache_settings.dir)
        )

    def __enter__(self) -> Charts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for folder in self._temporary:
            shutil.rmtree(folder, ignore_errors=True)
        self._temporary.clear()

    def folder(self, chart: Path) -> Path:
        return self.built(chart).folder

    def built(self, chart: Path) -> BuiltChart:
        if chart not in self._built:
            self._built[chart] = self._resolve(chart)
        return self._built[chart]

    # -- deciding

    def _resolve(self, chart: Path) -> BuiltChart:
        try:
            own = declared(chart, self.limits)
        except GateError:
            return BuiltChart(chart, chart)  # helm says what is wrong with it when it renders
        missing = lacking(own, self.limits) if own.dependencies else []
        if not missing:
            return BuiltChart(chart, chart)
        if self.mode == VENDORED:
            raise _not_vendored(own, *missing[0])
        plan = self._plan(own)
        name = self._cache_key(plan)
        entry = self._cached(name)
        folder = self._render_copy(chart, entry.charts, entry.files) if entry else None
        if entry is None or folder is None:
            entry, folder = self._build(plan, name)
        return BuiltChart(chart, folder, self._sources(own, entry))

    def _plan(self, chart: Declared) -> _Plan:
        """Walk the file:// dependencies, refusing any outside the fence or in a circle."""
        local: list[Declared] = []
        order: list[Declared] = []
        visiting: list[Path] = []

        def visit(current: Declared) -> None:
            visiting.append(current.folder)
            for dependency in current.dependencies:
                if dependency.repository.startswith(("@", "alias:")):
                    raise _named_repository(current, dependency)
                if not dependency.local:
                    continue
                folder = current.local_folder(dependency)
                if folder in visiting:
                    raise GateError(
                        f"the file:// dependency {dependency.name} ({dependency.repository}) "
                        "leads back to a chart that depends on it; helm cannot build a "
                        "circle of charts: remove one of the dependencies",
                        current.file,
                        dependency.line,
                    )
                if any(d.folder == folder for d in local):
                    continue
                what = f"the file:// dependency {dependency.name}"
                self.fence.check_read(folder, what, current.file, dependency.line)
                if not (folder / "Chart.yaml").is_file():
                    raise GateError(
                        f"dependency {dependency.name} names {dependency.repository}, but "
                        f"{folder} holds no Chart.yaml; fix the path (relative to "
                        f"{current.folder})",
                        current.file,
                        dependency.line,
                    )
                self.fence.check_links(folder, f"chart {folder}")
                below = declared(folder, self.limits)
                local.append(below)
                visit(below)
                if below.dependencies and lacking(below, self.limits):
                    order.append(below)
            visiting.pop()

        visit(chart)
        for current in (chart, *order):
            for dependency, _ in lacking(current, self.limits):
                if not dependency.repository:
                    raise _no_repository(current, dependency)
        return _Plan(chart, tuple(local), (*order, chart))

    def _cache_key(self, plan: _Plan) -> str:
        """The sha256 of everything that decides what helm puts in charts/."""
        digest = hashlib.sha256(f"gate-dependencies\0{_FORMAT}\0{self.helm.version}\0".encode())
        budget = _Budget(self.limits, self.limits.archive_bytes)
        top = plan.chart.folder
        for name in ("Chart.yaml", "Chart.lock", "requirements.yaml", "requirements.lock"):
            path = top / name
            digest.update(f"own\0{name}\0".encode())
            digest.update(_sha_file(path).encode() if path.is_file() else b"-")
        if (top / "charts").is_dir():
            _hash_folder(digest, top / "charts", "charts", budget, self._avoid)
        for index, local in enumerate(plan.local):
            # Where it lies relative to the chart matters too: helm finds it by that path.
            relative = os.path.relpath(local.folder, top)
            digest.update(f"local\0{index}\0{relative}\0".encode())
            _hash_folder(digest, local.folder, f"local{index}", budget, self._avoid)
        return digest.hexdigest()[:40]

    def _machine_key(self) -> bytes | None:
        if not self._key_read:
            self._key, self._key_read = machine_key(self.fence), True
        return self._key

    def _cached(self, name: str) -> Entry | None:
        key = self._machine_key()
        if key is None or not self._cache_usable():
            return None
        entry = _read_manifest(self.cache / name, name, key)
        if entry is not None:
            with contextlib.suppress(OSError):  # least recently used goes first
                os.utime(entry.folder / _MANIFEST, follow_symlinks=False)
        return entry

    def _cache_usable(self) -> bool:
        """.gate-cache/dependencies is a folder of the repository itself: a pull request
        can commit .gate-cache as a link, out of the repository or into a chart folder."""
        links = (self.cache.parent.is_symlink(), self.cache.is_symlink())
        return not any(links) and self.fence.may_write(self.cache / "entry" / _MANIFEST)

    def _render_copy(self, chart: Path, charts: Path, files: Mapping[str, str]) -> Path | None:
        """A temporary chart folder for helm: the user's files, with `charts` as charts/
        (each file checked against `files` as it is copied); None when they differ."""
        base = Path(tempfile.mkdtemp(prefix="gate-chart-"))
        self._temporary.append(base)
        folder = base / (chart.absolute().name or "chart")
        budget = _Budget(self.limits, self.limits.archive_bytes)
        _copy_folder(chart, folder, budget, frozenset({"charts"}), self._avoid)
        (folder / "charts").mkdir(exist_ok=True)
        if not _copy_verified(charts, folder / "charts", files):
            shutil.rmtree(base, ignore_errors=True)
            self._temporary.remove(base)
            return None
        return folder

    def _sources(self, chart: Declared, entry: Entry | None, depth: int = 0) -> tuple[Source, ...]:
        """Where each dependency's files are shown: a file:// one at its folder (and its
        own file:// dependencies below it), a fetched one in the entry's archive. Fetched
        dependencies of a file:// dependency are inside its archive and not named."""
        sources: list[Source] = []
        for dependency in chart.dependencies:
            if dependency.local and depth < 10:
                folder = chart.local_folder(dependency)
                below = self._sources(declared(folder, self.limits), None, depth + 1)
                sources.append(Source(dependency.shown, dependency.name, folder, below=below))
            elif entry is not None and dependency.name in entry.archives:
                archive = self.fence.relative(entry.charts / entry.archives[dependency.name])
                sources.append(Source(dependency.shown, dependency.name, archive=archive))
        return tuple(sources)

    # -- building

    def _build(self, plan: _Plan, name: str) -> tuple[Entry, Path]:
        """Build, copy for rendering, then store: what helm renders is this build's own
        copy, whatever another gate does to the cache meanwhile."""
        if not self._cache_usable():
            raise GateError(
                "gate builds this chart's dependencies into .gate-cache/dependencies/, but "
                "that folder is a link or leads out of the repository; remove the link "
                "(.gate-cache belongs in .gitignore)",
                self.fence.relative(self.cache),
            )
        self.cache.mkdir(parents=True, exist_ok=True)
        self._prune_stale()
        build = Path(tempfile.mkdtemp(prefix=".build-", dir=self.cache))
        try:
            staged, files, archives = self._build_in(plan, name, build)
            folder = self._render_copy(plan.chart.folder, staged / "charts", files)
            if folder is None:
                raise GateError(
                    "the dependencies gate just built changed while it copied them; "
                    "is another program writing into .gate-cache/dependencies?",
                    self.cache,
                )
            entry = self._install(staged, Entry(self.cache / name, files, archives))
        finally:
            shutil.rmtree(build, ignore_errors=True)
        self._prune(keep=entry.folder)
        return entry, folder

    def _build_in(
        self, plan: _Plan, name: str, build: Path
    ) -> tuple[Path, dict[str, str], dict[str, str]]:
        """helm dependency build on copies; the staged entry folder, its files, and the
        archive of each dependency."""
        # The chart and its file:// dependencies keep their places relative to each other,
        # so that every `file://../x` in the copies finds the copy of x.
        folders = [plan.chart.folder, *(d.folder for d in plan.local)]
        common = Path(os.path.commonpath([os.path.abspath(f) for f in folders]))
        work = build / "src"
        budget = _Budget(self.limits, self.limits.archive_bytes)
        copies: dict[Path, Path] = {}
        for folder in folders:
            copy = work / Path(os.path.abspath(folder)).relative_to(common)
            _copy_folder(folder, copy, budget, frozenset(), self._avoid)
            copies[folder] = copy
        with tempfile.TemporaryDirectory(prefix="gate-helm-home-") as home:
            env = isolated_env(Path(home))
            self._add_repositories(plan, env)
            for chart in plan.to_build:
                self._helm_build(chart, copies, env)
        top = copies[plan.chart.folder]
        try:
            read_chart(top, self.limits)  # every archive helm fetched, within gate's limits
        except GateError as error:
            archive = Path(error.file).name if error.file else "an archive"
            raise GateError(
                f"a dependency helm fetched for this chart is refused ({archive}): {error.message}",
                plan.chart.file,
            ) from None
        charts = top / "charts"
        listing = _walk_plain(charts, 4 * MAX_MEMBERS)
        if listing is None:
            raise GateError(
                "helm dependency build left a link or a special file in charts/; gate "
                "does not cache that",
                plan.chart.file,
            )
        files = {path: _sha_file(full) for path, full in listing.items()}
        archives = _archives(top, set(files), self.limits)
        staged = build / "entry"
        staged.mkdir()
        os.rename(charts, staged / "charts")
        key = self._machine_key()
        manifest = {
            "key": name,
            "helm": self.helm.version,
            "files": files,
            "archives": archives,
            # Without a key outside the repository nothing can be trusted later: the
            # entry is used for this run only, and a later run builds again.
            "mac": _mac(key, name, files, archives) if key is not None else "",
        }
        (staged / _MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        return staged, files, archives

    def _install(self, staged: Path, entry: Entry) -> Entry:
        """Rename the staged entry into place. If another gate got there first with an
        entry this machine signed for the same files, that one stays; anything else there
        is replaced (a link is renamed away, never followed)."""
        final = entry.folder
        if self._machine_key() is None:
            # Unsigned, it could never be used, and it must not replace an entry another
            # gate signed (two gates at once: one made the key while the other read it).
            return entry
        for _ in range(3):
            try:
                os.rename(staged, final)
                return entry
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                    raise GateError(
                        f"the built dependencies cannot be stored ({exc.strerror or exc}); "
                        "check that .gate-cache/ is writable",
                        final,
                    ) from None
            key = self._machine_key()
            existing = _read_manifest(final, final.name, key) if key is not None else None
            if existing is not None and existing.files == entry.files and _intact(existing):
                return existing
            trash = final.parent / f".trash-{secrets.token_hex(8)}"
            with contextlib.suppress(FileNotFoundError):
                os.rename(final, trash)
            _remove(trash)
        raise GateError(
            "the built dependencies cannot be stored: something keeps replacing the entry; "
            "is another program writing into .gate-cache/dependencies?",
            final,
        )

    def _prune_stale(self) -> None:
        """Build and trash folders a killed gate left behind."""
        now = time.time()
        with contextlib.suppress(OSError):
            for path in self.cache.iterdir():
                if path.name.startswith((".build-", ".trash-")):
                    with contextlib.suppress(OSError):
                        if now - path.lstat().st_mtime > _STALE_SECONDS:
                            _remove(path)

    def _prune(self, keep: Path) -> None:
        """At most MAX_ENTRIES entries: the least recently used go."""
        entries: list[tuple[float, Path]] = []
        with contextlib.suppress(OSError):
            for path in self.cache.iterdir():
                if path.name.startswith(".") or path == keep:
                    continue
                manifest = path / _MANIFEST
                with contextlib.suppress(OSError):
                    entries.append((manifest.lstat().st_mtime, path))
                    continue
                entries.append((0.0, path))
        entries.sort()
        for _, path in entries[: max(0, len(entries) - (MAX_ENTRIES - 1))]:
            _remove(path)

    # -- helm

    def _add_repositories(self, plan: _Plan, env: dict[str, str]) -> None:
        """`helm repo add` every chart repository the charts to build name by URL: with a
        Chart.lock, `helm dependency build` refuses a URL that was never added."""
        added: set[str] = set()
        for chart in plan.to_build:
            for dependency in chart.dependencies:
                url = dependency.repository
                if not url.startswith(("https://", "http://")) or url in added:
                    continue
                name = f"gate-{len(added) + 1}"
                added.add(url)
                done = self._helm(
                    ["repo", "add", name, url], env, chart, dependency, "helm repo add"
                )
                if done is not None:
                    raise _fetch_failed(chart, dependency, done)

    def _helm_build(
        self, chart: Declared, copies: Mapping[Path, Path], env: dict[str, str]
    ) -> None:
        copy = copies[chart.folder]
        # Repositories were added (and their indexes fetched) just before.
        failure = self._helm(
            ["dependency", "build", "--skip-refresh", str(copy)],
            env,
            chart,
            None,
            "helm dependency build",
        )
        if failure is None:
            return
        for folder, copied in copies.items():
            failure = failure.replace(str(copied), str(folder))
        dependency = _blamed(chart, failure)
        raise _fetch_failed(chart, dependency, failure)

    def _helm(
        self,
        args: list[str],
        env: dict[str, str],
        chart: Declared,
        dependency: Dependency | None,
        what: str,
    ) -> str | None:
        """Run helm; None when it succeeded, else its reason (one line)."""
        timeout = self.config.helm.timeout
        try:
            done = run_bounded([self.helm.path, *args], env, timeout, _HELM_OUTPUT)
        except TimedOut:
            repositories = sorted(
                {d.repository for d in chart.dependencies if d.repository and not d.local}
            )
            raise GateError(
                f"{what} for {chart.folder} did not finish within {timeout:g}s (helm.timeout "
                f"in gate.yaml) while fetching from {', '.join(repositories) or 'its repositories'}"
                f"; check that this machine reaches them, or vendor the dependencies: run "
                f"`helm dependency build {chart.folder}`, commit charts/ and set "
                "helm.dependencies: vendored in gate.yaml",
                chart.file,
                dependency.line if dependency else None,
            ) from None
        except (OutputTooLarge, OutputHeld):
            return f"{what} printed more than gate reads or kept its output open"
        except OSError as exc:
            raise GateError(f"helm could not be started: {exc}") from None
        if done.code == 0:
            return None
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        errors = [line for line in said if line.startswith("Error")]
        reason = (errors or said or [f"exited with code {done.code}"])[-1]
        return one_line(reason.removeprefix("Error: ").strip())


def _archives(chart: Path, files: set[str], limits: Limits) -> dict[str, str]:
    """Which archive under charts/ holds each locked dependency: helm names them
    `<name>-<version>.tgz` after the lock it wrote."""
    pinned = _locked(chart, ("Chart.lock", "requirements.lock"), limits)
    return {name: f"{name}-{v}.tgz" for name, v in pinned if f"{name}-{v}.tgz" in files}


_QUOTED = re.compile(r'"([^"]+)"')


def _blamed(chart: Declared, reason: str) -> Dependency | None:
    """The dependency helm's reason names (quoted, else as a word), if it names one."""
    for named in (set(_QUOTED.findall(reason)), set(re.findall(r"[\w.-]+", reason))):
        for dependency in chart.dependencies:
            if dependency.name in named:
                return dependency
    return chart.dependencies[0] if len(chart.dependencies) == 1 else None


# --- sentences ----------------------------------------------------------------------------


def _vendor_advice(chart: Declared) -> str:
    return (
        f"run `helm dependency build {chart.folder}` and commit charts/, or set "
        "helm.dependencies: build in gate.yaml"
    )


def _not_vendored(chart: Declared, dependency: Dependency, holds: str | None) -> GateError:
    locked = chart.locked.get(dependency.name)
    described = dependency.described(locked)
    if holds is None:
        message = f"dependency {described} is not in charts/"
    else:
        message = (
            f"charts/ holds {dependency.name} {holds}, but {_lock_name(chart)} names "
            f"{locked} (dependency {described})"
        )
    return GateError(
        f"{message}; helm.dependencies is vendored, so gate fetches nothing: "
        f"{_vendor_advice(chart)}",
        chart.file,
        dependency.line,
    )


def _lock_name(chart: Declared) -> str:
    return "requirements.lock" if chart.file.name == "requirements.yaml" else "Chart.lock"


def _no_repository(chart: Declared, dependency: Dependency) -> GateError:
    return GateError(
        f"dependency {dependency.described(chart.locked.get(dependency.name))} is not in "
        "charts/ and names no repository to fetch it from; add the chart to charts/, or "
        "give the dependency its `repository` (a chart repository URL, oci:// or file://)",
        chart.file,
        dependency.line,
    )


def _named_repository(chart: Declared, dependency: Dependency) -> GateError:
    return GateError(
        f"dependency {dependency.name} names the repository {dependency.repository!r}, a name "
        "given with `helm repo add` on someone's machine; gate builds with a helm home of its "
        "own, so write the repository's URL in its place (the URL `helm repo list` shows)",
        chart.file,
        dependency.line,
    )


def _fetch_failed(chart: Declared, dependency: Dependency | None, reason: str) -> GateError:
    if "out of sync" in reason:
        advice = f"run `helm dependency update {chart.folder}` and commit {_lock_name(chart)}"
    elif "valid version" in reason or "not found" in reason:
        advice = (
            "change the version in Chart.yaml to one the repository has (then run "
            f"`helm dependency update {chart.folder}` and commit {_lock_name(chart)})"
        )
    else:
        advice = (
            "check the repository URL and that this machine reaches it, or vendor the "
            f"dependency: run `helm dependency build {chart.folder}`, commit charts/ and set "
            "helm.dependencies: vendored in gate.yaml"
        )
    if dependency is not None:
        subject = f"dependency {dependency.described(chart.locked.get(dependency.name))}"
    else:
        names = ", ".join(d.described() for d in chart.dependencies if not d.local)
        subject = f"the dependencies ({names or 'file:// only'})"
    return GateError(
        f"{subject} could not be fetched: {reason}; {advice}",
        chart.file,
        dependency.line if dependency else None,
    )
