"""Stopping a worker without losing a batch: finish it, or exit without acking it.

Nothing may escape a batch's handling as an exception: Faust would ack and commit the batch
(a loss). An unexpected failure of our own code ends the process unacked instead, so a
restarted worker replays the batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable
from typing import NoReturn

log = logging.getLogger(__name__)

# An unexpected error of our own: exit with this status so the batch is never acked.
EXIT_UNEXPECTED = 70

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
