"""Map enriched records to rows of the articles table (pure).

The entity and quote rows of each article are derived by the database from the stored record
(streams/sinks/postgres/sink.py), so one row per article is all Python builds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from schemas import EnrichedArticle


class ArticleRow(NamedTuple):
    """One row of the articles table, its fields in column order."""

    id: str
    schema_version: int
    headline: str | None
    body: str
    dateline: str | None
    byline: str | None
    language: str | None
    url: str | None
    source: str | None
    published_at: datetime | None
    content_hash: str
    record: str
    kafka_partition: int
    kafka_offset: int
    published_ms: int | None
    rules_version: int | None
    pipeline_version: list[int]
    produced_at: datetime | None


ARTICLE_COLUMNS = ArticleRow._fields


def article_row(record: EnrichedArticle, partition: int, offset: int) -> ArticleRow:
    """Return the articles-table row of `record`, read from `partition` at `offset`."""
    article, record_json = storable(record)
    pipeline = article.pipeline
    return ArticleRow(
        id=article.id,
        schema_version=article.schema_version,
        headline=article.headline,
        body=article.body,
        dateline=article.dateline,
        byline=article.byline,
        language=article.language,
        url=article.url,
        source=article.source,
        published_at=article.published_at,
        content_hash=article.content_hash,
        record=record_json,
        kafka_partition=partition,
        kafka_offset=offset,
        published_ms=article.published_ms,
        rules_version=pipeline.rules if pipeline else None,
        pipeline_version=list(pipeline.version()) if pipeline else [],
        produced_at=pipeline.produced_at if pipeline else None,
    )


def storable(article: EnrichedArticle) -> tuple[EnrichedArticle, str]:
    """Return the article without NUL characters (PostgreSQL rejects them), and its JSON text.

    pydantic's serializer writes the text; only a record that holds a NUL (escaped as
    \\u0000) takes the slower walk through every string.
    """
    text = article.model_dump_json()
    if "\\u0000" not in text:
        return article, text
    cleaned = EnrichedArticle.model_validate(without_nul(article.model_dump(mode="json")))
    return cleaned, cleaned.model_dump_json()


def without_nul(value: Any) -> Any:
    """Return `value` with NUL characters removed from every string: PostgreSQL rejects them."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
