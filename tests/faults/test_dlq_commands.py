"""`newsflow dlq list | show | replay` against the session's real broker."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import DeadLetter
from streams.broker.topics import create_topics
from streams.intake.decoding import RejectedInput
from streams.stages import DLQ
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

    refused = newsflow(services, "dlq", "replay")
    assert refused.returncode == 1 and "name the dead letters" in refused.stderr

    replayed = newsflow(services, "dlq", "replay", name)
    assert replayed.returncode == 0, replayed.stderr
    consumer = KafkaConsumer(bootstrap_servers=services.bootstrap, consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(source, 0)])
    consumer.seek_to_beginning()
    records = [(r.key, r.value) for r in consumer]
    consumer.close()
    assert records == [(b"replay-me", payload)]
