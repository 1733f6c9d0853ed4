"""Publish articles to articles.raw and read enriched records back, with kafka-python."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from kafka import TopicPartition

from streams.clients import consumer, producer
from streams.config import Settings
from streams.decoding import decode_raw_article
from streams.inputs import read_inputs
from streams.topics import ENRICHED, RAW


@dataclass
class PublishReport:
    published: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def publish(paths: Sequence[str], settings: Settings, stdin: BinaryIO) -> PublishReport:
    """Publish every article under `paths` to articles.raw, keyed by id.

    An input that is not a valid RawArticle is reported and not published, so what reaches the
    topic from this command is always processable. Returns once the broker has every message.
    """
    report = PublishReport()
    client = producer(settings.kafka_bootstrap)
    try:
        futures = []
        for item in read_inputs(paths, stdin):
            try:
                article = decode_raw_article(item.value, settings.max_text_bytes)
            except ValueError as error:
                report.failed.append((item.origin, str(error)))
                continue
            futures.append(client.send(RAW, key=article.id.encode("utf-8"), value=item.value))
        client.flush()
        for future in futures:
            future.get(timeout=60)
            report.published += 1
    finally:
        client.close()
    return report


def consume(
    settings: Settings,
    from_beginning: bool,
    max_records: int | None = None,
    idle_timeout_s: float | None = None,
    topic: str = ENRICHED,
) -> Iterator[bytes]:
    """Yield record values of `topic` (every partition, no consumer group) as they arrive."""
    client = consumer(settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(client.partitions_for_topic(topic) or [])
        ]
        client.assign(partitions)
        if from_beginning:
            client.seek_to_beginning(*partitions)
        else:
            client.seek_to_end(*partitions)
        count = 0
        last_seen = time.monotonic()
        while max_records is None or count < max_records:
            batches = client.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    yield record.value
                    count += 1
                    last_seen = time.monotonic()
                    if max_records is not None and count >= max_records:
                        return
            if idle_timeout_s is not None and time.monotonic() - last_seen > idle_timeout_s:
                return
    finally:
        client.close()
