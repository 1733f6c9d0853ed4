"""A Kafka message as every stage and sink receives it, and its dead letter."""

from __future__ import annotations

from dataclasses import dataclass

from faust.types import EventT

from schemas import DeadLetter


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
