"""Run a throwaway PostgreSQL server with pg_ctl, on loopback, without Docker."""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql

from streams.stack.process import (
    StackError,
    explains_os_errors,
    log_size,
    log_tail,
    loopback_host,
    pid_alive,
    read_pid,
    require_port_free,
    run,
    wait_ready,
)

ENV_VAR = "NEWSFLOW_DATABASE_URL"
SERVER_USER = "postgres"  # PostgreSQL refuses to run as root; root runs it as this user
SETTINGS_FILE = "newsflow.conf"  # included from postgresql.conf, rewritten on every start
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes, NUL included
AUTH_FAILED = re.compile(r"password authentication failed|role .* does not exist|no pg_hba")


@dataclass(frozen=True)
class PostgresConfig:
    """Where a local PostgreSQL server listens, who owns it, and where it keeps its state."""

    host: str
    port: int
    user: str
    password: str
    database: str
    data_dir: Path
    log_file: Path

    @property
    def socket_dir(self) -> Path:
        return self.data_dir.parent


def postgres_config(stack_dir: Path, database_url: str) -> PostgresConfig:
    """Describe the server behind database_url, with its state under stack_dir/postgres."""
    parts = urlsplit(database_url)
    try:
        port = parts.port or 5432
    except ValueError:
        port = 0
    if parts.scheme not in ("postgresql", "postgres") or not parts.username or not port:
        raise StackError(
            f"{ENV_VAR} is not a postgresql://user:password@127.0.0.1:port/db URL: fix it"
        )
    if not parts.password:
        raise StackError(f"{ENV_VAR} has no password: the local server needs one, add it")
    state = stack_dir.absolute() / "postgres"
    return PostgresConfig(
        host=loopback_host(parts.hostname or "", ENV_VAR),
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        database=unquote(parts.path.lstrip("/")) or unquote(parts.username),
        data_dir=state / "data",
        log_file=state / "postgres.log",
    )


def database_url(cfg: PostgresConfig, database: str | None = None) -> str:
    """Return the postgresql:// URL of cfg's database (or of another one on the same server)."""
    user, password = quote(cfg.user, safe=""), quote(cfg.password, safe="")
    name = quote(database or cfg.database, safe="")
    return f"postgresql://{user}:{password}@{cfg.host}:{cfg.port}/{name}"


def postgres_running(cfg: PostgresConfig) -> bool:
    """Return whether the postmaster of cfg's data directory is alive."""
    pid = read_pid(cfg.data_dir / "postmaster.pid")
    return pid is not None and pid_alive(pid, marker="postgres")


@explains_os_errors("starting PostgreSQL")
def start_postgres(cfg: PostgresConfig, timeout: float = 60.0) -> None:
    """Start the server and create cfg.database if missing; only the latter if it runs.

    The first start runs initdb with cfg's superuser and password (scram-sha-256 over TCP,
    trust over the Unix socket, which sits in a folder only the server's user can enter).
    """
    if postgres_running(cfg):
        _require_same_port(cfg)
    else:
        require_port_free(cfg.host, cfg.port, ENV_VAR)
        _check_socket_path(cfg)
        bindir = server_bindir(install=True)
        owner = _server_user()
        _prepare_state_dir(cfg, owner)
        if not (cfg.data_dir / "PG_VERSION").is_file():
            _initdb(cfg, bindir, owner)
        _write_settings(cfg, owner)
        _pg_ctl_start(cfg, bindir, owner, timeout)
    wait_ready(
        lambda: _accepts_login(cfg),
        lambda: postgres_running(cfg),
        timeout=timeout,
        what=f"PostgreSQL on {cfg.host}:{cfg.port}",
        log_file=cfg.log_file,
    )
    _ensure_database(cfg)


@explains_os_errors("stopping PostgreSQL")
def stop_postgres(cfg: PostgresConfig, timeout: float = 30.0) -> bool:
    """Stop the server with `pg_ctl stop -m fast`; return False if it was not running."""
    if not postgres_running(cfg):
        return False
    bindir = server_bindir(install=False)
    owner = _server_user()
    for mode in ("fast", "immediate"):
        run(
            [bindir / "pg_ctl", "stop", "-D", cfg.data_dir, "-m", mode, "-w",
             "-t", str(int(timeout))],
            what="stopping PostgreSQL",
            user=owner,
            cwd=cfg.socket_dir,
            timeout=timeout + 10,
        )  # fmt: skip
        if not postgres_running(cfg):
            return True
    raise StackError(
        f"PostgreSQL in {cfg.data_dir} did not stop: see {cfg.log_file}, then kill its postmaster"
    )


def _require_same_port(cfg: PostgresConfig) -> None:
    """Refuse to treat a server running on another port as the one cfg describes."""
    lines = (cfg.data_dir / "postmaster.pid").read_text().splitlines()
    port = lines[3].strip() if len(lines) > 3 else ""
    if port != str(cfg.port):
        raise StackError(
            f"PostgreSQL from {cfg.data_dir} already runs on port {port or '?'}, not {cfg.port}: "
            "stop it first (`newsflow stack down`), then start it again"
        )


def server_bindir(install: bool) -> Path:
    """Return the folder holding initdb, pg_ctl and postgres; install them if asked and root.

    Looks on PATH first, then in Debian's /usr/lib/postgresql/<major>/bin, newest major first.
    """
    found = _find_bindir()
    if found is None and install and os.geteuid() == 0:
        _apt_install_postgresql()
        found = _find_bindir()
    if found is None:
        raise StackError(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: "
            "install them, e.g. `sudo apt-get install postgresql`"
        )
    return found


def _find_bindir() -> Path | None:
    """Return the first folder that has all of initdb, pg_ctl and postgres, if any."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda p: _major(p.parent.name), reverse=True)
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _major(name: str) -> tuple[int, ...]:
    """Sort key of a version folder name such as '15' or '9.6'."""
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _apt_install_postgresql() -> None:
    """Install Debian's postgresql package (needs root)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise StackError(
                f"`{' '.join(cmd)}` failed ({last[0]}): install PostgreSQL by hand and retry"
            )


def _server_user() -> str | None:
    """Return the OS user to run the server as: `postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        result = run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/var/lib/postgresql", "--shell", "/usr/sbin/nologin", SERVER_USER],
            what="creating the postgres OS user",
        )  # fmt: skip
        if result.returncode != 0:
            raise StackError(
                f"creating the {SERVER_USER} OS user failed ({result.stderr.strip()}): "
                f"create it by hand (useradd --system {SERVER_USER})"
            ) from None
    return SERVER_USER


def _chown(path: Path, owner: str | None) -> None:
    """Give path to owner (no-op when owner is None)."""
    if owner is not None:
        shutil.chown(path, owner, owner)


def _prepare_state_dir(cfg: PostgresConfig, owner: str | None) -> None:
    """Create the state folder, owned by the server's user, and make its parents traversable."""
    cfg.socket_dir.mkdir(parents=True, exist_ok=True)
    cfg.socket_dir.chmod(0o700)
    _chown(cfg.socket_dir, owner)
    if cfg.log_file.exists():
        _chown(cfg.log_file, owner)
    if owner is None:
        return
    for parent in cfg.socket_dir.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)  # traverse only, not list


def _check_socket_path(cfg: PostgresConfig) -> None:
    """Refuse a state folder so deep that the server's Unix socket path would not fit."""
    socket_path = cfg.socket_dir / f".s.PGSQL.{cfg.port}"
    if len(str(socket_path).encode()) > MAX_SOCKET_PATH:
        raise StackError(
            f"the PostgreSQL socket path {socket_path} is longer than {MAX_SOCKET_PATH} bytes: "
            "use a shorter NEWSFLOW_STACK_DIR"
        )


def _initdb(cfg: PostgresConfig, bindir: Path, owner: str | None) -> None:
    """Create the cluster in a scratch folder, then rename it to data_dir once complete."""
    if cfg.data_dir.exists():
        if any(cfg.data_dir.iterdir()):
            raise StackError(
                f"{cfg.data_dir} exists but is not a PostgreSQL data directory: move it away"
            )
        cfg.data_dir.rmdir()
    scratch = cfg.data_dir.with_name(cfg.data_dir.name + ".initdb")
    pwfile = cfg.socket_dir / ".pwfile"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _write_private(pwfile, cfg.password + "\n", owner)
        result = run(
            [bindir / "initdb", "-D", scratch, f"--username={cfg.user}", f"--pwfile={pwfile}",
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
             "--no-instructions"],
            what="initdb",
            user=owner,
            cwd=cfg.socket_dir,
            timeout=300.0,
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise StackError(f"initdb failed in {cfg.data_dir.parent} ({last[0]}): fix that and retry")
    with (scratch / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude_if_exists = '{SETTINGS_FILE}'  # written by newsflow\n")
    scratch.rename(cfg.data_dir)


def _write_private(path: Path, text: str, owner: str | None) -> None:
    """Write a file only owner can read."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    _chown(path, owner)


def _write_settings(cfg: PostgresConfig, owner: str | None) -> None:
    """Write the listen address, port and socket folder that this start must use."""
    _write_private(
        cfg.data_dir / SETTINGS_FILE,
        "# Written by newsflow (streams/stack/postgres.py) on every start; edits are lost.\n"
        f"listen_addresses = '{cfg.host}'\n"
        f"port = {cfg.port}\n"
        f"unix_socket_directories = '{cfg.socket_dir}'\n",
        owner,
    )


def _pg_ctl_start(cfg: PostgresConfig, bindir: Path, owner: str | None, timeout: float) -> None:
    """Start the postmaster in the background and wait until pg_ctl sees it ready."""
    offset = log_size(cfg.log_file)
    result = run(
        [bindir / "pg_ctl", "start", "-D", cfg.data_dir, "-l", cfg.log_file, "-w",
         "-t", str(max(1, int(timeout)))],
        what="starting PostgreSQL",
        user=owner,
        cwd=cfg.socket_dir,
        timeout=timeout + 10,
    )  # fmt: skip
    if result.returncode != 0:
        tail = log_tail(cfg.log_file, offset)
        raise StackError(f"PostgreSQL failed to start ({tail}); full log: {cfg.log_file}")


def _accepts_login(cfg: PostgresConfig) -> bool:
    """Return whether cfg's user can log in over TCP; raise if the server rejects it for good."""
    try:
        with psycopg.connect(database_url(cfg, "postgres"), connect_timeout=3):
            return True
    except psycopg.OperationalError as exc:
        if AUTH_FAILED.search(str(exc)):
            raise StackError(
                f"PostgreSQL in {cfg.data_dir} rejects user {cfg.user!r} (it was initialised with "
                f"other credentials): use those in {ENV_VAR}, or delete {cfg.data_dir}"
            ) from None
        return False


def _ensure_database(cfg: PostgresConfig) -> None:
    """Create cfg.database unless it exists, then check that it takes connections."""
    try:
        with psycopg.connect(database_url(cfg, "postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (cfg.database,)
            ).fetchone()
            if exists is None:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg.database))
                    conn.execute(create)
        with psycopg.connect(database_url(cfg), connect_timeout=3):
            pass
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StackError(
            f"preparing database {cfg.database!r} failed ({reason}): see {cfg.log_file}"
        ) from exc
