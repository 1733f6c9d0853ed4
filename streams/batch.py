"""Apply a batch transform so that one bad item fails alone, not its whole batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def apply_each(
    transform: Callable[[Sequence[In]], Sequence[Out]], items: Sequence[In]
) -> list[Out | Exception]:
    """Run `transform` over `items` as one batch; if it raises, over each item alone.

    Each place in the result holds that item's output or the exception it alone raised. The
    batch path keeps spaCy's batching fast; the item path costs a second pass only for batches
    that hold a bad item.
    """
    if not items:
        return []
    try:
        results = transform(items)
    except Exception as error:
        if len(items) == 1:
            return [error]
    else:
        if len(results) != len(items):
            raise RuntimeError(f"transform returned {len(results)} results for {len(items)} items")
        return list(results)
    outcomes: list[Out | Exception] = []
    for item in items:
        try:
            (result,) = transform([item])
            outcomes.append(result)
        except Exception as error:
            outcomes.append(error)
    return outcomes
