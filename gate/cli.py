"""The command line: parse options, call the pipeline, write reports. No logic of its own."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from gate import __version__
from gate.checks.policies.loader import load_policies
from gate.config import GateConfig, default_config, load_config
from gate.errors import GateError
from gate.golden import golden_text
from gate.helm import Helm, find_helm
from gate.normalize import normalize
from gate.pipeline import Gate, GoldenWrite, select
from gate.render import Rendering
from gate.report import Report, Style, formatters
from gate.report.diff import format_report as format_diff

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Output:
    """One `--format FORMAT[:PATH]`."""

    format: str
    path: Path | None


def _parse_format(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> list[Output]:
    known = formatters()
    outputs = []
    for value in values or ("text",):
        name, _, path = value.partition(":")
        if name not in known:
            raise click.BadParameter(f"{name!r} is not one of {', '.join(known)}")
        outputs.append(Output(name, Path(path) if path else None))
    return outputs


def common_options(command: F) -> F:
    """The options every command takes (DESIGN.md, "Command line")."""
    decorators = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(path_type=Path),
            default=Path("gate.yaml"),
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
            "--jobs",
            type=click.IntRange(min=1),
            default=os.cpu_count() or 1,
            show_default="number of cores",
            help="helm processes at once.",
        ),
        click.option(
            "--format",
            "outputs",
            multiple=True,
            callback=_parse_format,
            metavar="FORMAT[:PATH]",
            help="text or json; repeatable; no PATH means stdout.",
        ),
        click.option("--quiet", is_flag=True, help="Only what failed, and the verdict."),
        click.option("--no-color", is_flag=True, help="Never colour the output."),
        click.option("--debug", is_flag=True, help="Show tracebacks."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _fail(error: GateError) -> NoReturn:
    click.echo(f"gate: {error.render()}", err=True)
    sys.exit(2)


def guarded(command: F) -> F:
    """Exit 2 with one sentence for any error; a traceback only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GateError as error:
            if kwargs.get("debug"):
                traceback.print_exc()
            _fail(error)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:  # a bug in gate: still one sentence, still exit 2
            if kwargs.get("debug"):
                traceback.print_exc()
            _fail(
                GateError(
                    f"internal error ({error.__class__.__name__}: {error}); "
                    "rerun with --debug and report it"
                )
            )

    return wrapper  # type: ignore[return-value]


def write_reports(report: Report, outputs: list[Output], quiet: bool, no_color: bool) -> None:
    known = formatters()
    for output in outputs:
        if output.path is None:
            color = not no_color and sys.stdout.isatty()
            click.echo(known[output.format](report, Style(color=color, quiet=quiet)), nl=False)
        else:
            text = known[output.format](report, Style(color=False, quiet=quiet))
            output.path.parent.mkdir(parents=True, exist_ok=True)
            output.path.write_text(text, encoding="utf-8")


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
    ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def _gate(config_path: Path, helm_path: str | None) -> tuple[GateConfig, Gate, Helm]:
    config = load_config(config_path)
    return config, Gate.load(config), find_helm(helm_path)


def _optional_config(config_path: Path) -> GateConfig:
    """gate.yaml when there is one; the defaults when the default path has none.

    A --config that names a missing file is still an error: a typo there must
    not quietly drop the user's policies.
    """
    source = click.get_current_context().get_parameter_source("config_path")
    if config_path.exists() or source is not click.core.ParameterSource.DEFAULT:
        return load_config(config_path)
    return default_config(config_path)


def _say_render_failures(report: Report) -> None:
    for finding in report.findings:
        if finding.category.value == "render":
            click.echo(f"gate: {finding.target}/{finding.profile}: {finding.message}", err=True)


def _say_writes(writes: Sequence[GoldenWrite], quiet: bool) -> None:
    for write in writes:
        if write.status != "unchanged" or not quiet:
            click.echo(f"{write.status:<9} {write.path}", err=True)


@main.command()
@click.argument("targets", nargs=-1)
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.option(
    "--update-golden", is_flag=True, help="Rewrite the golden files instead of comparing with them."
)
@common_options
@guarded
def check(
    targets: tuple[str, ...],
    profiles: tuple[str, ...],
    update_golden: bool,
    config_path: Path,
    helm_path: str | None,
    jobs: int,
    outputs: list[Output],
    quiet: bool,
    no_color: bool,
    debug: bool,
) -> None:
    """Render, run every check, report: the pre-merge gate."""
    config, gate, helm = _gate(config_path, helm_path)
    pairs = select(config, targets, profiles)
    progress = Progress(len(pairs) + len(gate.twice(pairs)), enabled=not quiet)
    try:
        report, writes = gate.check(
            helm, pairs, jobs, on_done=progress, update_golden=update_golden
        )
    finally:
        progress.close()
    write_reports(report, outputs, quiet, no_color)
    _say_render_failures(report)
    _say_writes(writes, quiet)
    sys.exit(report.exit_code)


@main.command()
@click.argument("targets", nargs=-1)
@common_options
@guarded
def diff(
    targets: tuple[str, ...],
    config_path: Path,
    helm_path: str | None,
    jobs: int,
    outputs: list[Output],
    quiet: bool,
    no_color: bool,
    debug: bool,
) -> None:
    """Show how today's rendering differs from the golden files."""
    config, gate, helm = _gate(config_path, helm_path)
    report = gate.diff(helm, select(config, targets, []), jobs)
    source = click.get_current_context().get_parameter_source("outputs")
    if source is click.core.ParameterSource.DEFAULT:
        color = not no_color and sys.stdout.isatty()
        click.echo(format_diff(report, Style(color=color, quiet=quiet)), nl=False)
    else:
        write_reports(report, outputs, quiet, no_color)
    _say_render_failures(report)
    sys.exit(report.exit_code)


@main.group()
def golden() -> None:
    """Golden files: the committed normalized renderings."""


@golden.command("update")
@click.argument("targets", nargs=-1)
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@common_options
@guarded
def golden_update(
    targets: tuple[str, ...],
    profiles: tuple[str, ...],
    config_path: Path,
    helm_path: str | None,
    jobs: int,
    outputs: list[Output],
    quiet: bool,
    no_color: bool,
    debug: bool,
) -> None:
    """Rewrite golden files from today's rendering (atomically; others are left alone)."""
    config, gate, helm = _gate(config_path, helm_path)
    splits = gate.render(helm, select(config, targets, profiles), jobs)
    writes = gate.write_golden(splits)
    for write in writes:
        if write.status != "unchanged" or not quiet:
            click.echo(f"{write.status:<9} {write.path}")
    changed = sum(1 for w in writes if w.status != "unchanged")
    if not quiet:
        click.echo(f"{changed} of {len(writes)} golden file(s) changed")


@main.command()
@click.argument("target")
@click.option("--profile", default=None, help="Profile to render (needed when there are several).")
@common_options
@guarded
def render(
    target: str,
    profile: str | None,
    config_path: Path,
    helm_path: str | None,
    jobs: int,
    outputs: list[Output],
    quiet: bool,
    no_color: bool,
    debug: bool,
) -> None:
    """Print the normalized rendering of one target and profile."""
    config, gate, helm = _gate(config_path, helm_path)
    pairs = select(config, [target], [profile] if profile else [])
    if len(pairs) != 1:
        names = ", ".join(p.name for _, p in pairs)
        raise GateError(
            f"target {target!r} has several profiles ({names}); pick one with --profile",
            config.file,
        )
    (split,) = gate.render(helm, pairs, jobs)
    if split.failure is not None:
        where = f"{split.failure.file}: " if split.failure.file else ""
        raise GateError(f"{where}{split.failure.message}")
    click.echo(golden_text(target, split.names[1], normalize(split.normalized)), nl=False)


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("gate.yaml"),
    show_default=True,
    help="gate.yaml whose policies to list too.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@guarded
def policies(config_path: Path, debug: bool) -> None:
    """List the loaded policies: id, severity, title."""
    config = _optional_config(config_path)
    loaded = load_policies(config.policies, builtin=config.builtin_policies)
    width = max((len(p.id) for p in loaded), default=0)
    for policy in loaded:
        click.echo(f"{policy.id:<{width}}  {policy.severity.value:<7}  {policy.title}")


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


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--profile", default="", help="Apply gate.yaml overrides and exemptions for this profile."
)
@click.option(
    "--namespace",
    default="default",
    show_default=True,
    help="Namespace of objects that name none (helm's --namespace).",
)
@common_options
@guarded
def validate(
    files: tuple[str, ...],
    profile: str,
    namespace: str,
    config_path: Path,
    helm_path: str | None,
    jobs: int,
    outputs: list[Output],
    quiet: bool,
    no_color: bool,
    debug: bool,
) -> None:
    """Policies on plain manifest files, or `-` for stdin (kustomize build, helm template)."""
    gate = Gate.load(_optional_config(config_path))
    report = gate.validate(_read_manifests(files), profile, namespace)
    write_reports(report, outputs, quiet, no_color)
    sys.exit(report.exit_code)
