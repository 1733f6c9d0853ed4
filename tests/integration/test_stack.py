"""The local stack starts a real broker and database, is idempotent, and stops cleanly."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from streams.stack import (
    database_url,
    free_port,
    kafka_config,
    kafka_running,
    local_stack,
    postgres_config,
    postgres_running,
    start_kafka,
    start_postgres,
    stop_kafka,
    stop_postgres,
)
from streams.stack.process import read_pid

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

CACHE_DIR = Path.home() / ".cache" / "newsflow"


def _round_trip_message(bootstrap: str) -> bytes:
    """Create a topic, produce one record to it and consume it back."""
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics(
            {topic: {"num_partitions": 1, "replication_factor": 1}}, wait_for_metadata=True
        )
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        producer.send(topic, b"hello").get(timeout=30)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id="stack-test",
        consumer_timeout_ms=30_000,
    )
    try:
        return next(iter(consumer)).value
    finally:
        consumer.close()


def _round_trip_row(url: str) -> tuple[int, str]:
    """Write one row and read it back."""
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE greeting (id int PRIMARY KEY, text text NOT NULL)")
        conn.execute("INSERT INTO greeting VALUES (%s, %s)", (1, "hello"))
        row = conn.execute("SELECT id, text FROM greeting").fetchone()
    assert row is not None
    return row[0], row[1]


def test_local_stack_serves_kafka_and_postgres_for_real(tmp_path: Path) -> None:
    with local_stack(tmp_path, CACHE_DIR) as (bootstrap, url):
        kafka = kafka_config(tmp_path, CACHE_DIR, bootstrap)
        pg = postgres_config(tmp_path, url)
        assert kafka_running(kafka)
        assert postgres_running(pg)

        assert _round_trip_message(bootstrap) == b"hello"
        assert _round_trip_row(url) == (1, "hello")

        broker_pid = read_pid(kafka.pid_file)
        postmaster_pid = read_pid(pg.data_dir / "postmaster.pid")
        start_kafka(kafka)
        start_postgres(pg)
        assert read_pid(kafka.pid_file) == broker_pid
        assert read_pid(pg.data_dir / "postmaster.pid") == postmaster_pid

    assert not kafka_running(kafka)
    assert not postgres_running(pg)
    assert not stop_kafka(kafka)
    assert not stop_postgres(pg)
    assert "Kafka Server started" in kafka.log_file.read_text()
    assert pg.log_file.is_file()


def test_stop_is_a_no_op_when_nothing_runs(tmp_path: Path) -> None:
    port = free_port()
    kafka = kafka_config(tmp_path, CACHE_DIR, f"127.0.0.1:{port}")
    pg = postgres_config(tmp_path, f"postgresql://u:p@127.0.0.1:{port}/db")
    assert not stop_kafka(kafka)
    assert not stop_postgres(pg)
    assert database_url(pg) == f"postgresql://u:p@127.0.0.1:{port}/db"
