"""Map enriched records to rows of the articles table (pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

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
PUBLISHED_MS = ARTICLE_COLUMNS.index("published_ms")


Row = tuple[Any, ...]
Item = TypeVar("Item")


@dataclass(frozen=True)
class Stored:
    """An enriched record and where it was read from."""

    article: EnrichedArticle
    partition: int
    offset: int


@dataclass(frozen=True)
class Rows:
    """The article rows of one batch, ready to write (their entity and quote rows are derived
    by the database from each row's `record`: streams/sink/writer.py)."""

    articles: list[Row]

    @property
    def article_ids(self) -> list[str]:
        return [row[0] for row in self.articles]


def latest_per_article(items: Iterable[Item], article_id: Callable[[Item], str]) -> list[Item]:
    """Keep the last item of each article id, in first-seen order.

    A batch may hold two versions of one article (a republish, or a replay); the later offset wins.
    """
    latest: dict[str, Item] = {}
    for item in items:
        latest[article_id(item)] = item
    return list(latest.values())


def to_rows(batch: Sequence[Stored]) -> Rows:
    """Return the rows that represent `batch`, one article row per article id."""
    return Rows(latest_per_article(map(article_row, batch), article_id=itemgetter(0)))


def article_row(stored: Stored) -> Row:
    """Return the articles-table row of one record, in ARTICLE_COLUMNS order."""
    article, record_json = storable(stored.article)
    return (
        article.id,
        article.schema_version,
        article.headline,
        article.body,
        article.dateline,
        article.byline,
        article.language,
        article.url,
        article.source,
        article.published_at,
        article.content_hash,
        record_json,
        stored.partition,
        stored.offset,
        article.published_ms,
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
