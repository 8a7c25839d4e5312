"""The hostile-input corpus: what a pull request nobody reviewed can put in front of gate.

Each file under tests/hostile/ is one case: the repository a pull request would
check out (files, symlinks, charts copied from tests/hostile/_charts/), the
gate command it runs, the exit code and the phrases the output must hold.
Every case runs as users run gate (a subprocess, real helm 3 and 4) with a
secret-shaped variable in the environment, and every case asserts that:

- the exit code and the phrases are as the case says, and no traceback shows;
- the secret appears in no output and in no file gate left behind;
- nothing outside the repository changed;
- gate finished within the case's seconds and memory (measured with wait4).

docs/security.md lists the guarantees these cases hold gate to.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))
SECRET = "ci-secret-token-5b1e9c7d2f"  # in gate's environment, never in what gate says or writes


@functools.cache
def _bomb_bytes() -> bytes:
    """A 2 MB archive whose one member unpacks to 512 MiB of zeros; made once per run."""
    data = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=data, mode="wb", compresslevel=1) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as archive,
    ):
        info = tarfile.TarInfo("bomb/templates/zeros.yaml")
        info.size = 512 * 1024**2
        archive.addfile(info, _Zeros(info.size))
    return data.getvalue()


def _tgz_bomb(repo: Path) -> None:
    """charts/web/charts/bomb-1.0.0.tgz: the gzip bomb beside a real chart."""
    target = repo / "charts" / "web" / "charts" / "bomb-1.0.0.tgz"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_bomb_bytes())


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return b"\0" * size


def _many_keys(repo: Path) -> None:
    """values-many.yaml: 20,000 keys the chart never reads."""
    lines = [f"key{index}: {index}" for index in range(20_000)]
    (repo / "values-many.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _many_actions(repo: Path) -> None:
    """Three templates of 1.5 MB of actions each, about 200,000 actions: past the values
    analysis' reading budget (MOST_ACTIONS), cheap for helm to render."""
    action = "{{ if false }}{{ end }}\n"
    for index in range(3):
        path = repo / "charts" / "web" / "templates" / f"big-{index}.yaml"
        path.write_text(action * (1_500_000 // len(action)), encoding="utf-8")


BUILDERS: dict[str, Callable[[Path], None]] = {
    "tgz_bomb": _tgz_bomb,
    "many_keys": _many_keys,
    "many_actions": _many_actions,
}


def _lay_out(case: dict[str, Any], repo: Path, outside: Path) -> None:
    repo.mkdir()
    (repo / ".git").mkdir()  # a work tree: the repository root is here
    for chart in case.get("charts", []):
        shutil.copytree(HOSTILE / "_charts" / chart, repo / "charts" / chart)
    for name, text in (case.get("files") or {}).items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8").replace(b"<NOT-UTF8>", b"\xff\xfe"))
    for name, target in (case.get("symlinks") or {}).items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.format(outside=outside), path)
    for builder in case.get("make", []):
        BUILDERS[builder](repo)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# A small go-between starts gate and reports the peak memory of gate and its helm:
# a child forked straight from pytest would count pytest's own memory in ru_maxrss.
_WAITER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "gate", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float, peak_file: Path
) -> tuple[int, str, float, float]:
    """gate's exit code, output, seconds and peak memory (MB) of gate and its children."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", _WAITER, str(peak_file), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # A gate that hangs fails its case instead of the whole run.
    watchdog = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
    watchdog.start()
    try:
        output, _ = process.communicate()
    finally:
        watchdog.cancel()
    seconds = time.monotonic() - started
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("inf")
    return process.returncode, output.decode("utf-8", "replace"), seconds, peak


@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.stem)
def test_hostile_case(case_file: Path, helm_path: str, tmp_path: Path) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"TOKEN={SECRET}\n", encoding="utf-8")
    (outside / "golden").mkdir()
    _lay_out(case, repo, outside)
    before = _snapshot(outside)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(temp),
        "CI_SECRET_TOKEN": SECRET,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }
    args = [str(a).format(outside=outside) for a in case.get("args", ["check"])]

    limit = case.get("seconds", 30)
    code, output, seconds, megabytes = _run(
        [*args, "--helm", helm_path], repo, env, limit * 4, tmp_path / "peak"
    )

    assert "Traceback" not in output, output
    assert code == case["exit"], output
    for phrase in case.get("says", []):
        assert phrase in output, f"{phrase!r} not in:\n{output}"
    for pattern in case.get("forbids", []):
        assert re.search(pattern, output, re.MULTILINE) is None, f"{pattern!r} in:\n{output}"
    assert SECRET not in output
    left = _snapshot(repo)
    assert not [name for name, data in left.items() if SECRET.encode() in data], left.keys()
    assert _snapshot(outside) == before, "gate changed something outside the repository"
    assert list(temp.iterdir()) == [], "gate left temporary files behind"
    assert seconds < limit, f"{seconds:.1f} s"
    assert megabytes < case.get("megabytes", 500), f"{megabytes:.0f} MB"


def test_every_case_says_what_it_checks() -> None:
    assert len(CASES) >= 30
    for case_file in CASES:
        case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
        assert case.get("what") and "exit" in case, case_file.name
        assert set(case) <= {
            "what",
            "args",
            "charts",
            "files",
            "symlinks",
            "make",
            "exit",
            "says",
            "seconds",
            "megabytes",
            "forbids",
        }, case_file.name
