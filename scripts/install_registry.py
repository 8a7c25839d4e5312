#!/usr/bin/env python3
"""Install a pinned, checksum-verified OCI registry into .tools/registry/docker-registry.

The tests of oci:// dependencies (tests/test_dependencies.py) push a chart to a real
registry on 127.0.0.1. Debian packages one: docker-registry, the CNCF distribution
registry. `apt-get download` fetches the package without installing it (no service,
no user), and only its binary is kept, when the package's sha256 matches the pin.

Where there is no apt-get (not Debian), this prints why and exits 0: those tests skip
outside CI and fail in it.

Usage: install_registry.py [--dest DIR]     (prints the installed path)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "docker-registry"
VERSION = "2.8.2+ds1-1"
SHA256 = "a9bd06c0e006854608f8469b4371743f40604ad90975532bb3b7ceeb72fe2913"
BINARY = "usr/bin/docker-registry"


def _download(workdir: Path) -> Path | None:
    """The .deb, fetched with apt-get; the package lists are refreshed once if apt does
    not know the package yet (a new machine)."""
    for attempt in range(2):
        done = subprocess.run(
            ["apt-get", "download", f"{PACKAGE}={VERSION}"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        found = sorted(workdir.glob(f"{PACKAGE}_*.deb"))
        if done.returncode == 0 and found:
            return found[0]
        if attempt == 0 and os.geteuid() == 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
    print(f"install_registry: apt-get download failed: {done.stderr.strip()}", file=sys.stderr)
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dest", default=str(Path(__file__).resolve().parents[1] / ".tools"))
    args = parser.parse_args()
    target = Path(args.dest) / "registry" / "docker-registry"
    if target.exists():
        print(target)
        return 0
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        print("install_registry: no apt-get here; the oci:// tests will skip", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as work:
        deb = _download(Path(work))
        if deb is None:
            return 0
        digest = hashlib.sha256(deb.read_bytes()).hexdigest()
        if digest != SHA256:
            sys.exit(f"install_registry: {deb.name} has sha256 {digest}, expected {SHA256}")
        unpacked = Path(work) / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(unpacked / BINARY, target)
        target.chmod(0o755)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
