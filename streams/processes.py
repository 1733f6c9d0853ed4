"""Stop child processes the way a worker expects: SIGTERM, time to finish, then SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterable


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
