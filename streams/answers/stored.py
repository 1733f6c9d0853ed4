"""Read stored articles back from PostgreSQL, for `newsflow show` and for tests."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class StoredEntity:
    name: str
    label: str
    mentions: int


@dataclass(frozen=True)
class StoredQuote:
    text: str
    kind: str
    speaker: str | None
    cue: str | None


@dataclass(frozen=True)
class StoredArticle:
    id: str
    headline: str | None
    dateline: str | None
    entities: list[StoredEntity]
    quotes: list[StoredQuote]


def stored_articles(conninfo: str, limit: int | None = None) -> list[StoredArticle]:
    """Return the most recently stored articles, with their entities and quotes, from the tables."""
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        heads = conn.execute(
            "SELECT id, headline, dateline FROM articles ORDER BY stored_at DESC, id LIMIT %s",
            (limit,),
        ).fetchall()
        ids = [row[0] for row in heads]
        entities: dict[str, list[StoredEntity]] = {article_id: [] for article_id in ids}
        for article_id, name, label, mentions in conn.execute(
            "SELECT article_id, name, label, jsonb_array_length(mentions) FROM entities"
            " WHERE article_id = ANY(%s) ORDER BY article_id, ordinal",
            (ids,),
        ):
            entities[article_id].append(StoredEntity(name, label, mentions))
        quotes: dict[str, list[StoredQuote]] = {article_id: [] for article_id in ids}
        for article_id, text, kind, speaker, cue in conn.execute(
            "SELECT article_id, text, kind, speaker, cue FROM quotes"
            " WHERE article_id = ANY(%s) ORDER BY article_id, ordinal",
            (ids,),
        ):
            quotes[article_id].append(StoredQuote(text, kind, speaker, cue))
    return [
        StoredArticle(article_id, headline, dateline, entities[article_id], quotes[article_id])
        for article_id, headline, dateline in heads
    ]


def format_article(article: StoredArticle, width: int = 100) -> str:
    """Render one stored article as a few readable lines."""
    lines = [f"== {article.id}: {article.headline or '(no headline)'}"]
    if article.entities:
        names = ", ".join(f"{e.name} ({e.label}, {e.mentions}x)" for e in article.entities)
        lines.append(f"   entities: {names}")
    for quote in article.quotes:
        text = quote.text if len(quote.text) <= width else quote.text[: width - 1] + "…"
        speaker = quote.speaker or "unattributed"
        lines.append(f"   {quote.kind:8} {speaker}: “{text}”")
    return "\n".join(lines)
