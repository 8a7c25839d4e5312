"""Peak memory of `gate check --jobs 2` over 200 targets x 3 profiles: 600 renderings,
55,200 objects (bench/corpus.py `many_charts`), golden files committed, cold
(no `.gate-cache/`, a fresh XDG_CACHE_HOME).

Target (issue 13): gate's own process stays under 500 MB. What is measured:

- gate: the main process's VmHWM (the kernel's own high-water mark, read every 20 ms
  until it exits), or, when gate runs programs other than helm (a worker started
  with exec), the largest sum of its RSS and theirs seen at once, whichever is
  larger. A child between fork and exec (PF_FORKNOEXEC: every helm call passes
  through that state) shares gate's pages and would count them twice: it is left
  out and counted in the note;
- helm, separately: the largest sum of the helm processes' RSS seen at once
  (sampled every 20 ms, so a short peak may be missed);
- the largest single process of the whole tree (`ru_maxrss` from wait4, exact), as a
  check on the figures above.

Also printed: gate's wall time, plain `helm template` of every 5th pair 2 at a time
scaled to the 600 (the pairs are alike), and the peak of the `gate golden update
--no-cache` that writes the golden files first.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    Cache,
    Row,
    duration,
    emit,
    gate_command,
    helm_all,
    helm_binary,
    scratch,
    timed,
)
from corpus import many_charts

TARGETS = 200
JOBS = 2
LIMIT_MB = 500.0
HELM_SAMPLE = 5  # plain helm renders every 5th pair, and its time is scaled
SAMPLE_SECONDS = 0.02  # a scan of /proc costs ~1.5 ms of one core


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            return dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return {}


def _kb(status: dict[str, str], field: str) -> int:
    return int(status.get(field, "0 kB").split()[0])


PF_FORKNOEXEC = 0x40  # the kernel's "forked but did not exec" task flag (/proc/PID/stat)


def _forked_only(pid: int) -> bool:
    """Whether the process is a fork of its parent that has not exec'd (yet): it shares
    its parent's pages, and its RSS counts them all again."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            flags = int(handle.read().rsplit(")", 1)[1].split()[6])
    except (OSError, IndexError, ValueError):
        return False
    return bool(flags & PF_FORKNOEXEC)


@dataclass
class Peak:
    main_hwm_kb: int = 0  # gate's main process: its VmHWM
    gate_sum_kb: int = 0  # gate and the programs it exec'd other than helm, at once
    helm_sum_kb: int = 0  # helm processes, at once
    helm_processes: int = 0
    others: str = ""  # the other programs gate ran (not helm), by name
    forks: int = 0  # children seen between fork and exec (not counted)
    tree_maxrss_kb: int = 0  # wait4: the largest single process of the tree


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, float, Peak]:
    """gate's output, its wall time and its peak memory."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        code, usage, peak = _watch(process)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if code not in (0, 1):
        raise SystemExit(f"`{' '.join(command[2:4])}` exited {code}: {text[-2000:]}")
    peak.tree_maxrss_kb = usage.ru_maxrss
    return text, seconds, peak


def _watch(process: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage, Peak]:
    """Sample the process's tree until it ends: its exit code, its rusage, the peaks."""
    peak = Peak()
    finished = threading.Event()
    others: dict[int, str] = {}  # pid: name
    helms: set[int] = set()
    forks: set[int] = set()

    def sample() -> None:
        while not finished.is_set():
            tree = _children()
            gate_kb = helm_kb = 0
            todo = [process.pid]
            while todo:
                pid = todo.pop()
                todo += tree.get(pid, [])
                status = _status(pid)
                if not status:
                    continue  # it ended between the two reads
                rss, name = _kb(status, "VmRSS"), status.get("Name", "").strip()
                if pid == process.pid:
                    gate_kb += rss
                    peak.main_hwm_kb = max(peak.main_hwm_kb, _kb(status, "VmHWM"))
                elif name == "helm":
                    helm_kb += rss
                    helms.add(pid)
                elif _forked_only(pid):
                    forks.add(pid)  # a helm to be, or a fork-mode worker: gate's own pages
                else:
                    gate_kb += rss  # a program gate started, with pages of its own
                    others[pid] = name
            peak.gate_sum_kb = max(peak.gate_sum_kb, gate_kb)
            peak.helm_sum_kb = max(peak.helm_sum_kb, helm_kb)
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    finished.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    names = sorted(set(others.values()))
    peak.others = ", ".join(
        f"{sum(1 for n in others.values() if n == name)} {name}" for name in names
    )
    peak.helm_processes, peak.forks = len(helms), len(forks)
    return process.returncode, usage, peak


def main() -> int:
    with scratch("memory") as root:
        repo = root / "repo"
        corpus = many_charts(repo, TARGETS)
        (repo / "gate.yaml").write_text(corpus.gate_yaml(), encoding="utf-8")
        cache = Cache(repo, root)
        options = ["--helm", helm_binary(), "--quiet", "--jobs", str(JOBS)]
        # Writing the golden files is a whole run too: its peak is printed beside.
        cache.fresh()
        _, update_seconds, update = measure(
            [*gate_command(), "golden", "update", "--no-cache", *options], repo, cache.env()
        )
        cache.fresh()
        output, seconds, peak = measure([*gate_command(), "check", *options], repo, cache.env())
        # The 600 pairs are alike: a fifth of them, times 5, is what all of them take.
        sample = corpus.helm_calls[::HELM_SAMPLE]
        helm_seconds = timed(lambda: helm_all(sample, JOBS)) * len(corpus.helm_calls) / len(sample)

    gate_mb = max(peak.main_hwm_kb, peak.gate_sum_kb) / 1024
    # The verdict: "gate passed: 0 errors, 0 warnings (200 targets, 600 profiles, N objects)"
    counted = re.search(r"(\d+) objects\)", output)
    objects = f"{int(counted.group(1)):,}" if counted else "?"
    verdict = output.strip().splitlines()[-1] if output.strip() else ""
    pairs = len(corpus.helm_calls)
    rows = [
        Row(
            key="memory-peak-rss",
            workload=f"{TARGETS} targets x 3 profiles ({pairs} renderings, {objects} objects): "
            "gate's peak RSS",
            reference=f"helm {duration(helm_seconds)} (scaled)",
            measured=f"gate check {duration(seconds)}",
            figure=gate_mb,
            unit="MB",
            op="<",
            target=LIMIT_MB,
            note=f"helm processes at once: {peak.helm_sum_kb / 1024:.0f} MB",
            seconds={"reference": helm_seconds, "measured": seconds},
        ),
        Row(
            key="memory-wall-time",
            workload=f"{TARGETS} targets x 3 profiles, wall time",
            reference=f"helm {duration(helm_seconds)} (scaled)",
            measured=f"gate check {duration(seconds)}",
            figure=seconds / helm_seconds,
            seconds={"reference": helm_seconds, "measured": seconds},
        ),
    ]
    notes = [
        f"peak RSS: gate's main process (VmHWM) {peak.main_hwm_kb / 1024:.0f} MB; "
        f"with the other programs it ran at once {peak.gate_sum_kb / 1024:.0f} MB "
        f"(programs other than helm: {peak.others or 'none'}; {peak.forks} children seen "
        f"between fork and exec, not counted); helm processes at once "
        f"{peak.helm_sum_kb / 1024:.0f} MB ({peak.helm_processes} seen); largest single "
        f"process of the tree (ru_maxrss) {peak.tree_maxrss_kb / 1024:.0f} MB; "
        f"gate golden update before it: {duration(update_seconds)}, main process "
        f"{update.main_hwm_kb / 1024:.0f} MB; gate says: {verdict}",
    ]
    emit(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
