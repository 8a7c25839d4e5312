"""GitOps fixture repositories for the `discover:` tests (tests/fixtures/gitops/): each a
copy of one deployer's files beside the Backstage wrapper chart, in a git work tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.gate_cli import run


def gitops_repository(fixture: str, root: Path, gate_yaml: str) -> Path:
    shutil.copytree(REPO / "tests" / "fixtures" / "gitops" / fixture, root)
    shutil.copytree(REPO / "charts-under-test" / "backstage", root / "charts" / "backstage")
    (root / "gate.yaml").write_text(gate_yaml, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def comparable(report: dict[str, Any]) -> set[tuple[str, ...]]:
    """A report's findings as two equivalent configurations must agree on them: what
    they say about which object, not where gate.yaml or a deployment file wrote it."""
    return {
        (f["rule"], f["target"], f["profile"], f["object"], f["path"], f["message"])
        for f in report["findings"]
        if f["rule"] != "discovery-unsupported"
    }


def same_renderings(roots: tuple[Path, Path], helm: str, target: str, profile: str) -> str:
    """`gate render` of one pair in two repositories, asserted equal and not empty."""
    renders = [
        run("render", target, "--profile", profile, "--helm", helm, cwd=root).stdout
        for root in roots
    ]
    assert renders[0] == renders[1] and renders[0], profile
    return renders[0]
