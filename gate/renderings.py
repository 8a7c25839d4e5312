"""From target x profile pairs to split renderings: what every command that renders asks.

`Renderer` renders each pair through the render cache (gate/render_cache.py),
a second time only where a comparison needs the values that change between
renders masked (golden files, or the values analysis' confirming renders) and
the chart's reachable templates use randomness (gate/randomness.py), and
splits each rendering, and runs the caller's checks on it, in the worker that
rendered it: the objects of one rendering are checked while helm renders the
next.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from gate.checks.policies.paths import Concrete, compile_path
from gate.checks.values.settings import ProfileValues
from gate.config import GateConfig, Profile, Target
from gate.dependencies import BuiltChart, Charts
from gate.helm import Helm
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import Category, Finding, RenderedObject, Severity, lines_shown, one_line
from gate.normalize import mask, sort_key, unstable_paths
from gate.randomness import reachable_randomness
from gate.render import Rendering, helm_home, render, template_args
from gate.render_cache import Kept, RenderCache, folder_digest, render_key
from gate.sources import Sources, chart_sources
from gate.split import SplitError, StreamContext, split_stream
from gate.timings import Timings

Pair = tuple[Target, Profile]
T = TypeVar("T")


@dataclass(frozen=True)
class Split:
    """A rendering taken apart: its objects, or the finding that says why not.

    `objects` are as helm rendered them (what policies see); `normalized` are
    the same objects with unstable values masked, in golden-file order; and
    `unstable` lists, per identity, the paths that were masked.
    """

    rendering: Rendering
    objects: tuple[RenderedObject, ...]
    failure: Finding | None
    normalized: tuple[RenderedObject, ...] = ()
    unstable: tuple[tuple[str, tuple[Concrete, ...]], ...] = ()
    sources: Sources | None = None  # where its templates are (gate/sources.py)
    masked: bool = False  # masked_split has run: `unstable` says what differs
    cache_key: str | None = None  # the rendering's key in the render cache, if it has one

    @property
    def names(self) -> tuple[str, str]:
        return self.rendering.target.name, self.rendering.profile.name


def normalized_split(split: Split, second: Split | None, ignore: Sequence[str]) -> Split:
    """Mask what differs from a second rendering of the same inputs, and `golden.ignore`."""
    unstable = {}
    if split.failure is None and second is not None and second.failure is None:
        unstable = unstable_paths(split.objects, second.objects)
    return masked_split(split, unstable, ignore)


def masked_split(
    split: Split, unstable: Mapping[int, Sequence[Concrete]], ignore: Sequence[str]
) -> Split:
    """The split normalized as its golden file holds it: the `unstable` paths (by object
    position) and `golden.ignore` masked, objects in golden order."""
    if split.failure is not None:
        return split
    paths = {index: list(found) for index, found in unstable.items()}
    masked = mask(split.objects, paths, [compile_path(p) for p in ignore])
    listed = tuple(
        (masked[index].identity, tuple(paths)) for index, paths in sorted(unstable.items())
    )
    return dataclasses.replace(
        split, normalized=tuple(sorted(masked, key=sort_key)), unstable=listed, masked=True
    )


def target_sources(
    target: Target, limits: Limits = DEFAULT_LIMITS, built: BuiltChart | None = None
) -> Sources:
    """Where the templates of a target's renderings are on disk: the one place that says
    which charts a target renders from. `built`: the chart as gate built it (a copy whose
    charts/ holds the dependencies gate fetched); its templates are read from the copy
    helm rendered, and shown where a person opens them (BuiltChart.file_for)."""
    if built is None or not built.built:
        return chart_sources(target.chart, limits)
    return chart_sources(target.chart, limits, built.folder, built.file_for)


def split_rendering(
    rendering: Rendering,
    limits: Limits = DEFAULT_LIMITS,
    built: BuiltChart | None = None,
    sources: Sources | None = None,
) -> Split:
    """`built`: the target's chart as gate built it, so that a template from a dependency
    gate fetched points at its archive."""
    target, profile = rendering.target, rendering.profile
    sources = sources or target_sources(target, limits, built)
    if not rendering.ok:
        file, line = rendering.error_location(sources)
        return Split(
            rendering,
            (),
            render_failed(
                target.name, profile.name, rendering.error or "helm template failed", file, line
            ),
        )
    context = StreamContext(
        target.name,
        profile.name,
        target.namespace_of(profile),
        target.chart,
        limits=limits,
        sources=sources,
    )
    try:
        objects = tuple(split_stream(rendering.stream, context))
        return Split(rendering, objects, None, sources=sources)
    except SplitError as exc:
        file = sources.file(exc.source) if exc.source else sources.chart_yaml
        return Split(
            rendering, (), render_failed(target.name, profile.name, exc.message, file, None)
        )


def render_failed(target: str, profile: str, message: str, file: str, line: int | None) -> Finding:
    """helm could not render, or what it rendered cannot be taken apart: exit 2. helm's
    words quote template names and content: each of their lines is shown as one line."""
    return Finding(
        Category.RENDER,
        "render-failed",
        Severity.ERROR,
        lines_shown(message),
        target=target,
        profile=profile,
        file=one_line(file),
        line=line,
    )


@dataclass(frozen=True)
class Done(Generic[T]):
    """One pair rendered, split, and what the caller's `then` made of it."""

    split: Split
    result: T


class Renderer:
    """Renders pairs for one command: each chart folder resolved (dependencies built) and
    hashed once, helm's home shared, renderings taken from the cache where it has them.
    Use as a context manager: helm's temporary home is removed at the end."""

    def __init__(
        self,
        helm: Helm,
        config: GateConfig,
        charts: Charts,
        cache: RenderCache | None,
        timings: Timings,
    ) -> None:
        self.helm, self.config, self.charts = helm, config, charts
        self.cache, self.timings = cache, timings
        self.limits = config.limits
        self._digests: dict[Path, str | None] = {}
        self._random: dict[tuple[str, str], str | None] = {}  # by (target, profile) name
        self._chart_sources: dict[Path, Sources] = {}
        self._values: dict[tuple[str, str], ProfileValues] = {}
        self._lock = threading.Lock()
        self._home = helm_home()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *_: object) -> None:
        self._home.cleanup()
        if self.cache is not None:
            self.cache.prune()

    # --- one rendering ----------------------------------------------------------------

    def key(self, target: Target, profile: Profile, folder: Path) -> str | None:
        """The pair's key in the render cache (None without a cache, or when the chart
        folder cannot be hashed)."""
        if self.cache is None:
            return None
        with self._lock:
            if folder not in self._digests:
                self._digests[folder] = folder_digest(folder, self.limits)
            digest = self._digests[folder]
        if digest is None:
            return None
        # The chart as gate.yaml names it and the values files by content: a built copy
        # or a variant values file in a new temporary folder is the same rendering.
        arguments = template_args(self.helm, target, profile, self.config.helm, Path("chart"))
        values = {str(path) for path in profile.values}
        named = ["values" if a.removeprefix("--values=") in values else a for a in arguments]
        return render_key(self.helm, named[1:], digest, profile.values, self.limits)

    def _helm(
        self,
        target: Target,
        profile: Profile,
        folder: Path,
        stage: str,
        timeout: float | None = None,
    ) -> Rendering:
        self.timings.helm_call(stage)
        settings = self.config.helm
        if timeout is not None and timeout < settings.timeout:
            settings = dataclasses.replace(settings, timeout=timeout)
        rendering = render(
            self.helm, target, profile, settings, Path(self._home.name), self.limits, folder
        )
        self.timings.add(stage, rendering.seconds)
        return rendering

    def rendering(
        self,
        target: Target,
        profile: Profile,
        stage: str = "render",
        timeout: float | None = None,
    ) -> tuple[Rendering, Kept | None, str | None]:
        """One rendering of a pair, from the cache or from helm (then kept in the cache
        when helm succeeded); what the cache held; the pair's cache key. `timeout`
        shortens helm.timeout for this call."""
        began = time.perf_counter()
        folder = self.charts.folder(target.chart)
        key = self.key(target, profile, folder)
        kept = self.cache.get(key) if self.cache is not None and key is not None else None
        if kept is not None:
            self.timings.cache_hit(stage)
            seconds = time.perf_counter() - began  # a rendering's time, from the cache
            return Rendering(target, profile, kept.stream, None, seconds), kept, key
        rendering = self._helm(target, profile, folder, stage, timeout)
        if rendering.ok and self.cache is not None and key is not None:
            self.cache.put(key, rendering.stream)
        return rendering, None, key

    def split(self, rendering: Rendering, cache_key: str | None = None) -> Split:
        target = rendering.target
        began = time.perf_counter()
        built = self.charts.built(target.chart)
        split = split_rendering(rendering, self.limits, built, self._sources(target, built))
        self.timings.add("split", time.perf_counter() - began, len(split.objects))
        return dataclasses.replace(split, cache_key=cache_key) if cache_key else split

    def _sources(self, target: Target, built: BuiltChart) -> Sources:
        """The target's sources, read once per chart folder for the command."""
        with self._lock:
            if target.chart not in self._chart_sources:
                self._chart_sources[target.chart] = target_sources(target, self.limits, built)
            return self._chart_sources[target.chart]

    # --- randomness -------------------------------------------------------------------

    def profile_values(self, target: Target, profile: Profile) -> ProfileValues:
        """The profile's values files and `set`, read once for the command: the
        randomness of a pair and its values analysis both read them."""
        with self._lock:
            known = self._values.get((target.name, profile.name))
        if known is None:
            known = ProfileValues(profile, self.config.file, self.limits)
            with self._lock:
                self._values[(target.name, profile.name)] = known
        return known

    def random_reason(self, target: Target, profile: Profile) -> str | None:
        """Why renderings of the pair may differ each time, or None: gate/randomness.py
        on the chart helm renders, with the profile's values as helm merges them (a
        random helper behind a condition the profile leaves false does not count)."""
        with self._lock:
            if (target.name, profile.name) in self._random:
                return self._random[(target.name, profile.name)]
        values = self.profile_values(target, profile)
        documents = [source.data for source in values.sources] + [values.set_source.data]
        folder = self.charts.folder(target.chart)
        randomness = reachable_randomness(folder, self.limits, documents)
        reason = None
        if randomness.random:
            reason = randomness.reasons[0] if randomness.reasons else "its templates may be random"
        with self._lock:
            self._random[(target.name, profile.name)] = reason
        return reason

    def normalized(self, split: Split, why: str, kept: Kept | None = None) -> Split:
        """The split with its unstable values masked for the comparison `why` names. When
        the chart's reachable templates use randomness, what differs from a second
        rendering is masked: the mask the cache kept (`kept`), else a second rendering
        from helm, whose mask is then kept beside the first."""
        if split.failure is not None:
            return split
        target, profile = split.rendering.target, split.rendering.profile
        reason = self.random_reason(target, profile)
        unstable: dict[int, list[Concrete]] = {}
        if reason is not None and kept is None and self.cache is not None and split.cache_key:
            kept = self.cache.get(split.cache_key)  # a mask kept by an earlier run
        if reason is not None:
            cached = kept is not None and kept.mask is not None
            self.timings.second_render(target.name, f"{why}; {reason}", cached)
            if kept is not None and kept.mask is not None:
                unstable = {index: list(paths) for index, paths in kept.mask}
            else:
                folder = self.charts.folder(target.chart)
                second = self.split(self._helm(target, profile, folder, "render"))
                if second.failure is None:
                    unstable = unstable_paths(split.objects, second.objects)
                    if self.cache is not None and split.cache_key is not None:
                        mask = sorted(unstable.items())
                        self.cache.put(split.cache_key, split.rendering.stream, mask)
        began = time.perf_counter()
        result = masked_split(split, unstable, self.config.golden.ignore)
        self.timings.add("golden", time.perf_counter() - began)
        return result

    # --- many ---------------------------------------------------------------------------

    def run(
        self,
        pairs: Sequence[Pair],
        jobs: int,
        then: Callable[[Split], T],
        masked_for: str | None = None,
        on_done: Callable[[Rendering], None] | None = None,
    ) -> list[Done[T]]:
        """Every pair rendered, split and passed to `then`, `jobs` at a time, in the order
        of `pairs`; with `masked_for` (the comparison that needs it), normalized too."""
        for target, _ in pairs:  # dependencies are built once, before any rendering
            self.charts.folder(target.chart)
        # The checks share what they compile (schemas, policies) as they go: one rendering
        # is checked at a time, while helm renders the others.
        checking = threading.Lock()

        def one(pair: Pair) -> Done[T]:
            rendering, kept, key = self.rendering(*pair)
            if on_done is not None:
                on_done(rendering)
            split = self.split(rendering, key)
            if masked_for is not None:
                split = self.normalized(split, masked_for, kept)
            with checking:
                return Done(split, then(split))

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, pairs))
