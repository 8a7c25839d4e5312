"""Finding helm and knowing which one it is."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gate.errors import GateError

MINIMUM_VERSION = (3, 14)
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Helm:
    path: str
    version: str  # "v3.17.3"

    @property
    def major(self) -> int:
        return int(self.version.lstrip("v").split(".")[0])


def locate_helm(explicit: str | None) -> str:
    """--helm, then $GATE_HELM, then helm on PATH."""
    candidate = explicit or os.environ.get("GATE_HELM") or "helm"
    found = shutil.which(candidate)
    if found is None:
        source = "--helm" if explicit else ("$GATE_HELM" if os.environ.get("GATE_HELM") else "PATH")
        raise GateError(
            f"helm not found (looked for {candidate!r} via {source}); install Helm 3.14+ or 4, "
            "or run `make tools` and pass --helm .tools/helm4/helm"
        )
    return found


@functools.cache
def probe_helm(path: str) -> Helm:
    """Ask helm its version; refuse one older than 3.14."""
    try:
        result = subprocess.run(
            [path, "version", "--template", "{{.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=isolated_env(None),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GateError(
            f"{path} could not be run as helm ({exc}); check --helm or $GATE_HELM"
        ) from None
    match = _VERSION.search(result.stdout)
    if result.returncode != 0 or match is None:
        said = (result.stderr or result.stdout).strip()[:200]
        raise GateError(f"{path} did not answer `helm version` ({said}); is it helm?")
    version = tuple(int(part) for part in match.groups())
    if version[:2] < MINIMUM_VERSION:
        raise GateError(
            f"{path} is helm {match.group(0)}, but gate needs Helm 3.14 or newer; "
            "upgrade it or run `make tools` for a pinned one"
        )
    return Helm(path=path, version="v" + ".".join(map(str, version)))


def find_helm(explicit: str | None) -> Helm:
    return probe_helm(locate_helm(explicit))


# What helm may see of gate's environment. CI runners hold secrets in environment
# variables; helm needs none of them, and a rendering must depend only on the
# repository. The proxy and certificate variables are for fetching chart
# dependencies; everything else, HELM_* included, stays behind.
_PASSED = (
    "PATH",
    "TMPDIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


def isolated_env(home: Path | None) -> dict[str, str]:
    """The environment helm runs in: an allow-list of gate's own, and, with `home`,
    a private HOME and helm home folders, so a user's repositories, plugins and
    registry logins cannot change the rendering and no secret can reach it."""
    env = {k: os.environ[k] for k in _PASSED if k in os.environ}
    env.setdefault("PATH", os.defpath)
    if home is not None:
        env["HOME"] = str(home)
        env["HELM_CONFIG_HOME"] = str(home / "config")
        env["HELM_CACHE_HOME"] = str(home / "cache")
        env["HELM_DATA_HOME"] = str(home / "data")
    return env
