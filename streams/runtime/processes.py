"""Start stage workers as child processes, wait for what they do, and stop them the way a
worker expects: SIGTERM, time to finish, then SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def start_worker(
    stage: str, env: dict[str, str], log_path: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `newsflow worker <stage>` in its own session, its output appended to `log_path`."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", stage],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    interval: float = 1.0,
    between: Callable[[], None] | None = None,
) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; return whether it held.

    `between` runs after each poll that failed (say, to check the workers are still alive; it
    may raise to give up early).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if between is not None:
            between()
        time.sleep(interval)
    return condition()


def stop_processes(processes: Iterable[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM every running process, wait up to `timeout` in all, then kill what remains.

    A worker given SIGTERM finishes its batch before its offsets move; the kill is for one
    that cannot.
    """
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
