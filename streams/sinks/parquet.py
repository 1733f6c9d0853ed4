"""The Parquet sink: enriched records as Parquet files that DuckDB, pandas and Polars read as is.

Layout: `<NEWSFLOW_PARQUET_DIR>/<topic>/partition=<n>/<first offset>-<last offset>.parquet`, one
file per batch and partition, holding one row per record with its entities and quotes as
nested lists (the schema is `SCHEMA`). Read them all with DuckDB:

    select count(distinct id), count(*) from read_parquet('out/**/*.parquet')

Nothing lost, nothing doubled: a file is written under a temporary name, flushed to disk and
renamed into place before its batch is acked, so a crash leaves whole files only. A replay
after a crash starts at the partition's committed offset, which is always the end of a file
whose batch was acked; any file at or after that offset comes from a batch that was never
acked, and writing a replayed batch deletes the files its offsets overlap. The same article
published twice is two rows (two offsets): this sink keeps every version, and readers take the
latest by `kafka_offset` (or use the PostgreSQL sink, which keeps one row per article).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
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
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("published_ms", pa.int64()),
    ]
)
_RECORD_FIELDS = {name for name in SCHEMA.names if name not in {"kafka_partition", "kafka_offset"}}

# `<first offset>-<last offset>.parquet`, both zero-padded so names sort by offset.
_FILE_NAME = re.compile(r"^(\d{20})-(\d{20})\.parquet$")

Row = dict[str, Any]


def parquet_row(record: EnrichedArticle, partition: int, offset: int) -> Row:
    """Return the Parquet row of `record`, read from `partition` at `offset` (pure)."""
    row = record.model_dump(include=_RECORD_FIELDS)
    row["kafka_partition"] = partition
    row["kafka_offset"] = offset
    return row


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


def write_file(folder: Path, rows: Sequence[Row]) -> Path:
    """Write one partition's rows as one file, replacing the files of offsets it overlaps.

    The rows are written to a hidden temporary file, flushed to disk and renamed, so readers
    and a crash only ever see whole files.
    """
    rows = sorted(rows, key=lambda row: row["kafka_offset"])
    first, last = rows[0]["kafka_offset"], rows[-1]["kafka_offset"]
    try:
        table = pa.Table.from_pylist(list(rows), schema=SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise Refused(one_line(error)) from error
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(first, last)
    temporary = folder / f".{path.name}.tmp"
    pq.write_table(table, temporary, compression="zstd")
    sync(temporary)
    os.replace(temporary, path)
    for stale in overlapping(folder, first, last):
        if stale != path:
            stale.unlink(missing_ok=True)
    sync(folder)
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
                await asyncio.to_thread(write_file, self.partition_folder(partition), rows)
        except OSError as error:
            raise Backpressure(f"cannot write under {self._folder}: {one_line(error)}") from error


def build(settings: Settings) -> faust.App:
    """Return the Parquet sink's Faust app."""
    return build_sink(STAGE, ParquetSink(settings.parquet_dir, STAGE.source), settings)
