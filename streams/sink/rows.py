"""Map enriched records to the rows of the articles, entities and quotes tables (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from schemas import EnrichedArticle

ARTICLE_COLUMNS = (
    "id",
    "schema_version",
    "headline",
    "body",
    "dateline",
    "byline",
    "language",
    "url",
    "source",
    "published_at",
    "content_hash",
    "record",
    "kafka_partition",
    "kafka_offset",
    "published_ms",
)
ENTITY_COLUMNS = ("article_id", "ordinal", "name", "label", "mentions", "aliases")
QUOTE_COLUMNS = (
    "article_id",
    "ordinal",
    "text",
    "kind",
    "speaker",
    "cue",
    "start_char",
    "end_char",
)


@dataclass(frozen=True)
class Stored:
    """An enriched record and where it was read from."""

    article: EnrichedArticle
    partition: int
    offset: int


@dataclass(frozen=True)
class Rows:
    """The rows of one batch, ready to write."""

    articles: list[tuple[Any, ...]]
    entities: list[tuple[Any, ...]]
    quotes: list[tuple[Any, ...]]

    @property
    def article_ids(self) -> list[str]:
        return [row[0] for row in self.articles]


def latest_per_article(batch: Sequence[Stored]) -> list[Stored]:
    """Keep the last record of each article id, in first-seen order.

    A batch may hold two versions of one article (a republish, or a replay); the later offset wins.
    """
    latest: dict[str, Stored] = {}
    for stored in batch:
        latest[stored.article.id] = stored
    return list(latest.values())


def to_rows(batch: Sequence[Stored]) -> Rows:
    """Return the rows that represent `batch`, one article row per article id."""
    articles: list[tuple[Any, ...]] = []
    entities: list[tuple[Any, ...]] = []
    quotes: list[tuple[Any, ...]] = []
    for stored in latest_per_article(batch):
        record, record_json = json_record(stored.article)
        article_id = record["id"]
        articles.append(
            (
                article_id,
                record["schema_version"],
                record["headline"],
                record["body"],
                record["dateline"],
                record["byline"],
                record["language"],
                record["url"],
                record["source"],
                record["published_at"],
                record["content_hash"],
                record_json,
                stored.partition,
                stored.offset,
                record["published_ms"],
            )
        )
        for ordinal, entity in enumerate(record["entities"]):
            entities.append(
                (
                    article_id,
                    ordinal,
                    entity["name"],
                    entity["label"],
                    orjson.dumps(entity["mentions"]).decode(),
                    entity["aliases"],
                )
            )
        for ordinal, quote in enumerate(record["quotes"]):
            quotes.append(
                (
                    article_id,
                    ordinal,
                    quote["text"],
                    quote["kind"],
                    quote["speaker"],
                    quote["cue"],
                    quote["start"],
                    quote["end"],
                )
            )
    return Rows(articles, entities, quotes)


def json_record(article: EnrichedArticle) -> tuple[dict[str, Any], str]:
    """Return the article as a JSON object and as JSON text, without NUL characters.

    pydantic's own serializer writes the text; only a record that holds a NUL (escaped as
    \\u0000) takes the slower walk through every string.
    """
    text = article.model_dump_json()
    if "\\u0000" not in text:
        return orjson.loads(text), text
    record = without_nul(article.model_dump(mode="json"))
    return record, orjson.dumps(record).decode()


def without_nul(value: Any) -> Any:
    """Return `value` with NUL characters removed from every string: PostgreSQL rejects them."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
