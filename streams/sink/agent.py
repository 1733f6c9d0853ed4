"""The sink stage: articles.enriched -> PostgreSQL, one transaction per batch.

The batch's events are acked (and later committed) only after its transaction commits. While
PostgreSQL is unreachable the batch is retried with backoff and never acked; a record the
database refuses for good (bad data) is dead-lettered alone and the rest of its batch is stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import faust
import psycopg
from faust.types import EventT

from schemas import EnrichedArticle
from schemas.dead_letter import one_line
from streams import metrics
from streams.agents.stage import Inbound, Sender, create_app, guarded
from streams.config import Settings
from streams.decoding import decode_record
from streams.sink.rows import Stored, to_rows
from streams.sink.writer import write_rows
from streams.topics import DLQ, ENRICHED

log = logging.getLogger(__name__)

Received = tuple[Inbound, Stored]

# Errors that belong to one record's data, not to the database being away.
RECORD_ERRORS = (psycopg.DataError, psycopg.IntegrityError)


class Database:
    """One connection to the sink's database, reopened with backoff whenever it fails."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def store(self, received: Sequence[Received]) -> list[tuple[Inbound, Exception]]:
        """Write `received`; return the records the database refused, with why."""
        try:
            await self._write([stored for _, stored in received])
            return []
        except RECORD_ERRORS as error:
            if len(received) == 1:
                return [(received[0][0], error)]
        refused: list[tuple[Inbound, Exception]] = []
        for item in received:
            refused += await self.store([item])
        return refused

    async def _write(self, batch: Sequence[Stored]) -> None:
        delay = 0.5
        rows = to_rows(batch)
        while True:
            try:
                await write_rows(await self._connection(), rows)
                return
            except RECORD_ERRORS:
                raise
            except psycopg.Error as error:
                log.warning(
                    "cannot write to PostgreSQL (%s); retrying in %.1fs", one_line(error), delay
                )
                metrics.RETRIED.labels("sink", "database").inc()
                await self.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self._conninfo, connect_timeout=5)
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with suppress(psycopg.Error):
                await conn.close()


async def store_batch(events: Sequence[EventT], database: Database, sender: Sender) -> None:
    """Store one batch of enriched records; return once it is committed or dead-lettered."""
    started = time.monotonic()
    received: list[Received] = []
    for message in map(Inbound.of, events):
        try:
            article = decode_record(message.value, EnrichedArticle)
        except Exception as error:
            await sender.dead_letter(message, error)
            continue
        received.append((message, Stored(article, message.partition, message.offset)))
    for message, refusal in await database.store(received):
        await sender.dead_letter(message, refusal)
    await sender.flush()
    metrics.batch_done("sink", events, started)


def build(settings: Settings) -> faust.App:
    """Return the sink's Faust app."""
    app = create_app("sink", settings)
    source = app.topic(ENRICHED)
    sender = Sender(app.topic(DLQ), "sink")
    database = Database(settings.database_dsn)

    @app.agent(source, concurrency=1, name="sink-agent")
    async def sink(stream: Any) -> None:
        batches = stream.take_events(settings.sink_batch_size, within=settings.batch_within_s)
        async for events in batches:
            await guarded(store_batch(events, database, sender))

    return app
