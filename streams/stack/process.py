"""Run, watch and stop the local stack's server processes: ports, pid files, readiness waits."""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

LOOPBACK = "127.0.0.1"
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})


class StackError(RuntimeError):
    """One-line, user-facing failure (what failed + what to do)."""


def explains_os_errors(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn an OSError escaping the decorated function into a StackError naming `what`."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except OSError as exc:
                raise StackError(f"{what} failed ({exc}): fix that and retry") from exc

        return wrapper

    return decorate


def loopback_host(host: str, env_var: str) -> str:
    """Return 127.0.0.1 for a loopback host name; refuse any other host."""
    if host not in _LOOPBACK_NAMES:
        raise StackError(
            f"the local stack only listens on {LOOPBACK}, not {host!r}: "
            f"point {env_var} at {LOOPBACK}"
        )
    return LOOPBACK


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_free(host: str, port: int) -> bool:
    """Return whether a server could bind host:port now (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Return whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_port_free(host: str, port: int, env_var: str, role: str = "") -> None:
    """Raise StackError when another program holds host:port; role says what the port is for."""
    if not port_free(host, port):
        role = f" ({role})" if role else ""
        raise StackError(
            f"port {port} on {host}{role} is in use by another program: "
            f"set {env_var} to a free port"
        )


def read_pid(pid_file: Path) -> int | None:
    """Return the pid on the first line of pid_file, or None when it is missing or garbled."""
    try:
        first = pid_file.read_text().splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def write_pid(pid_file: Path, pid: int) -> None:
    """Write pid to pid_file atomically."""
    tmp = pid_file.with_name(pid_file.name + ".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(pid_file)


def pid_alive(pid: int, marker: str | None = None) -> bool:
    """Return whether pid runs (not a zombie) and, given a marker, has it in its command line.

    The marker guards against a stale pid file whose pid now belongs to another program.
    """
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our own child, exited and now reaped
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self").is_dir():
        return True  # no procfs (not Linux): kill(0) is all there is
    proc = Path("/proc") / str(pid)
    try:
        state = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = (
            proc.joinpath("cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (OSError, IndexError):
        return False
    return state != "Z" and (marker is None or marker in cmdline)


def stop_process_group(pid: int, timeout: float) -> None:
    """SIGTERM the process group led by pid, wait up to timeout, then SIGKILL it."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)  # not a group leader: never signal someone else's group
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.1)
    raise StackError(f"process {pid} survived SIGKILL: check it with `ps -p {pid}`")


def log_size(log_file: Path) -> int:
    """Return the current size of log_file (0 when missing), to tail only what comes next."""
    try:
        return log_file.stat().st_size
    except OSError:
        return 0


def log_tail(log_file: Path, offset: int = 0, lines: int = 3) -> str:
    """Return the last meaningful lines written to log_file after offset, joined on one line.

    Stack-trace frames are skipped: the exception line above them says more.
    """
    try:
        with log_file.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode(errors="replace")
    except OSError:
        return "no log output"
    kept = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("at ", "..."))
    ]
    tail = " | ".join(kept[-lines:]) or "no log output"
    return tail if len(tail) <= 600 else "…" + tail[-600:]


def wait_ready(
    ready: Callable[[], bool],
    alive: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log_file: Path,
    log_offset: int = 0,
    interval: float = 0.5,
) -> None:
    """Poll ready() until it returns True; raise StackError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive():
            tail = log_tail(log_file, log_offset)
            raise StackError(f"{what} exited during start-up ({tail}); full log: {log_file}")
        if ready():
            return
        if time.monotonic() >= deadline:
            raise StackError(f"{what} was not ready after {timeout:.0f} s: see {log_file} for why")
        time.sleep(interval)


def find_executable(name: str, hint: str) -> str:
    """Return the path of an executable on PATH, or raise StackError with an install hint."""
    found = shutil.which(name)
    if found is None:
        raise StackError(f"{name} not found on PATH: {hint}")
    return found


def run(
    cmd: Sequence[str | Path],
    *,
    what: str,
    user: str | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    log_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run cmd to completion, optionally as another OS user, capturing or logging its output.

    Output goes to log_file (appended) when given, else it is captured in the result. Only a
    missing executable or a timeout raise; the caller judges the exit code.
    """
    uid: int | None = None
    gid: int | None = None
    groups: list[int] | None = None
    env: dict[str, str] | None = None
    if user is not None:
        entry = pwd.getpwnam(user)
        uid, gid, groups = entry.pw_uid, entry.pw_gid, []
        env = {**os.environ, "HOME": entry.pw_dir, "USER": user, "LOGNAME": user}
    args = [str(part) for part in cmd]
    try:
        with contextlib.ExitStack() as stack:
            out = subprocess.PIPE if log_file is None else stack.enter_context(log_file.open("a"))
            return subprocess.run(
                args,
                cwd=cwd,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.PIPE if log_file is None else subprocess.STDOUT,
                text=True,
                check=False,
                user=uid,
                group=gid,
                extra_groups=groups,
                env=env,
            )
    except FileNotFoundError as exc:
        raise StackError(f"{what}: {args[0]} not found: install it or fix PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(
            f"{what} took longer than {timeout:.0f} s: retry, or run it by hand"
        ) from exc
