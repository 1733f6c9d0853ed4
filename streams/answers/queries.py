"""Ask the stored articles the common questions, through the SQL of migration 006_answers.

Each function takes an open connection and returns an Answer (columns and rows), which the
CLI prints as a table, JSON lines or CSV, and the Python API hands out as dicts or an Arrow
table. An entity or speaker is named as the user types it ("Choe Son-hui", "north korea") or
by its id (`person:choe son hui`); `entity_key` turns the typed name into what SQL matches.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
import psycopg

from streams.sinks.postgres.canonical import LABEL_FAMILIES, normalise_name

Format = Literal["table", "json", "csv"]
FAMILIES = (*sorted(set(LABEL_FAMILIES.values())), "all")

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Answer:
    """The rows of one question's answer, with their column names."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        """Return one dict per row, keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def arrow(self) -> Any:
        """Return the rows as a pyarrow Table (`.to_pandas()` makes a DataFrame of it)."""
        import pyarrow as pa

        if not self.rows:
            return pa.table({column: pa.array([], pa.null()) for column in self.columns})
        return pa.Table.from_pylist(self.dicts())


def entity_key(name: str) -> str:
    """Return what the SQL functions match for a typed name: an id as is, else its normal form."""
    family, colon, rest = name.partition(":")
    if colon and rest and family.replace("_", "").isalpha() and family.islower():
        return name
    return normalise_name(name)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """Return the time `text` names: an age (30m, 24h, 7d, 2w) before `now`, or an ISO date.

    Raises ValueError with a one-line reason for anything else.
    """
    age = _AGE.match(text)
    if age:
        amount, unit = int(age.group(1)), _AGE_UNITS[age.group(2)]
        return (now or datetime.now(UTC)) - timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give an age (30m, 24h, 7d, 2w) or a date (2026-03-01)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ask(conn: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> Answer:
    """Run one query; return its rows with their column names."""
    cursor = conn.execute(sql, params)
    columns = tuple(column.name for column in cursor.description or ())
    return Answer(columns, cursor.fetchall())


def quotes(
    conn: psycopg.Connection[Any],
    speaker: str | None = None,
    about: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Answer:
    """Return quotes, newest first, with their speaker, time and article."""
    return ask(
        conn,
        "SELECT dated_at, speaker, text, kind, headline, source, article_id, speaker_id"
        " FROM find_quotes(%s, %s, %s, %s, %s) LIMIT %s OFFSET %s",
        (key_or_none(speaker), key_or_none(about), since, until, source, limit, offset),
    )


def people(
    conn: psycopg.Connection[Any], top: int | None = 20, family: str = "person", offset: int = 0
) -> Answer:
    """Return the entities of `family` named in the most articles, with their counts."""
    return ask(
        conn,
        "SELECT entity_id, name, articles, mentions, quotes, aliases FROM entity_summary"
        " WHERE %s::text = 'all' OR family = %s"
        " ORDER BY articles DESC, mentions DESC, entity_id LIMIT %s OFFSET %s",
        (family, family, top, offset),
    )


def entity(conn: psycopg.Connection[Any], entity_id: str) -> dict[str, Any] | None:
    """Return the cross-article entity `entity_id` with its counts, or None when there is none."""
    found = ask(
        conn,
        "SELECT entity_id, name, family, articles, mentions, quotes, aliases FROM entity_summary"
        " WHERE entity_id = %s",
        (entity_id,),
    ).dicts()
    return found[0] if found else None


def talked_about(
    conn: psycopg.Connection[Any], speaker: str, top: int | None = 20, offset: int = 0
) -> Answer:
    """Return the entities named inside the quotes of `speaker`, most mentioned first."""
    return ask(
        conn,
        "SELECT e.entity_id, c.name, c.family, count(*) AS mentions,"
        " count(DISTINCT q.article_id) AS articles"
        " FROM quotes AS q"
        " JOIN entities AS e ON e.article_id = q.article_id"
        " CROSS JOIN LATERAL jsonb_array_elements(e.mentions) AS m"
        " JOIN canonical_entities AS c ON c.entity_id = e.entity_id"
        " WHERE q.speaker_id = ANY(entity_ids_named(%(who)s))"
        " AND e.entity_id <> ALL(entity_ids_named(%(who)s))"
        " AND (m->>'start')::int >= q.start_char AND (m->>'end')::int <= q.end_char"
        " GROUP BY e.entity_id, c.name, c.family"
        " ORDER BY count(*) DESC, count(DISTINCT q.article_id) DESC, e.entity_id"
        " LIMIT %(n)s OFFSET %(skip)s",
        {"who": entity_key(speaker), "n": top, "skip": offset},  # type: ignore[arg-type]
    )


def articles(
    conn: psycopg.Connection[Any],
    about: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Answer:
    """Return stored articles, newest first: all, or those naming an entity, in a window."""
    return ask(
        conn,
        "SELECT dated_at, article_id, headline, source, url FROM ("
        " SELECT coalesce(a.published_at, a.stored_at) AS dated_at, a.id AS article_id,"
        " a.headline, a.source, a.url FROM articles AS a"
        " WHERE (%(about)s::text IS NULL OR EXISTS (SELECT 1 FROM entities AS e"
        " WHERE e.article_id = a.id AND e.entity_id = ANY(entity_ids_named(%(about)s))))"
        " AND (%(source)s::text IS NULL OR a.source = %(source)s)) AS listed"
        " WHERE (%(since)s::timestamptz IS NULL OR dated_at >= %(since)s)"
        " AND (%(until)s::timestamptz IS NULL OR dated_at < %(until)s)"
        " ORDER BY dated_at DESC, article_id LIMIT %(n)s OFFSET %(skip)s",
        {  # type: ignore[arg-type]
            "about": key_or_none(about),
            "source": source,
            "since": since,
            "until": until,
            "n": limit,
            "skip": offset,
        },
    )


def top_speakers(
    conn: psycopg.Connection[Any],
    about: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    top: int | None = 20,
    offset: int = 0,
) -> Answer:
    """Return who is quoted most, overall or about an entity, in a window, by a source."""
    return ask(
        conn,
        "SELECT speaker_id, name, quotes, articles FROM top_speakers(%s, %s, %s, %s)"
        " LIMIT %s OFFSET %s",
        (key_or_none(about), since, until, source, top, offset),
    )


def co_occurring(
    conn: psycopg.Connection[Any], entity: str, top: int | None = 20, offset: int = 0
) -> Answer:
    """Return the entities named in the same articles as `entity`, most shared articles first."""
    return ask(
        conn,
        "SELECT entity_id, name, family, articles FROM co_occurring(%s) LIMIT %s OFFSET %s",
        (entity_key(entity), top, offset),
    )


def articles_mentioning(
    conn: psycopg.Connection[Any], entity: str, limit: int | None = 50, offset: int = 0
) -> Answer:
    """Return the articles naming `entity`, newest first."""
    return ask(
        conn,
        "SELECT dated_at, article_id, headline, source, mentions"
        " FROM articles_mentioning(%s) LIMIT %s OFFSET %s",
        (entity_key(entity), limit, offset),
    )


# When this process last ran refresh_search_index for a search (time.monotonic()).
_indexed_at = -math.inf


def search(
    conn: psycopg.Connection[Any],
    query: str,
    within: str = "all",
    limit: int | None = 20,
    offset: int = 0,
    index_every_s: float = 0.0,
) -> Answer:
    """Return the articles and quotes matching a web-search style query, best first.

    Indexes the bodies stored since the last search first (index_articles), when this role may,
    unless this process did so less than `index_every_s` ago: a server answering many searches
    passes a few seconds, since each refresh is a write transaction that looks for stale bodies.
    A body not indexed yet is found all the same (matching_articles reads it directly).
    """
    global _indexed_at
    if time.monotonic() - _indexed_at >= index_every_s:
        refresh_search_index(conn)
        _indexed_at = time.monotonic()
    parts = []
    if within in ("all", "articles"):
        parts.append(
            "(SELECT 'article' AS kind, rank, dated_at, article_id, NULL::text AS speaker,"
            " snippet AS text, headline, NULL::text AS speaker_id"
            " FROM search_articles(%(q)s) LIMIT %(deep)s)"
        )
    if within in ("all", "quotes"):
        parts.append(
            "(SELECT 'quote' AS kind, rank, dated_at, article_id, speaker, text, headline,"
            " speaker_id FROM search_quotes(%(q)s) LIMIT %(deep)s)"
        )
    found = " UNION ALL ".join(parts)
    sql = (
        f"SELECT * FROM ({found}) AS found ORDER BY rank DESC, article_id, kind"
        " LIMIT %(n)s OFFSET %(skip)s"
    )
    deepest = None if limit is None else limit + offset
    return ask(conn, sql, {"q": query, "n": limit, "skip": offset, "deep": deepest})  # type: ignore[arg-type]


def refresh_search_index(conn: psycopg.Connection[Any]) -> int:
    """Index the article bodies not indexed yet; return how many (0 when not allowed to)."""
    try:
        with conn.transaction():
            row = conn.execute("SELECT index_articles()").fetchone()
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction):
        return 0
    return int(row[0]) if row else 0


def key_or_none(name: str | None) -> str | None:
    return None if name is None or not name.strip() else entity_key(name)


def render(answer: Answer, form: Format, width: int = 60) -> str:
    """Return the answer as a fixed-width table, JSON lines or CSV (with a header)."""
    if form == "json":
        return "".join(
            orjson.dumps(row, option=orjson.OPT_NAIVE_UTC).decode() + "\n" for row in answer.dicts()
        )
    if form == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(answer.columns)
        writer.writerows([cell_text(value) for value in row] for row in answer.rows)
        return out.getvalue()
    cells = [[shorten(cell_text(value), width) for value in row] for row in answer.rows]
    widths = [
        max([len(column), *(len(row[index]) for row in cells)])
        for index, column in enumerate(answer.columns)
    ]
    lines = [answer.columns, tuple("-" * size for size in widths), *cells]
    return "".join(
        "  ".join(cell.ljust(size) for cell, size in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in lines
    )


def cell_text(value: Any) -> str:
    """Return a value as one line of text: times in ISO form, lists joined by '; '."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(item) for item in value)
    return " ".join(str(value).split())


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
