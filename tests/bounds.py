"""Measure a call in a fresh interpreter: its wall time and its memory, fairly.

A child process, so that a call that would run for hours (the bug being tested)
is killed after `timeout` and fails the test instead of hanging the suite. Its
memory is read two ways:

- `resident_bytes`: the child's own peak resident size (VmHWM), interpreter
  included. Not ru_maxrss: Linux carries a process's peak across fork and exec,
  so a child of a large pytest would report pytest's memory as its own;
- `peak_bytes` (with `traced`): what Python allocated during one more call,
  with tracemalloc. A call whose second run returns a cached answer is measured
  with `traced=False`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

_CHILD = """
import json, time, tracemalloc
{setup}
def call():
    return {expression}
started = time.perf_counter()
result = call()
seconds = time.perf_counter() - started
with open("/proc/self/status") as status:
    resident = int(next(l for l in status if l.startswith("VmHWM:")).split()[1]) * 1024
peak = 0
if {traced}:
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
print(json.dumps({{"seconds": seconds, "peak": peak, "resident": resident,
                  "result": repr(result)[:2000]}}))
"""


@dataclass(frozen=True)
class Measured:
    seconds: float  # one call, without tracemalloc
    peak_bytes: int  # one more call, under tracemalloc (0 unless traced)
    resident_bytes: int  # the child's own peak resident memory, interpreter included
    result: str  # repr of what the first call returned

    def value(self) -> Any:
        """What the first call returned, when its repr is a Python literal."""
        return ast.literal_eval(self.result)


def measure(
    expression: str,
    setup: str = "",
    timeout: float = 20.0,
    traced: bool = True,
    cwd: Path = REPO,
) -> Measured:
    """Run `expression` (after `setup`) in a fresh interpreter; fail the test past `timeout`."""
    code = _CHILD.format(setup=textwrap.dedent(setup), expression=expression, traced=traced)
    try:
        done = subprocess.run(
            [sys.executable, "-"],  # the code on stdin: it may hold long literals
            input=code,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{expression} did not finish within {timeout} s")
    if done.returncode != 0:
        pytest.fail(f"{expression} failed:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(data["seconds"], data["peak"], data["resident"], data["result"])
