"""Read enriched records back from articles.enriched, filter them, and show them as a table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from kafka import TopicPartition

from streams.broker.clients import consumer
from streams.config import Settings
from streams.stages import ENRICHED

Start = Literal["beginning", "end"] | int


@dataclass(frozen=True)
class Message:
    """One record of a topic with where it sits: what `consume --meta` prints around it."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes

    def envelope(self, record: Any) -> dict[str, Any]:
        """Return the record in an object with its key, partition, offset and timestamp."""
        key = self.key.decode("utf-8", "replace") if self.key is not None else None
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp_ms,
            "key": key,
            "value": record,
        }


def parse_start(text: str) -> Start:
    """Read a start offset: `beginning`, `end`, N (that offset) or -N (N before the end)."""
    if text in ("beginning", "end"):
        return text  # type: ignore[return-value]
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"not an offset: {text!r} (beginning, end, N or -N)") from None


def start_offset(start: Start, beginning: int, end: int) -> int:
    """Return where to read a partition holding offsets beginning..end-1 from `start`."""
    if start == "beginning":
        return beginning
    if start == "end":
        return end
    wanted = start if start >= 0 else end + start
    return min(max(wanted, beginning), end)


def chosen_partitions(topic: str, found: set[int] | None, partition: int | None) -> list[int]:
    """Return the partitions to read, or raise ConsumeError naming what the topic has."""
    if not found:
        raise ConsumeError(
            f"topic {topic} does not exist: create newsflow's topics with `newsflow topics "
            "create`, or name another with --topic"
        )
    if partition is None:
        return sorted(found)
    if partition not in found:
        raise ConsumeError(
            f"topic {topic} has partitions 0-{max(found)}, not {partition}: see --partition"
        )
    return [partition]


class ConsumeError(ValueError):
    """What was asked of `consume` does not exist on the broker; the message says what does."""


def consume_messages(
    settings: Settings,
    start: Start = "end",
    idle_timeout_s: float | None = None,
    topic: str = ENRICHED,
    follow: bool = True,
    partition: int | None = None,
) -> Iterator[Message]:
    """Yield the messages of `topic` (every partition, or one; no consumer group) from `start`.

    Without `follow`, stop once every partition is read up to where it ended when this began.
    Raises ConsumeError when the topic or partition does not exist.
    """
    client = consumer(settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        numbers = chosen_partitions(topic, client.partitions_for_topic(topic), partition)
        partitions = [TopicPartition(topic, p) for p in numbers]
        client.assign(partitions)
        beginnings = client.beginning_offsets(partitions)
        ends = client.end_offsets(partitions)
        for tp in partitions:
            client.seek(tp, start_offset(start, beginnings[tp], ends[tp]))
        last_seen = time.monotonic()
        while True:
            if not follow and all(client.position(tp) >= end for tp, end in ends.items()):
                return
            batches = client.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    yield Message(
                        record.topic,
                        record.partition,
                        record.offset,
                        record.timestamp,
                        record.key,
                        record.value,
                    )
                    last_seen = time.monotonic()
            if idle_timeout_s is not None and time.monotonic() - last_seen > idle_timeout_s:
                return
    finally:
        client.close()


def consume(
    settings: Settings,
    from_beginning: bool,
    max_records: int | None = None,
    idle_timeout_s: float | None = None,
    topic: str = ENRICHED,
    follow: bool = True,
) -> Iterator[bytes]:
    """Yield record values of `topic` (every partition) as they arrive; see consume_messages."""
    start: Start = "beginning" if from_beginning else "end"
    messages = consume_messages(settings, start, idle_timeout_s, topic, follow)
    return (message.value for message in islice(messages, max_records))


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
    messages: Iterable[Message], entity: str | None, speaker: str | None
) -> Iterator[tuple[Message, str, dict[str, Any]]]:
    """Yield (message, JSON text, record) of each message whose value is a record naming
    `entity` and quoting `speaker`."""
    for message in messages:
        text = message.value.decode("utf-8", "replace")
        try:
            record = json.loads(text)
        except ValueError:
            continue  # not a record: nothing a filter or a table can show
        if isinstance(record, dict) and record_matches(record, entity, speaker):
            yield message, text, record


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
