"""The PostgreSQL sink: each batch upserted in one transaction, idempotent by article id.

Python builds one row per article (streams/sinks/postgres/rows.py); each article's entity and
quote rows are derived by the database from the record it has just stored, in the same
transaction, so the record is encoded once and the child rows cost no Python per row. The
generic part (streams/sinks/base.py) batches, retries and acks; this module maps and writes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, ClassVar

import faust
import psycopg

from schemas import EnrichedArticle
from schemas.dead_letter import one_line
from streams.config import Settings
from streams.runtime.messages import Inbound
from streams.sinks.base import Backpressure, Refused, Sink, build_sink
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.rows import ARTICLE_COLUMNS, ArticleRow, article_row
from streams.stages import stage

STAGE = stage("sink")

# Errors that belong to one record's data, not to the database being away.
RECORD_ERRORS = (psycopg.DataError, psycopg.IntegrityError)

_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, stored_at)"
    f" VALUES ({', '.join(['%s'] * len(ARTICLE_COLUMNS))}, now())"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in ARTICLE_COLUMNS[1:])
    + ", stored_at = now()"
)

# One row per element of the record's `entities`, ordinal = its index in the record.
_ENTITIES_OF_ARTICLES = """
INSERT INTO entities (article_id, ordinal, name, label, mentions, aliases, entity_id)
SELECT a.id, e.ordinal - 1, e.entity->>'name', e.entity->>'label', e.entity->'mentions',
       ARRAY(SELECT jsonb_array_elements_text(e.entity->'aliases')), e.entity_id
FROM articles AS a,
     ROWS FROM (jsonb_array_elements(a.record->'entities'), unnest(a.entity_ids))
         WITH ORDINALITY AS e(entity, entity_id, ordinal)
WHERE a.id = ANY(%s)
"""

# One row per element of the record's `quotes`, ordinal = its index in the record.
_QUOTES_OF_ARTICLES = """
INSERT INTO quotes (article_id, ordinal, text, kind, speaker, cue, start_char, end_char,
                    speaker_id)
SELECT a.id, q.ordinal - 1, q.quote->>'text', q.quote->>'kind', q.quote->>'speaker',
       q.quote->>'cue', (q.quote->>'start')::integer, (q.quote->>'end')::integer,
       q.speaker_id
FROM articles AS a,
     ROWS FROM (jsonb_array_elements(a.record->'quotes'), unnest(a.speaker_ids))
         WITH ORDINALITY AS q(quote, speaker_id, ordinal)
WHERE a.id = ANY(%s)
"""

# One row per cross-article entity the batch names (as an entity or a speaker), new surface
# forms added to its aliases. In id order, so concurrent sinks lock rows in the same order;
# a row changes only when the batch brings an alias it lacks.
_CANONICAL_OF_ARTICLES = """
INSERT INTO canonical_entities AS c (entity_id, name, family, aliases)
SELECT entity_id, min(name), split_part(entity_id, ':', 1), array_agg(DISTINCT alias ORDER BY alias)
FROM (SELECT entity_id, name, unnest(array_prepend(name, aliases)) AS alias FROM entities
      WHERE article_id = ANY(%(ids)s) AND entity_id IS NOT NULL
      UNION ALL SELECT speaker_id, speaker, speaker FROM quotes
      WHERE article_id = ANY(%(ids)s) AND speaker_id IS NOT NULL) AS named
GROUP BY entity_id
ORDER BY entity_id
ON CONFLICT (entity_id) DO UPDATE SET aliases = ARRAY(
    SELECT DISTINCT unnest(c.aliases || EXCLUDED.aliases) ORDER BY 1)
WHERE NOT EXCLUDED.aliases <@ c.aliases
"""


async def write_rows(conn: psycopg.AsyncConnection[Any], rows: Sequence[ArticleRow]) -> None:
    """Upsert the articles and replace their entities and quotes, all in one transaction.

    Writing the same rows twice leaves the tables as writing them once. On any error the
    transaction rolls back and nothing of the batch is stored. The statements go to the server
    in one pipeline: one round trip for the batch, and one for the commit. `rows` hold one row
    per article id (the generic sink keeps the latest of each).
    """
    if not rows:
        return
    ids = ([row.id for row in rows],)
    async with conn.transaction(), conn.pipeline(), conn.cursor() as cursor:
        await cursor.executemany(_UPSERT_ARTICLE, rows)
        await cursor.execute("DELETE FROM entities WHERE article_id = ANY(%s)", ids)
        await cursor.execute("DELETE FROM quotes WHERE article_id = ANY(%s)", ids)
        await cursor.execute(_ENTITIES_OF_ARTICLES, ids)
        await cursor.execute(_QUOTES_OF_ARTICLES, ids)
        await cursor.execute(_CANONICAL_OF_ARTICLES, {"ids": ids[0]})


class PostgresSink(Sink[ArticleRow]):
    """Writes article rows over one connection, reopened whenever it fails."""

    destination: ClassVar[str] = "database"
    latest_per_article: ClassVar[bool] = True

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.AsyncConnection[Any] | None = None

    def map(self, record: EnrichedArticle, origin: Inbound) -> ArticleRow:
        return article_row(record, origin.partition, origin.offset)

    async def write(self, items: Sequence[ArticleRow]) -> None:
        try:
            await write_rows(await self._connection(), items)
        except RECORD_ERRORS as error:
            raise Refused(one_line(error)) from error
        except psycopg.Error as error:
            await self.close()
            raise Backpressure(f"PostgreSQL: {one_line(error)}") from error

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self._conninfo, connect_timeout=5)
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with suppress(psycopg.Error):
                await conn.close()


def prepare(settings: Settings, wait_s: float) -> None:
    """Apply the migrations before the first batch, waiting up to `wait_s` for the database."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            migrate(settings.database_dsn)
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def build(settings: Settings) -> faust.App:
    """Return the PostgreSQL sink's Faust app."""
    return build_sink(STAGE, PostgresSink(settings.database_dsn), settings)
