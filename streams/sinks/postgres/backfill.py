"""Bring the cross-article entities up to date with the stored rows (run as the tables' owner).

Two things the sink cannot do, since its role may only insert and upsert:

- give the articles stored before migration 005 their entity and speaker ids, and their
  entity and quote rows with them (computed from the stored record, as the sink would);
- make each canonical entity's aliases exactly the names its stored rows use, and drop the
  entities no stored row names any more. The sink only ever adds aliases, so a reprocess that
  stops calling someone by a name left that alias behind.

`newsflow db backfill` runs both; running it again changes nothing. It can run beside the
sinks: the alias rebuild locks canonical_entities against their upserts for its few statements
(they wait, then go on), and an article the sink replaces meanwhile keeps the sink's ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from schemas import EnrichedArticle
from streams.sinks.postgres.rows import entity_ids, speaker_ids
from streams.sinks.postgres.sink import array_literal, canonical_entities_named

# Articles that name entities or speakers but carry no ids: stored before migration 005.
_WITHOUT_IDS = """
SELECT id, stored_at, record FROM articles
WHERE id > %s
  AND ((entity_ids = '{}' AND jsonb_array_length(record->'entities') > 0)
       OR (speaker_ids = '{}' AND jsonb_array_length(record->'quotes') > 0))
ORDER BY id LIMIT %s
"""

# Only the version read: an article the sink stored again meanwhile already has its ids.
_SET_IDS = """
UPDATE articles SET entity_ids = %s::text[], speaker_ids = %s::text[]
WHERE id = %s AND stored_at = %s
"""

_CHILD_IDS = [
    """
    UPDATE entities AS e SET entity_id = a.entity_ids[e.ordinal + 1]
    FROM articles AS a
    WHERE e.article_id = a.id AND a.id = ANY(%s) AND e.entity_id IS NULL
    """,
    """
    UPDATE quotes AS q SET speaker_id = a.speaker_ids[q.ordinal + 1]
    FROM articles AS a
    WHERE q.article_id = a.id AND a.id = ANY(%s) AND q.speaker_id IS NULL
    """,
]

# Every canonical entity the stored rows name, as the sink's upsert makes them.
_NAMED = "CREATE TEMPORARY TABLE named ON COMMIT DROP AS" + canonical_entities_named("true")

_DROP_UNNAMED = """
DELETE FROM canonical_entities AS c
WHERE NOT EXISTS (SELECT 1 FROM named AS n WHERE n.entity_id = c.entity_id)
"""

_SET_ALIASES = """
UPDATE canonical_entities AS c SET aliases = n.aliases
FROM named AS n
WHERE n.entity_id = c.entity_id AND c.aliases IS DISTINCT FROM n.aliases
"""

_ADD_MISSING = """
INSERT INTO canonical_entities (entity_id, name, family, aliases)
SELECT entity_id, name, family, aliases FROM named
ORDER BY entity_id
ON CONFLICT (entity_id) DO NOTHING
"""


@dataclass(frozen=True)
class Backfilled:
    """What one backfill changed."""

    articles: int  # given their ids
    entities_added: int  # canonical entities a stored row named but the table lacked
    entities_dropped: int  # canonical entities no stored row names any more
    aliases_changed: int  # canonical entities whose aliases were rebuilt


def backfill(conninfo: str, batch: int = 500) -> Backfilled:
    """Give the rows stored before migration 005 their ids; rebuild canonical_entities."""
    with psycopg.connect(conninfo, connect_timeout=5, autocommit=True) as conn:
        articles = give_ids(conn, batch)
        with conn.transaction():
            # Blocks the sinks' upserts (and waits for those under way) until this commits.
            conn.execute("LOCK TABLE canonical_entities IN SHARE ROW EXCLUSIVE MODE")
            conn.execute(_NAMED)
            dropped = conn.execute(_DROP_UNNAMED).rowcount
            changed = conn.execute(_SET_ALIASES).rowcount
            added = conn.execute(_ADD_MISSING).rowcount
    return Backfilled(articles, added, dropped, changed)


def give_ids(conn: psycopg.Connection[Any], batch: int) -> int:
    """Set the ids of every article stored without them, `batch` articles a transaction."""
    given, after = 0, ""
    while True:
        rows = conn.execute(_WITHOUT_IDS, (after, batch)).fetchall()
        if not rows:
            return given
        with conn.transaction():
            for article_id, stored_at, record in rows:
                article = EnrichedArticle.model_validate(record)
                ids, speakers = entity_ids(article), speaker_ids(article)
                given += conn.execute(
                    _SET_IDS,
                    (array_literal(ids), array_literal(speakers), article_id, stored_at),
                ).rowcount
            done = [row[0] for row in rows]
            for statement in _CHILD_IDS:
                conn.execute(statement, (done,))
        after = rows[-1][0]
