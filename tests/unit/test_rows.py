"""Enriched records map to one article row each, with their entities and quotes."""

from __future__ import annotations

from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.sinks.postgres.rows import ARTICLE_COLUMNS, article_row
from streams.sinks.postgres.sink import array_literal, upsert_parameters


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
    row = article_row(record("a"), partition=2, offset=7)
    assert (row.id, row.kafka_partition, row.kafka_offset) == ("a", 2, 7)
    assert EnrichedArticle.model_validate_json(row.record) == record("a")


def test_a_row_holds_a_value_for_every_column_in_order() -> None:
    row = article_row(record("a"), partition=0, offset=0)
    assert row._fields == ARTICLE_COLUMNS
    assert dict(zip(ARTICLE_COLUMNS, row, strict=True))["headline"] == "Headline"


def test_nul_characters_never_reach_a_row() -> None:
    row = article_row(record("a", "bad\x00title"), 0, 0)
    assert all("\x00" not in str(value) for value in row)


def test_arrays_go_to_postgresql_as_literals_with_quotes_and_backslashes_escaped() -> None:
    assert array_literal([]) == "{}"
    assert array_literal([3, 1]) == "{3,1}"
    assert array_literal(["a", None, ""]) == '{"a",NULL,""}'
    assert array_literal(['say "hi"', "back\\slash", "{x},y"]) == (
        '{"say \\"hi\\"","back\\\\slash","{x},y"}'
    )


def test_upsert_parameters_are_the_row_with_its_lists_as_literals() -> None:
    row = article_row(record("a"), partition=0, offset=0)
    parameters = upsert_parameters(row)
    assert len(parameters) == len(ARTICLE_COLUMNS)
    for column, value, sent in zip(ARTICLE_COLUMNS, row, parameters, strict=True):
        assert sent == (array_literal(value) if isinstance(value, list) else value), column
    assert parameters[ARTICLE_COLUMNS.index("speaker_ids")] == '{"person:grace hopper"}'
