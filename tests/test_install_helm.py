"""scripts/install_helm.py picks the helm the action's `helm` input names: a pinned
major, an exact version (pinned, or the helm on PATH when it is exactly that one), or
auto. The pinned helms are already in .tools/ (make test), so nothing is fetched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import HELMS, REPO

SCRIPT = REPO / "scripts" / "install_helm.py"


def install(wanted: str, path_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{path_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), wanted, "--dest", str(REPO / ".tools")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def fake_helm(folder: Path, version: str) -> Path:
    helm = folder / "helm"
    helm.write_text(f'#!/bin/sh\necho "{version}"\n', encoding="utf-8")
    helm.chmod(0o755)
    return helm


@pytest.mark.parametrize(("wanted", "major"), [("3", "3"), ("3.17.3", "3"), ("v4.1.4", "4")])
def test_pinned_majors_and_versions(tmp_path: Path, wanted: str, major: str) -> None:
    done = install(wanted, tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(HELMS[major])


def test_an_exact_version_on_path_is_used(tmp_path: Path) -> None:
    helm = fake_helm(tmp_path, "v3.16.2")

    done = install("3.16.2", tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(helm)


def test_an_exact_version_neither_pinned_nor_on_path_is_refused(tmp_path: Path) -> None:
    fake_helm(tmp_path, "v3.15.0")

    done = install("3.16.2", tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "install_helm: helm v3.16.2 is not pinned here (pinned: v3.17.3, v4.1.4) and helm "
        "v3.15.0 is on PATH; install that helm before gate runs, or ask for a pinned major "
        "(3 or 4)."
    )


def test_auto_prefers_a_recent_helm_on_path(tmp_path: Path) -> None:
    helm = fake_helm(tmp_path, "v3.14.0")
    assert install("auto", tmp_path).stdout.strip() == str(helm)

    fake_helm(tmp_path, "v3.13.3")  # too old: the pinned Helm 4
    assert install("auto", tmp_path).stdout.strip() == str(HELMS["4"])


def test_anything_else_is_a_usage_error(tmp_path: Path) -> None:
    done = install("latest", tmp_path)

    assert done.returncode == 2
    assert "pick 3, 4, auto or an exact version" in done.stderr
