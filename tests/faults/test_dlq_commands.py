"""`newsflow dlq list | show | replay | purge` against the session's real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.consumer.fetcher import ConsumerRecord

from schemas import DeadLetter
from streams.broker.topics import create_topics
from streams.intake.decoding import RejectedInput
from streams.ops.dlq import REPLAYED_HEADER, purge
from streams.stages import DLQ, DLQ_REPLAYED
from tests.conftest import Services

pytestmark = pytest.mark.integration


def newsflow(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=services.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_dead_letter_is_listed_shown_and_replayed_to_its_source(services: Services) -> None:
    create_topics(services.bootstrap, 4)
    source = f"dlq-test-{uuid.uuid4().hex[:8]}"
    create_topics(services.bootstrap, 1, names=[source])
    payload = b'{"id": "replay-me", "text": "fixed upstream \\u00e9"}'
    letter = DeadLetter.of(
        stage="clean",
        error=RejectedInput("not a valid RawArticle: id: field required"),
        topic=source,
        partition=0,
        offset=7,
        key=b"replay-me",
        payload=payload,
    )
    producer = KafkaProducer(bootstrap_servers=services.bootstrap)
    sent = producer.send(DLQ, key=b"replay-me", value=letter.model_dump_json().encode())
    where = sent.get(timeout=60)
    producer.close()
    name = f"{where.partition}:{where.offset}"

    listed = newsflow(services, "dlq", "list", "--stage", "clean")
    assert listed.returncode == 0, listed.stderr
    (line,) = [row for row in listed.stdout.splitlines() if row.startswith(name + "\t")]
    assert f"{source}[0]@7" in line and "RejectedInput: not a valid RawArticle" in line

    shown = newsflow(services, "dlq", "show", name)
    assert shown.returncode == 0, shown.stderr
    details = json.loads(shown.stdout)
    assert details["stage"] == "clean" and details["payload_text"] == payload.decode()

    missing = newsflow(services, "dlq", "show", "99:99999999")
    assert missing.returncode == 1 and "no dead letter 99:99999999" in missing.stderr
    assert "Traceback" not in missing.stderr

    refused = newsflow(services, "dlq", "replay")  # a usage error, before any connection
    assert refused.returncode == 2 and "name the dead letters" in refused.stderr

    replayed = newsflow(services, "dlq", "replay", name)
    assert replayed.returncode == 0, replayed.stderr
    consumer = KafkaConsumer(bootstrap_servers=services.bootstrap, consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(source, 0)])
    consumer.seek_to_beginning()
    records = [(r.key, r.value) for r in consumer]
    consumer.close()
    assert records == [(b"replay-me", payload)]


def a_letter_on_the_dlq(services: Services, source: str, article_id: str) -> tuple[str, bytes]:
    """Put one dead letter from `source` on articles.dlq; return its name and payload."""
    payload = json.dumps({"id": article_id, "text": "fixed upstream"}).encode()
    letter = DeadLetter.of(
        stage="clean",
        error=RejectedInput("not a valid RawArticle: id: field required"),
        topic=source,
        partition=0,
        offset=3,
        key=article_id.encode(),
        payload=payload,
    )
    producer = KafkaProducer(bootstrap_servers=services.bootstrap)
    where = producer.send(DLQ, key=article_id.encode(), value=letter.model_dump_json().encode())
    sent = where.get(timeout=60)
    producer.close()
    return f"{sent.partition}:{sent.offset}", payload


def records_on(services: Services, topic: str) -> list[ConsumerRecord]:
    consumer = KafkaConsumer(bootstrap_servers=services.bootstrap, consumer_timeout_ms=5_000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    records = list(consumer)
    consumer.close()
    return records


def test_a_replayed_letter_is_marked_and_not_replayed_twice_unless_again(
    services: Services,
) -> None:
    create_topics(services.bootstrap, 4)
    source = f"dlq-mark-{uuid.uuid4().hex[:8]}"
    create_topics(services.bootstrap, 1, names=[source])
    name, payload = a_letter_on_the_dlq(services, source, f"mark-{uuid.uuid4().hex[:8]}")

    def listed() -> str:
        shown = newsflow(services, "dlq", "list", "--stage", "clean")
        assert shown.returncode == 0, shown.stderr
        (line,) = [row for row in shown.stdout.splitlines() if row.startswith(name + "\t")]
        return line

    assert listed().endswith("\t-")
    pending = newsflow(services, "dlq", "replay", "--stage", "clean", "--dry-run")
    assert pending.returncode == 0 and name + "\t" in pending.stdout, pending.stderr
    assert records_on(services, source) == []

    first = newsflow(services, "dlq", "replay", name)
    assert first.returncode == 0 and "replayed 1 " in first.stderr, first.stderr
    assert "\treplayed 20" in listed()
    (replayed,) = records_on(services, source)
    assert replayed.value == payload
    assert (REPLAYED_HEADER, f"{DLQ}:{name}".encode()) in replayed.headers

    again = newsflow(services, "dlq", "replay", name)
    assert again.returncode == 0 and "replayed 0 " in again.stderr, again.stderr
    by_stage = newsflow(services, "dlq", "replay", "--stage", "clean", "--dry-run")
    assert name + "\t" not in by_stage.stdout and "skipped" in by_stage.stderr
    assert len(records_on(services, source)) == 1

    forced = newsflow(services, "dlq", "replay", name, "--again")
    assert forced.returncode == 0 and "replayed 1 " in forced.stderr, forced.stderr
    assert [r.value for r in records_on(services, source)] == [payload, payload]
    config = describe_configs(services, DLQ_REPLAYED)
    assert config["cleanup.policy"] == "compact"


def describe_configs(services: Services, topic: str) -> dict[str, str]:
    """Return the topic's configs as the broker reports them."""
    admin = KafkaAdminClient(bootstrap_servers=services.bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    return {name: str(data["value"]) for name, data in described["topic"][topic].items()}


def test_purge_cuts_each_partition_up_to_its_first_letter_newer_than_the_age(
    services: Services,
) -> None:
    topic = f"dlq-purge-{uuid.uuid4().hex[:8]}"
    create_topics(services.bootstrap, 2, names=[topic])
    day_ms = 86_400_000
    now_ms = int(time.time() * 1000)
    ages_days = {0: [30, 20, 10, 1, 20], 1: [40, 30]}  # partition 0: an old one behind a new one
    producer = KafkaProducer(bootstrap_servers=services.bootstrap, acks="all")
    for partition, ages in ages_days.items():
        for n, age in enumerate(ages):
            ts = now_ms - age * day_ms
            producer.send(topic, value=b"%d" % n, partition=partition, timestamp_ms=ts)
    producer.flush()
    producer.close()

    would = purge(services.bootstrap, 14 * 86_400, topic=topic, now_ms=now_ms, dry_run=True)
    assert [(c.partition, c.start, c.to) for c in would] == [(0, 0, 2), (1, 0, 2)]
    cuts = purge(services.bootstrap, 14 * 86_400, topic=topic, now_ms=now_ms)
    assert cuts == would
    consumer = KafkaConsumer(bootstrap_servers=services.bootstrap)
    partitions = [TopicPartition(topic, p) for p in ages_days]
    starts = consumer.beginning_offsets(partitions)
    consumer.close()
    assert {tp.partition: offset for tp, offset in starts.items()} == {0: 2, 1: 2}
    assert purge(services.bootstrap, 14 * 86_400, topic=topic, now_ms=now_ms) == []


def test_the_dlq_is_created_with_the_retention_setting_and_purge_needs_an_age(
    services: Services,
) -> None:
    create_topics(services.bootstrap, 4)
    retention = describe_configs(services, DLQ)["retention.ms"]
    assert int(retention) >= 14 * 86_400_000, retention
    topic = f"dlq-retention-{uuid.uuid4().hex[:8]}"
    create_topics(services.bootstrap, 1, names=[topic])
    # Only articles.dlq gets it: other topics keep the broker's default (not listed as theirs).
    week = str(7 * 86_400_000)
    assert describe_configs(services, topic).get("retention.ms", week) == week

    refused = newsflow(services, "dlq", "purge")
    assert refused.returncode == 1 and "--older-than 14d" in refused.stderr
    nothing = newsflow(services, "dlq", "purge", "--older-than", "3650d", "--dry-run")
    assert nothing.returncode == 0 and "would purge 0 dead letter(s)" in nothing.stderr
