"""Running helm as a child that cannot outlive, outgrow or outwait gate.

Each call runs in its own process group with a deadline and a cap on what it may
print. Every running group is registered, so that SIGTERM or SIGINT can stop
them all at once (`stop_all`), and no new one starts after that. A child that
escapes its group and keeps the output pipes open is abandoned at the deadline
rather than waited for.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import FrameType

STDERR_BYTES = 1024 * 1024
# After the child exits, what it started may still hold the pipes; this long at most.
_DRAIN_SECONDS = 2.0
_CHUNK = 1 << 16


class Interrupted(BaseException):
    """SIGINT or SIGTERM: stop now, clean up on the way out, exit 128 + signal.

    A BaseException, so that no `except Exception` on the way swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class TimedOut(Exception):
    pass


class OutputHeld(Exception):
    """The child exited, but something it started still holds its output open."""


class OutputTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"printed more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Completed:
    code: int
    stdout: bytes
    stderr: bytes


_lock = threading.Lock()
_groups: set[int] = set()
_stopping: int | None = None  # the signal that stopped gate, once one has


def stop_all(signum: int = signal.SIGTERM) -> None:
    """Kill every running process group and refuse to start new ones."""
    global _stopping
    with _lock:
        _stopping = signum
        groups = list(_groups)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def _on_signal(signum: int, _: FrameType | None) -> None:
    stop_all(signum)
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_stop_helm() -> Iterator[None]:
    """SIGINT and SIGTERM stop every helm and raise Interrupted in the main thread."""
    global _stopping
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        with _lock:
            _stopping = None  # the command is over; a later one in this process may run helm


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a step that must finish once begun (swapping
    golden files into place); a signal that came meanwhile is handled after it."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _forget(group: int) -> None:
    with _lock:
        _groups.discard(group)


def run_bounded(
    args: Sequence[str],
    env: dict[str, str],
    timeout: float,
    max_stdout: int,
    max_stderr: int = STDERR_BYTES,
) -> Completed:
    """Run `args` (never through a shell); raise TimedOut past `timeout` seconds and
    OutputTooLarge past `max_stdout` bytes, killing the whole process group either way."""
    with _lock:
        if _stopping is not None:
            raise Interrupted(_stopping)
        process = subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        _groups.add(process.pid)
    try:
        return _collect(process, time.monotonic() + timeout, max_stdout, max_stderr)
    finally:
        # Whatever helm left behind in its group goes with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        _forget(process.pid)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def _collect(
    process: subprocess.Popen[bytes], deadline: float, max_stdout: int, max_stderr: int
) -> Completed:
    assert process.stdout is not None and process.stderr is not None
    limits = {process.stdout.fileno(): max_stdout, process.stderr.fileno(): max_stderr}
    chunks: dict[int, list[bytes]] = {fd: [] for fd in limits}
    sizes = dict.fromkeys(limits, 0)
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for pipe in (process.stdout, process.stderr):
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                raise TimedOut()
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > _DRAIN_SECONDS:
                # The child is gone and whoever holds its pipes is not waited for; what
                # it printed may be cut short, so it is not taken as a rendering.
                raise OutputHeld()
            for key, _ in selector.select(timeout=min(deadline - now, 0.25)):
                fd = key.fd
                data = os.read(fd, _CHUNK)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                sizes[fd] += len(data)
                if fd == process.stdout.fileno() and sizes[fd] > max_stdout:
                    raise OutputTooLarge(max_stdout)
                if sizes[fd] <= limits[fd]:
                    chunks[fd].append(data)
    remaining = max(0.0, deadline - time.monotonic())
    try:
        code = process.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        raise TimedOut() from None
    return Completed(
        code,
        b"".join(chunks[process.stdout.fileno()]),
        b"".join(chunks[process.stderr.fileno()]),
    )
