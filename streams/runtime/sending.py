"""Sending a batch's outputs and dead letters, and waiting until the broker has every one."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from streams.runtime import metrics
from streams.runtime.backoff import Backoff
from streams.runtime.messages import Inbound

log = logging.getLogger(__name__)


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
        backoff = Backoff()
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
                    await asyncio.sleep(backoff.next_wait())
                    await self.send(item.topic, item.key, item.value, item.on_behalf_of)
                else:
                    await self.dead_letter(item.on_behalf_of, error)


def is_retriable(error: object) -> bool:
    """Tell whether a failed send may go through if tried again."""
    if isinstance(error, asyncio.TimeoutError | ConnectionError):
        return True
    return bool(getattr(error, "retriable", False))
