"""The Parquet sink writes whole files DuckDB reads, and a replay rewrites instead of adding."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from schemas import EnrichedArticle, Entity, Mention, Pipeline, Quote
from streams.sinks.base import prepare
from streams.sinks.parquet import ParquetSink
from tests.memory import event_of


def record(article_id: str, headline: str = "Engine weaves patterns") -> EnrichedArticle:
    return EnrichedArticle(
        id=article_id,
        headline=headline,
        body="Ada Lovelace said the engine weaves patterns.",
        content_hash="0" * 64,
        entities=[
            Entity(
                name="Ada Lovelace",
                label="PERSON",
                mentions=[Mention(start=0, end=12, text="Ada Lovelace")],
                aliases=["Lovelace"],
            )
        ],
        quotes=[
            Quote(
                text="the engine weaves patterns",
                kind="indirect",
                speaker="Ada Lovelace",
                cue="said",
                start=18,
                end=44,
            )
        ],
    )


def write(
    root: Path,
    offsets: range,
    partition: int = 0,
    article: Callable[[int], EnrichedArticle] = lambda n: record(f"a{n}"),
) -> None:
    """Write the records at `offsets` (by default article a<offset>) as one batch of a new sink
    process: nothing of the earlier batches is in its memory."""
    sink = ParquetSink(root, "articles.enriched")
    events = [event_of(article(n), n, partition) for n in offsets]
    asyncio.run(sink.write([one.item for one in prepare(sink, events, 0.0).received]))


def counts(root: Path) -> tuple[int, int]:
    query = f"select count(distinct id), count(*) from read_parquet('{root}/**/*.parquet')"
    ((distinct, rows),) = duckdb.sql(query).fetchall()
    return int(distinct), int(rows)


def files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_a_batch_becomes_one_file_per_partition_named_by_its_offsets(tmp_path: Path) -> None:
    write(tmp_path, range(0, 3), partition=0)
    write(tmp_path, range(0, 2), partition=1)
    assert files(tmp_path) == [
        "articles.enriched/partition=0/00000000000000000000-00000000000000000002.parquet",
        "articles.enriched/partition=1/00000000000000000000-00000000000000000001.parquet",
    ]


def test_duckdb_reads_entities_and_quotes_as_nested_columns(tmp_path: Path) -> None:
    write(tmp_path, range(0, 2))
    rows = duckdb.sql(
        f"select id, entities[1].name, entities[1].mentions[1].start, quotes[1].speaker,"
        f" kafka_offset from read_parquet('{tmp_path}/**/*.parquet') order by kafka_offset"
    ).fetchall()
    assert rows == [
        ("a0", "Ada Lovelace", 0, "Ada Lovelace", 0),
        ("a1", "Ada Lovelace", 0, "Ada Lovelace", 1),
    ]


def test_replaying_the_same_batch_rewrites_its_file(tmp_path: Path) -> None:
    write(tmp_path, range(0, 5))
    write(tmp_path, range(0, 5))
    assert counts(tmp_path) == (5, 5)
    assert len(files(tmp_path)) == 1


def test_a_replay_cut_into_other_batches_replaces_the_files_it_overlaps(tmp_path: Path) -> None:
    write(tmp_path, range(0, 5))  # written, but its batch never acked: replayed from offset 0
    write(tmp_path, range(5, 9))  # the same
    write(tmp_path, range(0, 3))
    write(tmp_path, range(3, 9))
    assert counts(tmp_path) == (9, 9)
    assert [name.rsplit("/", 1)[1] for name in files(tmp_path)] == [
        "00000000000000000000-00000000000000000002.parquet",
        "00000000000000000003-00000000000000000008.parquet",
    ]


def test_a_file_holds_the_schema_every_other_file_holds(tmp_path: Path) -> None:
    write(tmp_path, range(0, 1))
    empty = EnrichedArticle(id="bare", body="Body.", content_hash="0" * 64)
    sink = ParquetSink(tmp_path, "articles.enriched")
    events = [event_of(empty, 1)]
    asyncio.run(sink.write([one.item for one in prepare(sink, events, 0.0).received]))
    schemas = {pq.read_schema(tmp_path / name) for name in files(tmp_path)}
    assert len(schemas) == 1


def test_a_record_sent_again_upstream_is_not_stored_twice(tmp_path: Path) -> None:
    write(tmp_path, range(0, 5))
    write(tmp_path, range(5, 10), article=lambda n: record(f"a{n - 5}"))  # a stage's replay
    assert counts(tmp_path) == (5, 5)


def test_two_copies_of_a_record_in_one_batch_are_stored_once(tmp_path: Path) -> None:
    write(tmp_path, range(0, 4), article=lambda n: record(f"a{n % 2}"))
    assert counts(tmp_path) == (2, 2)


def test_a_new_version_of_an_article_is_a_new_row(tmp_path: Path) -> None:
    write(tmp_path, range(0, 1))
    write(tmp_path, range(1, 2), article=lambda n: record("a0", headline="Corrected"))
    assert counts(tmp_path) == (1, 2)
    latest = duckdb.sql(
        f"select headline from read_parquet('{tmp_path}/**/*.parquet')"
        " order by kafka_offset desc limit 1"
    ).fetchall()
    assert latest == [("Corrected",)]


def test_the_sinks_own_replay_after_upstream_copies_still_stores_each_once(tmp_path: Path) -> None:
    write(tmp_path, range(0, 3))
    copies = lambda n: record(f"a{n - 3}")  # noqa: E731
    write(tmp_path, range(3, 6), article=copies)  # all copies: no file
    write(tmp_path, range(3, 8), article=lambda n: copies(n) if n < 6 else record(f"a{n}"))
    write(tmp_path, range(3, 8), article=lambda n: copies(n) if n < 6 else record(f"a{n}"))
    assert counts(tmp_path) == (5, 5)


def test_a_record_made_again_later_by_a_stage_is_the_same_record(tmp_path: Path) -> None:
    def stamped(n: int) -> EnrichedArticle:
        made = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
        pipeline = Pipeline(newsflow="0.1.0", rules=1, produced_at=made)
        return record("a0").model_copy(update={"pipeline": pipeline})

    write(tmp_path, range(0, 1), article=stamped)
    write(tmp_path, range(1, 2), article=stamped)  # the same record, made a minute later
    assert counts(tmp_path) == (1, 1)
    (made,) = duckdb.sql(
        f"select pipeline.produced_at from read_parquet('{tmp_path}/**/*.parquet')"
    ).fetchall()
    assert made[0].minute == 0
