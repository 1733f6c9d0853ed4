"""Cross-article entity ids, typed names and times for the answer commands (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.answers.queries import Answer, entity_key, parse_since, render
from streams.sinks.postgres.canonical import entity_id, label_family, normalise_name
from streams.sinks.postgres.rows import article_row


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Choe Son-hui", "Choe Son Hui"),
        ("CHOE  son‑hui", "Choe Son Hui"),
        ("Zürich", "Zurich"),
        ("O’Brien", "OBrien"),
        ("U.S.", "US"),
        ("the United Nations", "United Nations"),
        (" Wang\tYi ", "Wang Yi"),
    ],
)
def test_spellings_of_one_name_normalise_alike(variant: str, canonical: str) -> None:
    assert normalise_name(variant) == normalise_name(canonical)


def test_different_names_stay_apart() -> None:
    assert normalise_name("Wang Yi") != normalise_name("Wang Yu")


def test_places_labelled_gpe_or_loc_share_an_id_people_and_orgs_do_not() -> None:
    assert entity_id("North Korea", "GPE") == entity_id("North Korea", "LOC") == "place:north korea"
    assert entity_id("Ford", "PERSON") != entity_id("Ford", "ORG")
    assert label_family("WORK_OF_ART") == "work_of_art"


def test_rows_carry_the_ids_of_entities_and_speakers_in_record_order() -> None:
    record = EnrichedArticle(
        id="a",
        body="Choe Son-hui met Wang Yi.",
        content_hash="0" * 64,
        entities=[
            Entity(
                name="Choe Son-hui", label="PERSON", mentions=[Mention(start=0, end=12, text="x")]
            ),
            Entity(name="Wang Yi", label="PERSON", mentions=[Mention(start=17, end=24, text="x")]),
        ],
        quotes=[
            Quote(text="a", kind="direct", speaker="Wang Yi", cue="said", start=0, end=1),
            Quote(text="b", kind="direct", speaker=None, cue=None, start=2, end=3),
            Quote(text="c", kind="direct", speaker="Kim", cue="said", start=4, end=5),
        ],
    )
    row = article_row(record, 0, 0)
    assert row.entity_ids == ["person:choe son hui", "person:wang yi"]
    assert row.speaker_ids == ["person:wang yi", None, "person:kim"]


def test_typed_names_match_by_normal_form_ids_as_they_are() -> None:
    assert entity_key("Choe Son-hui") == "choe son hui"
    assert entity_key("person:choe son hui") == "person:choe son hui"
    assert entity_key("Re: Hello") == "re: hello"


def test_since_takes_ages_and_dates() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2026, 3, 9, 12, tzinfo=UTC)
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_since("last week", now)


def test_answers_render_as_table_json_lines_and_csv() -> None:
    answer = Answer(("name", "aliases", "at"), [("Wang Yi", ["Wang"], datetime(2026, 3, 1))])
    assert render(answer, "csv") == "name,aliases,at\nWang Yi,Wang,2026-03-01T00:00:00\n"
    assert render(answer, "json") == (
        '{"name":"Wang Yi","aliases":["Wang"],"at":"2026-03-01T00:00:00+00:00"}\n'
    )
    assert render(answer, "table").splitlines()[0].split() == ["name", "aliases", "at"]
    assert answer.arrow().num_rows == 1
