"""Run a batch so that one bad item fails alone, not its whole batch: the batch, then each item.

One rule serves every place that works in batches: a stage's transform (`apply_each`, on the
transform's thread or process), a stage's runner that times out or dies (`transform_each`,
streams/runtime/transforms.py) and a sink's write that the destination refuses
(streams/sinks/base.py). The batch path keeps spaCy's batching and the database's one
round trip; the item path costs a second pass only for batches that hold a bad item.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


async def batch_then_each(
    run: Callable[[Sequence[In]], Awaitable[Sequence[Out | Exception]]],
    items: Sequence[In],
    fails_alone: type[Exception] | tuple[type[Exception], ...],
    outcome_of: Callable[[Exception], Exception] = lambda error: error,
) -> list[Out | Exception]:
    """Run `items` as one batch; when that raises `fails_alone`, run each item by itself.

    Each place of the result holds that item's outcome: what `run` returned for it, or
    `outcome_of(error)` when it raised `fails_alone` on its own. Other errors propagate.
    """
    if not items:
        return []
    try:
        results = await run(items)
    except fails_alone as error:
        if len(items) == 1:
            return [outcome_of(error)]
        log.warning("a batch of %d failed (%s); trying each item alone", len(items), error)
    else:
        return checked(results, items)
    outcomes: list[Out | Exception] = []
    for item in items:
        try:
            result = await run([item])
        except fails_alone as error:
            outcomes.append(outcome_of(error))
        else:
            outcomes += checked(result, [item])
    return outcomes


def apply_each(
    transform: Callable[[Sequence[In]], Sequence[Out]], items: Sequence[In]
) -> list[Out | Exception]:
    """Run `transform` over `items` as one batch; if it raises, over each item alone.

    The synchronous face of `batch_then_each`, for a transform's own thread or process: the
    coroutine never suspends, so it is driven to its end without an event loop.
    """

    async def run(batch: Sequence[In]) -> Sequence[Out]:
        return transform(batch)

    return run_to_end(batch_then_each(run, items, Exception))


def run_to_end(coroutine: Coroutine[Any, Any, Out]) -> Out:
    """Return the result of a coroutine that awaits nothing that suspends."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine suspended: it needs an event loop")


def checked(results: Sequence[Out | Exception], items: Sequence[Any]) -> list[Out | Exception]:
    """Return `results` as a list, or raise RuntimeError when they do not match `items`."""
    if len(results) != len(items):
        raise RuntimeError(f"transform returned {len(results)} results for {len(items)} items")
    return list(results)
