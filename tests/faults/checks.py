"""What a fault test checks afterwards: rows exactly once, consistent children, lag, letters."""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime

import psycopg
from kafka import KafkaConsumer, TopicPartition

from schemas import DeadLetter
from streams.broker.clients import admin_client
from streams.broker.topics import committed_lag
from streams.stages import DLQ, stage


@dataclass(frozen=True)
class Tally:
    """How one fault's published articles ended up in PostgreSQL."""

    fault: str
    published: int
    lost: int
    duplicated: int
    inconsistent: int


def tally(conn: psycopg.Connection, fault: str, ids: list[str]) -> Tally:
    """Count lost ids, duplicated rows and articles whose child rows disagree with the record."""
    (stored, rows) = conn.execute(
        "SELECT count(DISTINCT id), count(*) FROM articles WHERE id = ANY(%s)", (ids,)
    ).fetchone() or (0, 0)
    (inconsistent,) = conn.execute(
        """
        SELECT count(*) FROM articles a
        WHERE a.id = ANY(%s) AND (
            jsonb_array_length(a.record->'entities')
                <> (SELECT count(*) FROM entities e WHERE e.article_id = a.id)
            OR jsonb_array_length(a.record->'quotes')
                <> (SELECT count(*) FROM quotes q WHERE q.article_id = a.id)
            OR jsonb_array_length(a.record->'quotes') = 0
            OR jsonb_array_length(a.record->'entities') = 0)
        """,
        (ids,),
    ).fetchone() or (0,)
    return Tally(fault, len(ids), len(ids) - stored, rows - stored, inconsistent)


def orphans(conn: psycopg.Connection) -> int:
    """Count child rows whose article row is missing."""
    (count,) = conn.execute(
        "SELECT (SELECT count(*) FROM entities WHERE article_id NOT IN (SELECT id FROM articles))"
        " + (SELECT count(*) FROM quotes WHERE article_id NOT IN (SELECT id FROM articles))"
    ).fetchone() or (0,)
    return int(count)


def stored_count(conn: psycopg.Connection, ids: list[str]) -> int:
    (count,) = conn.execute(
        "SELECT count(*) FROM articles WHERE id = ANY(%s)", (ids,)
    ).fetchone() or (0,)
    return int(count)


def lag(bootstrap: str, name: str) -> int:
    """Return how many messages of the stage's source topic its group has not committed."""
    spec = stage(name)
    return sum(committed_lag(bootstrap, spec.group, spec.source).values())


@dataclass(frozen=True)
class Recovery:
    """How the rows of a fault's articles went on after the fault hit (at `since`)."""

    fault: str
    first_row_s: float  # from the fault to the first row committed after it
    longest_stall_s: float  # the longest a partition went without a committed row
    stalled_partition: int


def recovery(
    conn: psycopg.Connection, fault: str, ids: list[str], since: datetime, until: datetime
) -> Recovery:
    """Measure, between since and until, the first committed row and each partition's stall.

    A row's time is its stored_at (the start of the sink's transaction). A partition's stall
    is its longest gap between since, its rows, and until (no row: all of it), so a partition
    whose stages still hold records fetched before the fault does not pass for recovered.
    """
    rows = conn.execute(
        "SELECT kafka_partition, stored_at FROM articles"
        " WHERE id = ANY(%s) AND stored_at >= %s AND stored_at <= %s ORDER BY stored_at",
        (ids, since, until),
    ).fetchall()
    (partitions,) = conn.execute(
        "SELECT array_agg(DISTINCT kafka_partition) FROM articles WHERE id = ANY(%s)", (ids,)
    ).fetchone() or ([],)
    stalls = {}
    for partition in partitions or []:
        times = [since, *(at for p, at in rows if p == partition), until]
        stalls[partition] = max((b - a).total_seconds() for a, b in itertools.pairwise(times))
    worst = max(stalls, key=stalls.__getitem__)
    first = (rows[0][1] - since).total_seconds() if rows else (until - since).total_seconds()
    return Recovery(fault, first, stalls[worst], worst)


def db_now(conn: psycopg.Connection) -> datetime:
    """Return the database's clock now (stored_at comes from it)."""
    (now,) = conn.execute("SELECT clock_timestamp()").fetchone() or (None,)
    assert isinstance(now, datetime)
    return now


def leaders(bootstrap: str) -> Counter[int]:
    """Count the partitions (of every topic, internal ones too) each broker leads."""
    admin = admin_client(bootstrap)
    try:
        return Counter(
            partition["leader_id"]
            for topic in admin.describe_topics()
            for partition in topic["partitions"]
        )
    finally:
        admin.close()


def under_replicated(bootstrap: str) -> int:
    """Count partitions with a replica out of the in-sync set (or no leader)."""
    admin = admin_client(bootstrap)
    try:
        return sum(
            partition["leader_id"] < 0
            or set(partition["isr_nodes"]) != set(partition["replica_nodes"])
            for topic in admin.describe_topics()
            for partition in topic["partitions"]
        )
    finally:
        admin.close()


def dead_letters(bootstrap: str) -> list[DeadLetter]:
    """Return every dead letter on articles.dlq."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(DLQ, p) for p in consumer.partitions_for_topic(DLQ) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        letters = []
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for records in consumer.poll(timeout_ms=1000).values():
                letters += [DeadLetter.model_validate_json(r.value) for r in records]
        return letters
    finally:
        consumer.close()


def record(result: Tally) -> None:
    """Note a fault's tally for the figures (bench/reliability.py)."""
    _note(asdict(result))


def record_recovery(result: Recovery) -> None:
    """Note a fault's recovery times for the figures."""
    _note(asdict(result))


def record_hostile(case: str, where: str, as_expected: bool) -> None:
    """Note whether a hostile input had its expected outcome, for the figures."""
    _note({"hostile": case, "where": where, "ok": as_expected})


def _note(entry: dict[str, object]) -> None:
    path = os.environ.get("NEWSFLOW_RELIABILITY_REPORT")
    if path:
        with open(path, "a") as report:
            report.write(json.dumps(entry) + "\n")
