"""The sink's writer and migrations against a real PostgreSQL server."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.sink.migrations import migrate
from streams.sink.rows import Stored, to_rows
from streams.sink.writer import write_rows
from tests.conftest import Services

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
    async def run() -> None:
        async with await psycopg.AsyncConnection.connect(services.database_url) as conn:
            await write_rows(conn, to_rows([Stored(a, 0, i) for i, a in enumerate(articles)]))

    asyncio.run(run())


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
