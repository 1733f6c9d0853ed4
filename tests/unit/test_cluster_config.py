"""A local cluster's layout: ports, quorum, replication and min.insync.replicas."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from streams.broker.topics import min_insync_replicas
from streams.cli import build_parser, topic_replication
from streams.config import Settings
from streams.stack import StackError, bootstrap_of, cluster_config, kafka_config
from streams.stack.kafka import _server_properties

CACHE = Path("/nonexistent-cache")


def properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key: value for key, value in pairs if not key.startswith("#")}


def test_three_brokers_from_one_port_take_every_second_port(tmp_path: Path) -> None:
    nodes = cluster_config(tmp_path, CACHE, "127.0.0.1:9092", 3)
    assert bootstrap_of(nodes) == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert [node.controller_port for node in nodes] == [9093, 9095, 9097]
    assert [node.node_id for node in nodes] == [1, 2, 3]
    assert len({node.data_dir for node in nodes}) == 3
    assert all("kafka-cluster" in node.data_dir.parts for node in nodes)


def test_a_listed_bootstrap_gives_each_node_its_port(tmp_path: Path) -> None:
    nodes = cluster_config(tmp_path, CACHE, "127.0.0.1:7000, 127.0.0.1:7100,localhost:7200", 3)
    assert [node.port for node in nodes] == [7000, 7100, 7200]
    assert {node.host for node in nodes} == {"127.0.0.1"}


def test_every_node_names_the_same_three_voters_and_replicates_by_three(tmp_path: Path) -> None:
    nodes = cluster_config(tmp_path, CACHE, "127.0.0.1:9092", 3)
    rendered = [properties(_server_properties(node)) for node in nodes]
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    assert {props["controller.quorum.voters"] for props in rendered} == {voters}
    assert [props["node.id"] for props in rendered] == ["1", "2", "3"]
    for props in rendered:
        assert props["offsets.topic.replication.factor"] == "3"
        assert props["default.replication.factor"] == "3"
        assert props["min.insync.replicas"] == "2"
        assert props["transaction.state.log.min.isr"] == "2"


def test_one_broker_stays_the_lone_broker_of_before(tmp_path: Path) -> None:
    [node] = cluster_config(tmp_path, CACHE, "127.0.0.1:9092", 1)
    assert node == kafka_config(tmp_path, CACHE, "127.0.0.1:9092")
    props = properties(_server_properties(node))
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert node.max_heap_mb == 512


@pytest.mark.parametrize(
    ("bootstrap", "brokers"),
    [
        ("127.0.0.1:9092,127.0.0.1:9094", 3),  # two listed for three
        ("127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9096", 3),  # 9093 is node 1's controller
        ("127.0.0.1:65532", 3),  # runs past the last port
        ("10.0.0.5:9092", 3),  # not loopback
    ],
)
def test_a_bootstrap_that_cannot_host_the_cluster_is_refused(
    tmp_path: Path, bootstrap: str, brokers: int
) -> None:
    with pytest.raises(StackError):
        cluster_config(tmp_path, CACHE, bootstrap, brokers)


def test_min_insync_replicas_lets_one_of_three_replicas_go() -> None:
    assert [min_insync_replicas(rf) for rf in (1, 2, 3, 5)] == [1, 1, 2, 2]


def test_stack_up_replicates_topics_once_per_broker_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSFLOW_REPLICATION_FACTOR", raising=False)
    assert topic_replication(Settings(), 3) == 3
    assert topic_replication(Settings(), 1) == 1
    monkeypatch.setenv("NEWSFLOW_REPLICATION_FACTOR", "2")
    assert topic_replication(Settings(), 3) == 2


def test_stack_takes_brokers() -> None:
    args = build_parser().parse_args(["stack", "up", "--brokers", "3"])
    assert args == argparse.Namespace(command="stack", action="up", brokers=3)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["stack", "up", "--brokers", "2"])


def test_the_stages_producer_waits_for_every_in_sync_replica_and_is_idempotent() -> None:
    import asyncio

    from streams.runtime.app import create_app

    app = create_app("clean", Settings(metrics_port=-1, kafka_bootstrap="127.0.0.1:1"))

    async def build() -> tuple[object, object]:
        client = app.producer._new_producer()  # the AIOKafkaProducer Faust would start
        try:
            return client._sender._acks, client._txn_manager
        finally:
            await client.stop()

    acks, txn_manager = asyncio.run(build())
    assert acks == -1
    assert txn_manager is not None  # aiokafka's idempotence state: a producer id, sequences
