"""Inspect dead letters on articles.dlq and re-publish them to the topic they came from.

A dead letter is named by where it sits on articles.dlq, `<partition>:<offset>`. Reading takes
every letter there at the time of the call, without a consumer group (nothing is committed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kafka import TopicPartition

from schemas import DeadLetter
from streams.broker.clients import consumer, producer
from streams.stages import DLQ


@dataclass(frozen=True)
class Letter:
    """A dead letter and where it sits on articles.dlq."""

    partition: int
    offset: int
    letter: DeadLetter

    @property
    def name(self) -> str:
        return f"{self.partition}:{self.offset}"


def read_letters(bootstrap: str) -> list[Letter]:
    """Return every dead letter on articles.dlq, oldest first per partition."""
    client = consumer(bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(DLQ, p) for p in sorted(client.partitions_for_topic(DLQ) or [])
        ]
        client.assign(partitions)
        client.seek_to_beginning(*partitions)
        ends = client.end_offsets(partitions)
        letters: list[Letter] = []
        while any(client.position(tp) < end for tp, end in ends.items()):
            for tp, records in client.poll(timeout_ms=1000).items():
                letters += [
                    Letter(tp.partition, r.offset, DeadLetter.model_validate_json(r.value))
                    for r in records
                    if r.offset < ends[tp]
                ]
        return sorted(letters, key=lambda item: (item.partition, item.offset))
    finally:
        client.close()


def select(letters: Iterable[Letter], names: Sequence[str], stage: str | None) -> list[Letter]:
    """Return the letters named in `names` (all when empty) that a `stage` (if any) wrote."""
    wanted = set(names)
    return [
        item
        for item in letters
        if (not wanted or item.name in wanted) and (stage is None or item.letter.stage == stage)
    ]


def summary(item: Letter) -> str:
    """Return one line about a dead letter: name, time, stage, origin, key, reason."""
    letter = item.letter
    key = letter.key.decode("utf-8", "replace") if letter.key is not None else "-"
    reason = f"{letter.error_type}: {letter.error}"
    return (
        f"{item.name}\t{letter.failed_at:%Y-%m-%dT%H:%M:%SZ}\t{letter.stage}\t"
        f"{letter.topic}[{letter.partition}]@{letter.offset}\t{key[:60]}\t{reason[:200]}"
    )


def details(item: Letter) -> str:
    """Return a dead letter as indented JSON, with its payload also as text when it is text."""
    data = item.letter.model_dump(mode="json")
    data["dlq"] = item.name
    payload = item.letter.payload
    try:
        data["payload_text"] = payload.decode("utf-8")
    except UnicodeDecodeError:
        data["payload_text"] = None
    return json.dumps(data, indent=2, ensure_ascii=False)


def replay(bootstrap: str, letters: Sequence[Letter]) -> int:
    """Publish each letter's original key and bytes to its source topic; return how many."""
    client = producer(bootstrap)
    try:
        futures = [
            client.send(item.letter.topic, key=item.letter.key, value=item.letter.payload)
            for item in letters
        ]
        client.flush()
        for future in futures:
            future.get(timeout=60)
        return len(futures)
    finally:
        client.close()
