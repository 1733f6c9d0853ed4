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

# The order of an article's versions (docs/reliability.md, "Versions of an article"): the newer
# input first (when its raw article was published to Kafka), then the newer pipeline version,
# then the later production. Rows and records from before versioning sort first.
_ORDER = (
    "(coalesce({t}.published_ms, -1), {t}.pipeline_version,"
    " coalesce({t}.produced_at, '-infinity'::timestamptz))"
)

# A stored row is replaced only by a record that is not older and differs from it: an older
# replay, and the same message twice, leave the row (and its children) as they are.
_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, stored_at)"
    f" VALUES ({', '.join(['%s'] * len(ARTICLE_COLUMNS))}, now())"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in ARTICLE_COLUMNS[1:])
    + ", stored_at = now()"
    + f" WHERE {_ORDER.format(t='EXCLUDED')} >= {_ORDER.format(t='articles')}"
    " AND articles.record IS DISTINCT FROM EXCLUDED.record"
)

# The rows this transaction stored: stored_at is now(), the transaction's start, which no
# earlier transaction's rows carry. Only their children are replaced.
_STORED_NOW = "a.id = ANY(%s::text[]) AND a.stored_at = now()"

_DELETE_CHILDREN = [
    f"DELETE FROM {table} USING articles AS a WHERE {table}.article_id = a.id AND {_STORED_NOW}"
    for table in ("entities", "quotes")
]

# One row per element of the record's `entities`, ordinal = its index in the record.
_ENTITIES_OF_ARTICLES = f"""
INSERT INTO entities (article_id, ordinal, name, label, mentions, aliases, entity_id)
SELECT a.id, e.ordinal - 1, e.entity->>'name', e.entity->>'label', e.entity->'mentions',
       ARRAY(SELECT jsonb_array_elements_text(e.entity->'aliases')), e.entity_id
FROM articles AS a,
     ROWS FROM (jsonb_array_elements(a.record->'entities'), unnest(a.entity_ids))
         WITH ORDINALITY AS e(entity, entity_id, ordinal)
WHERE {_STORED_NOW}
"""

# One row per element of the record's `quotes`, ordinal = its index in the record.
_QUOTES_OF_ARTICLES = f"""
INSERT INTO quotes (article_id, ordinal, text, kind, speaker, cue, start_char, end_char,
                    speaker_id)
SELECT a.id, q.ordinal - 1, q.quote->>'text', q.quote->>'kind', q.quote->>'speaker',
       q.quote->>'cue', (q.quote->>'start')::integer, (q.quote->>'end')::integer,
       q.speaker_id
FROM articles AS a,
     ROWS FROM (jsonb_array_elements(a.record->'quotes'), unnest(a.speaker_ids))
         WITH ORDINALITY AS q(quote, speaker_id, ordinal)
WHERE {_STORED_NOW}
"""


def canonical_entities_named(where: str) -> str:
    """Return a SELECT of the canonical_entities rows the stored rows matching `where` make.

    One row per cross-article entity that the entity and quote rows name (an entity's name
    and aliases, a quote's speaker): its id, the least of its names, its label family and
    every name, sorted. `where` narrows both tables (e.g. "article_id = ANY(%(ids)s)").
    """
    return f"""
SELECT entity_id, min(name) AS name, split_part(entity_id, ':', 1) AS family,
       array_agg(DISTINCT alias ORDER BY alias) AS aliases
FROM (SELECT entity_id, name, unnest(array_prepend(name, aliases)) AS alias FROM entities
      WHERE {where} AND entity_id IS NOT NULL
      UNION ALL SELECT speaker_id, speaker, speaker FROM quotes
      WHERE {where} AND speaker_id IS NOT NULL) AS named
GROUP BY entity_id
"""


# One row per cross-article entity the batch names (as an entity or a speaker), new surface
# forms added to its aliases. In id order, so concurrent sinks lock rows in the same order;
# a row changes only when the batch brings an alias it lacks.
_CANONICAL_OF_ARTICLES = f"""
INSERT INTO canonical_entities AS c (entity_id, name, family, aliases)
{canonical_entities_named("article_id = ANY(%(ids)s::text[])")}
ORDER BY entity_id
ON CONFLICT (entity_id) DO UPDATE SET aliases = ARRAY(
    SELECT DISTINCT unnest(c.aliases || EXCLUDED.aliases) ORDER BY 1)
WHERE NOT EXCLUDED.aliases <@ c.aliases
"""


def array_literal(values: Sequence[object]) -> str:
    """Return the PostgreSQL array literal of `values` (str, int or None elements).

    psycopg's list adaptation looks up a dumper for every element: for an article's id arrays
    it cost the sink more client CPU than the rest of the row (docs/performance.md).
    """
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def upsert_parameters(row: ArticleRow) -> tuple[object, ...]:
    """Return the article upsert's parameters: the row's columns, its arrays as literals."""
    return tuple(array_literal(value) if isinstance(value, list) else value for value in row)


async def write_rows(conn: psycopg.AsyncConnection[Any], rows: Sequence[ArticleRow]) -> None:
    """Upsert the articles, and replace the entities and quotes of those stored, in one transaction.

    A row is stored unless the table holds the same or a newer version of its article (the
    order above): writing the same rows twice leaves the tables as writing them once, and an
    older replay changes nothing. On any error the transaction rolls back and nothing of the
    batch is stored. The statements go to the server in one pipeline: one round trip for the
    batch, and one for the commit. `rows` hold one row per article id (the generic sink keeps
    the latest of each). Inside an outer transaction this is a savepoint of it.
    """
    if not rows:
        return
    ids = (array_literal([row.id for row in rows]),)  # one literal for the five statements
    async with conn.transaction(), conn.pipeline(), conn.cursor() as cursor:
        await cursor.executemany(_UPSERT_ARTICLE, map(upsert_parameters, rows))
        for statement in (*_DELETE_CHILDREN, _ENTITIES_OF_ARTICLES, _QUOTES_OF_ARTICLES):
            await cursor.execute(statement, ids)
        await cursor.execute(_CANONICAL_OF_ARTICLES, {"ids": ids[0]})


async def stored_now(conn: psycopg.AsyncConnection[Any], ids: Sequence[str]) -> set[str]:
    """Return which of `ids` the current transaction stored (write_rows did not keep them)."""
    query = f"SELECT a.id FROM articles AS a WHERE {_STORED_NOW}"
    cursor = await conn.execute(query, (array_literal(ids),))
    return {row[0] for row in await cursor.fetchall()}


class PostgresSink(Sink[ArticleRow]):
    """Writes article rows, each batch on a connection of its own while it is written.

    Two batches are written at once (`parallel_writes`): the database stores one while the
    worker sends the other, instead of waiting for the worker between batches. Their writes
    commute: a row is replaced only by a version that is not older (the order above), so two
    batches end the same whichever commits first. A connection that fails is closed; the next
    batch opens another.
    """

    destination: ClassVar[str] = "database"
    latest_per_article: ClassVar[bool] = True
    parallel_writes: ClassVar[int] = 2

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._idle: list[psycopg.AsyncConnection[Any]] = []

    def map(self, record: EnrichedArticle, origin: Inbound) -> ArticleRow:
        return article_row(record, origin.partition, origin.offset)

    async def write(self, items: Sequence[ArticleRow]) -> None:
        conn = await self._connection()
        try:
            # In id order: two batches written at once lock their common articles in the same
            # order, as they lock canonical entities, so neither waits for the other in a cycle.
            await write_rows(conn, sorted(items, key=lambda row: row.id))
        except RECORD_ERRORS as error:
            self._idle.append(conn)  # the transaction rolled back; the connection is sound
            raise Refused(one_line(error)) from error
        except psycopg.Error as error:
            await close_connection(conn)
            raise Backpressure(f"PostgreSQL: {one_line(error)}") from error
        except BaseException:
            await close_connection(conn)
            raise
        self._idle.append(conn)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        """Return an idle open connection, else a new one (one per batch being written)."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        try:
            return await psycopg.AsyncConnection.connect(self._conninfo, connect_timeout=5)
        except psycopg.Error as error:
            raise Backpressure(f"PostgreSQL: {one_line(error)}") from error

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await close_connection(conn)


async def close_connection(conn: psycopg.AsyncConnection[Any]) -> None:
    """Close `conn`, ignoring a connection already broken."""
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
