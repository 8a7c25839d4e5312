"""Measure a call in a child process: wall time, and peak memory with tracemalloc.

A child process, so that a call that would run for hours (the bug being tested)
is killed after `timeout` and fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass

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
tracemalloc.start()
call()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({{"seconds": seconds, "peak": peak, "result": repr(result)[:2000]}}))
"""


@dataclass(frozen=True)
class Measured:
    seconds: float  # one call, without tracemalloc
    peak_bytes: int  # one more call, under tracemalloc
    result: str  # repr of what the call returned


def measure(expression: str, setup: str = "", timeout: float = 20.0) -> Measured:
    """Run `expression` (after `setup`) in a fresh interpreter; fail the test past `timeout`."""
    code = _CHILD.format(setup=textwrap.dedent(setup), expression=expression)
    try:
        done = subprocess.run(
            [sys.executable, "-"],  # the code on stdin: it may hold long literals
            input=code,
            cwd=REPO,
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
    return Measured(data["seconds"], data["peak"], data["result"])
