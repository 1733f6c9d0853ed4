"""Read enriched records back from articles.enriched, filter them, and show them as a table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from kafka import TopicPartition

from streams.broker.clients import consumer
from streams.config import Settings
from streams.stages import ENRICHED


def consume(
    settings: Settings,
    from_beginning: bool,
    max_records: int | None = None,
    idle_timeout_s: float | None = None,
    topic: str = ENRICHED,
    follow: bool = True,
) -> Iterator[bytes]:
    """Yield record values of `topic` (every partition, no consumer group) as they arrive.

    Without `follow`, stop once every partition is read up to where it ended when this began.
    """
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
        ends = {} if follow else client.end_offsets(partitions)
        count = 0
        last_seen = time.monotonic()
        while max_records is None or count < max_records:
            if not follow and all(client.position(tp) >= end for tp, end in ends.items()):
                return
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


def contains(values: Iterable[str | None], wanted: str) -> bool:
    """Tell whether any of `values` contains `wanted`, ignoring case."""
    needle = wanted.casefold()
    return any(needle in value.casefold() for value in values if value)


def record_matches(record: dict[str, Any], entity: str | None, speaker: str | None) -> bool:
    """Tell whether an enriched record names `entity` and quotes `speaker` (None: any)."""
    if entity is not None:
        names = [
            name
            for found in record.get("entities") or []
            for name in [found.get("name"), *(found.get("aliases") or [])]
        ]
        if not contains(names, entity):
            return False
    if speaker is not None:
        speakers = [quote.get("speaker") for quote in record.get("quotes") or []]
        if not contains(speakers, speaker):
            return False
    return True


def matching_records(
    values: Iterable[bytes], entity: str | None, speaker: str | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (JSON text, record) of each value that is a record naming `entity` and `speaker`."""
    for value in values:
        text = value.decode("utf-8", "replace")
        try:
            record = json.loads(text)
        except ValueError:
            continue  # not a record: nothing a filter or a table can show
        if isinstance(record, dict) and record_matches(record, entity, speaker):
            yield text, record


TABLE_HEADER = f"{'ID':<40} {'ENT':>4} {'QUO':>4}  HEADLINE / SPEAKERS"


def table_row(record: dict[str, Any], width: int = 60) -> str:
    """Render an enriched record as one table line: id, counts, headline, speakers."""
    article_id = str(record.get("id", ""))
    headline = " ".join(str(record.get("headline") or "(no headline)").split())
    speakers = sorted({q["speaker"] for q in record.get("quotes") or [] if q.get("speaker")})
    text = headline + (f" / {', '.join(speakers)}" if speakers else "")
    if len(text) > width:
        text = text[: width - 1] + "…"
    if len(article_id) > 40:
        article_id = article_id[:39] + "…"
    entities = len(record.get("entities") or [])
    quotes = len(record.get("quotes") or [])
    return f"{article_id:<40} {entities:>4} {quotes:>4}  {text}"
