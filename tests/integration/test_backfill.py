"""`newsflow db backfill` against a real PostgreSQL server, in a database of its own.

It gives rows stored before migration 005 the ids the sink gives new rows today, and makes
canonical_entities say exactly what the stored rows name.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest

from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.sinks.postgres.backfill import Backfilled, backfill
from streams.sinks.postgres.sink import PostgresSink
from tests.conftest import Services, database_of_its_own
from tests.memory import write_records

pytestmark = pytest.mark.integration


@pytest.fixture
def own_db(migrated: Services) -> Iterator[str]:
    """A migrated database holding only what the test writes."""
    with database_of_its_own(migrated, "backfill") as url:
        yield url


def person(name: str, *aliases: str) -> Entity:
    mention = Mention(start=0, end=len(name), text=name)
    return Entity(name=name, label="PERSON", mentions=[mention], aliases=list(aliases))


def article(article_id: str, published_ms: int, *people: Entity, speaker: str) -> EnrichedArticle:
    said = Quote(text="We sail at dawn", kind="direct", speaker=speaker, cue="said", start=0, end=1)
    return EnrichedArticle(
        id=article_id,
        headline="Harbour news",
        body="We sail at dawn, she said.",
        content_hash="0" * 64,
        published_ms=published_ms,
        entities=list(people),
        quotes=[said],
    )


def store(url: str, *records: EnrichedArticle) -> None:
    asyncio.run(write_records(PostgresSink(url), records))


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every id the tables hold, and canonical_entities as it stands."""
    queries = {
        "articles": "SELECT id, entity_ids, speaker_ids FROM articles ORDER BY id",
        "entities": "SELECT article_id, ordinal, entity_id FROM entities ORDER BY 1, 2",
        "quotes": "SELECT article_id, ordinal, speaker_id FROM quotes ORDER BY 1, 2",
        "canonical": "SELECT entity_id, name, family, aliases FROM canonical_entities ORDER BY 1",
    }
    with psycopg.connect(url) as conn:
        return {table: conn.execute(sql).fetchall() for table, sql in queries.items()}


def forget_ids(url: str, article_id: str) -> None:
    """Make `article_id` look stored before migration 005: no ids, no canonical rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE articles SET entity_ids = '{}', speaker_ids = '{}' WHERE id = %s",
            (article_id,),
        )
        conn.execute("UPDATE entities SET entity_id = NULL WHERE article_id = %s", (article_id,))
        conn.execute("UPDATE quotes SET speaker_id = NULL WHERE article_id = %s", (article_id,))
        conn.execute("DELETE FROM canonical_entities")


def test_rows_stored_before_ids_get_the_ids_the_sink_gives_today(own_db: str) -> None:
    old = article("old", 1000, person("Ada Lovelace", "Lovelace"), speaker="Ada Lovelace")
    new = article("new", 1000, person("Grace Hopper"), speaker="Grace Hopper")
    store(own_db, old, new)
    as_the_sink_stores_them = snapshot(own_db)
    forget_ids(own_db, "old")
    assert snapshot(own_db) != as_the_sink_stores_them

    done = backfill(own_db)

    assert snapshot(own_db) == as_the_sink_stores_them
    assert done == Backfilled(articles=1, entities_added=2, entities_dropped=0, aliases_changed=0)


def test_aliases_and_entities_no_stored_row_names_any_more_are_removed(own_db: str) -> None:
    first = article("a", 1000, person("Ada Lovelace", "Countess"), person("Gone Byron"),
                    speaker="Ada Lovelace")  # fmt: skip
    store(own_db, first)
    store(own_db, article("a", 2000, person("Ada Lovelace"), speaker="Ada Lovelace"))
    assert ("person:gone byron",) in [row[:1] for row in snapshot(own_db)["canonical"]]

    done = backfill(own_db)

    assert snapshot(own_db)["canonical"] == [
        ("person:ada lovelace", "Ada Lovelace", "person", ["Ada Lovelace"])
    ]
    assert done == Backfilled(articles=0, entities_added=0, entities_dropped=1, aliases_changed=1)
    assert backfill(own_db) == Backfilled(0, 0, 0, 0)  # a second run changes nothing


def test_the_command_says_what_it_did(own_db: str, migrated: Services) -> None:
    store(own_db, article("a", 1000, person("Ada Lovelace"), speaker="Ada Lovelace"))
    forget_ids(own_db, "a")
    env = Services(migrated.bootstrap, own_db, "test").env()
    done = subprocess.run(
        [sys.executable, "-m", "streams", "db", "backfill"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "gave 1 article(s) their entity ids; canonical entities: 1 added,"
        " 0 no longer named and dropped, 0 with their aliases rebuilt\n"
    )
