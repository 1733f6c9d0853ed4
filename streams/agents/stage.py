"""What every stage does with a batch of messages: decode, transform, send, dead-letter failures.

A stage is one Faust app (its own consumer group) with one agent of concurrency 1 reading its
source topic in batches (`take_batches`, streams/agents/batching.py). A batch's events are
acked when the body for that batch returns, so the body returns only after every output and
dead letter is acknowledged by the broker. Nothing escapes the body as an exception: the batch
would be acked and committed (a loss). Bad input becomes a DeadLetter; an unexpected failure of
our own code ends the process without acking, so a restarted worker replays the batch.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import EventT, TransportT

from schemas import CleanArticle, DeadLetter
from streams import metrics
from streams.agents.batching import take_batches
from streams.agents.transforms import Runner, transform_each
from streams.clients import MAX_MESSAGE_BYTES
from streams.config import Settings
from streams.logs import logging_config
from streams.topics import DLQ

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out", bound=CleanArticle)

# An unexpected error of our own: exit with this status so the batch is never acked.
EXIT_UNEXPECTED = 70


@dataclass(frozen=True)
class Inbound:
    """One Kafka message as a stage receives it."""

    key: bytes | None
    value: bytes
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None

    @classmethod
    def of(cls, event: EventT) -> Inbound:
        message = event.message
        value = message.value
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogateescape")
        key = message.key
        if isinstance(key, str):
            key = key.encode("utf-8", "surrogateescape")
        timestamp = message.timestamp
        return cls(
            key=key,
            value=value if value is not None else b"",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            timestamp_ms=None if timestamp is None else int(timestamp * 1000),
        )

    def dead_letter(self, stage: str, error: BaseException) -> DeadLetter:
        return DeadLetter.of(
            stage=stage,
            error=error,
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            key=self.key,
            payload=self.value,
        )


@dataclass(frozen=True)
class Stage(Generic[In, Out]):
    """A stage's logic: how to read a message, the batch transform, and where results go.

    `decode` raises on bad input (the message is dead-lettered). `runner` runs the pure, maybe
    CPU-heavy batch transform off the event loop (streams/agents/transforms.py), so the
    consumer's heartbeats go on. When the transform raises on a batch, each item is retried
    alone so only the items that fail are dead-lettered.
    """

    name: str
    source: str
    target: str
    decode: Callable[[Inbound], In]
    runner: Runner[In, Out]


FETCH_BYTES_PER_PARTITION = 1024 * 1024


class IdempotentProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer with idempotence on (acks=all, which it requires, is set).

    Faust 0.15 turns idempotence on only inside exactly-once transactions and has no setting
    for it; the broker then writes a send that aiokafka retries after a failover only once.
    """

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "enable_idempotence": True}


class IdempotentTransport(faust_aiokafka.Transport):
    Producer = IdempotentProducer


class StageApp(faust.App):
    """A Faust app whose producer is idempotent."""

    def _new_transport(self) -> TransportT:
        return IdempotentTransport(self.conf.broker_consumer, self)


def create_app(stage: str, settings: Settings) -> faust.App:
    """Return the Faust app of `stage`: its own consumer group, raw bytes in and out."""
    app = StageApp(
        f"newsflow-{stage}",
        broker=[f"kafka://{server.strip()}" for server in settings.kafka_bootstrap.split(",")],
        broker_credentials=settings.faust_credentials(),
        autodiscover=False,
        store="memory://",
        datadir=tempfile.mkdtemp(prefix=f"newsflow-{stage}-"),
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        stream_buffer_maxsize=max(64, settings.sink_batch_size * 2),
        producer_acks=-1,  # every in-sync replica (min.insync.replicas of the topic) has it
        producer_linger=0.005,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        # Per partition and fetch. A larger record still arrives whole (the broker always
        # returns the first batch of a fetch); a 16 MiB read-ahead per partition only made a
        # sink draining a backlog hold ~80 MB more.
        consumer_max_fetch_size=FETCH_BYTES_PER_PARTITION,
        stream_processing_timeout=600.0,
        # A worker that dies without leaving its group holds its partitions until this passes
        # (default 60 s); heartbeats go every 3 s from the event loop, which NLP never blocks.
        broker_session_timeout=15.0,
        logging_config=logging_config(settings.log_format, settings.log_level),
    )
    metrics.instrument(app, stage, settings.metrics_host, settings.metrics_port)
    return app


def register(app: faust.App, stage: Stage[In, Out], settings: Settings, batch_size: int) -> None:
    """Add the stage's agent to `app`."""
    source = app.topic(stage.source)
    target = app.topic(stage.target)
    sender = Sender(app.topic(DLQ), stage.name)

    @app.agent(source, concurrency=1, name=f"{stage.name}-agent")
    async def process(stream: Any) -> None:
        settle_heap()
        async for events in take_batches(stream, batch_size, settings.batch_within_s):
            await guarded(process_batch(stage, target, sender, events, settings.article_timeout_s))


def settle_heap() -> None:
    """Leave what the worker holds once started out of every later garbage collection.

    A started worker holds a few hundred thousand long-lived objects (Faust, aiokafka, the
    spaCy model), and each full collection walked them all again: about a third of the sink's
    CPU while it drained a backlog (1.3 s of 3.6 s for 8,000 records; 0.4 s after this). The
    objects made per message die young and are still collected as before.
    """
    gc.collect()
    gc.freeze()


# How long a stopping worker lets its current batch finish before exiting without acking it.
STOP_GRACE_S = 60.0


async def guarded(work: Awaitable[None]) -> None:
    """Await `work`; on an unexpected error, log it and end the process without acking.

    When the agent is cancelled (SIGTERM) mid-batch, `work` is first let finish: take_batches
    (like Faust's take_events) acks the batch in a `finally` as soon as the agent leaves its
    loop, so leaving early would ack events that were never sent. A batch that cannot finish in
    STOP_GRACE_S ends the process unacked instead.
    """
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await finish_or_exit(task)
        raise
    except BaseException:
        exit_unacked("unexpected error, exiting so the batch is replayed")


async def finish_or_exit(task: asyncio.Future[None]) -> None:
    """Wait for a stopping worker's batch to finish; if it cannot, exit without acking it."""
    try:
        await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_S)
    except BaseException:
        exit_unacked("stopped mid-batch and the batch did not finish; exiting so it is replayed")


def exit_unacked(reason: str) -> NoReturn:
    log.critical(reason, exc_info=True)
    logging.shutdown()
    os._exit(EXIT_UNEXPECTED)


async def process_batch(
    stage: Stage[In, Out],
    target: Any,
    sender: Sender,
    events: Sequence[EventT],
    timeout_s: float | None = None,
) -> None:
    """Decode, transform and send one batch; return once every message is safely out."""
    started = time.monotonic()
    decoded: list[tuple[Inbound, In]] = []
    for message in map(Inbound.of, events):
        try:
            decoded.append((message, stage.decode(message)))
        except Exception as error:
            await sender.dead_letter(message, error)
    outcomes = await transform_each(stage.runner, [item for _, item in decoded], timeout_s)
    published_ms = []
    for (message, _), outcome in zip(decoded, outcomes, strict=True):
        if isinstance(outcome, Exception):
            await sender.dead_letter(message, outcome)
        else:
            value = outcome.model_dump_json().encode()
            await sender.send(target, key_of(outcome), value, on_behalf_of=message)
            published_ms.append(outcome.published_ms)
    await sender.flush()
    metrics.batch_done(stage.name, events, started, published_ms)


def key_of(record: CleanArticle) -> bytes:
    return record.id.encode("utf-8")


@dataclass
class _Pending:
    future: asyncio.Future[Any]
    topic: Any
    key: bytes | None
    value: bytes
    on_behalf_of: Inbound | None


class Sender:
    """Sends a batch's outputs and dead letters, and waits until the broker has them all.

    A send the broker refuses for good (a record too large) dead-letters the input it was made
    from; a send that fails for a passing reason (broker away, timeout) is sent again with
    backoff until it goes through, so the batch is never acked while it fails.
    """

    def __init__(self, dlq: Any, stage: str) -> None:
        self._dlq = dlq
        self._stage = stage
        self._pending: list[_Pending] = []

    async def send(
        self, topic: Any, key: bytes | None, value: bytes, on_behalf_of: Inbound | None = None
    ) -> None:
        future = await topic.send(key=key, value=value)
        self._pending.append(_Pending(future, topic, key, value, on_behalf_of))

    async def dead_letter(self, message: Inbound, error: BaseException) -> None:
        letter = message.dead_letter(self._stage, error)
        metrics.FAILED.labels(self._stage, letter.error_type).inc()
        log.warning(
            "dead-lettered %s[%d]@%d: %s: %s",
            message.topic,
            message.partition,
            message.offset,
            letter.error_type,
            letter.error,
        )
        await self.send(self._dlq, message.key, letter.model_dump_json().encode())

    async def flush(self) -> None:
        """Wait for the broker's acknowledgement of everything sent since the last flush."""
        delay = 0.5
        while self._pending:
            pending, self._pending = self._pending, []
            results = await asyncio.gather(*(p.future for p in pending), return_exceptions=True)
            acked_letters = sum(
                p.topic is self._dlq and not isinstance(r, BaseException)
                for p, r in zip(pending, results, strict=True)
            )
            metrics.DEAD_LETTERED.labels(self._stage).inc(acked_letters)
            failed = [
                (p, r)
                for p, r in zip(pending, results, strict=True)
                if isinstance(r, BaseException)
            ]
            for item, error in failed:
                if is_retriable(error) or item.on_behalf_of is None:
                    log.warning("send to %s failed (%s), retrying", item.topic, error)
                    metrics.RETRIED.labels(self._stage, "broker").inc()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
                    await self.send(item.topic, item.key, item.value, item.on_behalf_of)
                else:
                    await self.dead_letter(item.on_behalf_of, error)


def is_retriable(error: object) -> bool:
    """Tell whether a failed send may go through if tried again."""
    if isinstance(error, asyncio.TimeoutError | ConnectionError):
        return True
    return bool(getattr(error, "retriable", False))
