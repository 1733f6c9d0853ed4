"""Inspect dead letters on articles.dlq, re-publish them to their source topic, purge old ones.

A dead letter is named by where it sits on articles.dlq, `<partition>:<offset>`. Reading takes
every letter there at the time of the call, without a consumer group (nothing is committed).

A replay is marked twice: the re-published message carries the header
`newsflow-replayed-from: articles.dlq:<partition>:<offset>`, and a record keyed `<p>:<o>` on
the compacted topic articles.dlq.replayed says when it was replayed and where to. `list` shows
it, and `replay` skips letters already replayed unless told `again`. The record also names the
letter's origin, so a letter at a reused position (the topic deleted and made again) does not
pass for replayed. The record is written after the broker acknowledged the replay: a crash in
between leaves the letter unmarked, and replaying it again is harmless (the sink upserts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from kafka import TopicPartition

from schemas import DeadLetter
from streams.broker.clients import admin_client, consumer, producer
from streams.broker.topics import create_topics
from streams.stages import DLQ, DLQ_REPLAYED

REPLAYED_HEADER = "newsflow-replayed-from"
AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


@dataclass(frozen=True)
class Replay:
    """That a dead letter was replayed: when, to which topic, and which letter it was."""

    name: str
    origin: str
    topic: str
    replayed_at: str

    def to_json(self) -> bytes:
        return json.dumps(
            {"origin": self.origin, "topic": self.topic, "replayed_at": self.replayed_at}
        ).encode()

    @classmethod
    def from_record(cls, key: bytes, value: bytes) -> Replay:
        data = json.loads(value)
        return cls(key.decode(), data["origin"], data["topic"], data["replayed_at"])


@dataclass(frozen=True)
class Letter:
    """A dead letter and where it sits on articles.dlq."""

    partition: int
    offset: int
    letter: DeadLetter
    replayed: Replay | None = None

    @property
    def name(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def origin(self) -> str:
        """Where the letter's message was read before it failed: topic[partition]@offset."""
        return f"{self.letter.topic}[{self.letter.partition}]@{self.letter.offset}"


def read_topic(bootstrap: str, topic: str) -> list[tuple[int, int, bytes | None, bytes]]:
    """Return (partition, offset, key, value) of every record on `topic` now, in offset order."""
    client = consumer(bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(client.partitions_for_topic(topic) or [])
        ]
        if not partitions:  # no such topic (yet): nothing on it
            return []
        client.assign(partitions)
        client.seek_to_beginning(*partitions)
        ends = client.end_offsets(partitions)
        found = []
        while any(client.position(tp) < end for tp, end in ends.items()):
            for tp, records in client.poll(timeout_ms=1000).items():
                found += [
                    (tp.partition, r.offset, r.key, r.value)
                    for r in records
                    if r.offset < ends[tp] and r.value is not None
                ]
        return sorted(found, key=lambda row: row[:2])
    finally:
        client.close()


def read_letters(bootstrap: str) -> list[Letter]:
    """Return every dead letter on articles.dlq, oldest first per partition, replays marked."""
    letters = [
        Letter(partition, offset, DeadLetter.model_validate_json(value))
        for partition, offset, _, value in read_topic(bootstrap, DLQ)
    ]
    return with_replays(letters, read_replays(bootstrap))


def read_replays(bootstrap: str) -> dict[str, Replay]:
    """Return the last replay record of each dead letter name (none yet: {})."""
    return {
        replay.name: replay
        for replay in (
            Replay.from_record(key, value)
            for _, _, key, value in read_topic(bootstrap, DLQ_REPLAYED)
            if key is not None
        )
    }


def with_replays(letters: Iterable[Letter], replays: dict[str, Replay]) -> list[Letter]:
    """Return the letters, each marked with its replay when it has one for the same letter."""
    marked = []
    for item in letters:
        replay = replays.get(item.name)
        same_letter = replay is not None and replay.origin == item.origin
        marked.append(replace(item, replayed=replay if same_letter else None))
    return marked


def not_replayed(letters: Iterable[Letter]) -> list[Letter]:
    """Return the letters that were never replayed."""
    return [item for item in letters if item.replayed is None]


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
    replayed = f"replayed {item.replayed.replayed_at}" if item.replayed else "-"
    return (
        f"{item.name}\t{letter.failed_at:%Y-%m-%dT%H:%M:%SZ}\t{letter.stage}\t"
        f"{item.origin}\t{key[:60]}\t{reason[:200]}\t{replayed}"
    )


def details(item: Letter) -> str:
    """Return a dead letter as indented JSON, with its payload also as text when it is text."""
    data = item.letter.model_dump(mode="json")
    data["dlq"] = item.name
    data["replayed"] = None if item.replayed is None else item.replayed.replayed_at
    payload = item.letter.payload
    try:
        data["payload_text"] = payload.decode("utf-8")
    except UnicodeDecodeError:
        data["payload_text"] = None
    return json.dumps(data, indent=2, ensure_ascii=False)


def replay(bootstrap: str, letters: Sequence[Letter], replication_factor: int = 1) -> int:
    """Publish each letter's original key and bytes to its source topic, marked; return how many.

    Each message carries the `newsflow-replayed-from` header; once the broker acknowledged them
    all, a record per letter on articles.dlq.replayed (created when missing) notes the replay.
    """
    client = producer(bootstrap)
    try:
        futures = [
            client.send(
                item.letter.topic,
                key=item.letter.key,
                value=item.letter.payload,
                headers=[(REPLAYED_HEADER, f"{DLQ}:{item.name}".encode())],
            )
            for item in letters
        ]
        client.flush()
        for future in futures:
            future.get(timeout=60)
        if letters:
            create_topics(bootstrap, 1, replication_factor, names=[DLQ_REPLAYED])
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            marks = [
                client.send(
                    DLQ_REPLAYED,
                    key=item.name.encode(),
                    value=Replay(item.name, item.origin, item.letter.topic, now).to_json(),
                )
                for item in letters
            ]
            client.flush()
            for future in marks:
                future.get(timeout=60)
        return len(futures)
    finally:
        client.close()


def parse_age(text: str) -> float:
    """Return the seconds in an age like `14d`, `36h`, `90m`, `2w` or `3600s`."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if match is None:
        raise ValueError(f"not an age: {text!r} (say e.g. 14d, 36h, 90m, 2w)")
    return float(match.group(1)) * AGE_UNITS[match.group(2)]


@dataclass(frozen=True)
class Purged:
    """What a purge did to one partition: the records before `to` are gone (from `start`)."""

    partition: int
    start: int
    to: int

    @property
    def count(self) -> int:
        return self.to - self.start


def purge(
    bootstrap: str,
    older_than_s: float,
    topic: str = DLQ,
    now_ms: int | None = None,
    dry_run: bool = False,
) -> list[Purged]:
    """Delete each partition's records up to the first one newer than the cutoff; return them.

    Kafka cannot delete single records, only a partition's head (`delete_records`), so a
    partition is cut at its first record written after `now - older_than_s`: an older letter
    behind a newer one stays until the newer one is old enough. Times are the records'
    timestamps (when the letter was written).
    """
    if now_ms is None:
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
    cutoff_ms = now_ms - int(older_than_s * 1000)
    client = consumer(bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(client.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            return []
        starts = client.beginning_offsets(partitions)
        ends = client.end_offsets(partitions)
        newer = client.offsets_for_times(dict.fromkeys(partitions, cutoff_ms))
    finally:
        client.close()
    cuts = [
        Purged(tp.partition, starts[tp], ends[tp] if newer[tp] is None else newer[tp].offset)
        for tp in partitions
    ]
    cuts = [cut for cut in cuts if cut.count > 0]
    if cuts and not dry_run:
        admin = admin_client(bootstrap)
        try:
            admin.delete_records({TopicPartition(topic, cut.partition): cut.to for cut in cuts})
        finally:
            admin.close()
    return cuts
