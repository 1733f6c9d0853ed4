"""Read what the viewer shows from PostgreSQL: recent records, searched by entity or speaker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg

SearchField = Literal["entity", "speaker"]

_COLUMNS = "id, record, stored_at, speaker_ids"
_RECENT = (
    f"SELECT {_COLUMNS} FROM articles {{where}} ORDER BY stored_at DESC, id LIMIT %s OFFSET %s"
)
_BY_ENTITY = (
    "WHERE id IN (SELECT article_id FROM entities"
    " WHERE name ILIKE %s ESCAPE '\\' OR EXISTS"
    " (SELECT 1 FROM unnest(aliases) AS alias WHERE alias ILIKE %s ESCAPE '\\'))"
)
_BY_SPEAKER = "WHERE id IN (SELECT article_id FROM quotes WHERE speaker ILIKE %s ESCAPE '\\')"


@dataclass(frozen=True)
class Shown:
    """One stored article as the viewer reads it: its enriched record and when it was stored.

    `speaker_ids` holds the cross-article id of each quote's speaker, in record order (empty
    for rows stored before those ids existed).
    """

    id: str
    record: dict[str, Any]
    stored_at: datetime
    speaker_ids: tuple[str | None, ...] = ()


def contains_pattern(text: str) -> str:
    """Return an ILIKE pattern matching values that contain `text` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def recent_articles(
    conn: psycopg.Connection[Any],
    limit: int,
    field: SearchField | None = None,
    text: str = "",
    offset: int = 0,
) -> list[Shown]:
    """Return the most recently stored articles, those naming `text` in `field` when given."""
    pattern = contains_pattern(text.strip())
    params: tuple[object, ...]
    if field == "entity" and text.strip():
        sql, params = _RECENT.format(where=_BY_ENTITY), (pattern, pattern, limit, offset)
    elif field == "speaker" and text.strip():
        sql, params = _RECENT.format(where=_BY_SPEAKER), (pattern, limit, offset)
    else:
        sql, params = _RECENT.format(where=""), (limit, offset)
    return [shown(*row) for row in conn.execute(sql, params).fetchall()]


def shown(article_id: str, record: Any, stored_at: datetime, speaker_ids: Any) -> Shown:
    return Shown(article_id, record, stored_at, tuple(speaker_ids or ()))


def article(conn: psycopg.Connection[Any], article_id: str) -> Shown | None:
    """Return the stored article `article_id`, or None when there is none."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = %s", (article_id,)).fetchone()
    return None if row is None else shown(*row)


def raw_record(conn: psycopg.Connection[Any], article_id: str) -> str | None:
    """Return the stored enriched record of `article_id` as JSON text, or None."""
    row = conn.execute("SELECT record::text FROM articles WHERE id = %s", (article_id,)).fetchone()
    return None if row is None else row[0]
