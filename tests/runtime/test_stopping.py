"""A worker told to stop mid-batch finishes the batch before Faust's take_events acks it."""

from __future__ import annotations

import asyncio

import pytest

from streams.runtime.stopping import guarded


def test_a_cancelled_batch_finishes_before_the_cancellation_goes_on() -> None:
    async def scenario() -> list[str]:
        steps: list[str] = []

        async def batch() -> None:
            await asyncio.sleep(0.5)
            steps.append("sent")

        async def agent() -> None:
            await guarded(batch())
            steps.append("next batch")

        task = asyncio.create_task(agent())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        steps.append("acked")  # what take_events' finally does once the agent has left
        return steps

    assert asyncio.run(scenario()) == ["sent", "acked"]
