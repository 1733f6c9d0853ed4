"""`newsflow reprocess`: re-enrich stored articles from their raw input with the code of today.

The raw input is articles.raw itself (compacted by article id, kept for ever:
streams/broker/topics.py). A run reads it up to the end it had when the run began, twice:
first the keys, to find the latest raw version of each article, then those latest versions,
which it enriches in-process through the stages' own functions (streams/agents/pipeline.py) and
writes through the PostgreSQL sink's own write path, whose version order keeps whatever is
newer (a live update that arrived meanwhile wins over a re-enriched older input).

Each batch is one transaction: the articles written, what changed in each
(`reprocess_changes`) and how far the run got in each partition (`reprocess_runs`) commit
together, so a run killed at any point and started again with the same selection resumes after
its last committed batch, and no article is done twice. `rate` paces the run (articles/s), so
the live pipeline keeps its share of the machine and the database.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from schemas import EnrichedArticle, RawArticle
from streams.agents.pipeline import own_stamp
from streams.broker.clients import consumer
from streams.config import Settings
from streams.intake.decoding import decode_raw_article
from streams.ops.changes import ArticleChange, RunReport, change_between, same_result
from streams.runtime.each import apply_each
from streams.sinks.postgres.rows import article_row
from streams.sinks.postgres.sink import stored_now, write_rows
from streams.stages import RAW

Offsets = dict[int, int]


@dataclass(frozen=True)
class Selection:
    """Which stored articles a run re-enriches: all, or those matching every filter given."""

    since_ms: int | None = None
    source: str | None = None
    ids: tuple[str, ...] = ()

    def wants_key(self, key: bytes | None) -> bool:
        return key is not None and (not self.ids or key.decode("utf-8", "replace") in self.ids)

    def wants(self, raw: RawArticle, timestamp_ms: int) -> bool:
        """Tell whether the latest raw version of an article is selected."""
        return (
            (self.since_ms is None or timestamp_ms >= self.since_ms)
            and (self.source is None or raw.source == self.source)
            and (not self.ids or raw.id in self.ids)
        )

    def as_json(self) -> dict[str, Any]:
        return {"since_ms": self.since_ms, "source": self.source, "ids": sorted(self.ids)}


@dataclass
class Run:
    """A reprocess run as `reprocess_runs` holds it."""

    id: int
    end_offsets: Offsets
    done_offsets: Offsets
    failed: int = 0


@dataclass
class Progress:
    """How far a run is: latest versions looked at of all planned, and how many enriched."""

    examined: int
    planned: int
    enriched: int
    resumed_at: int


@dataclass
class Batch:
    """Selected raw articles waiting to be enriched, and how far the topic was read for them."""

    raws: list[tuple[RawArticle, int]] = field(default_factory=list)
    failed: int = 0
    read_upto: Offsets = field(default_factory=dict)


def read_raw(bootstrap: str, ends: Offsets, after: Offsets) -> Iterator[ConsumerRecord]:
    """Yield the messages of articles.raw past `after` (per partition) and before `ends`."""
    client = consumer(bootstrap, enable_auto_commit=False)
    try:
        wanted = [TopicPartition(RAW, p) for p, end in ends.items() if after.get(p, -1) + 1 < end]
        if not wanted:
            return
        client.assign(wanted)
        for tp in wanted:
            client.seek(tp, after.get(tp.partition, -1) + 1)
        beginnings = client.beginning_offsets(wanted)
        for tp in wanted:  # compaction or retention may have removed the first offsets
            if client.position(tp) < beginnings[tp]:
                client.seek(tp, beginnings[tp])
        while any(client.position(tp) < ends[tp.partition] for tp in wanted):
            for tp, records in client.poll(timeout_ms=1000, max_records=500).items():
                yield from (r for r in records if r.offset < ends[tp.partition])
    finally:
        client.close()


def end_offsets(bootstrap: str) -> Offsets:
    """Return the end offset of each partition of articles.raw now."""
    client = consumer(bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(RAW, p) for p in client.partitions_for_topic(RAW) or []]
        return {tp.partition: end for tp, end in client.end_offsets(partitions).items()}
    finally:
        client.close()


def latest_versions(bootstrap: str, ends: Offsets, selection: Selection) -> dict[int, set[int]]:
    """Return, per partition, the offsets of the latest raw version of each selected article."""
    latest: dict[bytes, tuple[int, int]] = {}
    for record in read_raw(bootstrap, ends, {}):
        if selection.wants_key(record.key):
            latest[record.key] = (record.partition, record.offset)
    found: dict[int, set[int]] = {}
    for partition, offset in latest.values():
        found.setdefault(partition, set()).add(offset)
    return found


def stored_records(rows: Sequence[tuple[str, Any]]) -> dict[str, EnrichedArticle]:
    return {article_id: EnrichedArticle.model_validate(record) for article_id, record in rows}


def change_row(run: Run, article_id: str, outcome: str, change: ArticleChange) -> tuple[Any, ...]:
    """Return the reprocess_changes row of what `run` did to one article."""
    # Lists, not tuples: psycopg sends a tuple as a composite, a list as an array.
    values = [list(v) if isinstance(v, tuple) else v for v in asdict(change).values()]
    return (run.id, article_id, outcome, *values)


_INSERT_CHANGE = (
    "INSERT INTO reprocess_changes (run_id, article_id, outcome, quotes_added, quotes_removed,"
    " quotes_changed, speakers_added, speakers_removed, entities_added, entities_removed)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


async def commit_batch(
    conn: psycopg.AsyncConnection[Any],
    run: Run,
    records: Sequence[EnrichedArticle],
    done: Offsets,
    failed: int,
) -> None:
    """Store the records that differ from what is stored, their changes and the run's progress."""
    ids = [record.id for record in records]
    async with conn.transaction():
        cursor = await conn.execute(
            "SELECT id, record FROM articles WHERE id = ANY(%s) FOR UPDATE", (ids,)
        )
        old = stored_records(await cursor.fetchall())
        written = [r for r in records if r.id not in old or not same_result(old[r.id], r)]
        # Not read from articles.enriched: the row's Kafka position says so with -1.
        await write_rows(conn, [article_row(r, partition=-1, offset=-1) for r in written])
        written_ids = {r.id for r in written}
        stored = await stored_now(conn, sorted(written_ids))
        changes = []
        for record in records:
            previous = old.get(record.id)
            if record.id in stored:
                outcome = "new" if previous is None else "updated"
                changes.append(
                    change_row(run, record.id, outcome, change_between(previous, record))
                )
            else:
                outcome = "newer-kept" if record.id in written_ids else "unchanged"
                changes.append(change_row(run, record.id, outcome, ArticleChange()))
        async with conn.cursor() as cur:
            await cur.executemany(_INSERT_CHANGE, changes)
        run.done_offsets.update(done)
        run.failed += failed
        await conn.execute(
            "UPDATE reprocess_runs SET done_offsets = %s, counts = %s, updated_at = now()"
            " WHERE id = %s",
            (json.dumps(run.done_offsets), json.dumps({"failed": run.failed}), run.id),
        )


async def open_run(
    conn: psycopg.AsyncConnection[Any], bootstrap: str, selection: Selection, restart: bool
) -> tuple[Run, bool]:
    """Return the unfinished run of `selection` to resume, or a new one; and whether resumed."""
    async with conn.transaction():
        cursor = await conn.execute(
            "SELECT id, end_offsets, done_offsets, counts FROM reprocess_runs"
            " WHERE finished_at IS NULL AND selection = %s ORDER BY id DESC LIMIT 1 FOR UPDATE",
            (json.dumps(selection.as_json()),),
        )
        found = await cursor.fetchone()
        if found is not None and not restart:
            run_id, ends, done, counts = found
            return Run(run_id, as_offsets(ends), as_offsets(done), counts.get("failed", 0)), True
        if found is not None:
            await conn.execute(
                "UPDATE reprocess_runs SET finished_at = now() WHERE id = %s", (found[0],)
            )
        ends = end_offsets(bootstrap)
        cursor = await conn.execute(
            "INSERT INTO reprocess_runs (selection, pipeline, end_offsets) VALUES (%s, %s, %s)"
            " RETURNING id",
            (
                json.dumps(selection.as_json()),
                own_stamp().model_dump_json(),
                json.dumps(ends),
            ),
        )
        (run_id,) = await cursor.fetchone() or (0,)
        return Run(run_id, ends, {}), False


def as_offsets(value: dict[str, int]) -> Offsets:
    """Return partition -> offset from JSON, whose keys are strings."""
    return {int(partition): int(offset) for partition, offset in value.items()}


async def finish_run(conn: psycopg.AsyncConnection[Any], run: Run) -> RunReport:
    """Mark `run` finished and return its report, summed from every article it did."""
    async with conn.transaction():
        await conn.execute(
            "UPDATE reprocess_runs SET finished_at = now(), updated_at = now() WHERE id = %s",
            (run.id,),
        )
    return await run_report(conn, run.id)


async def run_report(conn: psycopg.AsyncConnection[Any], run_id: int) -> RunReport:
    """Return the report of run `run_id` from what it stored."""
    cursor = await conn.execute(
        "SELECT outcome, count(*), sum(quotes_added), sum(quotes_removed), sum(quotes_changed),"
        " sum(cardinality(speakers_added)), sum(cardinality(speakers_removed)),"
        " sum(entities_added), sum(entities_removed)"
        " FROM reprocess_changes WHERE run_id = %s GROUP BY outcome",
        (run_id,),
    )
    report = RunReport()
    for outcome, count, *sums in await cursor.fetchall():
        report.outcomes[outcome] = count
        report.quotes_added += sums[0]
        report.quotes_removed += sums[1]
        report.quotes_changed += sums[2]
        report.speakers_added += sums[3]
        report.speakers_removed += sums[4]
        report.entities_added += sums[5]
        report.entities_removed += sums[6]
    cursor = await conn.execute("SELECT counts FROM reprocess_runs WHERE id = %s", (run_id,))
    found = await cursor.fetchone()
    report.failed = found[0].get("failed", 0) if found else 0
    return report


class Pace:
    """Sleeps so that no more than `rate` articles a second go through (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._started = time.monotonic()
        self._done = 0

    def took(self, count: int) -> None:
        self._done += count
        if self._rate > 0:
            ahead = self._done / self._rate - (time.monotonic() - self._started)
            if ahead > 0:
                time.sleep(ahead)


def enrich_batch(
    raws: Sequence[tuple[RawArticle, int]], settings: Settings
) -> tuple[list[EnrichedArticle], int]:
    """Enrich the raw articles as the stages do; return the records and how many failed."""
    from streams.agents.pipeline import enriched
    from streams.nlp.model import load_model

    nlp = load_model(settings.spacy_model)
    outcomes = apply_each(lambda batch: enriched(batch, nlp, settings), list(raws))
    records = [outcome for outcome in outcomes if isinstance(outcome, EnrichedArticle)]
    return records, len(outcomes) - len(records)


async def reprocess(
    settings: Settings,
    selection: Selection,
    rate: float = 0.0,
    restart: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[int, RunReport]:
    """Re-enrich the selected stored articles; return the run's id and its report."""
    async with await psycopg.AsyncConnection.connect(settings.database_dsn) as conn:
        run, _ = await open_run(conn, settings.kafka_bootstrap, selection, restart)
        planned = latest_versions(settings.kafka_bootstrap, run.end_offsets, selection)
        total = sum(len(offsets) for offsets in planned.values())
        already = sum(
            sum(offset <= run.done_offsets.get(p, -1) for offset in offsets)
            for p, offsets in planned.items()
        )
        progress = Progress(already, total, 0, already)
        pace = Pace(rate)
        batch = Batch()

        async def flush() -> None:
            records, failed = enrich_batch(batch.raws, settings)
            await commit_batch(conn, run, records, batch.read_upto, batch.failed + failed)
            progress.enriched += len(batch.raws)
            pace.took(len(batch.raws))
            batch.raws, batch.failed, batch.read_upto = [], 0, {}
            if on_progress is not None:
                on_progress(progress)

        for message in read_raw(settings.kafka_bootstrap, run.end_offsets, run.done_offsets):
            batch.read_upto[message.partition] = message.offset
            if message.offset not in planned.get(message.partition, ()):
                continue  # an older version of an article, or one not selected by its key
            progress.examined += 1
            try:
                raw = decode_raw_article(message.value, settings.max_text_bytes)
            except ValueError:
                batch.failed += 1
                continue
            if selection.wants(raw, message.timestamp):
                batch.raws.append((raw, message.timestamp))
            if len(batch.raws) >= settings.nlp_batch_size:
                await flush()
        await flush()
        return run.id, await finish_run(conn, run)


def stored_report(settings: Settings, run_id: int) -> RunReport:
    """Return the report of an earlier run."""

    async def read() -> RunReport:
        async with await psycopg.AsyncConnection.connect(settings.database_dsn) as conn:
            return await run_report(conn, run_id)

    return asyncio.run(read())
