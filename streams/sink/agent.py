"""The sink stage: articles.enriched -> PostgreSQL, one transaction per batch.

The batch's events are acked (and later committed) only after its transaction commits; the
next batch is read and decoded while the database writes the current one. While
PostgreSQL is unreachable the batch is retried with backoff and never acked; a record the
database refuses for good (bad data) is dead-lettered alone and the rest of its batch is stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import faust
import psycopg
from faust.types import EventT

from schemas import EnrichedArticle
from schemas.dead_letter import one_line
from streams import metrics
from streams.agents.batching import take_batches
from streams.agents.stage import (
    Inbound,
    Sender,
    create_app,
    exit_unacked,
    guarded,
    settle_heap,
)
from streams.config import Settings
from streams.decoding import decode_record
from streams.sink.rows import PUBLISHED_MS, Row, Rows, Stored, article_row, latest_per_article
from streams.sink.writer import write_rows
from streams.topics import DLQ, ENRICHED

log = logging.getLogger(__name__)

# An article row and the message it was made from.
Received = tuple[Inbound, Row]

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
            await self._write(Rows([row for _, row in received]))
            return []
        except RECORD_ERRORS as error:
            if len(received) == 1:
                return [(received[0][0], error)]
        refused: list[tuple[Inbound, Exception]] = []
        for item in received:
            refused += await self.store([item])
        return refused

    async def _write(self, rows: Rows) -> None:
        delay = 0.5
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


@dataclass
class Prepared:
    """A batch of events mapped to article rows, ready to write."""

    events: Sequence[EventT]
    received: list[Received]
    rejected: list[tuple[Inbound, Exception]]
    started: float


def prepare(events: Sequence[EventT], started: float) -> Prepared:
    """Decode a batch of enriched records and map them to rows, one per article id.

    The records that do not decode are kept with why. Each record is mapped to its row as soon
    as it is decoded, and only the row is kept: a decoded record holds several times the memory
    of its row, and a batch of them made the sink's peak RSS while it drained a backlog.
    """
    received: list[Received] = []
    rejected: list[tuple[Inbound, Exception]] = []
    for message in map(Inbound.of, events):
        try:
            article = decode_record(message.value, EnrichedArticle)
        except Exception as error:
            rejected.append((message, error))
            continue
        received.append((message, article_row(Stored(article, message.partition, message.offset))))
    latest = latest_per_article(received, article_id=lambda item: item[1][0])
    return Prepared(events, latest, rejected, started)


class Writer:
    """Stores prepared batches in order on its own task, while the agent reads the next ones.

    The database works on one batch while this process reads and decodes the following ones,
    so the two costs overlap instead of adding up; at most QUEUED batches wait their turn. A
    batch's messages stay unacknowledged until its transaction commits: each gets one more
    reference when handed over, which take_batches' own ack only takes back, and the writer
    acks them once they are stored or dead-lettered. A rebalance waits for them (Faust commits
    only acked offsets).
    """

    # One batch waits while another is written: a second waiting batch did not add rows/s, and
    # added ~10 MB to the peak RSS of a sink draining a backlog.
    QUEUED = 1

    def __init__(self, database: Database, sender: Sender) -> None:
        self._database = database
        self._sender = sender
        self._queue: asyncio.Queue[Prepared] = asyncio.Queue(self.QUEUED)
        self._task: asyncio.Task[None] | None = None

    async def submit(self, batch: Prepared) -> None:
        """Hand `batch` over for storing; wait only while QUEUED batches are already waiting."""
        if self._task is None:
            self._task = asyncio.create_task(self._store_each())
        for event in batch.events:
            event.message.incref()
        await self._queue.put(batch)

    async def wait_idle(self) -> None:
        """Return once every batch handed over is stored."""
        await self._queue.join()

    async def _store_each(self) -> None:
        while True:
            batch = await self._queue.get()
            try:
                await store(batch, self._database, self._sender)
            except asyncio.CancelledError:
                raise  # the worker is going away: the batch stays unacked and is replayed
            except BaseException:
                exit_unacked("unexpected error storing a batch, exiting so it is replayed")
            for event in batch.events:
                event.ack()
            self._queue.task_done()


async def store(batch: Prepared, database: Database, sender: Sender) -> None:
    """Store one batch; return once it is committed and its rejects are dead-lettered."""
    for message, error in batch.rejected:
        await sender.dead_letter(message, error)
    refused = await database.store(batch.received)
    for message, refusal in refused:
        await sender.dead_letter(message, refusal)
    await sender.flush()
    refused_ids = {id(message) for message, _ in refused}
    published_ms = [
        row[PUBLISHED_MS] for message, row in batch.received if id(message) not in refused_ids
    ]
    metrics.batch_done("sink", batch.events, batch.started, published_ms)


def build(settings: Settings) -> faust.App:
    """Return the sink's Faust app."""
    app = create_app("sink", settings)
    source = app.topic(ENRICHED)
    writer = Writer(Database(settings.database_dsn), Sender(app.topic(DLQ), "sink"))

    @app.agent(source, concurrency=1, name="sink-agent")
    async def sink(stream: Any) -> None:
        settle_heap()
        batches = take_batches(stream, settings.sink_batch_size, settings.sink_batch_within_s)
        try:
            async for events in batches:
                await guarded(writer.submit(prepare(events, time.monotonic())))
        finally:
            await guarded(writer.wait_idle())

    return app
