"""One bad item in a batch fails alone."""

from __future__ import annotations

from collections.abc import Sequence

from streams.runtime.each import apply_each


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
