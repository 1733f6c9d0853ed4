"""Start and stop a real local Kafka broker and PostgreSQL server, on loopback, without Docker."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from streams.stack.kafka import (
    KafkaConfig,
    ensure_kafka_jars,
    kafka_config,
    kafka_running,
    start_kafka,
    stop_kafka,
)
from streams.stack.postgres import (
    PostgresConfig,
    database_url,
    postgres_config,
    postgres_running,
    start_postgres,
    stop_postgres,
)
from streams.stack.process import LOOPBACK, StackError, free_port, port_free

__all__ = [
    "KafkaConfig",
    "PostgresConfig",
    "StackError",
    "database_url",
    "ensure_kafka_jars",
    "free_port",
    "kafka_config",
    "kafka_running",
    "local_stack",
    "postgres_config",
    "postgres_running",
    "start_kafka",
    "start_postgres",
    "stop_kafka",
    "stop_postgres",
]


@contextmanager
def local_stack(root: Path, cache_dir: Path) -> Iterator[tuple[str, str]]:
    """Start a throwaway broker + database on free loopback ports under `root`.

    Yields (bootstrap, database_url); stops both on exit and keeps their logs under root.
    A root used before is reused as is (same newsflow/newsflow login, new ports).
    Both start in parallel: the broker's JVM and PostgreSQL's initdb each take seconds.
    """
    kafka_port = _free_port_pair()
    kafka = kafka_config(root, cache_dir, f"{LOOPBACK}:{kafka_port}")
    pg_port = _free_port_besides({kafka.port, kafka.controller_port})
    pg = postgres_config(root, f"postgresql://newsflow:newsflow@{LOOPBACK}:{pg_port}/newsflow")
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="start-kafka") as pool:
            broker = pool.submit(start_kafka, kafka)
            start_postgres(pg)
            broker.result()
        yield kafka.bootstrap, database_url(pg)
    finally:
        try:
            stop_kafka(kafka)
        finally:
            stop_postgres(pg)


def _free_port_pair() -> int:
    """Return a free port whose successor (the broker's controller port) is free too."""
    for _ in range(100):
        port = free_port()
        if port < 65535 and port_free(LOOPBACK, port + 1):
            return port
    raise StackError("found no two adjacent free ports on 127.0.0.1: free some ports and retry")


def _free_port_besides(taken: set[int]) -> int:
    """Return a free port not in taken (ports chosen but not yet bound)."""
    for _ in range(100):
        port = free_port()
        if port not in taken:
            return port
    raise StackError("found no free port on 127.0.0.1: free some ports and retry")
