"""Run newsflow stage workers as separate processes, the way an operator does."""

from __future__ import annotations

import subprocess
from pathlib import Path

from streams.runtime.processes import start_worker, stop_processes, wait_until
from tests.conftest import Services

__all__ = ["Workers", "wait_until"]


class Workers:
    """Stage worker processes with their logs in one folder; stopped by `stop_all`."""

    def __init__(self, services: Services, log_dir: Path, **env: str) -> None:
        self._env = services.env(**env)
        self._log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, stage: str, name: str | None = None) -> subprocess.Popen[bytes]:
        name = name or stage
        process = start_worker(stage, self._env, self._log_dir / f"{name}.log")
        self.processes[name] = process
        return process

    def running(self) -> dict[str, bool]:
        return {name: process.poll() is None for name, process in self.processes.items()}

    def log_tail(self, name: str, lines: int = 30) -> str:
        text = (self._log_dir / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop_all(self, timeout: float = 30.0) -> None:
        stop_processes(self.processes.values(), timeout)
