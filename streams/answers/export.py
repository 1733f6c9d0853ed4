"""Export the stored articles, entities and quotes as Parquet, CSV or JSON lines files.

One file per table in the output folder, written in batches of `BATCH_ROWS` from a server-side
cursor, so memory stays bounded however large the database. Parquet keeps the types
(timestamps with time zone, lists of strings): DuckDB and pandas read it as it is. CSV cannot
hold lists: those cells hold JSON text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import orjson
import psycopg
import pyarrow as pa

ExportFormat = Literal["parquet", "csv", "jsonl"]
BATCH_ROWS = 5000

TEXT = pa.string()
TIME = pa.timestamp("us", tz="UTC")
INT = pa.int64()
TEXTS = pa.list_(pa.string())

# table -> (query, its columns' Arrow types): the schema every export format writes.
TABLES: dict[str, tuple[str, pa.Schema]] = {
    "articles": (
        "SELECT id, headline, body, dateline, byline, language, url, source, published_at,"
        " stored_at, content_hash FROM articles ORDER BY id",
        pa.schema(
            [("id", TEXT), ("headline", TEXT), ("body", TEXT), ("dateline", TEXT),
             ("byline", TEXT), ("language", TEXT), ("url", TEXT), ("source", TEXT),
             ("published_at", TIME), ("stored_at", TIME), ("content_hash", TEXT)]
        ),
    ),
    "entities": (
        "SELECT article_id, ordinal, entity_id, name, label, jsonb_array_length(mentions),"
        " mentions::text, aliases FROM entities ORDER BY article_id, ordinal",
        pa.schema(
            [("article_id", TEXT), ("ordinal", INT), ("entity_id", TEXT), ("name", TEXT),
             ("label", TEXT), ("mention_count", INT), ("mentions_json", TEXT),
             ("aliases", TEXTS)]
        ),
    ),
    "quotes": (
        "SELECT article_id, ordinal, text, kind, speaker, speaker_id, cue, start_char, end_char"
        " FROM quotes ORDER BY article_id, ordinal",
        pa.schema(
            [("article_id", TEXT), ("ordinal", INT), ("text", TEXT), ("kind", TEXT),
             ("speaker", TEXT), ("speaker_id", TEXT), ("cue", TEXT), ("start_char", INT),
             ("end_char", INT)]
        ),
    ),
}  # fmt: skip

SUFFIXES = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}


def export(conninfo: str, folder: Path, form: ExportFormat) -> dict[Path, int]:
    """Write articles, entities and quotes to `folder`; return each file with its row count."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        for table, (query, schema) in TABLES.items():
            path = folder / f"{table}{SUFFIXES[form]}"
            written[path] = write_batches(batches(conn, table, query, schema), path, schema, form)
    return written


def batches(
    conn: psycopg.Connection[Any], name: str, query: str, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """Yield the query's rows as record batches of `schema`, read through a named cursor."""
    with conn.cursor(name=f"export_{name}") as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(BATCH_ROWS):
            columns = list(zip(*rows, strict=True))
            yield pa.record_batch(
                [
                    pa.array(column, field.type)
                    for column, field in zip(columns, schema, strict=True)
                ],
                schema=schema,
            )


def write_batches(
    chunks: Iterator[pa.RecordBatch], path: Path, schema: pa.Schema, form: ExportFormat
) -> int:
    """Write the batches to `path` in `form`; return the number of rows written."""
    rows = 0
    if form == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(path, schema) as writer:
            for chunk in chunks:
                writer.write_batch(chunk)
                rows += chunk.num_rows
        return rows
    if form == "csv":
        import pyarrow.csv as pacsv

        flat = pa.schema([pa.field(f.name, TEXT if f.type == TEXTS else f.type) for f in schema])
        with pacsv.CSVWriter(path, flat) as writer:
            for chunk in chunks:
                writer.write_batch(without_lists(chunk, flat))
                rows += chunk.num_rows
        return rows
    with path.open("wb") as out:
        for chunk in chunks:
            for row in chunk.to_pylist():
                out.write(orjson.dumps(row) + b"\n")
            rows += chunk.num_rows
    return rows


def without_lists(chunk: pa.RecordBatch, flat: pa.Schema) -> pa.RecordBatch:
    """Return the batch with each list column as JSON text, as CSV can only hold that."""
    arrays = [
        pa.array([None if v is None else orjson.dumps(v).decode() for v in column.to_pylist()])
        if column.type == TEXTS
        else column
        for column in chunk.columns
    ]
    return pa.record_batch(arrays, schema=flat)
