"""In-memory Faust events and topics, and a list sink: the engine's logic without a broker.

The runtime tier (tests/runtime/) drives the stage engine and the sinks' generic part with
these; integration tests use `event_of` only to hand real records to a real sink. They never
stand in for the broker in integration, end-to-end or fault tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel

from schemas import EnrichedArticle
from streams.runtime.messages import Inbound
from streams.sinks.base import Backpressure, Refused, Sink, prepare


class TP(NamedTuple):
    topic: str
    partition: int


@dataclass
class MemoryMessage:
    """What a Faust event's `message` holds, with the reference count acks take back."""

    key: bytes | None
    value: bytes
    topic: str
    partition: int
    offset: int
    timestamp: float | None
    refcount: int = 1

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)

    def incref(self) -> None:
        self.refcount += 1


@dataclass
class MemoryEvent:
    """A Faust event: its message, and whether every reference to it was acked."""

    message: MemoryMessage

    def ack(self) -> None:
        self.message.refcount -= 1

    @property
    def acked(self) -> bool:
        return self.message.refcount <= 0


def event_of(
    value: BaseModel | bytes, offset: int, partition: int = 0, topic: str = "articles.enriched"
) -> MemoryEvent:
    """Return the event of a message holding `value` (a record's JSON, or raw bytes)."""
    data = value if isinstance(value, bytes) else value.model_dump_json().encode()
    key = getattr(value, "id", None)
    return MemoryEvent(
        MemoryMessage(
            key=key.encode() if isinstance(key, str) else None,
            value=data,
            topic=topic,
            partition=partition,
            offset=offset,
            timestamp=time.time(),
        )
    )


@dataclass
class MemoryTopic:
    """A topic whose sends settle at once: acknowledged, or failed with the next scripted error."""

    name: str
    failures: list[BaseException] = field(default_factory=list)
    sent: list[tuple[bytes | None, bytes]] = field(default_factory=list)

    async def send(self, key: bytes | None, value: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failures:
            future.set_exception(self.failures.pop(0))
        else:
            self.sent.append((key, value))
            future.set_result(None)
        return future


class ListSink(Sink[tuple[str, int]]):
    """Keeps (article id, offset) of every item written; can be told to push back or refuse."""

    destination: ClassVar[str] = "list"

    def __init__(
        self, busy_times: int = 0, refused_ids: Sequence[str] = (), retry_after: float = 0.0
    ) -> None:
        self.written: list[list[tuple[str, int]]] = []
        self.busy_times = busy_times
        self.retry_after = retry_after
        self.refused_ids = set(refused_ids)

    def map(self, record: EnrichedArticle, origin: Inbound) -> tuple[str, int]:
        return (record.id, origin.offset)

    async def write(self, items: Sequence[tuple[str, int]]) -> None:
        if self.busy_times:
            self.busy_times -= 1
            raise Backpressure("busy", retry_after=self.retry_after)
        refused = [item for item in items if item[0] in self.refused_ids]
        if refused:
            raise Refused("refused") from ValueError(f"cannot store {refused[0][0]}")
        self.written.append(list(items))


async def write_records(sink: Sink[Any], records: Sequence[EnrichedArticle]) -> None:
    """Map `records` (offsets 0, 1, ...) as the sink's agent does, write them once, close."""
    batch = prepare(sink, [event_of(record, offset) for offset, record in enumerate(records)], 0.0)
    try:
        await sink.write([one.item for one in batch.received])
    finally:
        await sink.close()
