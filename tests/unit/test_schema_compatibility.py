"""The compatibility rule of the records, held by tests (docs/operations.md, "Schemas").

Adding an optional field keeps `schema_version`; anything else bumps it and the sink must read
both versions. Every record newsflow writes carries `schema_version`; RawArticle is the
publishers' input and has none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemas import JSON_SCHEMA_DIR, RECORDS, SCHEMA_VERSION, EnrichedArticle
from streams.sinks.postgres.rows import article_row

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schemas" / "examples" / "enriched_article.json"
OPERATIONS = ROOT / "docs" / "operations.md"
WRITTEN_BY_NEWSFLOW = sorted(name for name in RECORDS if name != "raw_article")


def example() -> dict[str, object]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", WRITTEN_BY_NEWSFLOW)
def test_every_record_newsflow_writes_carries_the_schema_version(name: str) -> None:
    exported = json.loads((JSON_SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert exported["properties"]["schema_version"]["default"] == SCHEMA_VERSION
    assert RECORDS[name].model_fields["schema_version"].default == SCHEMA_VERSION


def test_the_example_record_is_a_complete_enriched_article() -> None:
    record = example()
    assert set(record) == set(EnrichedArticle.model_fields), "the example lacks or adds fields"
    article = EnrichedArticle.model_validate(record)
    assert article.model_dump(mode="json") == record
    assert article.schema_version == SCHEMA_VERSION
    for quote in article.quotes:
        assert article.body[quote.start : quote.end] == quote.text
    for entity in article.entities:
        for mention in entity.mentions:
            assert article.body[mention.start : mention.end] == mention.text


def test_the_documented_example_is_the_example_file() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert any(json.loads(block) == example() for block in blocks), (
        f"{OPERATIONS} does not show {EXAMPLE.relative_to(ROOT)}"
    )


def test_a_record_with_a_field_added_later_still_reaches_the_tables() -> None:
    newer = {**example(), "sentiment": {"score": 0.4}, "topics": ["ports"]}
    article = EnrichedArticle.model_validate(newer)
    assert article_row(article, partition=0, offset=0).id == newer["id"]


def test_a_record_from_before_optional_fields_existed_still_reads() -> None:
    required = {name for name, field in EnrichedArticle.model_fields.items() if field.is_required()}
    older = {key: value for key, value in example().items() if key in required}
    article = EnrichedArticle.model_validate(older)
    assert article.schema_version == SCHEMA_VERSION and article.quotes == []
