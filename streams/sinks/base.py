"""The sink contract, and the part every sink shares: batching, retries, acks after a durable write.

A sink stores the enriched records of articles.enriched somewhere durable. Each sink owns only
two things, in the spirit of Quix Streams' `BatchingSink` (add -> `map`, flush -> `write`):

- `map(record, origin)`: the record and where it was read -> the sink's item (a row). Pure; it
  runs as soon as a record is decoded, so a batch holds items, not records.
- `write(items)`: store one batch's items durably. Raise `Backpressure` when the destination is
  away, full or busy (the same batch is written again later) and `Refused` when it refuses the
  batch's data for good (each item is then written alone, and those refused alone are
  dead-lettered). Any other error is a bug: the worker exits without acking, and the batch is
  replayed by the next one.

The generic part (`build_sink`) owns the rest, the same for every sink: batches from the topic,
decoding (a record that does not decode is dead-lettered), the latest item of each article per
batch when the sink asks for it, writing on a task of its own while the next batch is read,
retrying with jittered backoff (nothing is acked meanwhile), and acking a batch's messages only
once its write returned (the commit). A replay after a crash writes the same items again, so a
sink's write must be idempotent: the same items written twice leave what writing them once
left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import faust
from faust.types import EventT

from schemas import EnrichedArticle
from schemas.dead_letter import one_line
from streams.config import Settings
from streams.intake.decoding import decode_record
from streams.runtime import metrics
from streams.runtime.app import create_app, settle_heap
from streams.runtime.backoff import Backoff
from streams.runtime.batching import take_batches
from streams.runtime.each import batch_then_each
from streams.runtime.messages import Inbound
from streams.runtime.sending import Sender
from streams.runtime.stopping import exit_unacked, guarded
from streams.stages import DLQ, StageSpec

log = logging.getLogger(__name__)

Item = TypeVar("Item")


class Backpressure(Exception):
    """The destination cannot take the batch now (away, full, busy); write it again later.

    `retry_after` is how long the sink suggests waiting, in seconds; None: the backoff decides.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Refused(Exception):
    """The destination refuses the data of the batch for good (not its being away).

    Raise it `from` the destination's own error: a record refused alone is dead-lettered with
    that error's type and message.
    """


class Sink(ABC, Generic[Item]):
    """What one sink owns: how a record becomes its item, and how a batch of items is written."""

    # What `newsflow_retries{target=...}` calls this sink's destination.
    destination: ClassVar[str] = "destination"
    # Keep only the last item of each article in a batch (a table keyed by article id), or all
    # of them (a log of every version).
    latest_per_article: ClassVar[bool] = False
    # How many batches may be written at once (each on a task of its own). More than one only
    # for a destination whose writes commute: a batch written after a later one ends the same.
    parallel_writes: ClassVar[int] = 1

    @abstractmethod
    def map(self, record: EnrichedArticle, origin: Inbound) -> Item:
        """Return the item that stores `record`, read at `origin` (pure; may raise on bad data)."""

    @abstractmethod
    async def write(self, items: Sequence[Item]) -> None:
        """Store `items` durably, idempotently; raise Backpressure or Refused as above."""

    async def close(self) -> None:
        """Release what the sink holds (connections); called once its last batch is stored."""


@dataclass(frozen=True)
class Received(Generic[Item]):
    """One decoded message: where it came from, its article, and the sink's item for it."""

    message: Inbound
    article_id: str
    published_ms: int | None
    item: Item


@dataclass
class Prepared(Generic[Item]):
    """A batch of events mapped to the sink's items, ready to write."""

    events: Sequence[EventT]
    received: list[Received[Item]]
    rejected: list[tuple[Inbound, Exception]]
    started: float


def prepare(sink: Sink[Item], events: Sequence[EventT], started: float) -> Prepared[Item]:
    """Decode a batch of enriched records and map each to the sink's item as it is decoded.

    The records that do not decode or map are kept with why (to be dead-lettered). Only the
    item of a record is kept: a decoded record holds several times the memory of its row, and a
    batch of them made the sink's peak RSS while it drained a backlog.
    """
    received: list[Received[Item]] = []
    rejected: list[tuple[Inbound, Exception]] = []
    for message in map(Inbound.of, events):
        try:
            record = decode_record(message.value, EnrichedArticle)
            item = sink.map(record, message)
        except Exception as error:
            rejected.append((message, error))
            continue
        received.append(Received(message, record.id, record.published_ms, item))
    if sink.latest_per_article:
        received = latest_per_article(received)
    return Prepared(events, received, rejected, started)


def latest_per_article(received: Sequence[Received[Item]]) -> list[Received[Item]]:
    """Keep the last item of each article id, in first-seen order.

    A batch may hold two versions of one article (a republish, or a replay); the later offset
    wins, as it would have had the two come in separate batches.
    """
    latest: dict[str, Received[Item]] = {}
    for one in received:
        latest[one.article_id] = one
    return list(latest.values())


async def store(batch: Prepared[Item], sink: Sink[Item], sender: Sender, name: str) -> None:
    """Write one batch; return once it is durable and its rejects are dead-lettered."""
    for message, error in batch.rejected:
        await sender.dead_letter(message, error)
    outcomes = await batch_then_each(
        lambda items: write_until_taken(sink, items, name),
        [one.item for one in batch.received],
        Refused,
        refusal_of,
    )
    published_ms = []
    for one, outcome in zip(batch.received, outcomes, strict=True):
        if isinstance(outcome, Exception):
            await sender.dead_letter(one.message, outcome)
        else:
            published_ms.append(one.published_ms)
    await sender.flush()
    metrics.batch_done(name, batch.events, batch.started, published_ms)


async def write_until_taken(sink: Sink[Item], items: Sequence[Item], name: str) -> list[None]:
    """Write `items`, waiting and trying again for as long as the sink raises Backpressure.

    The worker's health hears of each refused attempt and of the write that succeeds, so
    `/health` fails once the destination has refused writes for NEWSFLOW_HEALTH_WRITE_FAILING_S.
    """
    backoff = Backoff()
    health = metrics.health_of(name)
    while True:
        try:
            await sink.write(items)
            health.write_taken()
            return [None] * len(items)
        except Backpressure as busy:
            health.write_failed()
            wait = busy.retry_after if busy.retry_after is not None else backoff.next_wait()
            log.warning(
                "cannot write to the %s (%s); retrying in %.1fs", sink.destination, busy, wait
            )
            metrics.RETRIED.labels(name, sink.destination).inc()
            await asyncio.sleep(wait)


def refusal_of(error: Exception) -> Exception:
    """Return what a refused record's dead letter says: the destination's own error."""
    cause = error.__cause__
    return cause if isinstance(cause, Exception) else error


class Writer(Generic[Item]):
    """Stores prepared batches on tasks of its own, while the agent reads the next ones.

    The destination works on one batch while this process reads and decodes the following
    ones, so the two costs overlap instead of adding up; at most QUEUED batches wait their turn.
    There is one task per sender, each storing one batch at a time: one task stores the batches
    in order; with the sink's `parallel_writes` of them, that many batches are written at once,
    each dead-lettering through a sender of its own (a sender's flush waits for what it sent).
    A batch's messages stay unacknowledged until its write returns: each gets one more reference
    when handed over, which take_batches' own ack only takes back, and the writer acks them once
    they are stored or dead-lettered. A rebalance waits for them (Faust commits only acked
    offsets).
    """

    # One batch waits while another is written: a second waiting batch did not add rows/s, and
    # added ~10 MB to the peak RSS of a sink draining a backlog.
    QUEUED = 1

    def __init__(self, sink: Sink[Item], senders: Sequence[Sender], name: str) -> None:
        self._sink = sink
        self._senders = senders
        self._name = name
        self._queue: asyncio.Queue[Prepared[Item]] = asyncio.Queue(self.QUEUED)
        self._tasks: list[asyncio.Task[None]] = []

    async def submit(self, batch: Prepared[Item]) -> None:
        """Hand `batch` over for storing; wait only while QUEUED batches are already waiting."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._store_each(s)) for s in self._senders]
        for event in batch.events:
            event.message.incref()
        await self._queue.put(batch)

    async def wait_idle(self) -> None:
        """Return once every batch handed over is stored."""
        await self._queue.join()

    async def _store_each(self, sender: Sender) -> None:
        while True:
            batch = await self._queue.get()
            try:
                await store(batch, self._sink, sender, self._name)
            except asyncio.CancelledError:
                raise  # the worker is going away: the batch stays unacked and is replayed
            except BaseException:
                exit_unacked("unexpected error storing a batch, exiting so it is replayed")
            for event in batch.events:
                event.ack()
            self._queue.task_done()


def build_sink(spec: StageSpec, sink: Sink[Any], settings: Settings) -> faust.App:
    """Return the Faust app of sink stage `spec`: batches of its topic written by `sink`."""
    app = create_app(spec.name, settings)
    senders = [Sender(app.topic(DLQ), spec.name) for _ in range(sink.parallel_writes)]
    writer = Writer(sink, senders, spec.name)

    @app.agent(app.topic(spec.source), concurrency=1, name=f"{spec.name}-agent")
    async def drain(stream: Any) -> None:
        settle_heap()
        batches = take_batches(stream, settings.sink_batch_size, settings.sink_batch_within_s)
        try:
            async for events in batches:
                await guarded(writer.submit(prepare(sink, events, time.monotonic())))
        finally:
            await guarded(writer.wait_idle())
            await close_quietly(sink)

    return app


async def close_quietly(sink: Sink[Any]) -> None:
    """Close `sink`, logging instead of raising: its last batch is already stored."""
    try:
        await sink.close()
    except Exception as error:
        log.warning("closing the %s failed: %s", sink.destination, one_line(error))
