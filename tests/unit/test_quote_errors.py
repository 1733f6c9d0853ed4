"""The strict-speaker misses of the external scorer, sorted into kinds (bench.quote_errors)."""

from __future__ import annotations

from types import ModuleType

import pytest

from bench.quote_errors import GOLD, STRICT_KINDS, load_scorer, strict_kind


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    if not (GOLD.parent / "score.py").exists():
        pytest.skip("../shared/data/external/score.py is not beside the checkout")
    return load_scorer()


@pytest.mark.parametrize(
    ("ours", "gold", "kind"),
    [
        ("Rafael Okoro", "Okoro", 0),
        ("Ines Marrow", "Ines Marrow of Port Talbeck", 1),
        ("Pacific Glass Guild", "PGG", 2),
        (None, "Ines Marrow", 3),
        ("Jonah Skeet", "Ines Marrow", 4),
    ],
)
def test_a_strict_miss_is_sorted_by_what_the_gold_spells(
    scorer: ModuleType, ours: str | None, gold: str, kind: int
) -> None:
    assert not scorer.same_name(ours, gold)
    assert strict_kind(scorer, ours, gold) == STRICT_KINDS[kind]
