"""Enriched records map to one article row each, with their entities and quotes."""

from __future__ import annotations

from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.sink.rows import ARTICLE_COLUMNS, Stored, to_rows


def record(article_id: str, headline: str = "Headline") -> EnrichedArticle:
    return EnrichedArticle(
        id=article_id,
        headline=headline,
        body="Grace Hopper said ships are safe in harbour.",
        content_hash="f" * 64,
        entities=[
            Entity(
                name="Grace Hopper",
                label="PERSON",
                mentions=[Mention(start=0, end=12, text="Grace Hopper")],
            )
        ],
        quotes=[
            Quote(
                text="ships are safe in harbour",
                kind="indirect",
                speaker="Grace Hopper",
                cue="said",
                start=18,
                end=43,
            )
        ],
    )


def test_each_record_gives_one_article_row_holding_the_record() -> None:
    rows = to_rows([Stored(record("a"), partition=2, offset=7)])
    (article,) = rows.articles
    row = dict(zip(ARTICLE_COLUMNS, article, strict=True))
    assert (row["id"], row["kafka_partition"], row["kafka_offset"]) == ("a", 2, 7)
    assert EnrichedArticle.model_validate_json(row["record"]) == record("a")


def test_the_later_of_two_versions_in_a_batch_wins() -> None:
    rows = to_rows(
        [
            Stored(record("a", "old"), 0, 1),
            Stored(record("b"), 0, 2),
            Stored(record("a", "new"), 0, 3),
        ]
    )
    assert [(row[0], row[2]) for row in rows.articles] == [("a", "new"), ("b", "Headline")]


def test_nul_characters_never_reach_a_row() -> None:
    rows = to_rows([Stored(record("a", "bad\x00title"), 0, 0)])
    assert all("\x00" not in str(value) for row in rows.articles for value in row)
