"""The sink's least-privilege database role (docs/reliability.md) is enough, and no more."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from schemas import EnrichedArticle
from streams.config import Settings
from streams.intake.decoding import decode_record
from streams.intake.enriching import enrich_inputs
from streams.intake.inputs import Input
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.sink import PostgresSink
from tests.conftest import Services
from tests.memory import write_records

pytestmark = pytest.mark.integration

# Kept equal to the grants in docs/reliability.md ("the sink's database role").
SINK_GRANTS = """
GRANT CONNECT ON DATABASE {database} TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE ON articles TO {role};
GRANT SELECT, INSERT, DELETE ON entities, quotes TO {role};
GRANT SELECT, INSERT, UPDATE ON canonical_entities TO {role};
GRANT SELECT ON schema_migrations TO {role};
"""


def as_role(url: str, role: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{role}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_the_documented_sink_grants_suffice_to_store_and_nothing_more(
    migrated: Services,
) -> None:
    role, password = f"newsflow_sink_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    database = urlsplit(migrated.database_url).path.lstrip("/")
    with psycopg.connect(migrated.database_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        owner.execute(SINK_GRANTS.format(database=database, role=role))
    url = as_role(migrated.database_url, role, password)
    text = 'Maria Gonzalez said on Monday: "The library opens next week."'
    value = json.dumps({"id": f"role-{role}", "text": text}).encode()
    [(_, enriched)] = list(enrich_inputs([Input("role", value)], Settings()))
    assert isinstance(enriched, EnrichedArticle)
    try:
        assert migrate(url) == []  # the sink worker's startup check runs as this role
        for _ in range(2):  # the second write is the replay: upsert + child replace
            asyncio.run(write_records(PostgresSink(url), [enriched]))
        with psycopg.connect(url, autocommit=True) as conn:
            record = conn.execute(
                "SELECT record FROM articles WHERE id = %s", (enriched.id,)
            ).fetchone()
            assert record is not None
            assert decode_record(json.dumps(record[0]).encode(), EnrichedArticle) == enriched
            for statement in ("DROP TABLE quotes", "TRUNCATE articles", "CREATE TABLE x (a int)"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
        # the owner's maintenance is refused in one line (it needs UPDATE on entities, quotes)
        refused = subprocess.run(
            [sys.executable, "-m", "streams", "db", "backfill"],
            capture_output=True,
            text=True,
            env=Services(migrated.bootstrap, url, "test").env(),
            timeout=120,
            check=False,
        )
        assert refused.returncode == 1
        assert refused.stderr.endswith(": run it as the owner of the tables\n")
        assert refused.stderr.startswith("newsflow db: permission denied for table ")
        assert refused.stderr.count("\n") == 1
    finally:
        with psycopg.connect(migrated.database_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")
