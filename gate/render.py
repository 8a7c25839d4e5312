"""Render each target x profile with `helm template`, in parallel, never through a shell."""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gate.config import HelmSettings, Profile, Target
from gate.helm import Helm, isolated_env
from gate.limits import DEFAULT_LIMITS, Limits
from gate.process import OutputHeld, OutputTooLarge, TimedOut, run_bounded
from gate.sources import Sources

# Where helm says a template failed, in the words of Helm 3 and Helm 4:
#   template: chart/templates/x.yaml:12:3: executing ...         (Helm 3)
#   Error: chart/templates/x.yaml:12:3                            (Helm 4, a line of its own)
#   parse error at (chart/templates/x.yaml:12): ...               (both)
#   execution error at (chart/templates/x.yaml:12:3): ...         (both: fail, required)
# An error inside an `include` names the caller first and the helper after it: the
# last name is where the failing expression is.
_NAME = r"[\w.\-/]+\.(?:ya?ml|tpl|txt|json)"
_TEMPLATE_REF = re.compile(rf"(?:template: |\(|^|^Error: |failed: )({_NAME}):(\d+)", re.MULTILINE)
# `unclosed action started at x.yaml:6` names the line to fix; the parse error
# itself points past it, often at the end of the file.
_STARTED_AT = re.compile(rf"started at ({_NAME}):(\d+)")
# `YAML parse error on chart/templates/x.yaml: error converting YAML to JSON: yaml: line 7`:
# line 7 of the rendered template, not of the file, so no line is claimed.
_YAML_ERROR = re.compile(rf"YAML parse error on ({_NAME}):")
# values.schema.json failures name the chart (its name or alias) on a line of its own:
#   values don't meet the specifications of the schema(s) in the following chart(s):
#   portal:
#   - webhook: Additional property replicaCont is not allowed
_SCHEMA_CHART = re.compile(r"following chart\(s\):\n([^\s:]+):\n")

# helm's words kept for a render-failed finding: enough for any real error, bounded
# for one that quotes a whole rendered template.
MESSAGE_LINES = 50
MESSAGE_BYTES = 8 * 1024
# helm's advice to itself: gate runs helm, and the user cannot pass it --debug there.
_HELM_ADVICE = "Use --debug flag to render out invalid YAML"


@dataclass(frozen=True)
class Blame:
    """What helm's error names: a template (as helm names it) and line, or the chart
    whose values.schema.json refused the values."""

    template: str | None = None
    line: int | None = None
    schema_of: str | None = None


def blamed(error: str) -> Blame:
    started = _STARTED_AT.search(error)
    if started is not None:
        return Blame(started.group(1), int(started.group(2)))
    references = list(_TEMPLATE_REF.finditer(error))
    if references:
        last = references[-1]
        return Blame(last.group(1), int(last.group(2)))
    yaml_error = _YAML_ERROR.search(error)
    if yaml_error is not None:
        return Blame(yaml_error.group(1))
    schema = _SCHEMA_CHART.search(error)
    if schema is not None:
        return Blame(schema_of=schema.group(1))
    return Blame()


@dataclass(frozen=True)
class Rendering:
    """helm's output for one target and profile, or why there is none."""

    target: Target
    profile: Profile
    stream: str
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_location(self, sources: Sources) -> tuple[str, int | None]:
        """The file (as a user opens it) and line that helm blamed: a template, the
        values.schema.json that refused the values, else the chart's Chart.yaml."""
        blame = blamed(self.error or "")
        if blame.template is not None:
            return sources.file(blame.template), blame.line
        schema = sources.schema_file(blame.schema_of) if blame.schema_of else None
        return schema or sources.chart_yaml, None


def template_args(
    helm: Helm,
    target: Target,
    profile: Profile,
    settings: HelmSettings,
    folder: Path | None = None,
) -> list[str]:
    """helm's arguments. Every flag carries its value after `=`, and the release and the
    chart come after `--`: no value from gate.yaml or a values path can be read as a flag.
    `folder` is the chart folder to render when it is not the target's own (a copy whose
    dependencies gate built, gate/dependencies.py)."""
    args = [
        helm.path,
        "template",
        f"--namespace={target.namespace_of(profile)}",
        f"--kube-version={settings.kube_version}",
        *(["--include-crds"] if profile.include_crds else []),
    ]
    if settings.api_versions:  # one comma-separated flag: hundreds of kinds stay readable
        args.append(f"--api-versions={','.join(settings.api_versions)}")
    args += [f"--values={values_file}" for values_file in profile.values]
    for key, value in profile.set:
        # --set-json keeps the YAML type the user wrote: "1.2.3" stays a string,
        # 3 stays a number, a list stays a list.
        args.append(f"--set-json={key}={json.dumps(value, default=str)}")
    return [*args, "--", target.release_of(profile), str(folder or target.chart)]


def render(
    helm: Helm,
    target: Target,
    profile: Profile,
    settings: HelmSettings,
    home: Path,
    limits: Limits = DEFAULT_LIMITS,
    folder: Path | None = None,
) -> Rendering:
    args = template_args(helm, target, profile, settings, folder)
    started = time.perf_counter()

    def failed(message: str) -> Rendering:
        return Rendering(target, profile, "", message, time.perf_counter() - started)

    try:
        done = run_bounded(args, isolated_env(home), settings.timeout, limits.helm_output_bytes)
    except TimedOut:
        return failed(
            f"helm template did not finish within {settings.timeout:g}s "
            "(raise helm.timeout in gate.yaml if the chart is really that slow)"
        )
    except OutputTooLarge as exc:
        return failed(
            f"helm template printed more than {exc.limit} bytes, limits.helm_output_bytes; "
            "raise that limit in gate.yaml if the chart really renders that much"
        )
    except OutputHeld:
        return failed(
            "helm template exited, but a process it started kept its output open; "
            "its output was abandoned"
        )
    except OSError as exc:
        return failed(f"helm could not be started: {exc}")
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.code != 0:
        return failed(_helm_message(stderr, done.code))
    try:
        stream = done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = done.stdout.count(b"\n", 0, exc.start) + 1
        source = done.stdout.rfind(b"# Source: ", 0, exc.start)
        named = done.stdout[source + 10 :].split(b"\n", 1)[0].decode("utf-8", "replace")
        where = f"{named}, " if source >= 0 else ""
        return failed(
            f"helm template rendered bytes that are not UTF-8 ({where}line {line} of its "
            "output); "
            "Kubernetes objects are UTF-8 text, so fix the template or the value that put "
            "them there (binary data belongs base64-encoded in a Secret's data)"
        )
    return Rendering(target, profile, stream, None, time.perf_counter() - started)


def _helm_message(stderr: str, code: int) -> str:
    """helm's whole error: Helm 4 writes the reason on the lines below the template's
    name, and a schema failure names the property on the lines below its first. What
    helm printed before `Error:` (warnings about the chart) is left out, and so is its
    advice to pass it --debug; at most MESSAGE_LINES lines and MESSAGE_BYTES bytes."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    first = next((n for n, line in enumerate(lines) if line.startswith("Error")), 0)
    kept = [line for line in lines[first:] if line.strip() and line.strip() != _HELM_ADVICE]
    if not kept:
        return f"helm template failed: exited with code {code} and said nothing"
    kept[0] = kept[0].removeprefix("Error: ")
    return "helm template failed: " + bounded("\n".join(kept))


def bounded(text: str, lines: int = MESSAGE_LINES, size: int = MESSAGE_BYTES) -> str:
    """`text` cut after `lines` lines or `size` bytes of UTF-8, saying so."""
    total = text.count("\n") + 1
    shown = "\n".join(text.split("\n", lines)[:lines])
    data = shown.encode("utf-8", "surrogatepass")
    if len(data) > size:
        shown = data[:size].decode("utf-8", "ignore")
    if shown == text:
        return text
    left = total - shown.count("\n") - 1
    return f"{shown}\n[... {left} more lines left out]" if left else f"{shown} [...]"


def helm_home() -> tempfile.TemporaryDirectory[str]:
    """An empty HELM_*_HOME for the helm calls of one command: no user's plugins,
    repositories or registry logins take part in a rendering."""
    return tempfile.TemporaryDirectory(prefix="gate-helm-home-")


def render_all(
    helm: Helm,
    work: Sequence[tuple[Target, Profile]],
    settings: HelmSettings,
    jobs: int,
    on_done: Callable[[Rendering], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    folders: Mapping[Path, Path] | None = None,
) -> list[Rendering]:
    """Render every (target, profile) pair, `jobs` helm processes at a time, in input order.
    `folders` maps a target's chart to the folder helm renders instead (a built copy)."""
    with helm_home() as home:

        def one(pair: tuple[Target, Profile]) -> Rendering:
            folder = (folders or {}).get(pair[0].chart)
            rendering = render(helm, pair[0], pair[1], settings, Path(home), limits, folder)
            if on_done is not None:
                on_done(rendering)
            return rendering

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, work))
