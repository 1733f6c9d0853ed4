"""Topic creation and the publish/consume commands against a real Kafka broker."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from streams.answers.consuming import consume, consume_messages
from streams.broker.clients import producer
from streams.broker.topics import create_topics, partition_counts
from streams.config import Settings
from streams.intake.publishing import publish
from streams.stages import ALL_TOPICS, RAW
from tests.conftest import Services

pytestmark = pytest.mark.integration


def test_topics_are_created_once_with_the_configured_partitions(services: Services) -> None:
    create_topics(services.bootstrap, partitions=4)
    assert create_topics(services.bootstrap, partitions=4) == []
    assert partition_counts(services.bootstrap) == dict.fromkeys(ALL_TOPICS, 4)


def test_publish_sends_valid_articles_keyed_by_id_and_reports_the_rest(
    services: Services, unique_id: str
) -> None:
    create_topics(services.bootstrap, partitions=4)
    settings = Settings(kafka_bootstrap=services.bootstrap)
    lines = [
        json.dumps({"id": unique_id, "text": "A short article."}),
        json.dumps({"id": 7, "text": "a number is not an id"}),
        "{not json",
    ]
    report = publish(["-"], settings, io.BytesIO("\n".join(lines).encode()))
    assert report.published == 1
    assert [origin for origin, _ in report.failed] == ["stdin:2", "stdin:3"]
    values = list(consume(settings, from_beginning=True, idle_timeout_s=3, topic=RAW))
    assert lines[0].encode() in values


def newsflow(services: Services, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *argv],
        capture_output=True,
        text=True,
        env=services.env(),
        timeout=120,
    )


def test_consume_reads_a_topic_partition_from_an_offset_with_kcat_like_meta(
    services: Services, unique_id: str
) -> None:
    create_topics(services.bootstrap, partitions=4)
    settings = Settings(kafka_bootstrap=services.bootstrap)
    client = producer(services.bootstrap)
    sent = [
        client.send(
            RAW, key=unique_id.encode(), value=json.dumps({"id": unique_id, "n": n}).encode()
        )
        for n in range(3)
    ]
    client.flush()
    client.close()
    metadata = [future.get(timeout=30) for future in sent]
    partition = metadata[0].partition  # one key: one partition
    first = metadata[0].offset

    done = newsflow(
        services, "consume", "--topic", RAW, "--partition", str(partition),
        "--offset", str(first + 1), "--meta", "--timeout", "5",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    envelopes = [json.loads(line) for line in done.stdout.splitlines()]
    ours = [e for e in envelopes if e["key"] == unique_id]
    assert [(e["offset"], e["value"]["n"]) for e in ours] == [(first + 1, 1), (first + 2, 2)]
    assert {e["topic"] for e in envelopes} == {RAW}
    assert {e["partition"] for e in envelopes} == {partition}
    assert all(isinstance(e["timestamp"], int) and e["timestamp"] > 0 for e in ours)

    last = newsflow(services, "consume", "--topic", RAW, "-p", str(partition), "-o", "-1")
    assert last.returncode == 0, last.stderr
    assert json.loads(last.stdout) == {"id": unique_id, "n": 2}  # -1: the last record, then exit

    messages = list(consume_messages(settings, "beginning", None, RAW, False, partition))
    assert [m.offset for m in messages if m.key == unique_id.encode()] == [
        o.offset for o in metadata
    ]


def test_consume_names_a_missing_partition_or_topic_in_one_line(services: Services) -> None:
    create_topics(services.bootstrap, partitions=4)
    for argv, said in [
        (["--topic", RAW, "--partition", "99"], f"topic {RAW} has partitions 0-3, not 99"),
        (["--topic", "no.such.topic"], "topic no.such.topic does not exist"),
    ]:
        done = newsflow(services, "consume", "--timeout", "2", *argv)
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and said in done.stderr, done.stderr
