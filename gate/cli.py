"""The command line: parse options, call the pipeline, write reports. No logic of its own."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click
from click.shell_completion import get_completion_class

from gate import __version__, baseline
from gate.checks import CHECK_RULES
from gate.checks.policies.loader import load_policies
from gate.config import GateConfig, default_config, load_config, with_kube_version
from gate.docs import doc_path
from gate.errors import GateError
from gate.helm import Helm, find_helm
from gate.init import write_starter
from gate.model import Severity
from gate.normalize import normalize
from gate.pipeline import Gate, GoldenWrite, Pair, select
from gate.process import Interrupted, signals_stop_helm
from gate.render import Rendering
from gate.report import Report, Style, formatters, inert, plural
from gate.report.diff import format_report as format_diff
from gate.report.merge import merge, read
from gate.repository import Fence, find_root
from gate.selection import Chosen, choose
from gate.timings import Timings
from gate.verdict import FAIL_ON, rejudged
from gate.writes import append_step_summary, write_report


@dataclass(frozen=True)
class Output:
    """One `--format FORMAT[:PATH]`."""

    format: str
    path: Path | None


@dataclass(frozen=True)
class Common:
    """The options every command takes (DESIGN.md, "Command line")."""

    config_path: Path
    helm_path: str | None
    kube_version: str | None
    jobs: int
    outputs: tuple[Output, ...]
    formats_given: bool
    quiet: bool
    color_when: str  # auto, always or never (--color; --no-color is never)
    debug: bool
    cache: bool = True  # --no-cache: no render cache, no golden digests
    timings: Timings | None = None  # --timings: where the run's stages record their time

    def config(self, optional: bool = False) -> GateConfig:
        """gate.yaml, with --kube-version applied. With `optional`, a missing default
        ./gate.yaml means the defaults; a --config naming a missing file is still an
        error, so a typo there cannot quietly drop the user's policies."""
        if optional and not self.config_path.exists() and self.config_path == DEFAULT_CONFIG:
            config = default_config(self.config_path)
        else:
            config = load_config(self.config_path)
        return with_kube_version(config, self.kube_version) if self.kube_version else config

    def gate(self, optional: bool = False) -> tuple[GateConfig, Gate]:
        config = self.config(optional)
        return config, Gate.load(config, self.cache, self.timings or Timings())

    def helm(self) -> Helm:
        return find_helm(self.helm_path)

    def gate_and_helm(self) -> tuple[GateConfig, Gate, Callable[[], Helm]]:
        """gate.yaml, the Gate, and a call that gives helm, for a command that renders:
        helm is asked for its version while the configuration loads (tens of
        milliseconds each), and its errors still come where the command asks for it,
        after those of gate.yaml and the command's own options."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gate-helm-probe")
        probe = pool.submit(self.helm)
        pool.shutdown(wait=False)
        config, gate = self.gate()
        return config, gate, probe.result

    def color(self, err: bool = False) -> bool:
        return use_color(self.color_when, err)


def use_color(when: str, err: bool = False) -> bool:
    """`always` and `never` are the user's word; `auto` colours a terminal, unless
    NO_COLOR is set to anything but the empty string (https://no-color.org)."""
    if when != "auto":
        return when == "always"
    stream = sys.stderr if err else sys.stdout
    return not os.environ.get("NO_COLOR") and stream.isatty()


def echo(text: str, color: bool, err: bool = False) -> None:
    """click.echo strips colour from anything but a terminal; `--color always` means it."""
    click.echo(text, nl=False, err=err, color=color)


DEFAULT_CONFIG = Path("gate.yaml")
# The variable click's completion answers to; named once so `python -m gate` and the
# `gate` script agree (click would otherwise derive it from the program's name).
COMPLETE_VAR = "_GATE_COMPLETE"
_COMMON = (
    click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_CONFIG,
        show_default=True,
        help="gate.yaml to use.",
    ),
    click.option(
        "--helm",
        "helm_path",
        default=None,
        metavar="PATH",
        help="helm binary [default: $GATE_HELM, then helm on PATH].",
    ),
    click.option(
        "--kube-version",
        default=None,
        metavar="X.Y.Z",
        help="Kubernetes version to render and validate for [default: helm.kube_version].",
    ),
    click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=os.cpu_count() or 1,
        show_default="number of cores",
        help="helm processes at once.",
    ),
    click.option(
        "--format",
        "formats",
        multiple=True,
        metavar="FORMAT[:PATH]",
        help="text, json, junit, sarif, github or markdown; repeatable; no PATH means stdout.",
    ),
    click.option("--quiet", is_flag=True, help="Only the errors, and the verdict."),
    click.option(
        "--color",
        "color_when",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text output; auto colours a terminal unless NO_COLOR is set.",
    ),
    click.option("--no-color", is_flag=True, help="Same as --color never."),
    click.option(
        "--no-cache",
        is_flag=True,
        help="Render everything again: no render cache, no golden digests (cache.dir).",
    ),
    click.option(
        "--timings",
        is_flag=True,
        help="Print the time, objects, helm calls and cache hits of each stage on stderr.",
    ),
    click.option("--debug", is_flag=True, help="Show tracebacks."),
)


def default_formats() -> tuple[str, ...]:
    """What a command prints without --format: the text report; in GitHub Actions
    (GITHUB_ACTIONS=true) the github format, which is the same text report folded per
    target plus annotations, and appends the Markdown summary to the job summary."""
    return ("github",) if os.environ.get("GITHUB_ACTIONS") == "true" else ("text",)


def _outputs(formats: Sequence[str]) -> tuple[Output, ...]:
    known = formatters()
    outputs = []
    for value in formats or default_formats():
        name, _, path = value.partition(":")
        if name not in known:
            raise click.BadParameter(
                f"{name!r} is not one of {', '.join(known)}", param_hint="--format"
            )
        outputs.append(Output(name, Path(path) if path else None))
    return tuple(outputs)


# Selection and CI options (DESIGN.md, "Command line"; docs/selection.md).
def _selection_options(function: Any) -> Any:
    function = click.option(
        "--shard",
        default=None,
        metavar="K/N",
        help="Only the K-th of N parts of the target x profile pairs, balanced by "
        "estimated render cost (a CI matrix; merge with gate report merge).",
    )(function)
    return click.option(
        "--changed-since",
        default=None,
        metavar="REF",
        help="Only the targets whose chart, dependencies, values, golden or policy files "
        "changed since the git ref REF (every target when gate.yaml or the built-in pack did).",
    )(function)


def _baseline_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--baseline FILE`: read by check, written by baseline update."""
    return click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(path_type=Path),
        default=None,
        metavar="FILE",
        help=help_text,
    )


def _fail_on_option(shown: str = "gate.yaml fail_on, else error") -> Callable[[Any], Any]:
    return click.option(
        "--fail-on",
        type=click.Choice(list(FAIL_ON)),
        default=None,
        show_default=shown,
        help="The lowest severity that fails the gate.",
    )


def _fail_level(given: str | None, config: GateConfig) -> Severity:
    """--fail-on, else gate.yaml's fail_on (which defaults to error)."""
    return FAIL_ON[given or config.fail_on]


def _chosen(
    common: Common,
    config: GateConfig,
    gate: Gate,
    pairs: Sequence[Pair],
    changed_since: str | None,
    shard: str | None,
    baseline_file: Path | None = None,
) -> Chosen:
    chosen = choose(config, gate.policies, pairs, changed_since, shard, baseline_file)
    if not common.quiet:
        for line in chosen.lines():
            click.echo(f"gate: {line}", err=True)
    return chosen


def _fail(error: GateError) -> NoReturn:
    click.echo(f"gate: {error.render()}", err=True)
    sys.exit(2)


def _stopped(interrupt: Interrupted) -> NoReturn:
    """SIGINT or SIGTERM: every helm is already stopped and temporary folders are gone."""
    notes = "; ".join(getattr(interrupt, "__notes__", []))
    click.echo(f"gate: stopped by {interrupt}{'; ' + notes if notes else ''}", err=True)
    sys.exit(interrupt.exit_code)


def command(group: click.Group, name: str | None = None) -> Callable[[Callable[..., Any]], Any]:
    """A subcommand that takes the common options as one `common` argument, and exits 2
    with one sentence on any error (a traceback only with --debug)."""

    def decorate(function: Callable[..., Any]) -> Any:
        @functools.wraps(function)
        def wrapper(**kwargs: Any) -> Any:
            formats = kwargs.pop("formats")
            no_color, color_when = kwargs.pop("no_color"), kwargs.pop("color_when")
            common = Common(
                config_path=kwargs.pop("config_path"),
                helm_path=kwargs.pop("helm_path"),
                kube_version=kwargs.pop("kube_version"),
                jobs=kwargs.pop("jobs"),
                outputs=_outputs(formats),
                formats_given=bool(formats),
                quiet=kwargs.pop("quiet"),
                color_when="never" if no_color else color_when,
                debug=kwargs.pop("debug"),
                cache=not kwargs.pop("no_cache"),
                timings=Timings() if kwargs.pop("timings") else None,
            )
            try:
                with signals_stop_helm(), _timings_printed(common.timings):
                    return function(common=common, **kwargs)
            except BrokenPipeError:
                raise  # the reader went away: the group ends quietly (GateGroup.invoke)
            except Interrupted as interrupt:
                _stopped(interrupt)
            except GateError as error:
                if common.debug:
                    traceback.print_exc()
                _fail(error)
            except (click.exceptions.Exit, click.ClickException, SystemExit):
                raise
            except Exception as error:  # a bug in gate: still one sentence, still exit 2
                if common.debug:
                    traceback.print_exc()
                _fail(
                    GateError(
                        f"internal error ({error.__class__.__name__}: {error}); "
                        "rerun with --debug and report it"
                    )
                )

        for option in reversed(_COMMON):
            wrapper = option(wrapper)
        return group.command(name)(wrapper)

    return decorate


@contextlib.contextmanager
def _timings_printed(timings: Timings | None) -> Iterator[None]:
    """--timings: the table on stderr when the command ends, whatever its exit code."""
    try:
        yield
    finally:
        if timings is not None:
            click.echo(timings.table(), err=True, nl=False)


def _step_summary() -> Path | None:
    """The job summary file GitHub gives each step, when there is one."""
    value = os.environ.get("GITHUB_STEP_SUMMARY", "")
    return Path(value) if value else None


def write_reports(report: Report, common: Common, fence: Fence) -> None:
    if common.timings is None:
        _write_reports(report, common, fence)
        return
    with common.timings.stage("report"):
        _write_reports(report, common, fence)


def _write_reports(report: Report, common: Common, fence: Fence) -> None:
    """Each --format where it was asked for; and the text summary for the person at the
    terminal whatever was asked: on stdout when every report went to a file, on stderr
    when stdout carries a report (`--format json | jq`). The github format on stdout is
    the text report itself, folded per target, so it is not repeated beside it. The job
    summary is appended to, never replaced (docs/reports.md): `--format
    markdown:$GITHUB_STEP_SUMMARY` appends, and `--format github` appends the Markdown
    summary there itself."""
    known = formatters()
    summary = _step_summary()
    summarised = False
    for output in common.outputs:
        if output.path is None:
            color = common.color()
            echo(known[output.format](report, Style(color=color, quiet=common.quiet)), color)
            continue
        text = known[output.format](report, Style(color=False, quiet=common.quiet))
        if summary is not None and output.format == "markdown" and _same(output.path, summary):
            append_step_summary(summary, text, fence)
            summarised = True
        else:
            write_report(output.path, text, fence, output.format)
    if summary is not None and not summarised and any(o.format == "github" for o in common.outputs):
        text = known["markdown"](report, Style(color=False, quiet=common.quiet))
        append_step_summary(summary, text, fence)
    if any(o.format in ("text", "github") and o.path is None for o in common.outputs):
        return
    err = any(o.path is None for o in common.outputs)
    color = common.color(err)
    echo(known["text"](report, Style(color=color, quiet=common.quiet)), color, err)


def _same(path: Path, other: Path) -> bool:
    return os.path.realpath(path) == os.path.realpath(other)


def _say_render_failures(report: Report) -> None:
    for finding in report.findings:
        if finding.category.value == "render":
            # helm's lines quote the chart: none may start a CI log's workflow command
            lines = finding.message.split("\n")
            message = "\n".join([inert(lines[0]), *(inert(f"  {line}") for line in lines[1:])])
            click.echo(f"gate: {finding.target}/{finding.profile}: {message}", err=True)


def _say_writes(writes: Sequence[GoldenWrite], quiet: bool, err: bool) -> None:
    for write in writes:
        if write.status != "unchanged" or not quiet:
            click.echo(f"{write.status:<9} {write.path}", err=err)


class Progress:
    """`rendering 3/6 backstage/prod` on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done = total, 0
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, rendering: Rendering) -> None:
        self.done += 1
        if self.enabled:
            label = f"{rendering.target.name}/{rendering.profile.name}"
            click.echo(f"\r\x1b[Krendering {self.done}/{self.total} {label}", err=True, nl=False)

    def close(self) -> None:
        if self.enabled:
            click.echo("\r\x1b[K", err=True, nl=False)


def _version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"gate {__version__}")
    try:
        helm = find_helm(None)
    except GateError as error:
        _fail(error)
    click.echo(f"helm {helm.version} ({helm.path})")
    click.echo(f"docs {doc_path()}")
    ctx.exit(0)


def _pipe_closed() -> NoReturn:
    """The reader of stdout went away (`gate policies | head`): end quietly, with the
    status a shell gives a program that SIGPIPE ended (128 + 13). What is still buffered
    goes nowhere, so the interpreter's last flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout with no file descriptor (a test runner's)
        pass
    sys.exit(128 + signal.SIGPIPE)


class GateGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _pipe_closed()


@click.group(cls=GateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show gate's version and the helm it finds.",
)
def main() -> None:
    """gate: a rendered-manifest CI gate around `helm template`."""


@_baseline_option(
    "Findings recorded in FILE (gate baseline update) are shown but do not fail the gate."
)
@_fail_on_option()
@_selection_options
@click.option(
    "--update-golden", is_flag=True, help="Rewrite the golden files instead of comparing with them."
)
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.argument("targets", nargs=-1)
@command(main)
def check(
    common: Common,
    targets: tuple[str, ...],
    profiles: tuple[str, ...],
    update_golden: bool,
    changed_since: str | None,
    shard: str | None,
    fail_on: str | None,
    baseline_file: Path | None,
) -> None:
    """Render, run every check, report: the pre-merge gate."""
    config, gate, helm = common.gate_and_helm()
    accepted = baseline.load(baseline_file, config.fence, config.limits) if baseline_file else None
    chosen = _chosen(
        common, config, gate, select(config, targets, profiles), changed_since, shard, baseline_file
    )
    pairs = chosen.pairs
    progress = Progress(len(pairs), enabled=not common.quiet)
    try:
        report, writes = gate.check(helm(), pairs, common.jobs, progress, update_golden)
    finally:
        progress.close()
    report = chosen.annotate(report)
    if accepted is not None:
        report = baseline.apply(report, accepted, config, _rules(gate))
    report = rejudged(report, fail_on=_fail_level(fail_on, config))
    write_reports(report, common, config.fence)
    _say_render_failures(report)
    _say(baseline.lines(report), common.quiet)
    _say_writes(writes, common.quiet, err=True)
    sys.exit(report.exit_code)


def _rules(gate: Gate) -> list[str]:
    return [p.id for p in gate.policies] + list(CHECK_RULES)


def _say(lines: Sequence[str], quiet: bool) -> None:
    if not quiet:
        for line in lines:
            click.echo(f"gate: {line}", err=True)


@click.option("--profile", default=None, help="Profile to render (needed when there are several).")
@click.argument("target")
@command(main)
def render(common: Common, target: str, profile: str | None) -> None:
    """Print the normalized rendering of one target and profile (what its golden file holds)."""
    config, gate, helm = common.gate_and_helm()
    pairs = select(config, [target], [profile] if profile else [])
    if len(pairs) != 1:
        names = ", ".join(p.name for _, p in pairs)
        raise GateError(
            f"target {target!r} has several profiles ({names}); pick one with --profile",
            config.file,
        )
    (split,) = gate.render(helm(), pairs, common.jobs)
    if split.failure is not None:
        where = f"{split.failure.file}: " if split.failure.file else ""
        raise GateError(f"{where}{split.failure.message}")
    click.echo(normalize(split.normalized), nl=False)


@_fail_on_option()
@_selection_options
@click.argument("targets", nargs=-1)
@command(main)
def diff(
    common: Common,
    targets: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
    fail_on: str | None,
) -> None:
    """Show how today's rendering differs from the golden files."""
    config, gate, helm = common.gate_and_helm()
    chosen = _chosen(common, config, gate, select(config, targets, []), changed_since, shard)
    report = gate.diff(helm(), chosen.pairs, common.jobs)
    report = rejudged(chosen.annotate(report), fail_on=_fail_level(fail_on, config))
    if common.formats_given:
        write_reports(report, common, config.fence)
    else:
        color = common.color()
        echo(format_diff(report, Style(color=color, quiet=common.quiet)), color)
    _say_render_failures(report)
    sys.exit(report.exit_code)


@click.option(
    "--no-effect", is_flag=True, help="Also find keys whose removal leaves the rendering unchanged."
)
@_fail_on_option()
@_selection_options
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.argument("targets", nargs=-1)
@command(main)
def values(
    common: Common,
    targets: tuple[str, ...],
    profiles: tuple[str, ...],
    no_effect: bool,
    changed_since: str | None,
    shard: str | None,
    fail_on: str | None,
) -> None:
    """Values analysis alone: keys the chart never reads, keys with no effect."""
    config, gate, helm = common.gate_and_helm()
    chosen = _chosen(common, config, gate, select(config, targets, profiles), changed_since, shard)
    no_effect = no_effect or config.values.no_effect
    report, _ = gate.values(helm(), chosen.pairs, common.jobs, no_effect)
    report = rejudged(chosen.annotate(report), fail_on=_fail_level(fail_on, config))
    write_reports(report, common, config.fence)
    _say_render_failures(report)
    sys.exit(report.exit_code)


@main.group()
def golden() -> None:
    """Golden files: the committed normalized renderings."""


@_selection_options
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.argument("targets", nargs=-1)
@command(golden, "update")
def golden_update(
    common: Common,
    targets: tuple[str, ...],
    profiles: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
) -> None:
    """Rewrite golden files from today's rendering (atomically; others are left alone)."""
    config, gate, helm = common.gate_and_helm()
    chosen = _chosen(common, config, gate, select(config, targets, profiles), changed_since, shard)
    writes = gate.update_golden(helm(), chosen.pairs, common.jobs)
    _say_writes(writes, common.quiet, err=False)
    if not common.quiet:
        changed = sum(1 for w in writes if w.status != "unchanged")
        click.echo(f"{changed} of {plural(len(writes), 'golden file')} changed")


@command(main)
def policies(common: Common) -> None:
    """List the loaded policies: id, severity, title (--format json: also where each is)."""
    config = common.config(optional=True)
    for output in common.outputs:
        if output.format not in ("text", "json"):
            raise GateError(
                f"gate policies lists in text or json, not {output.format}; "
                "pick --format text or --format json"
            )
    loaded = load_policies(
        config.policies, builtin=config.builtin_policies, limits=config.limits, packs=config.packs
    )
    width = max((len(p.id) for p in loaded), default=0)
    texts = {
        "text": "".join(f"{p.id:<{width}}  {p.severity.value:<7}  {p.title}\n" for p in loaded),
        "json": json.dumps(
            {
                "version": 1,
                "policies": [
                    {
                        "id": p.id,
                        "severity": p.severity.value,
                        "title": p.title,
                        "builtin": p.pack is not None,
                        "pack": p.pack,
                        "file": config.fence.relative(p.file),
                        "line": p.line,
                    }
                    for p in loaded
                ],
            },
            indent=2,
        )
        + "\n",
    }
    for output in common.outputs:
        if output.path is None:
            click.echo(texts[output.format], nl=False)
        else:
            write_report(output.path, texts[output.format], config.fence, output.format)


@click.option("--target", "targets", multiple=True, help="Only this target (repeatable).")
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.argument("rule")
@command(main)
def explain(common: Common, rule: str, targets: tuple[str, ...], profiles: tuple[str, ...]) -> None:
    """What RULE checks, why, its parameters after gate.yaml's overrides, its examples."""
    from gate.explain import explain as build
    from gate.explain import format_json, format_text

    for output in common.outputs:
        if output.format not in ("text", "json"):
            raise GateError(
                f"gate explain prints text or json, not {output.format}; "
                "pick --format text or --format json"
            )
    config, gate = common.gate(optional=True)
    explanation = build(gate, rule, targets, profiles)
    texts = {"text": format_text(explanation), "json": format_json(explanation)}
    for output in common.outputs:
        if output.path is None:
            click.echo(texts[output.format], nl=False)
        else:
            write_report(output.path, texts[output.format], config.fence, output.format)


def _read_manifests(files: Sequence[str]) -> list[tuple[str, str]]:
    manifests = []
    for name in files:
        if name == "-":
            manifests.append(("<stdin>", sys.stdin.read()))
            continue
        try:
            manifests.append((name, Path(name).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise GateError(
                f"cannot be read ({exc.__class__.__name__}); check the path", name
            ) from None
    return manifests


@click.option(
    "--namespace",
    default="default",
    show_default=True,
    help="Namespace of objects that name none (helm's --namespace).",
)
@click.option(
    "--profile", default="", help="Apply gate.yaml overrides and exemptions for this profile."
)
@_fail_on_option()
@click.argument("files", nargs=-1, required=True)
@command(main)
def validate(
    common: Common, files: tuple[str, ...], profile: str, namespace: str, fail_on: str | None
) -> None:
    """Schema and policies on plain manifest files, or `-` for stdin (kustomize build,
    helm template)."""
    config, gate = common.gate(optional=True)
    report = gate.validate(_read_manifests(files), profile, namespace)
    report = rejudged(report, fail_on=_fail_level(fail_on, config))
    write_reports(report, common, config.fence)
    sys.exit(report.exit_code)


@main.group("report")
def report_group() -> None:
    """Reports already written: combine the JSON reports of shards."""


@_fail_on_option(shown="as each shard was judged")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@command(report_group, "merge")
def report_merge(common: Common, files: tuple[Path, ...], fail_on: str | None) -> None:
    """Combine the JSON reports of several shards (or targets) into one report and one
    exit code; --fail-on defaults to the strictest the shards used."""
    merged = merge([read(file) for file in files], FAIL_ON[fail_on] if fail_on else None)
    if common.config_path.exists():
        # The shards' JSON carries findings, not what each rule checks: the SARIF of a
        # merged report describes its rules from the same gate.yaml the shards loaded.
        merged = dataclasses.replace(merged, rules=common.gate()[1].rules())
    write_reports(merged, common, Fence(find_root(common.config_path)))
    _say_render_failures(merged)
    _say(baseline.lines(merged), common.quiet)
    sys.exit(merged.exit_code)


@main.group("baseline")
def baseline_group() -> None:
    """The baseline: findings accepted for now, so that only new ones fail the gate."""


@_baseline_option(
    f"The baseline file to write [default: {baseline.DEFAULT_FILE} beside gate.yaml]."
)
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.argument("targets", nargs=-1)
@command(baseline_group, "update")
def baseline_update(
    common: Common, targets: tuple[str, ...], profiles: tuple[str, ...], baseline_file: Path | None
) -> None:
    """Record today's findings as the accepted baseline (entries of targets and profiles
    not checked now are kept; fixed and stale ones are dropped)."""
    config, gate, helm = common.gate_and_helm()
    path = baseline_file or config.file.parent / baseline.DEFAULT_FILE
    baseline.check_writable(path, config.fence)
    exists = path.exists() or path.is_symlink()
    old = (
        baseline.load(path, config.fence, config.limits)
        if exists
        else baseline.Baseline.empty(path)
    )
    pairs = select(config, targets, profiles)
    progress = Progress(len(pairs), enabled=not common.quiet)
    try:
        report, _ = gate.check(helm(), pairs, common.jobs, progress)
    finally:
        progress.close()
    report = baseline.apply(report, old, config, _rules(gate))
    if common.formats_given:
        write_reports(report, common, config.fence)
    if report.exit_code == 2:
        _say_render_failures(report)
        raise GateError(
            "a target did not render, so its findings are unknown; the baseline was not "
            "written (fix the rendering first)",
            path,
        )
    assert report.baseline is not None
    entries = baseline.updated(old, report.baseline)
    baseline.save(path, entries, config.fence)
    if not common.quiet:
        added = len(set(entries) - old.entries)
        removed = len(old.entries - set(entries))
        counts = f"{added} added, {removed} removed"
        click.echo(f"wrote {path}: {plural(len(entries), 'finding')} ({counts})")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def init(folder: Path, debug: bool) -> None:
    """Write a starter gate.yaml for the charts found under FOLDER, and keep .gate-cache/
    out of git."""
    try:
        started = write_starter(folder)
    except GateError as error:
        if debug:
            traceback.print_exc()
        _fail(error)
    click.echo(f"wrote {started.config}")
    ignore, status = started.gitignore, started.gitignore_status
    if status == "skipped":
        click.echo(f"note: {ignore} is not a plain file; add .gate-cache/ to it yourself")
    else:
        click.echo(f"{status:<9} {ignore} (keeps .gate-cache/ out of git)")
    click.echo(f"gate.yaml, key by key: {doc_path('configuration.md')}")
    click.echo("next: gate golden update, then gate check")


@main.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash:  eval "$(gate completion bash)"   in ~/.bashrc
    zsh:   eval "$(gate completion zsh)"    in ~/.zshrc
    fish:  gate completion fish > ~/.config/fish/completions/gate.fish
    """
    completer = get_completion_class(shell)
    if completer is None:  # click.Choice admits only shells click knows; kept for mypy
        raise click.BadParameter(f"click has no completion for {shell}", param_hint="SHELL")
    click.echo(completer(main, {}, "gate", COMPLETE_VAR).source())
