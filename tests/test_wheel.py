"""The wheel a user installs (`pipx install`, `pip install`) works on its own.

The wheel is built from this checkout, installed into a fresh virtual environment
(no --system-site-packages, no editable install, nothing of .venv), and its `gate`
script runs from a folder outside the checkout where that matters, so nothing can
come from the source tree: the built-in pack, the docs that messages name and the
starter config must all be inside the wheel. This is what `pipx install` does: a
private venv and `pip install` of the wheel.

Cost: building takes about 2 seconds and installing about 6 (the dependencies come
from pip's cache, which `make test` has just filled for .venv).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate import __version__
from tests.conftest import HELMS, REPO

NAME = "rendered-manifest-gate"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def gate(self) -> Path:
        return self.venv / "bin" / "gate"

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("GATE_HELM", "PYTHONPATH")}
        env["GATE_HELM"] = str(HELMS["4"])
        return subprocess.run(
            [str(self.gate), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _quiet_run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if not HELMS["4"].exists():
        pytest.fail(f"{HELMS['4']} is missing: run `make tools-all` (make test does)")
    work = tmp_path_factory.mktemp("wheel")
    _quiet_run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), "."],
        REPO,
    )
    (wheel,) = work.glob("*.whl")
    venv = work / "venv"
    _quiet_run([sys.executable, "-m", "venv", str(venv)], work)
    _quiet_run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work)
    yield Installed(wheel, venv)


def members(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_carries_the_pack_the_docs_and_the_license(installed: Installed) -> None:
    names = members(installed.wheel)
    pack = {p.name for p in (REPO / "policies").glob("*.yaml")}
    assert {f"gate/_builtin_policies/{p}" for p in pack} <= names
    docs = {p.name for p in (REPO / "docs").glob("*.md")}
    assert {f"gate/_docs/{d}" for d in docs} <= names
    dist_info = f"rendered_manifest_gate-{__version__}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    with zipfile.ZipFile(installed.wheel) as archive:
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        license_text = archive.read(f"{dist_info}/licenses/LICENSE").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert f"Name: {NAME}\n" in metadata
    assert "License-Expression: Apache-2.0\n" in metadata
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "gate = gate.cli:main" in entry_points


def test_every_doc_a_message_names_is_in_the_wheel(installed: Installed) -> None:
    named = set()
    for source in (REPO / "gate").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        named |= set(re.findall(r"doc_path\(['\"]([^'\"]+)['\"]\)", text))
        named |= set(re.findall(r"\bdocs/([\w.-]+\.md)\b", text))
    assert "configuration.md" in named, "gate init names it; this test must find it"
    assert {f"gate/_docs/{name}" for name in named} <= members(installed.wheel)


def test_installed_gate_runs_from_the_venv_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    done = installed.run("--version", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"gate {__version__}"
    assert lines[1].startswith("helm v4.")
    docs = Path(lines[2].removeprefix("docs "))
    assert docs.is_relative_to(installed.venv), docs
    assert (docs / "configuration.md").is_file()


def test_installed_gate_uses_its_own_builtin_pack(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("policies", "--format", "json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    builtin = [p for p in json.loads(done.stdout)["policies"] if p["builtin"]]
    assert {p["id"] for p in builtin} >= {"resource-requests", "startup-probe-initial-delay"}
    for policy in builtin:
        assert Path(policy["file"]).is_relative_to(installed.venv), policy


def test_installed_gate_checks_the_examples(installed: Installed) -> None:
    incident = installed.run("check", "--config", "examples/incident/gate.yaml", cwd=REPO)
    assert incident.returncode == 1, incident.stdout + incident.stderr
    assert "values-unknown-key" in incident.stdout
    assert "startup-probe-initial-delay" in incident.stdout
    assert "gate FAILED: 10 errors" in incident.stdout

    repository = installed.run("check", "--format", "json", cwd=REPO)
    assert repository.returncode == 0, repository.stdout + repository.stderr
    assert json.loads(repository.stdout)["passed"] is True
    assert "gate passed" in repository.stderr


def test_installed_gate_init_writes_a_loadable_starter(
    installed: Installed, tmp_path: Path
) -> None:
    chart = tmp_path / "charts" / "web"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values-prod.yaml").write_text("{}\n")

    done = installed.run("init", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".gitignore").read_text() == ".gate-cache/\n"
    named = re.search(r"gate\.yaml, key by key: (\S+)", done.stdout)
    assert named and Path(named.group(1)).is_file(), done.stdout
    listed = installed.run("policies", cwd=tmp_path)  # loads the starter gate.yaml
    assert listed.returncode == 0, listed.stderr
