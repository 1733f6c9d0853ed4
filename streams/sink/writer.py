"""Write batches of rows to PostgreSQL: one transaction per batch, idempotent by article id.

The article rows come from Python (streams/sink/rows.py); each article's entity and quote rows
are derived by the database from the record it has just stored, in the same transaction, so
the record is encoded once and the child rows cost no Python per row.
"""

from __future__ import annotations

import psycopg

from streams.sink.rows import ARTICLE_COLUMNS, Rows

_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, stored_at)"
    f" VALUES ({', '.join(['%s'] * len(ARTICLE_COLUMNS))}, now())"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in ARTICLE_COLUMNS[1:])
    + ", stored_at = now()"
)

# One row per element of the record's `entities`, ordinal = its index in the record.
_ENTITIES_OF_ARTICLES = """
INSERT INTO entities (article_id, ordinal, name, label, mentions, aliases)
SELECT a.id, e.ordinal - 1, e.entity->>'name', e.entity->>'label', e.entity->'mentions',
       ARRAY(SELECT jsonb_array_elements_text(e.entity->'aliases'))
FROM articles AS a,
     jsonb_array_elements(a.record->'entities') WITH ORDINALITY AS e(entity, ordinal)
WHERE a.id = ANY(%s)
"""

# One row per element of the record's `quotes`, ordinal = its index in the record.
_QUOTES_OF_ARTICLES = """
INSERT INTO quotes (article_id, ordinal, text, kind, speaker, cue, start_char, end_char)
SELECT a.id, q.ordinal - 1, q.quote->>'text', q.quote->>'kind', q.quote->>'speaker',
       q.quote->>'cue', (q.quote->>'start')::integer, (q.quote->>'end')::integer
FROM articles AS a,
     jsonb_array_elements(a.record->'quotes') WITH ORDINALITY AS q(quote, ordinal)
WHERE a.id = ANY(%s)
"""


async def write_rows(conn: psycopg.AsyncConnection, rows: Rows) -> None:
    """Upsert the articles and replace their entities and quotes, all in one transaction.

    Writing the same rows twice leaves the tables as writing them once. On any error the
    transaction rolls back and nothing of the batch is stored. The statements go to the server
    in one pipeline: one round trip for the batch, and one for the commit.
    """
    if not rows.articles:
        return
    ids = (rows.article_ids,)
    async with conn.transaction(), conn.pipeline(), conn.cursor() as cursor:
        await cursor.executemany(_UPSERT_ARTICLE, rows.articles)
        await cursor.execute("DELETE FROM entities WHERE article_id = ANY(%s)", ids)
        await cursor.execute("DELETE FROM quotes WHERE article_id = ANY(%s)", ids)
        await cursor.execute(_ENTITIES_OF_ARTICLES, ids)
        await cursor.execute(_QUOTES_OF_ARTICLES, ids)
