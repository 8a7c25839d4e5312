"""Render each target x profile with `helm template`, in parallel, never through a shell."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gate.chart import read_chart
from gate.config import HelmSettings, Profile, Target
from gate.helm import Helm, isolated_env
from gate.model import chart_file

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
def may_be_random(chart: Path) -> bool:
    """Whether any template of the chart or its subcharts (folders or .tgz) calls a
    function whose output differs between renders. Such charts are rendered twice
    so that those values can be masked; every other chart is rendered once."""
    return any(_RANDOM.search(text) for text in read_chart(chart).all_templates())


def template_args(
    helm: Helm, target: Target, profile: Profile, settings: HelmSettings
) -> list[str]:
    args = [
        helm.path,
        "template",
        target.release,
        str(target.chart),
        "--namespace",
        target.namespace,
        "--kube-version",
        settings.kube_version,
        "--include-crds",
    ]
    if settings.api_versions:  # one comma-separated flag: hundreds of kinds stay readable
        args += ["--api-versions", ",".join(settings.api_versions)]
    for values_file in profile.values:
        args += ["--values", str(values_file)]
    for key, value in profile.set:
        # --set-json keeps the YAML type the user wrote: "1.2.3" stays a string,
        # 3 stays a number, a list stays a list.
        args += ["--set-json", f"{key}={json.dumps(value, default=str)}"]
    return args


def _run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run helm in its own process group, so a timeout ends whatever it started too."""
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
        return process.returncode, stdout, stderr


def render(
    helm: Helm, target: Target, profile: Profile, settings: HelmSettings, home: Path
) -> Rendering:
    args = template_args(helm, target, profile, settings)
    started = time.perf_counter()
    try:
        code, stdout, stderr = _run(args, isolated_env(home), settings.timeout)
    except subprocess.TimeoutExpired:
        return Rendering(
            target,
            profile,
            "",
            f"helm template did not finish within {settings.timeout:g}s "
            "(raise helm.timeout in gate.yaml if the chart is really that slow)",
            time.perf_counter() - started,
        )
    except OSError as exc:
        return Rendering(target, profile, "", f"helm could not be started: {exc}")
    elapsed = time.perf_counter() - started
    if code != 0:
        return Rendering(target, profile, "", _helm_message(stderr, code), elapsed)
    return Rendering(target, profile, stdout, None, elapsed)


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
) -> list[Rendering]:
    """Render every (target, profile) pair, `jobs` helm processes at a time, in input order."""
    with tempfile.TemporaryDirectory(prefix="gate-helm-home-") as home:

        def one(pair: tuple[Target, Profile]) -> Rendering:
            rendering = render(helm, pair[0], pair[1], settings, Path(home))
            if on_done is not None:
                on_done(rendering)
            return rendering

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, work))
