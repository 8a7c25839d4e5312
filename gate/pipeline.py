"""The pipeline: render -> split -> checks -> findings -> Report.

The CLI asks for a run and formats the Report; everything between lives here
so that tests and other front ends get the same gate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gate import result_cache
from gate.baseline import with_named_paths
from gate.chart import read_chart
from gate.checks import CHECK_RULES, golden
from gate.checks.locate import Locate, Locator, manifest_line
from gate.checks.overrides import (
    Tuning,
    apply_exemptions,
    check_exemption_rules,
    check_override_params,
)
from gate.checks.policies.engine import check_policies
from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import Policy
from gate.checks.policies.paths import Concrete
from gate.checks.policies.scope import helm_test_hook, skips_helm_tests
from gate.checks.schema import SchemaCheck
from gate.checks.schema.kubernetes import builtin_kinds
from gate.checks.suppressions import suppress
from gate.checks.values import (
    Analysis,
    Rendered,
    RenderProfiles,
    ValuesAnalysis,
    across_profiles,
)
from gate.config import GateConfig, Profile, Target, did_you_mean
from gate.dependencies import Charts
from gate.errors import GateError
from gate.golden_cache import GoldenDigests
from gate.golden_files import (
    golden_files,
    golden_path,
    golden_update_stops_cleanly,
    read_golden,
    write_all,
)
from gate.helm import Helm
from gate.limits import MiB, allow_nesting
from gate.model import Category, Finding, RenderedObject, RuleDoc, Severity, ValuesCoverage
from gate.normalize import digest, fingerprint, keyed, normalize
from gate.render import Rendering
from gate.render_cache import RenderCache, code_digest, file_digest, folder_digest
from gate.renderings import (
    Renderer,
    Split,
    normalized_split,
    render_failed,
    split_rendering,
    target_sources,
)
from gate.report import Report, RunLine
from gate.rules import rule_docs
from gate.split import SplitError, StreamContext, split_stream
from gate.timings import Timings
from gate.verdict import build_report

__all__ = [  # the stages' names, for the tests and benchmarks that import them from here
    "Gate",
    "GoldenWrite",
    "Pair",
    "Split",
    "normalized_split",
    "render_failed",
    "select",
    "split_rendering",
]

# The comparison that needs a pair's unstable values masked (gate/renderings.py).
GOLDEN_FILES = "golden files"
# The values analysis' own renders: at most this many times the profile's own render,
# and never less than the floor (seconds).
VARIANT_TIMEOUT_FACTOR = 10.0
VARIANT_TIMEOUT_FLOOR = 10.0

Pair = tuple[Target, Profile]


def select(config: GateConfig, targets: Sequence[str], profiles: Sequence[str]) -> list[Pair]:
    """The target x profile pairs a command asked for; unknown names are errors, and so
    is a gate.yaml with no targets: a gate that checks nothing must not pass."""
    if not config.targets and config.discovery_notes:
        # `discover:` found nothing gate can render: say why, at the first place.
        first = config.discovery_notes[0]
        raise GateError(
            f"gate.yaml's `discover:` found no target gate can render ({first.message}"
            + (
                f"; and {len(config.discovery_notes) - 1} more"
                if len(config.discovery_notes) > 1
                else ""
            )
            + "); add targets by hand under `targets:`",
            first.file,
            first.line,
        )
    if not config.targets:
        raise GateError(
            "gate.yaml defines no targets, so there is nothing to render or check; add one "
            "under `targets:` (`gate init` writes a starter)",
            config.file,
        )
    names = [t.name for t in config.targets]
    for name in targets:
        if name not in names:
            raise GateError(
                f"no target {name!r} in gate.yaml{did_you_mean(name, names)} "
                f"(targets: {', '.join(names) or 'none'})",
                config.file,
            )
    all_profiles = {p.name for t in config.targets for p in t.profiles}
    for name in profiles:
        if name not in all_profiles:
            raise GateError(
                f"no profile {name!r} in gate.yaml{did_you_mean(name, all_profiles)} "
                f"(profiles: {', '.join(sorted(all_profiles)) or 'none'})",
                config.file,
            )
    chosen = [t for t in config.targets if not targets or t.name in targets]
    return [(t, p) for t in chosen for p in t.profiles if not profiles or p.name in profiles]


@dataclass(frozen=True)
class GoldenWrite:
    path: Path
    status: str  # created | updated | unchanged


def run_line(
    split: Split,
    coverage: Mapping[tuple[str, str], ValuesCoverage | None] | None = None,
    skipped: Callable[[Sequence[RenderedObject]], int] | None = None,
) -> RunLine:
    rendering = split.rendering
    target, profile = rendering.target.name, rendering.profile.name
    values = (coverage or {}).get((target, profile))
    rendered = split.failure is None
    return RunLine(
        target,
        profile,
        len(split.objects),
        rendered,
        values,
        seconds=rendering.seconds,
        skipped=skipped(split.objects) if skipped else 0,
    )


@dataclass(frozen=True)
class Gate:
    """What every command that checks needs: configuration, policies, tuning."""

    config: GateConfig
    policies: tuple[Policy, ...]
    tuning: Tuning
    schema: SchemaCheck
    # --no-cache turns off the render cache and the golden digests (gate/golden_cache.py)
    cache_enabled: bool = True
    timings: Timings = field(default_factory=Timings)  # what --timings prints

    @classmethod
    def load(
        cls, config: GateConfig, cache_enabled: bool = True, timings: Timings | None = None
    ) -> Gate:
        allow_nesting(config.limits.yaml_depth)
        policies = tuple(
            load_policies(
                config.policies,
                builtin=config.builtin_policies,
                limits=config.limits,
                packs=config.packs,
            )
        )
        known = [p.id for p in policies] + list(CHECK_RULES)
        check_exemption_rules(config.exemptions, known, config.file)
        check_override_params(config.overrides, policies, config.file)
        try:
            schema = SchemaCheck(
                config.helm.kube_version, config.schemas.crds, config.schemas.strict, config.limits
            )
        except GateError as error:
            if error.file is not None:
                raise
            origin = config.helm.kube_version_from
            file = config.file if origin == "helm.kube_version" else None
            raise GateError(f"{origin}: {error.message}", file) from None
        # helm template answers `.Capabilities.APIVersions.Has "apps/v1/Deployment"` with
        # false (it knows group/versions only); a cluster of that version says true.
        served = builtin_kinds(config.helm.kube_version)
        extra = tuple(v for v in served if v not in config.helm.api_versions)
        helm = dataclasses.replace(config.helm, api_versions=(*config.helm.api_versions, *extra))
        config = dataclasses.replace(config, helm=helm)
        off = [p.id for p in policies if not p.enabled]
        tuning = Tuning(config.overrides, known, config.file, off_by_default=off)
        return cls(config, policies, tuning, schema, cache_enabled, timings or Timings())

    def charts(self, helm: Helm) -> Charts:
        """The folders helm renders, dependencies built where charts/ lacks them; a
        context manager, removed when the command is done."""
        return Charts(self.config, helm)

    def renderer(self, helm: Helm, charts: Charts) -> Renderer:
        """Renders for one command, through the render cache unless --no-cache; a context
        manager."""
        cache = None
        if self.cache_enabled:
            settings = self.config.cache_settings
            cache = RenderCache.open(
                settings.dir, self.config.fence, settings.max_mb * MiB, self.config.limits
            )
        return Renderer(helm, self.config, charts, cache, self.timings)

    def render(
        self,
        helm: Helm,
        pairs: Sequence[Pair],
        jobs: int,
        on_done: Callable[[Rendering], None] | None = None,
    ) -> list[Split]:
        """The pairs rendered, split and normalized as their golden files hold them."""
        with self.charts(helm) as charts, self.renderer(helm, charts) as renderer:
            done = renderer.run(pairs, jobs, lambda _: None, GOLDEN_FILES, on_done)
        return [d.split for d in done]

    # --- golden files ---------------------------------------------------------------------

    @property
    def golden_active(self) -> bool:
        """Golden files are compared once a repository has them or asks for them."""
        return self.config.golden.configured or self.config.golden.dir.is_dir()

    def golden_file(self, split: Split) -> Path:
        return golden_path(self.config.golden.dir, *split.names)

    @property
    def golden_digests(self) -> GoldenDigests | None:
        if not self.cache_enabled:
            return None
        return GoldenDigests.open(self.config.cache_settings.dir, self.config.fence)

    def golden_findings(self, splits: Sequence[Split]) -> list[Finding]:
        digests = self.golden_digests
        findings = [f for split in splits for f in self.golden_pair(split, digests)]
        return findings + self.golden_stale()

    def golden_pair(self, split: Split, digests: GoldenDigests | None) -> list[Finding]:
        """How one rendering compares with its golden file."""
        if split.failure is not None:
            return []
        target, profile = split.names
        path = self.golden_file(split)
        findings: list[Finding] = []
        if split.unstable:
            findings.append(golden.nondeterministic(dict(split.unstable), target, profile, path))
        existing = read_golden(path, self.config.fence)
        if existing is None:
            return [*findings, golden.missing(path, target, profile)]
        known = digests.get(path, existing.text) if digests else None
        drift = golden.compare(split.normalized, existing, target, profile, known)
        if digests and known is None and not drift:
            # No drift: today's objects are the golden ones, digest for digest.
            digests.put(path, existing.text, _digests(split))
        return findings + drift

    def golden_stale(self) -> list[Finding]:
        """Golden files of pairs gate.yaml no longer has."""
        configured = {(t.name, p.name) for t in self.config.targets for p in t.profiles}
        return [
            golden.stale(path, target, profile)
            for target, profile, path in golden_files(self.config.golden.dir)
            if (target, profile) not in configured
        ]

    def write_golden(self, splits: Sequence[Split]) -> list[GoldenWrite]:
        """Rewrite the golden files of `splits`, all or none: a rendering that failed
        stops the update before any file is touched."""
        failed = [s.failure for s in splits if s.failure is not None]
        if failed:
            first = failed[0]
            raise GateError(
                f"{first.target}/{first.profile} did not render ({first.message}); "
                "no golden file was written",
                first.file or None,
                first.line,
            )
        writes: list[GoldenWrite] = []
        texts: list[tuple[Path, str, Split]] = []
        for split in splits:
            path = self.golden_file(split)
            text = normalize(split.normalized)
            old = read_golden(path, self.config.fence)
            status = "created" if old is None else ("unchanged" if old.text == text else "updated")
            writes.append(GoldenWrite(path, status))
            texts.append((path, text, split))
        changed = [
            (path, text)
            for (path, text, _), w in zip(texts, writes, strict=True)
            if w.status != "unchanged"
        ]
        write_all(self.config.golden.dir, changed, self.config.fence)
        digests = self.golden_digests
        if digests is not None:
            for path, text, split in texts:
                digests.put(path, text, _digests(split))
        return writes

    def discovery_findings(self) -> list[Finding]:
        """What gate.yaml `discover:` found but cannot render as the deployer does."""
        return [
            Finding(
                Category.VALUES,
                "discovery-unsupported",
                Severity.WARNING,
                note.message,
                file=str(note.file),
                line=note.line,
            )
            for note in self.config.discovery_notes
        ]

    @property
    def known_rules(self) -> frozenset[str]:
        """Every rule id a gate.yaml override or exemption, or an annotation, may name."""
        return frozenset(p.id for p in self.policies) | frozenset(CHECK_RULES)

    def run_lines(
        self, splits: Sequence[Split], analyses: Sequence[Analysis] = ()
    ) -> list[RunLine]:
        """The run lines, each with the values coverage of its pair when the analysis ran
        and the objects gate's own policies skipped."""
        coverage = {(a.target, a.profile): a.coverage for a in analyses}
        return [run_line(split, coverage, self.skipped_objects) for split in splits]

    def skipped_objects(self, objects: Sequence[RenderedObject]) -> int:
        """How many of `objects` gate's own policies leave alone (helm test hooks, unless
        gate.yaml says `helm_tests: check`): the reports say so, nothing disappears."""
        if self.config.helm_tests != "skip" or not any(p.pack for p in self.policies):
            return 0
        return sum(1 for obj in objects if helm_test_hook(obj))

    def skips(self, policy: Policy, obj: RenderedObject) -> bool:
        """Whether `policy` does not run on `obj`: off there (`enabled: false` and no
        override turning it on), or gate's own and `obj` a skipped helm test hook."""
        if not self.tuning.enabled(policy.id, obj.target, obj.profile):
            return True
        return self.config.helm_tests == "skip" and skips_helm_tests(policy, obj)

    def check_objects(self, objects: Sequence[RenderedObject], locate: Locate) -> list[Finding]:
        """Schema and policy findings for the objects of one rendering."""
        tuning = self.tuning
        with self.timings.stage("schema", len(objects)):
            findings = self.schema.check(objects, locate)
        with self.timings.stage("policies", len(objects)):
            findings += check_policies(
                self.policies,
                objects,
                params_for=lambda policy, obj: tuning.params(
                    policy.id, policy.params, obj.target, obj.profile
                ),
                locate=locate,
                skips=self.skips,
            )
        return suppress(findings, objects, locate, self.known_rules)

    def check_split(self, split: Split) -> list[Finding]:
        """Schema and policy findings for a rendering, each at its template's line, in
        the charts it was rendered from."""
        sources = split.sources or target_sources(split.rendering.target, self.config.limits)
        return self.check_objects(split.objects, Locator(sources))

    def finish(
        self,
        findings: Sequence[Finding],
        runs: Sequence[RunLine],
        helm: str = "",
        today: dt.date | None = None,
    ) -> Report:
        """Tune, exempt, order and count: the Report every format prints. Every file is
        named relative to the repository root here, wherever it was found."""
        relative = self.config.fence.relative
        findings = [*findings, *self.discovery_findings()]
        tuned = [
            dataclasses.replace(f, file=relative(f.file))
            for f in (self.tuning.adjust(f) for f in findings)
            if f is not None
        ]
        ran = [(run.target, run.profile) for run in runs]
        final = apply_exemptions(
            tuned, self.config.exemptions, ran, today or dt.date.today(), self.config.file
        )
        return dataclasses.replace(build_report(final, runs, helm), rules=self.rules())

    def rules(self) -> tuple[RuleDoc, ...]:
        """What every loaded policy and check rule finds, and where it is documented: the
        rule metadata of a SARIF report. Links to the repository's own policy files are
        made where GitHub Actions says which commit runs (gate/rules.py)."""
        return rule_docs(self.policies, self.config.fence, os.environ)

    def check(
        self,
        helm: Helm,
        pairs: Sequence[Pair],
        jobs: int,
        on_done: Callable[[Rendering], None] | None = None,
        update_golden: bool = False,
    ) -> tuple[Report, list[GoldenWrite]]:
        """The pre-merge gate; with `update_golden`, golden files are rewritten
        (when everything rendered) instead of compared."""
        if update_golden:
            with golden_update_stops_cleanly():
                return self._check(helm, pairs, jobs, on_done, update_golden)
        return self._check(helm, pairs, jobs, on_done, update_golden)

    def update_golden(self, helm: Helm, pairs: Sequence[Pair], jobs: int) -> list[GoldenWrite]:
        """`gate golden update`: render and rewrite, all or none."""
        with golden_update_stops_cleanly():
            return self.write_golden(self.render(helm, pairs, jobs))

    def _check(
        self,
        helm: Helm,
        pairs: Sequence[Pair],
        jobs: int,
        on_done: Callable[[Rendering], None] | None,
        update_golden: bool,
    ) -> tuple[Report, list[GoldenWrite]]:
        label = f"{helm.version} ({helm.path})"
        compared = update_golden or self.golden_active
        with self.charts(helm) as charts, self.renderer(helm, charts) as renderer:
            results, key = (None, None) if update_golden else self._kept_results(renderer, pairs)
            if results is not None and key is not None:
                kept = results.get(key)
                decoded = result_cache.decode(kept.stream) if kept is not None else None
                if decoded is not None:
                    self.timings.results_kept(len(pairs))
                    return self.finish(*decoded, label), []
            # Each rendering is checked, compared with its golden file and its values read
            # in the worker that rendered it, while helm renders the next one.
            digests = self.golden_digests if self.golden_active and not update_golden else None
            no_effect = self.config.values.no_effect

            def checked(split: Split) -> _Checked:
                findings = self.check_split(split)
                drift: list[Finding] = []
                if self.golden_active and not update_golden:
                    with self.timings.stage("golden"):
                        drift = self.golden_pair(split, digests)
                analysis = None
                if split.failure is None:
                    with self.timings.stage("values"):
                        analysis = self._analysis(renderer, split, jobs, no_effect)
                return _Checked(findings, drift, analysis)

            done = renderer.run(pairs, jobs, checked, GOLDEN_FILES if compared else None, on_done)
            splits = [d.split for d in done]
            findings = [s.failure for s in splits if s.failure is not None]
            for pair in done:
                findings += pair.result.findings
            findings += self._across_profiles(
                [(d.split, d.result.analysis) for d in done if d.result.analysis is not None]
            )
        findings = with_named_paths(findings, _bodies(splits))
        writes: list[GoldenWrite] = []
        if update_golden:
            if not findings or all(f.category is not Category.RENDER for f in findings):
                with self.timings.stage("golden"):
                    writes = self.write_golden(splits)
        elif self.golden_active:
            findings += [f for pair in done for f in pair.result.drift] + self.golden_stale()
        # The values coverage is `gate values`' to show; a check reports its findings only.
        runs = self.run_lines(splits)
        if results is not None and key is not None:
            text = result_cache.encode(findings, runs)
            if text is not None:
                results.put(key, text)
                results.prune()
        return self.finish(findings, runs, label), writes

    def _kept_results(
        self, renderer: Renderer, pairs: Sequence[Pair]
    ) -> tuple[RenderCache | None, str | None]:
        """Where the findings of checks are kept, and the key of this one (gate/
        result_cache.py); (None, None) when there is no cache, or an input cannot be
        hashed (a chart folder past the bounds): then nothing is kept."""
        if renderer.cache is None:
            return None, None
        settings, limits = self.config.cache_settings, self.config.limits
        results = RenderCache.open(
            settings.dir, self.config.fence, settings.max_mb * MiB, limits, kind="results"
        )
        if results is None:
            return None, None
        # The working folder too: findings name files as found from it until finish()
        # makes them root-relative.
        parts: list[object] = [code_digest(), os.getcwd(), file_digest(self.config.file, limits)]
        parts += sorted({(p.file, file_digest(Path(p.file), limits)) for p in self.policies})
        parts += [(str(c), file_digest(c, limits)) for c in self.config.schemas.crds]
        for target, profile in pairs:
            folder = renderer.charts.folder(target.chart)
            parts.append((target.name, profile.name, renderer.key(target, profile, folder)))
            # A discovered profile's files: its findings point at their lines.
            parts += [(str(f), file_digest(f, limits)) for f in profile.inputs]
        if self.golden_active:
            golden = self.config.golden.dir
            parts.append(("golden", folder_digest(golden, limits) if golden.is_dir() else ""))
        if any(part is None or (isinstance(part, tuple) and None in part) for part in parts):
            return None, None
        return results, result_cache.results_key(parts)

    # --- values -------------------------------------------------------------------------

    def values_findings(
        self, renderer: Renderer, splits: Sequence[Split], jobs: int, no_effect: bool
    ) -> tuple[list[Finding], list[Analysis]]:
        """Unknown keys (and, with `no_effect`, keys with no effect) of every rendering,
        read from and re-rendered with the chart folders `renderer` renders."""
        with self.timings.stage("values"):
            analyses = [
                (split, self._analysis(renderer, split, jobs, no_effect))
                for split in splits
                if split.failure is None
            ]
            return self._across_profiles(analyses), [a for _, a in analyses]

    def _analysis(self, renderer: Renderer, split: Split, jobs: int, no_effect: bool) -> Analysis:
        """The values analysis of one rendering (that rendered)."""
        target, profile = split.rendering.target, split.rendering.profile
        masks = _Masks(renderer, split)
        folder = renderer.charts.folder(target.chart)
        return ValuesAnalysis(
            target,
            profile,
            self.config.file,
            read_chart(folder, self.config.limits),
            functools.partial(_masked_fingerprint, split, masks),
            self._variant_renderer(renderer, split, masks, jobs),
            self.config.values.max_renders,
            self.config.values.free_form,
            self.config.limits,
            self._shown(split),
            renderer.profile_values(target, profile),
        ).run(no_effect)

    @staticmethod
    def _across_profiles(analyses: Sequence[tuple[Split, Analysis]]) -> list[Finding]:
        """The findings of each target's analyses, judged across its profiles."""
        by_target: dict[str, list[tuple[Profile, Analysis]]] = {}
        for split, analysis in analyses:
            rendering = split.rendering
            by_target.setdefault(rendering.target.name, []).append((rendering.profile, analysis))
        return [f for found in by_target.values() for f in across_profiles(found)]

    def _shown(self, split: Split) -> Callable[[str], str]:
        """helm's name of a template as a report names its file (root-relative)."""
        sources, relative = split.sources, self.config.fence.relative
        if sources is None:
            return str
        return lambda name: relative(sources.file(name))

    def _variant_renderer(
        self, renderer: Renderer, split: Split, masks: _Masks, jobs: int
    ) -> RenderProfiles:
        """Renders variants of a profile's values for the values analysis: through the
        render cache, `jobs` at a time, each seen through the pair's masks. A variant
        helm renders byte for byte as the profile itself (a key with no effect: what
        the analysis looks for) is that rendering, and is not split again: a chart with
        megabytes of CRDs costs one comparison of texts per variant, not a parse."""
        limits = self.config.limits
        target = split.rendering.target
        built = renderer.charts.built(target.chart)
        baseline = functools.cache(functools.partial(_masked_fingerprint, split, masks))
        # A variant's values can make a template loop for long (a number marked as
        # 1,000,000 in `until`): its render gets a few times the profile's own time, and
        # one that runs out is a failed variant, which the analysis reads as "has an
        # effect", never as a finding.
        timeout = max(VARIANT_TIMEOUT_FLOOR, VARIANT_TIMEOUT_FACTOR * split.rendering.seconds)

        def one(profile: Profile) -> Rendered:
            rendering, _, _ = renderer.rendering(target, profile, "values", timeout)
            if rendering.ok and rendering.stream == split.rendering.stream:
                return (baseline(), rendering.stream)
            variant = split_rendering(rendering, limits, built)
            if variant.failure is not None:
                return (None, rendering.error or "")
            return (fingerprint(variant.objects, masks()), rendering.stream)

        def render(profiles: Sequence[Profile]) -> list[Rendered]:
            masks()  # a second rendering, when one is needed, comes before the variants
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                return list(pool.map(one, profiles))

        return render

    def values(
        self, helm: Helm, pairs: Sequence[Pair], jobs: int, no_effect: bool
    ) -> tuple[Report, list[Analysis]]:
        """The values analysis alone: what `gate values` shows."""
        with self.charts(helm) as charts, self.renderer(helm, charts) as renderer:
            splits = [d.split for d in renderer.run(pairs, jobs, lambda _: None)]
            findings = [s.failure for s in splits if s.failure is not None]
            found, analyses = self.values_findings(renderer, splits, jobs, no_effect)
        label = f"{helm.version} ({helm.path})"
        return self.finish(findings + found, self.run_lines(splits, analyses), label), analyses

    def diff(self, helm: Helm, pairs: Sequence[Pair], jobs: int) -> Report:
        """Only the golden comparison: what `gate diff` shows."""
        splits = self.render(helm, pairs, jobs)
        findings = [s.failure for s in splits if s.failure is not None]
        with self.timings.stage("golden"):
            findings += self.golden_findings(splits)
        return self.finish(findings, self.run_lines(splits), f"{helm.version} ({helm.path})")

    def validate(
        self, manifests: Sequence[tuple[str, str]], profile: str, namespace: str
    ) -> Report:
        """Policies on plain manifests: (label, text) pairs such as a file and its content."""
        findings: list[Finding] = []
        runs: list[RunLine] = []
        for label, text in manifests:
            context = StreamContext(
                label, profile, namespace, chart=None, file=label, limits=self.config.limits
            )
            began = time.perf_counter()
            problems: list[SplitError] = []
            try:
                objects = split_stream(text, context, problems)
            except SplitError as exc:  # past a bound: the file as a whole
                findings.append(render_failed(label, profile, exc.message, label, exc.line))
                runs.append(RunLine(label, profile, 0, False))
                continue
            # A document gate cannot take is reported where it is; the others are checked.
            findings += [
                Finding(
                    Category.SCHEMA,
                    "schema-invalid",
                    Severity.ERROR,
                    problem.message,
                    target=label,
                    profile=profile,
                    file=label,
                    line=problem.line,
                )
                for problem in problems
            ]
            self.timings.add("split", time.perf_counter() - began, len(objects))
            runs.append(
                RunLine(label, profile, len(objects), True, skipped=self.skipped_objects(objects))
            )
            findings += self.check_objects(
                objects,
                lambda obj, path, text=text: (  # type: ignore[misc]
                    obj.file,
                    manifest_line(text, obj.line, path, obj.body),
                ),
            )
        return self.finish(findings, runs)


class _Masks:
    """The values that change between renders of a pair, as the values analysis compares
    renderings through them: known when the pair was normalized for golden files, else
    found on first use (a second rendering, only when the chart is random)."""

    def __init__(self, renderer: Renderer, split: Split) -> None:
        self.renderer, self.split = renderer, split
        self._masks: dict[str, Sequence[Concrete]] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Sequence[Concrete]]:
        with self._lock:
            if self._masks is None:
                split = self.split
                if not split.masked:
                    split = self.renderer.normalized(split, "values analysis")
                self._masks = dict(split.unstable)
            return self._masks


@dataclass(frozen=True)
class _Checked:
    """What the worker that rendered a pair found in it."""

    findings: list[Finding]  # schema and policies
    drift: list[Finding]  # its golden file, when golden files are compared
    analysis: Analysis | None  # its values, when it rendered


def _masked_fingerprint(split: Split, masks: _Masks) -> frozenset[tuple[str, str]]:
    return fingerprint(split.objects, masks())


def _digests(split: Split) -> dict[str, str]:
    return {key: digest(obj.body) for key, obj in keyed(split.normalized)}


def _bodies(splits: Sequence[Split]) -> dict[tuple[str, str, str], object]:
    """Each rendered object by (target, profile, identity), for the baseline's names."""
    bodies: dict[tuple[str, str, str], object] = {}
    for split in splits:
        for obj in split.objects:
            bodies.setdefault((obj.target, obj.profile, obj.identity), obj.body)
    return bodies
