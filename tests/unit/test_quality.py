"""The gold evaluator scores what it should: perfect predictions 1.0, empty ones 0.0.

Runs on a few real gold articles without spaCy: predictions are built from the gold itself.
"""

from __future__ import annotations

import pytest

from bench.quality import (
    GoldArticle,
    GoldFormatError,
    load_gold,
    match_quotes,
    parse_gold,
    score_gold,
)
from schemas.articles import EnrichedArticle, Entity, Mention, Quote

SAMPLE = """= raw
H Ferry fares rise
X By Jane Roe
C {{OSLO — }}Fares rise by 5%, the operator said on Monday.
.
C "We had no choice at all," said Ola Berg.
X Advertisement
= quotes
i Fjord Lines | Fares rise by 5%
d Ola Berg | We had no choice at all
= entities
PERSON Ola Berg
ORG Fjord Lines / FL
"""


def prediction(gold: GoldArticle, extra_entities: list[str] | None = None) -> EnrichedArticle:
    """Return an enriched article that says exactly what the gold says (plus extra names)."""
    names = [e.names[0] for e in gold.entities] + (extra_entities or [])
    labels = [e.label for e in gold.entities] + ["PERSON"] * len(extra_entities or [])
    return EnrichedArticle(
        id=gold.id,
        headline=gold.headline,
        body=gold.body,
        content_hash="0" * 64,
        entities=[
            Entity(name=n, label=label, mentions=[Mention(start=0, end=1, text=n[:1])])
            for n, label in zip(names, labels, strict=True)
        ],
        quotes=[
            Quote(text=q.text, kind=q.kind, speaker=q.speaker, cue="said", start=0, end=1)  # type: ignore[arg-type]
            for q in gold.quotes
        ],
    )


def test_a_gold_file_gives_raw_text_exact_body_and_annotations() -> None:
    gold = parse_gold(SAMPLE, "sample", "dev")
    assert gold.raw.splitlines()[2] == "OSLO — Fares rise by 5%, the operator said on Monday."
    assert gold.body.split("\n\n") == [
        "Fares rise by 5%, the operator said on Monday.",
        '"We had no choice at all," said Ola Berg.',
    ]
    assert gold.headline == "Ferry fares rise"
    assert [(q.kind, q.speaker) for q in gold.quotes] == [
        ("indirect", "Fjord Lines"),
        ("direct", "Ola Berg"),
    ]
    assert gold.entities[1].names == ("Fjord Lines", "FL")


def test_a_malformed_gold_file_names_its_line() -> None:
    with pytest.raises(GoldFormatError, match="sample:2"):
        parse_gold("= raw\nQ what is this", "sample", "dev")


def test_the_gold_set_has_its_splits() -> None:
    golds = load_gold()
    assert sum(g.split == "dev" for g in golds) >= 30
    assert sum(g.split == "heldout" for g in golds) >= 6
    assert all(g.body and g.entities for g in golds)
    assert len({g.id for g in golds}) == len(golds)


@pytest.fixture(scope="module")
def golds() -> list[GoldArticle]:
    return load_gold()[:4]


def test_a_perfect_prediction_scores_one(golds: list[GoldArticle]) -> None:
    figures = score_gold(golds, [prediction(g) for g in golds]).figures()
    for name in ("cleaning_f1", "headline_exact", "direct_f1", "indirect_f1", "entity_f1"):
        assert figures[name] == pytest.approx(1.0), name
    assert figures["speaker_accuracy"] == pytest.approx(1.0)
    assert figures["persons_twice"] == 0


def test_an_empty_prediction_scores_zero(golds: list[GoldArticle]) -> None:
    figures = score_gold(golds, [None] * len(golds)).figures()
    for name in ("cleaning_f1", "headline_exact", "direct_f1", "indirect_f1", "entity_f1"):
        assert figures[name] == 0.0, name


def test_a_person_under_a_second_name_is_counted(golds: list[GoldArticle]) -> None:
    gold = next(g for g in golds if any(e.label == "PERSON" for e in g.entities))
    person = next(e.names[0] for e in gold.entities if e.label == "PERSON")
    figures = score_gold([gold], [prediction(gold, [person.split()[-1]])]).figures()
    assert figures["persons_twice"] == 1
    assert figures["entity_p"] < 1.0


def test_a_wrong_speaker_counts_against_accuracy(golds: list[GoldArticle]) -> None:
    gold = golds[0]
    wrong = prediction(gold)
    quotes = [q.model_copy(update={"speaker": "he"}) for q in wrong.quotes]
    figures = score_gold([gold], [wrong.model_copy(update={"quotes": quotes})]).figures()
    assert figures["speaker_accuracy"] == 0.0
    assert figures["direct_f1"] == pytest.approx(1.0)


def test_quotes_match_one_to_one_at_half_token_f1() -> None:
    pairs = match_quotes(
        ["we will build the bridge", "totally unrelated words here"],
        ["we will build the bridge next year", "we will build"],
    )
    assert pairs == [(0, 0)]
