"""gate.yaml: read once, validated once, turned into frozen settings.

Everything downstream trusts these dataclasses; every mistake a person can make
in gate.yaml is caught here and named with its file, line and a did-you-mean.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.checks.policies.packs import available_packs
from gate.checks.policies.paths import compile_path
from gate.discovery import HelmSource, Note
from gate.discovery.argocd import read_applications
from gate.discovery.flux import read_helm_releases
from gate.discovery.helmfile import read_helmfile
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, LIMIT_KEYS, Limits
from gate.model import Severity
from gate.repository import Fence, find_root, readable_folders
from gate.yamlload import Located, PathKey, load_located

DEFAULT_KUBE_VERSION = "1.31.0"
# Names are matched whole (fullmatch): `$` would also accept a trailing newline.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
KUBE_VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?")
# helm's own rules: a release name is a DNS-1123 subdomain of at most 53 characters, a
# namespace a DNS-1123 label. Checked here, so no value can reach helm as a flag.
_RELEASE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
MAX_TIMEOUT = 3600.0
# The cache folder, relative to the repository root, when gate.yaml does not name one.
DEFAULT_CACHE_DIR = ".gate-cache"
# helm.dependencies: build what charts/ lacks into .gate-cache/ (gate/dependencies.py), or
# use only what the chart folder holds.
DEPENDENCY_MODES = ("build", "vendored")


@dataclass(frozen=True)
class HelmSettings:
    kube_version: str = DEFAULT_KUBE_VERSION
    api_versions: tuple[str, ...] = ()
    timeout: float = 60.0
    kube_version_from: str = "helm.kube_version"  # or --kube-version, for error messages
    dependencies: str = "build"  # one of DEPENDENCY_MODES


@dataclass(frozen=True)
class Profile:
    name: str
    values: tuple[Path, ...] = ()
    set: tuple[tuple[str, Any], ...] = ()
    set_lines: tuple[int | None, ...] = ()  # gate.yaml line of each `set` entry
    # A discovered profile (gate/discovery/) renders as its deployer does: its own
    # release and namespace (None: the target's), CRDs left out when it says so, and
    # the file and line it came from.
    release: str | None = None
    namespace: str | None = None
    include_crds: bool = True
    origin: str | None = None
    inputs: tuple[Path, ...] = ()  # the files that define a discovered profile
    set_file: Path | None = None  # where `set` is written (None: gate.yaml)


@dataclass(frozen=True)
class Target:
    name: str
    chart: Path
    release: str
    namespace: str
    profiles: tuple[Profile, ...]

    def profile(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def release_of(self, profile: Profile) -> str:
        return profile.release or self.release

    def namespace_of(self, profile: Profile) -> str:
        return profile.namespace or self.namespace


@dataclass(frozen=True)
class GoldenSettings:
    dir: Path
    ignore: tuple[str, ...] = ()
    configured: bool = False  # gate.yaml has a `golden:` section


@dataclass(frozen=True)
class CacheSettings:
    """Where gate keeps what it can reuse between runs (renderings, golden digests,
    built dependencies), and how large the renderings may grow."""

    dir: Path
    max_mb: int = 512


@dataclass(frozen=True)
class SchemaSettings:
    crds: tuple[Path, ...] = ()
    strict: bool = False


@dataclass(frozen=True)
class ValuesSettings:
    no_effect: bool = False
    max_renders: int = 200
    free_form: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    """Tunes one policy for the targets and profiles its globs match."""

    rule: str
    target: str = "*"
    profile: str = "*"
    params: tuple[tuple[str, Any], ...] = ()
    severity: Severity | None = None
    enabled: bool | None = None
    line: int | None = None


@dataclass(frozen=True)
class Exemption:
    rule: str
    reason: str
    target: str = "*"
    profile: str = "*"
    object: str = "*"
    expires: dt.date | None = None
    line: int | None = None


@dataclass(frozen=True)
class GateConfig:
    file: Path
    helm: HelmSettings
    policies: tuple[Path, ...]
    builtin_policies: bool
    golden: GoldenSettings
    targets: tuple[Target, ...]
    schemas: SchemaSettings
    values: ValuesSettings
    overrides: tuple[Override, ...]
    exemptions: tuple[Exemption, ...]
    fence: Fence
    limits: Limits = DEFAULT_LIMITS
    cache: CacheSettings | None = None  # None: `.gate-cache` at the root (see cache_settings)
    fail_on: str = "error"  # the lowest severity that fails the gate; --fail-on wins
    packs: tuple[str, ...] = ()  # opt-in policy packs, names checked against gate's own
    # "skip": gate's own policies leave helm test hooks alone (helm install never
    # creates them); "check": they check them like any workload
    helm_tests: str = "skip"
    # What `discover:` found but cannot render as the deployer would (gate/discovery/):
    # each a discovery-unsupported warning in every report.
    discovery_notes: tuple[Note, ...] = ()

    @property
    def root(self) -> Path:
        """The repository root: the git work tree holding gate.yaml, else its folder."""
        return self.fence.root

    @property
    def cache_settings(self) -> CacheSettings:
        return self.cache or CacheSettings(dir=self.root / DEFAULT_CACHE_DIR)


# --- shape checking -------------------------------------------------------------------------
# A spec is a type name, a dict of field specs (a mapping with known keys), or a
# one-item list (a list of that spec). `MAP_OF` wraps a spec for free-form keys.

Spec = Any


@dataclass(frozen=True)
class MapOf:
    item: Spec


TYPE_CHECKS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "str": ("a string", lambda v: isinstance(v, str)),
    "int": ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "number": (
        "a number",
        lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    ),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "any": ("anything", lambda v: True),
    # A datetime is a date to Python, but not to an `expires:` that is compared with today.
    "date": (
        "a date (YYYY-MM-DD)",
        lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    ),
}

OVERRIDE_SPEC = {
    "rule": "str",
    "target": "str",
    "profile": "str",
    "params": MapOf("any"),
    "severity": "str",
    "enabled": "bool",
}
EXEMPTION_SPEC = {
    "rule": "str",
    "target": "str",
    "profile": "str",
    "object": "str",
    "reason": "str",
    "expires": "date",
}
PROFILE_SPEC = {"values": ["str"], "set": MapOf("any"), "release": "str", "namespace": "str"}
TARGET_SPEC = {
    "name": "str",
    "chart": "str",
    "release": "str",
    "namespace": "str",
    "profiles": MapOf(PROFILE_SPEC),
}
CONFIG_SPEC = {
    "helm": {
        "kube_version": "str",
        "api_versions": ["str"],
        "timeout": "number",
        "dependencies": "str",
    },
    "policies": ["str"],
    "builtin_policies": "bool",
    "packs": ["str"],
    "helm_tests": "str",
    "golden": {"dir": "str", "ignore": ["str"]},
    "cache": {"dir": "str", "max_mb": "int"},
    "targets": [TARGET_SPEC],
    "discover": [{"argocd": "str", "flux": "str", "helmfile": "str"}],
    "schemas": {"crds": ["str"], "strict": "bool"},
    "values": {"no_effect": "bool", "max_renders": "int", "free_form": ["str"]},
    "overrides": [OVERRIDE_SPEC],
    "exemptions": [EXEMPTION_SPEC],
    "read_outside": ["str"],
    "fail_on": "str",
    "limits": dict.fromkeys(LIMIT_KEYS, "int"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "targets[]": ("name", "chart"),
    "overrides[]": ("rule",),
    "exemptions[]": ("rule", "reason"),
}


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Checker:
    def __init__(self, doc: Located):
        self.doc = doc
        self.fence = Fence(Path(doc.file).absolute().parent)
        self.limits = DEFAULT_LIMITS

    def readable(
        self, entries: list[str], base: Path, where: PathKey, what: str
    ) -> tuple[Path, ...]:
        """Paths relative to gate.yaml that must stay inside the repository."""
        paths = tuple(clean(base / entry) for entry in entries)
        for index, path in enumerate(paths):
            self.fence.check_read(path, what, self.doc.file, self.doc.line_of((*where, index)))
            if path.is_dir():
                self.fence.check_links(path, f"the folder {path}")
        return paths

    def fail(self, path: PathKey, message: str) -> GateError:
        return GateError(message, self.doc.file, self.doc.line_of(path))

    def check(self, value: Any, spec: Spec, path: PathKey, shape: str) -> None:
        if isinstance(spec, str):
            label, ok = TYPE_CHECKS[spec]
            if not ok(value):
                raise self.fail(path, f"{dotted(path)} must be {label}, not {_describe(value)}")
        elif isinstance(spec, list):
            if not isinstance(value, list):
                raise self.fail(path, f"{dotted(path)} must be a list, not {_describe(value)}")
            for index, item in enumerate(value):
                self.check(item, spec[0], (*path, index), f"{shape}[]")
        elif isinstance(spec, MapOf):
            self._mapping(value, path)
            for key, item in value.items():
                if not isinstance(key, str):
                    raise self.fail(
                        path, f"{dotted(path)} has the key {key!r}; keys here are text, so quote it"
                    )
                self.check(item, spec.item, (*path, key), f"{shape}.*")
        else:
            if value is None and not shape.endswith("[]"):
                return  # `dev:` or `helm:` with nothing under it: an empty mapping
            if value is None and REQUIRED.get(shape):
                needs = " and ".join(repr(k) for k in REQUIRED[shape])
                raise self.fail(path, f"{dotted(path)} is empty; it needs {needs}")
            self._mapping(value, path)
            for key, item in value.items():
                if not isinstance(key, str) or key not in spec:
                    where = f" under {dotted(path)}" if path else ""
                    raise self.fail(
                        (*path, key),
                        f"unknown key {key!r}{where}{did_you_mean(str(key), spec)}",
                    )
                self.check(item, spec[key], (*path, key), f"{shape}.{key}" if shape else key)
            for key in REQUIRED.get(shape, ()):
                if key not in value:
                    raise self.fail(path, f"{dotted(path)} needs a {key!r} key")

    def _mapping(self, value: Any, path: PathKey) -> None:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"{dotted(path)} must be a mapping, not {_describe(value)}")


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"a {type(value).__name__}"


# --- building the settings ------------------------------------------------------------------


def clean(path: Path) -> Path:
    """`examples/x/../../charts/a` -> `charts/a`: paths as a user reads them in reports."""
    return Path(os.path.normpath(path))


def load_config(path: Path) -> GateConfig:
    """Read and validate gate.yaml; every problem is a GateError naming file and line."""
    if not path.exists():
        raise GateError(
            "no gate configuration here; pass --config FILE or write one with `gate init`",
            path,
        )
    doc = load_located(path, "gate.yaml")
    data = {} if doc.data is None else doc.data
    checker = _Checker(doc)
    checker.check(data, CONFIG_SPEC, (), "")
    # An empty section (`helm:` with nothing under it) means its defaults.
    data = {key: ({} if value is None else value) for key, value in data.items()}
    base = path.parent
    root = find_root(path)
    outside = data.get("read_outside", [])
    fence = Fence(
        root,
        readable_folders(
            outside,
            base,
            root,
            path,
            [doc.line_of(("read_outside", i)) for i in range(len(outside))],
        ),
    )
    checker.fence = fence
    checker.limits = _limits(data.get("limits", {}), checker)
    targets, notes = _with_discovered(
        _targets(data.get("targets", []), base, checker), data.get("discover", []), base, checker
    )
    return GateConfig(
        file=path,
        helm=_helm(data.get("helm", {}), checker),
        policies=checker.readable(data.get("policies", []), base, ("policies",), "policy file"),
        builtin_policies=data.get("builtin_policies", True),
        golden=_golden(data, base, checker),
        targets=targets,
        schemas=SchemaSettings(
            crds=checker.readable(
                data.get("schemas", {}).get("crds", []), base, ("schemas", "crds"), "CRD file"
            ),
            strict=data.get("schemas", {}).get("strict", False),
        ),
        values=_values(data.get("values", {})),
        overrides=tuple(_override(o, i, checker) for i, o in enumerate(data.get("overrides", []))),
        exemptions=tuple(
            Exemption(**e, line=doc.line_of(("exemptions", i)))
            for i, e in enumerate(data.get("exemptions", []))
        ),
        fence=fence,
        limits=checker.limits,
        cache=_cache(data, base, checker),
        fail_on=_fail_on(data, checker),
        packs=_packs(data.get("packs", []), checker),
        helm_tests=_choice(data, "helm_tests", HELM_TESTS_CHOICES, checker, HELM_TESTS_HINT),
        discovery_notes=notes,
    )


def default_config(file: Path) -> GateConfig:
    """The settings of an empty gate.yaml: the built-in pack, no targets."""
    return GateConfig(
        file=file,
        helm=HelmSettings(),
        policies=(),
        builtin_policies=True,
        golden=GoldenSettings(dir=clean(file.parent / "golden")),
        targets=(),
        schemas=SchemaSettings(),
        values=ValuesSettings(),
        overrides=(),
        exemptions=(),
        fence=Fence(find_root(file)),
    )


def _limits(data: dict[str, int], checker: _Checker) -> Limits:
    for key, value in data.items():
        if value <= 0:
            raise checker.fail(("limits", key), f"limits.{key} must be a positive whole number")
    return dataclasses.replace(DEFAULT_LIMITS, **data)


def _golden(data: dict[str, Any], root: Path, checker: _Checker) -> GoldenSettings:
    section = data.get("golden", {})
    for index, path in enumerate(section.get("ignore", [])):
        try:
            compile_path(path)
        except ValueError as exc:
            raise checker.fail(
                ("golden", "ignore", index), f"golden.ignore: invalid JSONPath {path!r} ({exc})"
            ) from None
    directory = clean(root / section.get("dir", "golden"))
    if not checker.fence.may_write(directory / "target"):
        raise checker.fail(
            ("golden", "dir"),
            f"golden.dir {section.get('dir')!r} resolves to {directory.resolve()}, outside the "
            f"repository {checker.fence.root}; golden files live inside the repository",
        )
    return GoldenSettings(
        dir=directory,
        ignore=tuple(section.get("ignore", [])),
        configured="golden" in data,
    )


# `fail_on:` in gate.yaml, as `--fail-on` takes it (gate/verdict.py FAIL_ON).
FAIL_ON_CHOICES = ("error", "warning")


def _fail_on(data: dict[str, Any], checker: _Checker) -> str:
    value = data.get("fail_on", "error")
    if value not in FAIL_ON_CHOICES:
        raise checker.fail(
            ("fail_on",),
            f"fail_on {value!r} is not one of {', '.join(FAIL_ON_CHOICES)} (the lowest "
            "severity that fails the gate)",
        )
    return str(value)


HELM_TESTS_CHOICES = ("skip", "check")
HELM_TESTS_HINT = (
    "skip: gate's own policies leave helm test hooks alone; check: they check them too"
)


def _choice(
    data: dict[str, Any], key: str, choices: tuple[str, ...], checker: _Checker, hint: str
) -> str:
    value = data.get(key, choices[0])
    if value not in choices:
        raise checker.fail(
            (key,),
            f"{key} {value!r} is not one of {', '.join(choices)}"
            f"{did_you_mean(str(value), choices)} ({hint})",
        )
    return str(value)


def _packs(names: list[str], checker: _Checker) -> tuple[str, ...]:
    known = available_packs()
    for i, name in enumerate(names):
        if name not in known:
            raise checker.fail(
                ("packs", i),
                f"there is no policy pack {name!r}{did_you_mean(name, known)}; gate ships "
                f"{', '.join(known) or 'none'} (see docs/policies.md#packs)",
            )
    return tuple(dict.fromkeys(names))


def _cache(data: dict[str, Any], base: Path, checker: _Checker) -> CacheSettings:
    section = data.get("cache", {})
    given = section.get("dir")
    directory = clean(base / given) if given else checker.fence.root / DEFAULT_CACHE_DIR
    # The default folder may be committed as a link out of the repository: gate then
    # neither reads nor writes there (each cache checks). A folder gate.yaml names
    # outside the repository is a mistake to say.
    if given and not checker.fence.may_write(directory / "renders" / "entry"):
        raise checker.fail(
            ("cache", "dir"),
            f"cache.dir {given!r} resolves to {directory.resolve()}, outside the repository "
            f"{checker.fence.root}; gate keeps its cache inside the repository (and out of "
            "git, with .gitignore)",
        )
    size = section.get("max_mb", 512)
    if size <= 0:
        raise checker.fail(("cache", "max_mb"), "cache.max_mb must be a positive whole number")
    return CacheSettings(dir=directory, max_mb=size)


def _values(data: dict[str, Any]) -> ValuesSettings:
    return ValuesSettings(
        no_effect=data.get("no_effect", False),
        max_renders=data.get("max_renders", 200),
        free_form=tuple(data.get("free_form", [])),
    )


def with_kube_version(config: GateConfig, kube_version: str) -> GateConfig:
    """The configuration with `--kube-version` in place of helm.kube_version."""
    if not KUBE_VERSION.fullmatch(kube_version):
        raise GateError(f"--kube-version {kube_version!r} is not a Kubernetes version like 1.31.0")
    helm = dataclasses.replace(
        config.helm, kube_version=kube_version.lstrip("v"), kube_version_from="--kube-version"
    )
    return dataclasses.replace(config, helm=helm)


def _helm(data: dict[str, Any], checker: _Checker) -> HelmSettings:
    kube_version = data.get("kube_version", DEFAULT_KUBE_VERSION)
    if not KUBE_VERSION.fullmatch(kube_version):
        raise checker.fail(
            ("helm", "kube_version"),
            f'helm.kube_version {kube_version!r} is not a Kubernetes version like "1.31.0"',
        )
    timeout = data.get("timeout", 60)
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        raise checker.fail(
            ("helm", "timeout"),
            f"helm.timeout must be a positive number of seconds, at most {MAX_TIMEOUT:g}, "
            f"not {timeout}",
        )
    dependencies = data.get("dependencies", "build")
    if dependencies not in DEPENDENCY_MODES:
        raise checker.fail(
            ("helm", "dependencies"),
            f"helm.dependencies must be {' or '.join(DEPENDENCY_MODES)}, not {dependencies!r}"
            f"{did_you_mean(dependencies, DEPENDENCY_MODES)}",
        )
    return HelmSettings(
        kube_version=kube_version.lstrip("v"),
        api_versions=tuple(data.get("api_versions", [])),
        timeout=float(timeout),
        dependencies=dependencies,
    )


def _targets(items: list[dict[str, Any]], root: Path, checker: _Checker) -> tuple[Target, ...]:
    targets: list[Target] = []
    for index, item in enumerate(items):
        where: PathKey = ("targets", index)
        name = item["name"]
        if not _NAME.fullmatch(name):
            raise checker.fail(
                (*where, "name"),
                f"target name {name!r} must be letters, digits, '.', '_' or '-' "
                "(it names the golden folder)",
            )
        if any(t.name == name for t in targets):
            raise checker.fail((*where, "name"), f"target {name!r} is defined twice")
        chart = clean(root / item["chart"])
        if not (chart / "Chart.yaml").is_file():
            raise checker.fail(
                (*where, "chart"),
                f"chart {item['chart']!r} of target {name!r} is not a chart folder "
                f"(no Chart.yaml in {chart}); fix the path, relative to gate.yaml",
            )
        line = checker.doc.line_of((*where, "chart"))
        checker.fence.check_read(chart, f"chart of target {name!r}", checker.doc.file, line)
        checker.fence.check_links(chart, f"chart {chart}")
        release = item.get("release", name)
        if not _RELEASE.fullmatch(release) or len(release) > 53:
            raise checker.fail(
                (*where, "release" if "release" in item else "name"),
                f"release name {release!r} of target {name!r} is not one helm accepts: lower-case "
                "letters, digits, '-' and '.', starting and ending with a letter or digit, at "
                "most 53 characters",
            )
        namespace = item.get("namespace", "default")
        if not _NAMESPACE.fullmatch(namespace) or len(namespace) > 63:
            raise checker.fail(
                (*where, "namespace"),
                f"namespace {namespace!r} of target {name!r} is not a Kubernetes namespace name: "
                "lower-case letters, digits and '-', starting and ending with a letter or digit, "
                "at most 63 characters",
            )
        profiles = item.get("profiles") or {"default": {}}
        targets.append(
            Target(
                name=name,
                chart=chart,
                release=release,
                namespace=namespace,
                profiles=tuple(
                    _profile(pname, pdata or {}, chart, root, checker, (*where, "profiles", pname))
                    for pname, pdata in profiles.items()
                ),
            )
        )
    return tuple(targets)


def _profile(
    name: str, data: dict[str, Any], chart: Path, root: Path, checker: _Checker, where: PathKey
) -> Profile:
    if not _NAME.fullmatch(name):
        raise checker.fail(where, f"profile name {name!r} must be letters, digits, '.', '_' or '-'")
    values: list[Path] = []
    for index, entry in enumerate(data.get("values", [])):
        # Relative to gate.yaml first (DESIGN.md); then to the chart, where
        # profile files usually live beside values.yaml.
        candidates = [clean(root / entry), clean(chart / entry)]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise checker.fail(
                (*where, "values", index),
                f"values file {entry!r} of profile {name!r} not found (looked in {root} "
                f"and in the chart folder {chart})",
            )
        checker.fence.check_read(
            found, "values file", checker.doc.file, checker.doc.line_of((*where, "values", index))
        )
        # helm would say "error converting YAML to JSON" without a line; we say where.
        parsed = load_located(found, "values file", limits=checker.limits)
        if parsed.data is not None and not isinstance(parsed.data, dict):
            raise GateError(
                "a values file must be a mapping of keys to values, not a "
                f"{type(parsed.data).__name__}",
                found,
                parsed.line_of(()),
            )
        values.append(found)
    entries = tuple(data.get("set", {}).items())
    lines = tuple(checker.doc.line_of((*where, "set", key)) for key, _ in entries)
    for key, pattern, most, what in (
        ("release", _RELEASE, 53, "a release name helm accepts"),
        ("namespace", _NAMESPACE, 63, "a Kubernetes namespace name"),
    ):
        value = data.get(key)
        if value is not None and (not pattern.fullmatch(value) or len(value) > most):
            raise checker.fail((*where, key), f"{key} {value!r} of profile {name!r} is not {what}")
    return Profile(
        name=name,
        values=tuple(values),
        set=entries,
        set_lines=lines,
        release=data.get("release"),
        namespace=data.get("namespace"),
    )


def _with_discovered(
    targets: tuple[Target, ...], entries: list[dict[str, str]], base: Path, checker: _Checker
) -> tuple[tuple[Target, ...], tuple[Note, ...]]:
    """The hand-written targets, then those `discover:` reads (gate/discovery/): for Argo
    CD and Flux one target per chart, named after its folder, one profile per
    Application or HelmRelease; for helmfile one target per release, one profile per
    environment."""
    if not entries:
        return targets, ()
    notes: list[Note] = []
    by_chart: dict[Path, list[HelmSource]] = {}
    named: list[tuple[str, list[HelmSource]]] = []
    for index, entry in enumerate(entries):
        if len(entry) != 1:
            raise checker.fail(
                ("discover", index),
                "each discover entry names one source, e.g. `- argocd: deploy/apps/`",
            )
        ((kind, given),) = entry.items()
        path = clean(base / given)
        where: PathKey = ("discover", index, kind)
        checker.fence.check_read(
            path, f"{kind} source", checker.doc.file, checker.doc.line_of(where)
        )
        if kind == "helmfile":
            if not path.is_file():
                raise checker.fail(where, f"{given!r} is not a helmfile")
            releases = read_helmfile(path, checker.fence, checker.limits)
            notes += releases.notes
            named += list(releases.targets.items())
            if not releases.targets and not releases.notes:
                notes.append(_found_nothing(checker, where, kind, given))
            continue
        if not path.is_dir():
            raise checker.fail(where, f"{given!r} is not a folder")
        read = read_applications if kind == "argocd" else read_helm_releases
        found = read(path, checker.fence.root, checker.fence, checker.limits)
        notes += found.notes
        if not found.sources and not found.notes:
            notes.append(_found_nothing(checker, where, kind, given))
        for source in found.sources:
            by_chart.setdefault(source.chart, []).append(source)
    names = {t.name for t in targets}
    out = list(targets)
    groups = named + [
        (chart.name if chart.name not in names else _path_name(chart, checker.fence.root), sources)
        for chart, sources in sorted(by_chart.items())
    ]
    for name, sources in groups:
        first = sources[0]
        if name in names or not _NAME.fullmatch(name):
            raise GateError(
                f"the deployments of chart {first.chart} would be target {name!r}, which "
                "gate.yaml already has (or which cannot name a folder); rename one",
                first.file,
                first.line,
            )
        names.add(name)
        out.append(Target(name, first.chart, first.release, first.namespace, _profiles(sources)))
    return tuple(out), tuple(notes)


_SOUGHT = {
    "argocd": "Argo CD Application or ApplicationSet",
    "flux": "Flux HelmRelease (a Flux Kustomization that points at another folder is not "
    "followed: name the folder that holds the HelmReleases)",
    "helmfile": "release",
}


def _found_nothing(checker: _Checker, where: PathKey, kind: str, given: str) -> Note:
    """A discover source that holds nothing of its kind: said, not silently empty."""
    return Note(
        Path(checker.doc.file),
        checker.doc.line_of(where),
        f"`{kind}: {given}` holds no {_SOUGHT[kind]}",
    )


def _path_name(chart: Path, root: Path) -> str:
    try:
        return "-".join(chart.relative_to(root).parts)
    except ValueError:
        return chart.name


def _profiles(sources: list[HelmSource]) -> tuple[Profile, ...]:
    """One profile per source, named after it; where two sources of one chart share a
    name (one HelmRelease per cluster folder), each is named `<its folder>-<name>`."""
    profiles: dict[str, Profile] = {}
    repeated = {s.name for s in sources if sum(1 for o in sources if o.name == s.name) > 1}
    for source in sources:
        where = f"{source.file}:{source.line}" if source.line else str(source.file)
        name = (
            f"{source.file.parent.name}-{source.name}" if source.name in repeated else source.name
        )
        if name in profiles:
            raise GateError(
                f"two deployments of chart {source.chart} would both be profile {name!r} "
                f"(the other is {profiles[name].origin}); rename one",
                source.file,
                source.line,
            )
        for label, value, pattern, most in (
            ("release name", source.release, _RELEASE, 53),
            ("namespace", source.namespace, _NAMESPACE, 63),
        ):
            if not pattern.fullmatch(value) or len(value) > most:
                raise GateError(
                    f"{source.name!r}: {label} {value!r} is not one helm and Kubernetes accept",
                    source.file,
                    source.line,
                )
        if not _NAME.fullmatch(name):
            raise GateError(
                f"{name!r} cannot name a profile (letters, digits, '.', '_' or '-')",
                source.file,
                source.line,
            )
        profiles[name] = Profile(
            name=name,
            values=source.values,
            set=source.set,
            set_lines=source.set_lines or (None,) * len(source.set),
            set_file=source.file,
            release=source.release,
            namespace=source.namespace,
            include_crds=source.include_crds,
            origin=where,
            inputs=source.inputs,
        )
    return tuple(profiles.values())


def _override(data: dict[str, Any], index: int, checker: _Checker) -> Override:
    severity = data.get("severity")
    if severity is not None and severity not in Severity.__members__.values():
        raise checker.fail(
            ("overrides", index, "severity"),
            f"severity {severity!r} must be one of error, warning, info"
            f"{did_you_mean(severity, [s.value for s in Severity])}",
        )
    return Override(
        rule=data["rule"],
        target=data.get("target", "*"),
        profile=data.get("profile", "*"),
        params=tuple(data.get("params", {}).items()),
        severity=Severity(severity) if severity else None,
        enabled=data.get("enabled"),
        line=checker.doc.line_of(("overrides", index)),
    )
