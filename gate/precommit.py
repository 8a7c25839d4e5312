"""The pre-commit hook (.pre-commit-hooks.yaml): `python -m gate.precommit [OPTIONS] FILE...`.

pre-commit hands the hook the files a commit touches (every file with `--all-files`).
They pick gate.yaml's targets the way `--changed-since` picks them from git's list
(gate/changes.py): a file of a target's chart or of a `file://` dependency, one of its
values files, its golden files; a policy file picks the targets its policies match;
gate.yaml, the built-in pack or a CRD file picks every target. `gate check` then runs
on those targets alone, and a commit that touches none passes at once, without helm.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from gate.changes import pick
from gate.checks.policies.loader import load_policies
from gate.cli import COMPLETE_VAR, DEFAULT_CONFIG
from gate.cli import main as gate_main
from gate.config import GateConfig, load_config
from gate.errors import GateError


def _relative(files: Sequence[Path], root: Path) -> list[str]:
    """The files as paths relative to the repository's root (pre-commit runs at the root
    and names files from there); a file outside it picks nothing."""
    out = []
    for file in files:
        absolute = Path(os.path.abspath(file))
        if absolute.is_relative_to(root):
            out.append(absolute.relative_to(root).as_posix())
    return out


def _picked(config: GateConfig, files: Sequence[Path], baseline: Path | None) -> list[str]:
    policies = load_policies(config.policies, builtin=config.builtin_policies, limits=config.limits)
    chosen = pick(config, policies, _relative(files, config.root), "the commit", "", baseline)
    if chosen.every is not None:
        click.echo(f"gate: every target, because {chosen.every}", err=True)
    else:
        for each in chosen.picked:
            click.echo(f"gate: {each.target}: {each.reason}", err=True)
    return [each.target for each in chosen.picked]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="gate.yaml to use.",
)
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path), default=None)
@click.option("--helm", "helm_path", default=None, metavar="PATH")
@click.option("--profile", "profiles", multiple=True, help="Only this profile (repeatable).")
@click.option("--jobs", type=click.IntRange(min=1), default=None)
@click.option("--quiet", is_flag=True)
@click.option("--color", "color_when", type=click.Choice(["auto", "always", "never"]))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def hook(
    config_path: Path,
    baseline_file: Path | None,
    helm_path: str | None,
    profiles: tuple[str, ...],
    jobs: int | None,
    quiet: bool,
    color_when: str | None,
    files: tuple[Path, ...],
) -> None:
    """Check the targets of gate.yaml that FILES (from pre-commit) belong to."""
    try:
        config = load_config(config_path)
        targets = _picked(config, files, baseline_file)
    except GateError as error:
        click.echo(f"gate: {error.render()}", err=True)
        raise SystemExit(2) from None
    if not targets:
        click.echo(f"gate: the commit touches no target of {config_path}; nothing to check")
        return
    # Each value as --name=value, and the targets after `--`: none can read as an option.
    argv = ["check", f"--config={config_path}"]
    argv += [f"--profile={profile}" for profile in profiles]
    argv += [f"--baseline={baseline_file}"] if baseline_file else []
    argv += [f"--helm={helm_path}"] if helm_path else []
    argv += [f"--jobs={jobs}"] if jobs else []
    argv += ["--quiet"] if quiet else []
    argv += [f"--color={color_when}"] if color_when else []
    gate_main.main([*argv, "--", *targets], prog_name="gate", complete_var=COMPLETE_VAR)


if __name__ == "__main__":
    hook(prog_name="gate.precommit")
