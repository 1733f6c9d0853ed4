"""What `newsflow reprocess` reports as changed, and which stored articles it selects (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import EnrichedArticle, Entity, Mention, Pipeline, Quote, RawArticle
from streams.ops.changes import ArticleChange, RunReport, change_between, same_result
from streams.ops.reprocess import Pace, Selection, as_offsets


def quote(text: str, speaker: str | None, kind: str = "direct") -> Quote:
    return Quote.model_validate(
        {"text": text, "kind": kind, "speaker": speaker, "cue": "said", "start": 0, "end": 1}
    )


def entity(name: str, label: str = "PERSON") -> Entity:
    return Entity(name=name, label=label, mentions=[Mention(start=0, end=1, text="x")])


def record(
    quotes: list[Quote], entities: list[Entity], rules: int = 1, at: int = 0
) -> EnrichedArticle:
    stamp = Pipeline(
        newsflow="0.1.0", rules=rules, produced_at=datetime(2026, 1, 1, 0, 0, at, tzinfo=UTC)
    )
    return EnrichedArticle(
        id="a", body="b", content_hash="0", quotes=quotes, entities=entities, pipeline=stamp
    )


def test_quotes_are_added_removed_and_changed_by_their_text() -> None:
    old = record([quote("kept", "Ada"), quote("gone", "Ada"), quote("moved", "Ada")], [])
    new = record([quote("kept", "Ada"), quote("moved", "Grace"), quote("fresh", None)], [])
    assert change_between(old, new) == ArticleChange(
        quotes_added=1,
        quotes_removed=1,
        quotes_changed=1,
        speakers_added=("Grace",),
    )


def test_a_speaker_no_quote_names_any_more_is_removed() -> None:
    old = record([quote("one", "Ada"), quote("two", "Grace")], [])
    new = record([quote("one", "Ada"), quote("two", None)], [])
    change = change_between(old, new)
    assert (change.quotes_changed, change.speakers_removed) == (1, ("Grace",))


def test_entities_are_known_by_name_and_label() -> None:
    old = record([], [entity("Ada"), entity("Lisbon", "GPE")])
    new = record([], [entity("Ada"), entity("Lisbon", "LOC")])
    assert change_between(old, new) == ArticleChange(entities_added=1, entities_removed=1)


def test_a_new_article_has_everything_added() -> None:
    new = record([quote("one", "Ada")], [entity("Ada")])
    assert change_between(None, new) == ArticleChange(
        quotes_added=1, speakers_added=("Ada",), entities_added=1
    )


def test_only_content_or_version_makes_a_different_result() -> None:
    base = record([quote("one", "Ada")], [entity("Ada")])
    assert same_result(base, record([quote("one", "Ada")], [entity("Ada")], at=30))
    assert not same_result(base, record([quote("one", "Ada")], [entity("Ada")], rules=2))
    assert not same_result(base, record([quote("one", None)], [entity("Ada")]))


def test_selection_filters_by_key_time_and_source() -> None:
    raw = RawArticle(id="a-1", text="t", source="Wire")
    assert Selection().wants(raw, 0) and Selection().wants_key(b"a-1")
    assert not Selection().wants_key(None), "a message without a key is no article version"
    assert Selection(ids=("a-1",)).wants_key(b"a-1") and not Selection(ids=("b",)).wants_key(b"a-1")
    assert Selection(since_ms=10).wants(raw, 10) and not Selection(since_ms=10).wants(raw, 9)
    assert Selection(source="Wire").wants(raw, 0) and not Selection(source="Other").wants(raw, 0)


def test_offsets_read_back_from_json_keys() -> None:
    assert as_offsets({"0": 5, "3": 7}) == {0: 5, 3: 7}


def test_no_limit_means_no_wait() -> None:
    pace = Pace(0)
    pace.took(1_000_000)  # returns at once


def test_the_report_says_every_outcome_and_change() -> None:
    report = RunReport(outcomes={"updated": 3, "unchanged": 2}, quotes_added=4, entities_removed=5)
    assert report.lines(7) == [
        "reprocess run 7: 3 updated, 0 new, 2 unchanged, 0 newer-kept, 0 failed",
        "quotes: 4 added, 0 removed, 0 changed (kind, speaker or cue)",
        "speakers: 0 added, 0 removed",
        "entities: 0 added, 5 removed",
    ]
