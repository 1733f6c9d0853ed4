"""Publish articles to articles.raw and read enriched records back, with kafka-python."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from kafka import TopicPartition

from streams.clients import consumer, producer
from streams.config import Settings
from streams.decoding import decode_raw_article
from streams.inputs import KNOWN_SUFFIXES, read_inputs
from streams.topics import ENRICHED, RAW


@dataclass
class PublishReport:
    """What one `publish` did: articles the broker has, files left out, inputs refused."""

    published: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"published {self.published}, skipped {len(self.skipped)}, failed {len(self.failed)}"


@dataclass(frozen=True)
class Progress:
    """How far a `publish` is: files read of all, articles sent and refused, time taken."""

    files_done: int
    files_total: int
    sent: int
    failed: int
    elapsed_s: float


def progress_line(progress: Progress, width: int = 24) -> str:
    """Render `progress` as one line: a bar over the files, counts and the send rate."""
    total = max(progress.files_total, 1)
    filled = width * progress.files_done // total
    bar = "#" * filled + "." * (width - filled)
    rate = progress.sent / progress.elapsed_s if progress.elapsed_s > 0 else 0.0
    return (
        f"[{bar}] {progress.files_done}/{progress.files_total} files"
        f"  {progress.sent} sent  {progress.failed} failed  {rate:.1f} articles/s"
    )


def plan_files(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand `paths` into the inputs to read, and the files in folders that are not articles.

    A folder stands for its article files (by suffix) in name order; a named file or `-` is
    read whatever its suffix, so a wrong one is reported as a failure, not skipped.
    """
    inputs: list[str] = []
    skipped: list[str] = []
    for name in paths:
        path = Path(name)
        if name != "-" and path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.suffix.lower() in KNOWN_SUFFIXES:
                    inputs.append(str(file))
                elif not any(part.startswith(".") for part in file.relative_to(path).parts):
                    skipped.append(str(file))
        elif name == "-" or path.is_file():
            inputs.append(name)
        else:
            raise FileNotFoundError(f"no such file or folder: {name}")
    return inputs, skipped


def publish(
    paths: Sequence[str],
    settings: Settings,
    stdin: BinaryIO,
    on_progress: Callable[[Progress], None] | None = None,
) -> PublishReport:
    """Publish every article under `paths` to articles.raw, keyed by id.

    An input that is not a valid RawArticle is reported and not published, so what reaches the
    topic from this command is always processable. `on_progress` is called after each file.
    Returns once the broker has every message.
    """
    files, skipped = plan_files(paths)
    report = PublishReport(skipped=skipped)
    started = time.monotonic()
    client = producer(settings.kafka_bootstrap)
    try:
        futures = []
        for done, name in enumerate(files, start=1):
            try:
                for item in read_inputs([name], stdin):
                    try:
                        article = decode_raw_article(item.value, settings.max_text_bytes)
                    except ValueError as error:
                        report.failed.append((item.origin, str(error)))
                        continue
                    key = article.id.encode("utf-8")
                    futures.append(client.send(RAW, key=key, value=item.value))
            except (OSError, ValueError) as error:
                report.failed.append((name, str(error)))
            if on_progress is not None:
                elapsed = time.monotonic() - started
                on_progress(Progress(done, len(files), len(futures), len(report.failed), elapsed))
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
