"""Lose a broker of a three-broker cluster mid-stream: nothing is lost or doubled.

A dedicated three-node KRaft cluster (`newsflow stack up --brokers 3` in miniature), topics
with three replicas and min.insync.replicas=2, every stage as its own worker process. Each run
publishes 2,000 fresh articles and, while they flow, SIGKILLs the broker that leads the most
partitions (later restarting it), or stops each broker cleanly in turn and restarts it (a
rolling restart). Then, as for every fault (tests/faults/harness.py): each article stored
exactly once, child rows consistent, lag 0, no worker exited on its own. Each run prints how
long the pipeline took to recover, and appends it to recovery.txt in the stack's folder
(/tmp/newsflow-cluster-stack-*, with the brokers' and workers' logs).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import psycopg
import pytest

from streams.broker.topics import min_insync_replicas, partition_counts
from streams.stack import KafkaConfig, start_kafka, stop_kafka
from streams.stack.process import pid_alive, read_pid
from streams.stages import ALL_TOPICS
from tests.e2e.workers import wait_until
from tests.faults.checks import (
    Recovery,
    db_now,
    leaders,
    record_recovery,
    recovery,
    under_replicated,
)
from tests.faults.harness import FaultStack, fault_stack, run_fault

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]

BROKERS = 3
ARTICLES = 2_000
# A rolling restart stops and starts three brokers one after the other: publish slower, so
# articles are still arriving while the last one restarts.
ROLLING_PER_S = 15.0
CLEAN_SHUTDOWN = ".kafka_cleanshutdown"


@pytest.fixture(scope="module")
def cluster() -> Iterator[FaultStack]:
    # Worker logs stay in the stack's folder: pytest prunes its temporary folders.
    with fault_stack("cluster-stack", brokers=BROKERS, replication_factor=3) as faults:
        yield faults


@pytest.fixture
def report(cluster: FaultStack, capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print a line to the terminal (past pytest's capture) and append it to recovery.txt."""

    def show(line: str) -> None:
        with (cluster.root / "recovery.txt").open("a") as out:
            out.write(line + "\n")
        with capsys.disabled():
            print(f"\n{line}")

    return show


def now(cluster: FaultStack) -> datetime:
    with psycopg.connect(cluster.services.database_url) as conn:
        return db_now(conn)


def measure(
    cluster: FaultStack, fault: str, ids: list[str], since: datetime, until: datetime
) -> Recovery:
    with psycopg.connect(cluster.services.database_url) as conn:
        result = recovery(conn, fault, ids, since, until)
    record_recovery(result)
    return result


def describe(result: Recovery) -> str:
    return (
        f"first row {result.first_row_s:.1f} s after it, longest a partition went without a "
        f"row {result.longest_stall_s:.1f} s (partition {result.stalled_partition})"
    )


def node_of(cluster: FaultStack, node_id: int) -> KafkaConfig:
    return next(node for node in cluster.brokers if node.node_id == node_id)


def sigkill(node: KafkaConfig) -> None:
    """SIGKILL the broker's JVM (no shutdown hook, no controlled shutdown) and wait it is gone."""
    pid = read_pid(node.pid_file)
    assert pid is not None and pid_alive(pid), f"broker {node.node_id} is not running"
    os.killpg(pid, signal.SIGKILL)
    assert wait_until(lambda: not pid_alive(pid), timeout=30, interval=0.1)


def wait_fully_replicated(cluster: FaultStack) -> None:
    bootstrap = cluster.services.bootstrap
    assert wait_until(lambda: under_replicated(bootstrap) == 0, timeout=300), (
        f"{under_replicated(bootstrap)} partitions still under-replicated"
    )


def test_the_topics_keep_three_replicas_two_of_them_in_sync_for_a_write(
    cluster: FaultStack,
) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    from streams.broker.clients import admin_client

    bootstrap = cluster.services.bootstrap
    assert set(partition_counts(bootstrap)) == set(ALL_TOPICS)
    admin = admin_client(bootstrap)
    try:
        topics = admin.describe_topics(list(ALL_TOPICS))
        resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in ALL_TOPICS]
        configs = admin.describe_configs(resources)
    finally:
        admin.close()
    assert {len(p["replica_nodes"]) for t in topics for p in t["partitions"]} == {BROKERS}
    assert {len(p["isr_nodes"]) for t in topics for p in t["partitions"]} == {BROKERS}
    for config in configs["topic"].values():  # kafka-python 3: {"topic": {name: {...}}}
        assert config["min.insync.replicas"]["value"] == str(min_insync_replicas(BROKERS)) == "2"
    assert len(leaders(bootstrap)) == BROKERS  # leadership is spread over every broker


def test_sigkill_the_broker_leading_most_partitions_then_restart_it(
    cluster: FaultStack, report: Callable[[str], None]
) -> None:
    bootstrap = cluster.services.bootstrap
    seen: dict[str, object] = {}

    def kill_the_busiest_leader(ids: list[str]) -> None:
        led = leaders(bootstrap)
        busiest, count = led.most_common(1)[0]
        node = node_of(cluster, busiest)
        seen.update(ids=ids, node=busiest, led=count, of=sum(led.values()), since=now(cluster))
        sigkill(node)
        assert not (node.data_dir / CLEAN_SHUTDOWN).exists()
        # The two left must carry the flow on their own before the broker comes back.
        stored = cluster.count(ids)
        went_on = wait_until(lambda: cluster.count(ids) >= stored + 200, timeout=300)
        assert went_on, f"the flow stopped with broker {busiest} down\n{cluster.logs()}"
        assert cluster.count(ids) < len(ids), "every article was stored before the restart"
        seen["until"] = now(cluster)
        start_kafka(node)
        wait_fully_replicated(cluster)

    fault = "cluster-sigkill-leader"
    tally = run_fault(cluster, fault, kill_the_busiest_leader, count=ARTICLES)
    ids, since, until = seen["ids"], seen["since"], seen["until"]
    assert isinstance(ids, list) and isinstance(since, datetime) and isinstance(until, datetime)
    result = measure(cluster, fault, ids, since, until)
    report(
        f"{fault}: broker {seen['node']} (leader of {seen['led']} of {seen['of']} partitions) "
        f"SIGKILLed with {ARTICLES} articles in flight: {describe(result)}; "
        f"lost {tally.lost}, duplicated {tally.duplicated}"
    )


def test_rolling_restart_stops_each_broker_cleanly_in_turn(
    cluster: FaultStack, report: Callable[[str], None]
) -> None:
    steps: list[tuple[int, datetime, datetime, float]] = []
    rolled: list[str] = []

    def roll(ids: list[str]) -> None:
        rolled.extend(ids)
        for node in cluster.brokers:
            assert cluster.count(ids) < len(ids), f"all stored before broker {node.node_id} went"
            since, started = now(cluster), time.monotonic()
            assert stop_kafka(node, timeout=120)  # SIGTERM: a controlled shutdown
            stopped_s = time.monotonic() - started
            # The broker writes this marker last in a clean shutdown (and removes it on start).
            assert (node.data_dir / CLEAN_SHUTDOWN).is_file(), (
                f"broker {node.node_id} did not shut down cleanly: see {node.log_file}"
            )
            start_kafka(node)
            wait_fully_replicated(cluster)
            steps.append((node.node_id, since, now(cluster), stopped_s))

    fault = "cluster-rolling-restart"
    tally = run_fault(cluster, fault, roll, count=ARTICLES, per_s=ROLLING_PER_S)
    for node_id, since, until, stopped_s in steps:
        result = measure(cluster, f"{fault}-broker-{node_id}", rolled, since, until)
        report(
            f"{fault}: broker {node_id} stopped by SIGTERM (in {stopped_s:.1f} s) and "
            f"restarted: {describe(result)}"
        )
    report(f"{fault}: {ARTICLES} articles, lost {tally.lost}, duplicated {tally.duplicated}")
