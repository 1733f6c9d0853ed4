"""Write batches of rows to PostgreSQL: one transaction per batch, idempotent by article id."""

from __future__ import annotations

import psycopg

from streams.sink.rows import ARTICLE_COLUMNS, ENTITY_COLUMNS, QUOTE_COLUMNS, Rows

_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, stored_at)"
    f" VALUES ({', '.join(['%s'] * len(ARTICLE_COLUMNS))}, now())"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in ARTICLE_COLUMNS[1:])
    + ", stored_at = now()"
)
_COPY_ENTITIES = f"COPY entities ({', '.join(ENTITY_COLUMNS)}) FROM STDIN"
_COPY_QUOTES = f"COPY quotes ({', '.join(QUOTE_COLUMNS)}) FROM STDIN"


async def write_rows(conn: psycopg.AsyncConnection, rows: Rows) -> None:
    """Upsert the articles and replace their entities and quotes, all in one transaction.

    Writing the same rows twice leaves the tables as writing them once. On any error the
    transaction rolls back and nothing of the batch is stored.
    """
    if not rows.articles:
        return
    ids = rows.article_ids
    async with conn.transaction(), conn.cursor() as cursor:
        await cursor.executemany(_UPSERT_ARTICLE, rows.articles)
        await cursor.execute("DELETE FROM entities WHERE article_id = ANY(%s)", (ids,))
        await cursor.execute("DELETE FROM quotes WHERE article_id = ANY(%s)", (ids,))
        if rows.entities:
            async with cursor.copy(_COPY_ENTITIES) as copy:
                for row in rows.entities:
                    await copy.write_row(row)
        if rows.quotes:
            async with cursor.copy(_COPY_QUOTES) as copy:
                for row in rows.quotes:
                    await copy.write_row(row)
