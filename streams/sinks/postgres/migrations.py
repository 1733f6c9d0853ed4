"""Apply the SQL migrations in streams/sinks/postgres/migrations/ once each, in name order."""

from __future__ import annotations

from importlib import resources

import psycopg

# Any constant shared by every migrating process: they take turns on this advisory lock.
MIGRATION_LOCK = 0x6E657773  # "news"


def migration_files() -> list[tuple[str, str]]:
    """Return (name, sql) of every migration, in the order they apply."""
    folder = resources.files("streams.sinks.postgres") / "migrations"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [(entry.name, entry.read_text(encoding="utf-8")) for entry in files]


def migrate(conninfo: str) -> list[str]:
    """Apply the migrations this database lacks; return their names. Safe to run concurrently."""
    applied_now = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            # Checked first so a role without CREATE (the sink's least-privilege role) can run this.
            (exists,) = conn.execute(
                "SELECT to_regclass('schema_migrations') IS NOT NULL"
            ).fetchone() or (False,)
            if not exists:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            for name, sql in migration_files():
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                applied_now.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return applied_now
