"""Render each target x profile with `helm template`, in parallel, never through a shell."""

from __future__ import annotations

import functools
import json
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gate.chart import read_chart
from gate.config import HelmSettings, Profile, Target
from gate.helm import Helm, isolated_env
from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import chart_file
from gate.process import OutputHeld, OutputTooLarge, TimedOut, run_bounded

# helm names the failing template as `template: chart/templates/x.yaml:12:3:`
# or `parse error at (chart/templates/x.yaml:12):`.
_TEMPLATE_REF = re.compile(r"(?:template: |\()([\w.\-/]+\.(?:ya?ml|tpl|txt|json)):(\d+)")
# `unclosed action started at x.yaml:6` names the line to fix; the parse error
# itself points past it, often at the end of the file.
_STARTED_AT = re.compile(r"started at ([\w.\-/]+\.(?:ya?ml|tpl|txt|json)):(\d+)")


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

    def error_location(self) -> tuple[str, int | None]:
        """The template file (as a user opens it) and line that helm blamed, if it named one."""
        match = _STARTED_AT.search(self.error or "") or _TEMPLATE_REF.search(self.error or "")
        if match is None:
            return str(self.target.chart), None
        return chart_file(self.target.chart, match.group(1)), int(match.group(2))


# Template functions whose output changes from one render to the next.
_RANDOM = re.compile(
    r"\b(?:randAlphaNum|randAlpha|randNumeric|randAscii|randInt|randBytes|uuidv4|now|"
    r"unixEpoch|dateInZone|genPrivateKey|genCA|genCAWithKey|genSelfSignedCert|"
    r"genSelfSignedCertWithKey|genSignedCert|genSignedCertWithKey|bcrypt|htpasswd|"
    r"encryptAES|shuffle)\b"
)


@functools.cache
def may_be_random(chart: Path, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether any template of the chart or its subcharts (folders or .tgz) calls a
    function whose output differs between renders. Such charts are rendered twice
    so that those values can be masked; every other chart is rendered once."""
    return any(_RANDOM.search(text) for text in read_chart(chart, limits).all_templates())


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
        f"--namespace={target.namespace}",
        f"--kube-version={settings.kube_version}",
        "--include-crds",
    ]
    if settings.api_versions:  # one comma-separated flag: hundreds of kinds stay readable
        args.append(f"--api-versions={','.join(settings.api_versions)}")
    args += [f"--values={values_file}" for values_file in profile.values]
    for key, value in profile.set:
        # --set-json keeps the YAML type the user wrote: "1.2.3" stays a string,
        # 3 stays a number, a list stays a list.
        args.append(f"--set-json={key}={json.dumps(value, default=str)}")
    return [*args, "--", target.release, str(folder or target.chart)]


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
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    message = (errors or lines or [f"exited with code {code} and said nothing"])[0]
    return "helm template failed: " + message.removeprefix("Error: ")


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
    with tempfile.TemporaryDirectory(prefix="gate-helm-home-") as home:

        def one(pair: tuple[Target, Profile]) -> Rendering:
            folder = (folders or {}).get(pair[0].chart)
            rendering = render(helm, pair[0], pair[1], settings, Path(home), limits, folder)
            if on_done is not None:
                on_done(rendering)
            return rendering

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, work))
