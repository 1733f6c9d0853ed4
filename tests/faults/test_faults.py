"""Kill, restart, rebalance and cut off the pipeline mid-stream: nothing is lost or doubled.

One dedicated broker + database for the module (the session's stack stays up for other tests),
every stage as its own worker process and the Parquet sink beside the PostgreSQL one
(tests/faults/harness.py). Each fault publishes its own 1,000 articles (fresh ids), injects the
fault while they are in flight, then checks: every article stored exactly once with child rows
matching its record, no orphans, every article exactly once in the Parquet files as DuckDB
reads them, every consumer group's lag back to zero, and no worker that exited on its own.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import psycopg
import pytest
from kafka import KafkaProducer

from schemas import DeadLetter, EnrichedArticle
from streams.broker.clients import MAX_MESSAGE_BYTES
from streams.stack import start_kafka, start_postgres, stop_kafka, stop_postgres
from streams.stages import CLEAN, DEFAULT_STAGES, ENRICHED, ENTITIES, RAW, STAGES
from tests.e2e.workers import wait_until
from tests.faults.checks import dead_letters, lag, record_hostile
from tests.faults.harness import RUNNING, FaultStack, fault_stack, run_fault
from tests.faults.hostile import QUOTED, Case, cases, doc, non_english

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]

OUTAGE_S = 20.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with fault_stack("fault-stack", tmp_path_factory.mktemp("fault-workers")) as faults:
        yield faults


def test_sigkill_a_worker_of_each_stage_mid_stream_then_restart(stack: FaultStack) -> None:
    def kill_each_stage_in_turn(ids: list[str]) -> None:
        for stage in DEFAULT_STAGES:
            stored = stack.count(ids)
            assert stored < len(ids), f"all stored before {stage} was killed"
            assert stack.kill(stack.worker_of(stage)) == -signal.SIGKILL
            stack.restart(stage)
            # Let the restarted worker rejoin and the flow go on before the next kill.
            wait_until(
                lambda stored=stored: stack.count(ids) >= stored + 60, timeout=300, interval=0.5
            )

    run_fault(stack, "sigkill-each-stage", kill_each_stage_in_turn)


def test_sigkill_the_parquet_sink_mid_stream_twice_then_restart(stack: FaultStack) -> None:
    """A killed Parquet sink leaves whole files only; its replay rewrites, never adds."""

    def kill_twice(ids: list[str]) -> None:
        for _ in range(2):
            stored = stack.count(ids)
            assert stored < len(ids), "all stored before the Parquet sink was killed"
            assert stack.kill(stack.worker_of("sink-parquet")) == -signal.SIGKILL
            wait_until(lambda stored=stored: stack.count(ids) >= stored + 100, timeout=300)
            stack.restart("sink-parquet")

    run_fault(stack, "sigkill-parquet-sink", kill_twice)


def test_a_second_worker_joins_then_leaves_by_sigterm_mid_stream(stack: FaultStack) -> None:
    """Rebalance twice; the leaver stops gracefully mid-batch.

    Faust's take_events acks a batch in a `finally`: a stop mid-batch must not ack it unsent.
    """

    def join_then_leave(ids: list[str]) -> None:
        name = stack.restart("entities")
        before = stack.count(ids)
        # Let the group rebalance onto two members and work a while, then shrink it again.
        wait_until(lambda: stack.count(ids) >= before + 250, timeout=300)
        assert stack.count(ids) < len(ids), "all stored before the second worker left"
        assert stack.kill(name, signal.SIGTERM) == 0
        assert stack.kill(stack.worker_of("sink"), signal.SIGTERM) == 0
        stack.restart("sink")

    run_fault(stack, "rebalance-and-sigterm", join_then_leave)


def test_postgres_away_for_twenty_seconds(stack: FaultStack) -> None:
    def outage(ids: list[str]) -> None:
        # Generous: on a loaded machine a spread checkpoint can hold a fast shutdown for a minute.
        stop_postgres(stack.postgres, timeout=180)
        time.sleep(OUTAGE_S)
        start_postgres(stack.postgres)

    run_fault(stack, "postgres-outage", outage)


def test_broker_away_for_twenty_seconds(stack: FaultStack) -> None:
    def outage(ids: list[str]) -> None:
        stop_kafka(stack.kafka, timeout=180)
        time.sleep(OUTAGE_S)
        start_kafka(stack.kafka)

    run_fault(stack, "broker-outage", outage)


POISON = {
    "clean": (RAW, b'{"id": "poison-clean", "text": "cut off in the midd'),
    "entities": (CLEAN, b'{"id": "poison-entities", "headline": 42}'),
    "quotes": (ENTITIES, b"[1, 2, 3]"),
    "sink": (ENRICHED, b'{"id": "poison-sink"}'),
}


def test_poison_messages_are_dead_lettered_and_the_rest_flow(stack: FaultStack) -> None:
    def poison(ids: list[str]) -> None:
        producer = KafkaProducer(bootstrap_servers=stack.services.bootstrap, acks="all")
        for topic, value in POISON.values():
            producer.send(topic, key=b"poison", value=value).get(timeout=60)
        producer.close()

    run_fault(stack, "poison", poison)
    letters = dead_letters(stack.services.bootstrap)
    for stage, (topic, value) in POISON.items():
        ours = [letter for letter in letters if letter.payload == value]
        # Every running stage that reads the topic dead-letters it (both sinks read enriched).
        readers = {spec.name for spec in STAGES if spec.source == topic and spec.name in RUNNING}
        assert stage in readers
        assert {(letter.stage, letter.topic) for letter in ours} == {(s, topic) for s in readers}
        assert all(letter.error for letter in ours)


def pipeline_only_cases(suffix: str) -> list[Case]:
    """Cases that need Kafka: keys, a republished id, and the per-article time limit."""
    return [
        Case(
            "nul-and-invalid-utf8-key",
            doc(id=f"hostile-key-{suffix}", text=QUOTED),
            key=b"bad\x00key\xff\xfe",
        ),
        Case(
            "quote-marks-20000",
            doc(id=f"hostile-quotes-{suffix}", text="Start. " + '"' * 20_000 + " end."),
        ),
        non_english(suffix),
    ]


def test_hostile_input_on_articles_raw(stack: FaultStack) -> None:
    """Each hostile message is stored or dead-lettered with its reason; the stages keep running."""
    suffix = str(time.time_ns())
    table = cases(suffix)
    extra = pipeline_only_cases(suffix)
    twice = f"hostile-twice-{suffix}"
    first, second = (
        doc(id=twice, text="First version. " + QUOTED),
        doc(id=twice, text="Second version. " + QUOTED),
    )
    producer = KafkaProducer(
        bootstrap_servers=stack.services.bootstrap, acks="all", max_request_size=MAX_MESSAGE_BYTES
    )
    for case in [*table, *extra]:
        key = case.key if case.key is not None else case.name.encode()
        producer.send(RAW, key=key, value=case.value).get(timeout=60)
    # Same key, so the same partition: the second version is processed after the first.
    for value in (first, second):
        producer.send(RAW, key=twice.encode(), value=value).get(timeout=60)
    producer.close()

    stored_cases = [c for c in [*table, *extra] if c.reason is None]
    ids = [c.article_id for c in stored_cases]
    timed_out = "quote-marks-20000"

    slow = next(case for case in extra if case.name == timed_out)

    def timed_out_in_entities(letter: DeadLetter) -> bool:
        """The slow article's dead letter from the entities stage: it carries the clean record."""
        return (
            letter.stage == "entities"
            and letter.error_type == "ArticleTimeout"
            and slow.article_id.encode() in letter.payload
        )

    def settled() -> bool:
        letters = dead_letters(stack.services.bootstrap)
        dead = any(timed_out_in_entities(letter) for letter in letters)
        return stack.count([*ids, twice]) + dead >= len(ids) + 1

    assert wait_until(settled, timeout=900, interval=3), stack.logs()
    bootstrap = stack.services.bootstrap
    assert wait_until(lambda: all(lag(bootstrap, s) == 0 for s in RUNNING), timeout=300)
    letters = dead_letters(bootstrap)
    with psycopg.connect(stack.services.database_url) as conn:
        records = {
            row[0]: EnrichedArticle.model_validate(row[1])
            for row in conn.execute(
                "SELECT id, record FROM articles WHERE id = ANY(%s)", ([*ids, twice],)
            )
        }
        (rows_twice,) = conn.execute(
            "SELECT count(*) FROM articles WHERE id = %s", (twice,)
        ).fetchone() or (0,)
        tables = {
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }

    failures = []
    for case in [*table, *extra]:
        ours = [letter for letter in letters if letter.payload == case.value]
        if case.reason is not None:
            ok = any(d.stage == "clean" and case.reason in d.error for d in ours)
        elif case.name == timed_out:
            # Either finished in time, or dead-lettered by the per-article time limit.
            ok = case.article_id in records or any(map(timed_out_in_entities, letters))
        else:
            ok = case.article_id in records and case.check(records[case.article_id])
        record_hostile(case.name, "pipeline", ok)
        if not ok:
            failures.append(case.name)
    latest_ok = rows_twice == 1 and records[twice].body.startswith("Second version.")
    record_hostile("same-id-twice", "pipeline", latest_ok)
    assert latest_ok
    assert {"articles", "entities", "quotes"} <= tables
    assert all(stack.workers.running().values()), stack.logs()
    assert failures == [], failures
