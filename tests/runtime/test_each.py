"""One bad item in a batch fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from streams.runtime.each import apply_each, batch_then_each


def reciprocal(items: Sequence[int]) -> list[float]:
    return [1 / item for item in items]


def test_a_good_batch_runs_once_as_a_batch() -> None:
    calls: list[int] = []

    def counted(items: Sequence[int]) -> list[float]:
        calls.append(len(items))
        return reciprocal(items)

    assert apply_each(counted, [1, 2, 4]) == [1.0, 0.5, 0.25]
    assert calls == [3]


def test_a_bad_item_gets_its_own_error_and_the_rest_their_results() -> None:
    outcomes = apply_each(reciprocal, [1, 0, 2])
    assert outcomes[0] == 1.0 and outcomes[2] == 0.5
    assert isinstance(outcomes[1], ZeroDivisionError)


def test_an_empty_batch_is_not_transformed() -> None:
    assert apply_each(reciprocal, []) == []


def test_a_transform_that_returns_too_few_results_is_a_bug_not_bad_input() -> None:
    with pytest.raises(RuntimeError, match="2 results for 3 items"):
        apply_each(lambda items: list(items)[:2], [1, 2, 3])


def test_the_async_rule_tries_each_item_alone_only_for_the_errors_it_is_told() -> None:
    async def store(items: Sequence[int]) -> list[None]:
        if 13 in items:
            raise KeyError(13)
        return [None] * len(items)

    outcomes = asyncio.run(batch_then_each(store, [1, 13, 2], KeyError, lambda e: ValueError(e)))
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    with pytest.raises(KeyError):  # not one it was told: a bug, raised as it is
        asyncio.run(batch_then_each(store, [1, 13], OSError))
