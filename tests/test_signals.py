"""SIGTERM and SIGINT: gate stops every helm it started, removes its temporary
folders, leaves golden files all old or all new, and exits 143 or 130.

The helm here is a fake that sleeps (a real one renders too fast to be caught
mid-run); it records its own pid and its child's, so the test can see that
nothing it started is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gate.golden_files
from gate.golden_files import write_all
from gate.process import Interrupted, signals_stop_helm
from gate.repository import Fence

TARGETS = ("a", "b", "c", "d")


def _repo(folder: Path, config: str) -> Path:
    """folder/repo: a work tree with one chart (chart/) and the given gate.yaml."""
    root = folder / "repo"
    (root / "chart").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (root / "gate.yaml").write_text(config)
    return root


def _helm(path: Path, template: str) -> Path:
    """A fake helm at `path` that answers `version` and runs `template` for `template`."""
    path.write_text(
        f'#!/bin/sh\ncase "$1" in\n  version) echo v3.17.0 ;;\n  template) {template} ;;\nesac\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def _fake_helm(folder: Path) -> Path:
    """helm that renders a ConfigMap with the replicas in folder/replicas, after
    sleeping in a child process when folder/slow exists."""
    return _helm(
        folder / "helm",
        f"echo $$ >> {folder}/pids\n"
        f"    if [ -e {folder}/slow ]; then sleep 60 & echo $! >> {folder}/pids; wait; fi\n"
        f"    printf -- '---\\n# Source: c/templates/cm.yaml\\napiVersion: v1\\nkind: ConfigMap\\n"
        f'metadata:\\n  name: cm\\ndata:\\n  replicas: "%s"\\n\' "$(cat {folder}/replicas)"',
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    targets = "".join(f"  - {{name: {name}, chart: chart}}\n" for name in TARGETS)
    root = _repo(tmp_path, f"builtin_policies: false\ngolden: {{dir: golden}}\ntargets:\n{targets}")
    (tmp_path / "replicas").write_text("1")
    (tmp_path / "tmp").mkdir()
    return root


def _start(repo: Path, *args: str) -> subprocess.Popen[str]:
    folder = repo.parent
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "TMPDIR": str(folder / "tmp"),
    }
    helm = _fake_helm(folder)
    return subprocess.Popen(
        [sys.executable, "-m", "gate", *args, "--helm", str(helm), "--jobs", "2"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _pids(folder: Path) -> list[int]:
    path = folder / "pids"
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _wait_for_helm(folder: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(_pids(folder)) < count:
        assert time.monotonic() < deadline, "the fake helm never started"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _golden(repo: Path) -> dict[str, str]:
    return {t: (repo / "golden" / t / "default.yaml").read_text() for t in TARGETS}


@pytest.mark.parametrize(
    ("args", "sent", "code"),
    [
        (("golden", "update"), signal.SIGTERM, 143),
        (("check",), signal.SIGTERM, 143),
        (("check",), signal.SIGINT, 130),
        (("golden", "update"), signal.SIGINT, 130),
    ],
    ids=["update-sigterm", "check-sigterm", "check-sigint", "update-sigint"],
)
def test_a_signal_mid_run_stops_every_helm_and_changes_nothing(
    repo: Path, args: tuple[str, ...], sent: signal.Signals, code: int
) -> None:
    folder = repo.parent
    first = _start(repo, "golden", "update")
    assert first.wait(timeout=60) == 0, first.communicate()
    old = _golden(repo)
    assert all("replicas: '1'" in text for text in old.values()), old
    (folder / "pids").unlink()
    (folder / "replicas").write_text("2")
    (folder / "slow").touch()

    running = _start(repo, *args)
    _wait_for_helm(folder, 4)  # two helms (--jobs 2), each with its sleeping child
    started = time.monotonic()
    running.send_signal(sent)
    _, stderr = running.communicate(timeout=30)

    assert running.returncode == code, stderr
    assert time.monotonic() - started < 10
    assert "Traceback" not in stderr
    assert f"stopped by {sent.name}" in stderr
    if args[0] == "golden":
        assert "no golden file was changed" in stderr
    time.sleep(0.2)
    assert [pid for pid in _pids(folder) if _alive(pid)] == []
    assert list((folder / "tmp").iterdir()) == [], "temporary folders left behind"
    assert _golden(repo) == old
    assert sorted(p.name for p in (repo / "golden").iterdir()) == sorted(TARGETS)


def test_a_signal_during_the_swap_is_handled_after_every_file_is_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once golden files are being renamed into place, a signal waits until the last
    one is: the update ends with every file new, and says so."""
    golden = tmp_path / "golden"
    files = [(golden / t / "default.yaml", f"new {t}\n") for t in TARGETS]
    for path, _ in files:
        path.parent.mkdir(parents=True)
        path.write_text("old\n")
    real_replace = os.replace
    renamed: list[str] = []

    def replace_then_signal(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        if ".gate-staging-" in str(dst):
            return  # still staging: the swap has not begun
        renamed.append(str(dst))
        if len(renamed) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives with the swap half done

    monkeypatch.setattr(gate.golden_files.os, "replace", replace_then_signal)

    with signals_stop_helm(), pytest.raises(Interrupted) as caught:
        write_all(golden, files, Fence(tmp_path))

    assert len(renamed) == len(TARGETS)
    assert [path.read_text() for path, _ in files] == [text for _, text in files]
    assert "all 4 golden files were written" in " ".join(caught.value.__notes__)
    assert [p.name for p in golden.iterdir() if p.name.startswith(".")] == []


def test_the_environment_helm_sees_holds_no_secret(tmp_path: Path) -> None:
    """A helm that prints its whole environment into the rendering: the CI's secrets
    are not there, so no report or golden file can carry them."""
    secret = "ci-secret-value-0b7e41"
    root = _repo(
        tmp_path,
        "builtin_policies: false\ngolden: {dir: golden}\ntargets: [{name: a, chart: chart}]\n",
    )
    helm = _helm(
        tmp_path / "helm",
        "printf -- '---\\n# Source: c/templates/cm.yaml\\napiVersion: v1\\n"
        "kind: ConfigMap\\nmetadata:\\n  name: env\\ndata:\\n  env: |\\n'; "
        "env | sed 's/^/    /'",
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GITHUB_TOKEN": secret,
        "AWS_SECRET_ACCESS_KEY": secret,
        "HELM_REPOSITORY_CONFIG": f"/{secret}",
        "HTTPS_PROXY": "http://proxy.internal:3128",
    }
    for args in (["golden", "update"], ["render", "a"]):
        done = subprocess.run(
            [sys.executable, "-m", "gate", *args, "--helm", str(helm)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert secret not in done.stdout + done.stderr
    written = (root / "golden" / "a" / "default.yaml").read_text()
    assert secret not in written
    assert "HTTPS_PROXY=http://proxy.internal:3128" in written  # dependency fetching needs it
    assert f"HOME={tmp_path}" not in written  # a private home, not the user's


@pytest.mark.parametrize("exits", [True, False], ids=["helm-exits", "helm-hangs"])
def test_a_child_that_escapes_and_holds_the_output_is_abandoned(
    tmp_path: Path, exits: bool
) -> None:
    """helm starts a process in a session of its own that keeps helm's output open:
    gate does not wait for it (an hour here) but ends in bounded time with a sentence."""
    root = _repo(
        tmp_path,
        "builtin_policies: false\nhelm: {timeout: 3}\ntargets: [{name: a, chart: chart}]\n",
    )
    then = "exit 0" if exits else "sleep 3600"
    helm = _helm(
        tmp_path / "helm",
        f"setsid sleep 3600 & echo $! > {tmp_path}/escaped; echo '---'; {then}",
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--helm", str(helm)],
        cwd=root,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    escaped = int((tmp_path / "escaped").read_text())
    os.kill(escaped, signal.SIGKILL)  # ours to clean up: it left gate's reach on purpose

    assert time.monotonic() - started < 15
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    if exits:
        assert "kept its output open" in done.stderr
    else:
        assert "did not finish within 3s" in done.stderr
