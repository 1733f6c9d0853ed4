"""A dedicated stack with every stage as a worker process, and one fault run over it.

The fault tests share it: tests/faults/test_faults.py on one broker, test_cluster_faults.py on a
three-broker cluster. A run publishes fresh articles, injects a fault while they are in flight,
then checks: every article stored exactly once with child rows matching its record, no orphans,
every article exactly once in the Parquet sink's files as DuckDB reads them (the Parquet sink
runs beside the PostgreSQL one), every consumer group's lag back to zero, and no worker that
exited on its own.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from kafka import KafkaProducer

from bench.synthetic import articles
from streams.broker.topics import create_topics
from streams.sinks.postgres.migrations import migrate
from streams.stack import (
    KafkaConfig,
    PostgresConfig,
    StackError,
    cluster_config,
    local_stack,
    postgres_config,
    stop_cluster,
    stop_postgres,
)
from streams.stages import DEFAULT_STAGES, RAW
from tests.conftest import Services, stack_root, unavailable
from tests.e2e.workers import Workers, wait_until
from tests.faults.checks import Tally, lag, orphans, record, stored_count
from tests.faults.checks import tally as tally_of

ARTICLES = 1_000
PARTITIONS = 4
# Publish at about the pipeline's pace, so every stage (clean too) has work when a fault hits.
PUBLISH_PER_S = 50.0
WORKER_ENV = {
    "NEWSFLOW_PARTITIONS": str(PARTITIONS),
    "NEWSFLOW_NLP_BATCH_SIZE": "16",
    "NEWSFLOW_SINK_BATCH_SIZE": "100",
    "NEWSFLOW_BATCH_WITHIN_S": "0.2",
    # Low enough that the 20,000-quote-marks article shows the limit working end to end.
    "NEWSFLOW_ARTICLE_TIMEOUT_S": "20",
}
# Every stage of the default pipeline, and the Parquet sink reading the same records.
RUNNING = (*DEFAULT_STAGES, "sink-parquet")


@dataclass
class FaultStack:
    """The dedicated broker(s), database and stage workers, and how to stop and start them."""

    services: Services
    brokers: list[KafkaConfig]
    postgres: PostgresConfig
    workers: Workers
    root: Path
    restarts: dict[str, int] = field(default_factory=dict)

    @property
    def kafka(self) -> KafkaConfig:
        """The broker (of a cluster: its first node)."""
        return self.brokers[0]

    @property
    def parquet_dir(self) -> Path:
        return self.root / "parquet"

    def count(self, ids: list[str]) -> int:
        with psycopg.connect(self.services.database_url, connect_timeout=5) as conn:
            return stored_count(conn, ids)

    def parquet_counts(self, prefix: str) -> tuple[int, int]:
        """Return (distinct ids, rows) of the articles named `prefix-*` in the Parquet files."""
        files = f"{self.parquet_dir}/**/*.parquet"
        query = f"select count(distinct id), count(*) from read_parquet('{files}') where id like ?"
        try:
            ((distinct, rows),) = duckdb.execute(query, [f"{prefix}-%"]).fetchall()
        except duckdb.Error:  # no file yet, or one replaced while DuckDB listed the folder
            return (-1, -1)
        return int(distinct), int(rows)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send `sig` to worker `name`, wait for it to end, forget it; return its exit status."""
        process = self.workers.processes.pop(name)
        os.killpg(process.pid, sig)
        return process.wait(timeout=120)

    def restart(self, stage: str) -> str:
        self.restarts[stage] = self.restarts.get(stage, 0) + 1
        name = f"{stage}-{self.restarts[stage]}"
        self.workers.start(stage, name)
        return name

    def worker_of(self, stage: str) -> str:
        return next(n for n in self.workers.processes if n.rsplit("-", 1)[0] == stage)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{self.workers.log_tail(name, 15)}" for name in self.workers.processes
        )


@contextmanager
def fault_stack(
    name: str, log_dir: Path | None = None, brokers: int = 1, replication_factor: int = 1
) -> Iterator[FaultStack]:
    """Start a dedicated stack of `brokers`, the topics, one worker per stage; warm it up.

    Worker logs go to log_dir, by default beside the stack's own in its folder.
    """
    root = stack_root(name)
    if log_dir is None:
        log_dir = root / "workers"
        log_dir.mkdir()
    cache = Path(os.environ.get("NEWSFLOW_CACHE_DIR", Path.home() / ".cache/newsflow"))
    try:
        context = local_stack(root, cache, brokers)
        bootstrap, database_url = context.__enter__()
    except Exception as error:
        unavailable(f"no dedicated Kafka and PostgreSQL server for faults: {error}")
    nodes = cluster_config(root, cache, bootstrap, brokers)
    postgres = postgres_config(root, database_url)
    try:
        migrate(database_url)
        create_topics(bootstrap, PARTITIONS, replication_factor)
        services = Services(bootstrap, database_url, f"fault stack in {root}")
        env = {**WORKER_ENV, "NEWSFLOW_PARQUET_DIR": str(root / "parquet")}
        workers = Workers(services, log_dir, **env)
        for stage in RUNNING:
            workers.start(stage, f"{stage}-0")
        faults = FaultStack(services, nodes, postgres, workers, root)
        # Warm up: the first articles pay for model loading and group joins.
        run_fault(faults, "warmup", lambda ids: None, count=50)
        yield faults
    finally:
        try:
            if "workers" in locals():
                workers.stop_all()
        finally:
            # On a loaded machine a server can take minutes to stop (a checkpoint spread over
            # minutes); stop both generously before local_stack's own, shorter, stop.
            with suppress(StackError):
                stop_cluster(nodes, timeout=180)
            with suppress(StackError):
                stop_postgres(postgres, timeout=180)
            context.__exit__(None, None, None)


class Publisher(threading.Thread):
    """Publishes (id, bytes) pairs to articles.raw at a steady pace; join() then check .error."""

    def __init__(
        self, bootstrap: str, pairs: list[tuple[str, bytes]], per_s: float = PUBLISH_PER_S
    ) -> None:
        super().__init__(daemon=True)
        self._servers = bootstrap
        self._pairs = pairs
        self._per_s = per_s
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            producer = KafkaProducer(bootstrap_servers=self._servers, acks="all")
            futures = []
            started = time.monotonic()
            for n, (article_id, value) in enumerate(self._pairs):
                futures.append(producer.send(RAW, key=article_id.encode(), value=value))
                ahead = n / self._per_s - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
            producer.flush()
            for future in futures:
                future.get(timeout=120)
            producer.close()
        except BaseException as error:
            self.error = error


def run_fault(
    stack: FaultStack,
    fault: str,
    inject: Callable[[list[str]], None],
    count: int = ARTICLES,
    per_s: float = PUBLISH_PER_S,
) -> Tally:
    """Publish `count` fresh articles, `inject` a fault once some are stored, check the result."""
    prefix = f"{fault}-{time.time_ns()}"
    pairs = articles(prefix, count)
    ids = [article_id for article_id, _ in pairs]
    publisher = Publisher(stack.services.bootstrap, pairs, per_s)
    publisher.start()
    assert wait_until(lambda: stack.count(ids) >= min(30, count), timeout=600, interval=0.5), (
        f"{fault}: nothing stored before the fault\n{stack.logs()}"
    )
    assert stack.count(ids) < count, f"{fault}: every article was stored before the fault"
    inject(ids)
    publisher.join(timeout=600)
    assert publisher.error is None, f"{fault}: publishing failed: {publisher.error}"

    stored = wait_until(lambda: stack.count(ids) == count, timeout=900, interval=2)
    in_parquet = wait_until(
        lambda: stack.parquet_counts(prefix)[0] == count, timeout=300, interval=2
    )
    bootstrap = stack.services.bootstrap
    drained = wait_until(lambda: all(lag(bootstrap, s) == 0 for s in RUNNING), timeout=300)
    parquet = stack.parquet_counts(prefix)
    with psycopg.connect(stack.services.database_url) as conn:
        result = tally_of(conn, fault, ids)
        orphaned = orphans(conn)
    record(result)
    assert stored, f"{fault}: {result}\n{stack.logs()}"
    assert result == Tally(fault, count, lost=0, duplicated=0, inconsistent=0)
    assert orphaned == 0
    assert in_parquet and parquet == (count, count), f"{fault}: Parquet ids, rows: {parquet}"
    assert drained, {s: lag(bootstrap, s) for s in RUNNING}
    assert all(stack.workers.running().values()), f"{stack.workers.running()}\n{stack.logs()}"
    return result
