"""What every stage does with a batch of messages: decode, transform, send, dead-letter failures.

A stage is one Faust app (its own consumer group) with one agent of concurrency 1 reading its
source topic in batches (`take_events`). Faust acks a batch's events when the body for that batch
returns, so the body returns only after every output and dead letter is acknowledged by the
broker. Nothing escapes the body as an exception: Faust would ack and commit the batch (a loss).
Bad input becomes a DeadLetter; an unexpected failure of our own code ends the process without
acking, so a restarted worker replays the batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import faust
from faust.types import EventT

from schemas import CleanArticle, DeadLetter
from streams.batch import apply_each
from streams.clients import MAX_MESSAGE_BYTES
from streams.config import Settings
from streams.topics import DLQ

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out", bound=CleanArticle)

# An unexpected error of our own: exit with this status so the batch is never acked.
EXIT_UNEXPECTED = 70

# One thread for every batch transform of this process: a new thread per batch (asyncio's
# default executor) gives spaCy's allocations a new malloc arena each time, and the worker's
# resident memory grows by hundreds of MB.
_TRANSFORM_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transform")


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

    `decode` raises on bad input (the message is dead-lettered). `transform` is pure and may be
    CPU heavy: it runs in a thread so the consumer's heartbeats go on. When it raises on a batch,
    each item is retried alone so only the items that fail are dead-lettered.
    """

    name: str
    source: str
    target: str
    decode: Callable[[Inbound], In]
    transform: Callable[[Sequence[In]], Sequence[Out]]


def create_app(stage: str, settings: Settings) -> faust.App:
    """Return the Faust app of `stage`: its own consumer group, raw bytes in and out."""
    return faust.App(
        f"newsflow-{stage}",
        broker=[f"kafka://{server.strip()}" for server in settings.kafka_bootstrap.split(",")],
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
        producer_linger=0.005,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
        stream_processing_timeout=600.0,
    )


def register(app: faust.App, stage: Stage[In, Out], settings: Settings, batch_size: int) -> None:
    """Add the stage's agent to `app`."""
    source = app.topic(stage.source)
    target = app.topic(stage.target)
    sender = Sender(app.topic(DLQ), stage.name)

    @app.agent(source, concurrency=1, name=f"{stage.name}-agent")
    async def process(stream: Any) -> None:
        async for events in stream.take_events(batch_size, within=settings.batch_within_s):
            await guarded(process_batch(stage, target, sender, events))


async def guarded(work: Awaitable[None]) -> None:
    """Await `work`; on an unexpected error, log it and end the process without acking."""
    try:
        await work
    except asyncio.CancelledError:
        raise
    except BaseException:
        log.critical("unexpected error, exiting so the batch is replayed", exc_info=True)
        logging.shutdown()
        os._exit(EXIT_UNEXPECTED)


async def process_batch(
    stage: Stage[In, Out], target: Any, sender: Sender, events: Sequence[EventT]
) -> None:
    """Decode, transform and send one batch; return once every message is safely out."""
    decoded: list[tuple[Inbound, In]] = []
    for message in map(Inbound.of, events):
        try:
            decoded.append((message, stage.decode(message)))
        except Exception as error:
            await sender.dead_letter(message, error)
    outcomes = await transform_each(stage.transform, [item for _, item in decoded])
    for (message, _), outcome in zip(decoded, outcomes, strict=True):
        if isinstance(outcome, Exception):
            await sender.dead_letter(message, outcome)
        else:
            value = outcome.model_dump_json().encode()
            await sender.send(target, key_of(outcome), value, on_behalf_of=message)
    await sender.flush()


def key_of(record: CleanArticle) -> bytes:
    return record.id.encode("utf-8")


async def transform_each(
    transform: Callable[[Sequence[In]], Sequence[Out]], items: Sequence[In]
) -> list[Out | Exception]:
    """Run `apply_each` in the transform thread, so the consumer's heartbeats go on during NLP."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_TRANSFORM_THREAD, apply_each, transform, items)


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
            failed = [
                (p, r)
                for p, r in zip(pending, results, strict=True)
                if isinstance(r, BaseException)
            ]
            for item, error in failed:
                if is_retriable(error) or item.on_behalf_of is None:
                    log.warning("send to %s failed (%s), retrying", item.topic, error)
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
