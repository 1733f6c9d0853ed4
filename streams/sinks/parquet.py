"""The Parquet sink: enriched records as Parquet files that DuckDB, pandas and Polars read as is.

Layout: `<NEWSFLOW_PARQUET_DIR>/<topic>/partition=<n>/<first offset>-<last offset>.parquet`, one
file per batch and partition, holding one row per record with its entities and quotes as
nested lists (the schema is `SCHEMA`). Read them all with DuckDB:

    select count(distinct id), count(*) from read_parquet('out/**/*.parquet')

Nothing lost, nothing doubled:
- A file is written under a temporary name, flushed to disk and renamed into place before its
  batch is acked, so a crash leaves whole files only.
- A replay of this sink starts at the partition's committed offset, which is always the end of
  a batch that was acked; any file at or after it comes from a batch that was never acked, and
  writing a replayed batch replaces the files its offsets overlap.
- A replay upstream (a stage that crashed after sending) puts the same record on the topic
  again at a later offset. Each row carries `record_digest`, a digest of the record; a record
  whose article already has a row with the same digest at an earlier offset is not written
  again. An article is keyed by its id, so all its versions sit on one partition, and the sink
  keeps the latest digest of each article per partition (rebuilt from the files when it starts
  or when another worker has written the partition meanwhile: one id and digest per article
  in memory).
A new version of an article (other content) is a new row: the files are a log of versions, and
readers take the latest by `kafka_offset` (or use the PostgreSQL sink: one row per article).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import faust
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import EnrichedArticle
from schemas.dead_letter import one_line
from streams.config import Settings
from streams.runtime.messages import Inbound
from streams.sinks.base import Backpressure, Refused, Sink, build_sink
from streams.stages import stage

STAGE = stage("sink-parquet")

_TEXT = pa.string()
SCHEMA = pa.schema(
    [
        ("id", _TEXT),
        ("schema_version", pa.int32()),
        ("headline", _TEXT),
        ("body", _TEXT),
        ("dateline", _TEXT),
        ("byline", _TEXT),
        ("captions", pa.list_(_TEXT)),
        ("credits", pa.list_(_TEXT)),
        ("language", _TEXT),
        ("url", _TEXT),
        ("source", _TEXT),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("content_hash", _TEXT),
        (
            "entities",
            pa.list_(
                pa.struct(
                    [
                        ("name", _TEXT),
                        ("label", _TEXT),
                        ("aliases", pa.list_(_TEXT)),
                        (
                            "mentions",
                            pa.list_(
                                pa.struct(
                                    [("start", pa.int32()), ("end", pa.int32()), ("text", _TEXT)]
                                )
                            ),
                        ),
                    ]
                )
            ),
        ),
        (
            "quotes",
            pa.list_(
                pa.struct(
                    [
                        ("text", _TEXT),
                        ("kind", _TEXT),
                        ("speaker", _TEXT),
                        ("cue", _TEXT),
                        ("start", pa.int32()),
                        ("end", pa.int32()),
                    ]
                )
            ),
        ),
        ("published_ms", pa.int64()),
        (
            "pipeline",
            pa.struct(
                [
                    ("newsflow", _TEXT),
                    ("rules", pa.int32()),
                    ("spacy_model", _TEXT),
                    ("spacy_model_version", _TEXT),
                    ("entity_labels", pa.list_(_TEXT)),
                    ("produced_at", pa.timestamp("us", tz="UTC")),
                ]
            ),
        ),
        ("record_digest", _TEXT),
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
    ]
)
_NOT_FROM_RECORD = {"record_digest", "kafka_partition", "kafka_offset"}
_RECORD_FIELDS = {name for name in SCHEMA.names if name not in _NOT_FROM_RECORD}

# `<first offset>-<last offset>.parquet`, both zero-padded so names sort by offset.
_FILE_NAME = re.compile(r"^(\d{20})-(\d{20})\.parquet$")

Row = dict[str, Any]


def parquet_row(record: EnrichedArticle, partition: int, offset: int) -> Row:
    """Return the Parquet row of `record`, read from `partition` at `offset` (pure)."""
    row = record.model_dump(include=_RECORD_FIELDS)
    row["record_digest"] = record_digest(record)
    row["kafka_partition"] = partition
    row["kafka_offset"] = offset
    return row


# What a stage's replay changes in a record it makes again: when it made it.
_NOT_CONTENT = {"pipeline": {"produced_at"}}


def record_digest(record: EnrichedArticle) -> str:
    """Return a digest of everything the record says but when it was made: equal for a record
    a stage made and sent twice."""
    text = record.model_dump_json(exclude=_NOT_CONTENT)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class PartitionIndex:
    """The latest (digest, offset) of each article of one partition, and the files it read."""

    latest: dict[str, tuple[str, int]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def sync(self, folder: Path) -> None:
        """Bring the index in line with the files in `folder` (written by anyone)."""
        on_disk = {path.name for path in folder.glob("*.parquet") if offsets_of(path)}
        if self.files - on_disk:  # a file replaced elsewhere: read them all again
            self.latest.clear()
            self.files.clear()
        for name in sorted(on_disk - self.files, key=lambda name: offsets_of(Path(name)) or ()):
            table = pq.read_table(folder / name, columns=["id", "record_digest", "kafka_offset"])
            self.add(table.to_pylist())
            self.files.add(name)

    def add(self, rows: Sequence[Row]) -> None:
        for row in rows:
            known = self.latest.get(row["id"])
            if known is None or known[1] < row["kafka_offset"]:
                self.latest[row["id"]] = (row["record_digest"], row["kafka_offset"])

    def new_rows(self, rows: Sequence[Row], first: int) -> list[Row]:
        """Return the rows that are not a record already stored before offset `first`, nor
        a second copy of an earlier row of the same batch."""
        kept: list[Row] = []
        seen: set[tuple[str, str]] = set()
        for row in rows:
            key = (row["id"], row["record_digest"])
            known = self.latest.get(row["id"])
            if key in seen or (known is not None and known[0] == key[1] and known[1] < first):
                continue
            seen.add(key)
            kept.append(row)
        return kept


def file_name(first: int, last: int) -> str:
    return f"{first:020d}-{last:020d}.parquet"


def offsets_of(path: Path) -> tuple[int, int] | None:
    """Return the first and last offset a file of this sink holds, from its name."""
    match = _FILE_NAME.match(path.name)
    return (int(match[1]), int(match[2])) if match else None


def overlapping(folder: Path, first: int, last: int) -> Iterator[Path]:
    """Yield the files in `folder` whose offsets overlap [first, last]."""
    with os.scandir(folder) as entries:
        for entry in entries:
            span = offsets_of(Path(entry.path))
            if span is not None and span[0] <= last and first <= span[1]:
                yield Path(entry.path)


def write_file(folder: Path, rows: Sequence[Row], index: PartitionIndex) -> Path | None:
    """Write one partition's new rows as one file, replacing the files of offsets it overlaps.

    The file is named by the batch's first and last offset in the partition. The rows are
    written to a hidden temporary file, flushed to disk and renamed, so readers and a crash
    only ever see whole files. Returns the file, or None when every row was already stored.
    """
    rows = sorted(rows, key=lambda row: row["kafka_offset"])
    first, last = rows[0]["kafka_offset"], rows[-1]["kafka_offset"]
    folder.mkdir(parents=True, exist_ok=True)
    index.sync(folder)
    new = index.new_rows(rows, first)
    path = folder / file_name(first, last)
    if new:
        try:
            table = pa.Table.from_pylist(new, schema=SCHEMA)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise Refused(one_line(error)) from error
        temporary = folder / f".{path.name}.tmp"
        pq.write_table(table, temporary, compression="zstd")
        sync(temporary)
        os.replace(temporary, path)
    for stale in overlapping(folder, first, last):
        if stale != path or not new:
            stale.unlink(missing_ok=True)
            index.files.discard(stale.name)
    sync(folder)
    if not new:
        return None
    index.add(new)
    index.files.add(path.name)
    return path


def sync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ParquetSink(Sink[Row]):
    """Writes each batch as one Parquet file per partition under `root/<topic>/`."""

    destination: ClassVar[str] = "files"
    latest_per_article: ClassVar[bool] = False

    def __init__(self, root: Path, topic: str) -> None:
        self._folder = root / topic
        self._indexes: defaultdict[int, PartitionIndex] = defaultdict(PartitionIndex)

    def partition_folder(self, partition: int) -> Path:
        return self._folder / f"partition={partition}"

    def map(self, record: EnrichedArticle, origin: Inbound) -> Row:
        return parquet_row(record, origin.partition, origin.offset)

    async def write(self, items: Sequence[Row]) -> None:
        by_partition: defaultdict[int, list[Row]] = defaultdict(list)
        for row in items:
            by_partition[row["kafka_partition"]].append(row)
        try:
            for partition, rows in by_partition.items():
                folder, index = self.partition_folder(partition), self._indexes[partition]
                await asyncio.to_thread(write_file, folder, rows, index)
        except OSError as error:
            raise Backpressure(f"cannot write under {self._folder}: {one_line(error)}") from error


def build(settings: Settings) -> faust.App:
    """Return the Parquet sink's Faust app."""
    return build_sink(STAGE, ParquetSink(settings.parquet_dir, STAGE.source), settings)
