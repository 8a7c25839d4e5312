"""Peak memory of `gate check --jobs 2` over 200 targets x 3 profiles: 600 renderings,
about 54,000 objects (bench/corpus.py `many_charts`), golden files committed, cold
(no `.gate-cache/`, a fresh XDG_CACHE_HOME).

Target (issue 13): gate's own processes stay under 500 MB. What is measured:

- gate: the peak resident set of gate's processes, helm's excluded: the main
  process's VmHWM (the kernel's own high-water mark, read every 20 ms until it
  exits) or, if gate runs worker processes of its own (non-helm children alive for
  more than one sample), the largest sum of the resident sets of gate and its
  workers seen at once, whichever is larger;
- helm, separately: the largest sum of the helm processes' resident sets seen at
  once (sampled every 20 ms, so a short peak may be missed), and the
  largest single process of the whole tree (`ru_maxrss` from wait4, exact).

Also printed: the wall time, plain `helm template` of the 600 pairs 2 at a time (one
run each), and the peak of the `gate golden update` that writes the golden files first.
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


@dataclass
class Peak:
    main_hwm_kb: int = 0  # gate's main process, VmHWM
    gate_sum_kb: int = 0  # gate's processes (helm excluded), largest sum seen at once
    helm_sum_kb: int = 0  # helm processes, largest sum seen at once
    gate_processes: str = ""  # the names of gate's workers seen, and how many
    helm_processes: int = 0
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
    seen_gate: dict[int, str] = {}  # pid: name
    seen_helm: set[int] = set()

    def sample() -> None:
        samples: dict[int, int] = {}  # pid: how many samples saw it
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
                rss = _kb(status, "VmRSS")
                samples[pid] = samples.get(pid, 0) + 1
                if status.get("Name", "").strip() == "helm":
                    helm_kb += rss
                    seen_helm.add(pid)
                elif pid == process.pid:
                    gate_kb += rss
                    peak.main_hwm_kb = max(peak.main_hwm_kb, _kb(status, "VmHWM"))
                elif samples[pid] > 1:
                    # A worker of gate's own. A child between fork and exec (not yet
                    # helm) shares gate's pages and shows gate's whole RSS: counted
                    # only once a second sample, 20 ms later, still sees it.
                    gate_kb += rss
                    seen_gate[pid] = status.get("Name", "?").strip()
            peak.gate_sum_kb = max(peak.gate_sum_kb, gate_kb)
            peak.helm_sum_kb = max(peak.helm_sum_kb, helm_kb)
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    finished.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    names = sorted(set(seen_gate.values()))
    peak.gate_processes = ", ".join(
        f"{sum(1 for n in seen_gate.values() if n == name)} {name}" for name in names
    )
    peak.helm_processes = len(seen_helm)
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
            [*gate_command(), "golden", "update", *options], repo, cache.env()
        )
        cache.fresh()
        output, seconds, peak = measure([*gate_command(), "check", *options], repo, cache.env())
        helm_seconds = timed(lambda: helm_all(corpus.helm_calls, JOBS))

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
            reference=f"helm {duration(helm_seconds)}",
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
            reference=f"helm {duration(helm_seconds)}",
            measured=f"gate check {duration(seconds)}",
            figure=seconds / helm_seconds,
            seconds={"reference": helm_seconds, "measured": seconds},
        ),
    ]
    notes = [
        f"peak RSS: gate's main process (VmHWM) {peak.main_hwm_kb / 1024:.0f} MB; "
        f"gate's processes at once {peak.gate_sum_kb / 1024:.0f} MB "
        f"(worker processes seen: {peak.gate_processes or 'none'}); helm processes at once "
        f"{peak.helm_sum_kb / 1024:.0f} MB ({peak.helm_processes} seen); largest single "
        f"process of the tree (ru_maxrss) {peak.tree_maxrss_kb / 1024:.0f} MB; "
        f"gate golden update before it: {duration(update_seconds)}, main process "
        f"{update.main_hwm_kb / 1024:.0f} MB; gate says: {verdict}",
    ]
    emit(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
