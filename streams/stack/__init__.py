"""Start and stop a real local Kafka broker (or cluster) and PostgreSQL server, on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from streams.stack.kafka import (
    KafkaConfig,
    bootstrap_of,
    cluster_config,
    ensure_kafka_jars,
    kafka_config,
    kafka_running,
    start_cluster,
    start_kafka,
    stop_cluster,
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
    "bootstrap_of",
    "cluster_config",
    "database_url",
    "ensure_kafka_jars",
    "free_port",
    "kafka_config",
    "kafka_running",
    "local_stack",
    "postgres_config",
    "postgres_running",
    "start_cluster",
    "start_kafka",
    "start_postgres",
    "stop_cluster",
    "stop_kafka",
    "stop_postgres",
]


@contextmanager
def local_stack(root: Path, cache_dir: Path, brokers: int = 1) -> Iterator[tuple[str, str]]:
    """Start a throwaway broker (or cluster of `brokers`) + database on free loopback ports.

    Yields (bootstrap listing every broker, database_url); stops all on exit and keeps their
    logs under root. A root used before is reused as is (same newsflow/newsflow login, new
    ports). Kafka and PostgreSQL start in parallel: JVMs and initdb each take seconds.
    """
    taken: set[int] = set()
    kafka_ports = []
    for _ in range(brokers):
        kafka_ports.append(port := _free_port_pair(taken))
        taken |= {port, port + 1}
    bootstrap = ",".join(f"{LOOPBACK}:{port}" for port in kafka_ports)
    nodes = cluster_config(root, cache_dir, bootstrap, brokers)
    pg_port = _free_port_besides(taken)
    pg = postgres_config(root, f"postgresql://newsflow:newsflow@{LOOPBACK}:{pg_port}/newsflow")
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="start-kafka") as pool:
            cluster = pool.submit(start_cluster, nodes)
            start_postgres(pg)
            cluster.result()
        yield bootstrap_of(nodes), database_url(pg)
    finally:
        try:
            stop_cluster(nodes)
        finally:
            stop_postgres(pg)


def _free_port_pair(taken: set[int]) -> int:
    """Return a free port, not taken, whose successor (its controller port) is free too."""
    for _ in range(100):
        port = free_port()
        if port < 65535 and not {port, port + 1} & taken and port_free(LOOPBACK, port + 1):
            return port
    raise StackError("found no two adjacent free ports on 127.0.0.1: free some ports and retry")


def _free_port_besides(taken: set[int]) -> int:
    """Return a free port not in taken (ports chosen but not yet bound)."""
    for _ in range(100):
        port = free_port()
        if port not in taken:
            return port
    raise StackError("found no free port on 127.0.0.1: free some ports and retry")
