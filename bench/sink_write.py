"""Measure the PostgreSQL sink's write path alone: map + write_rows, in this process; rows/s.

`python -m bench.sink_write --database-url URL [--n 4000] [--repeats 3]` enriches 16 articles
made from the seeds, copies them under new ids, and writes them in batches of
NEWSFLOW_SINK_BATCH_SIZE through the sink's own mapping and SQL, `--repeats` times; it prints
each rate and their median. No Kafka, no worker: only what the sink adds on the database side.
To compare two versions of the sink, run it from each tree in turn (PYTHONPATH=<tree>), each
against its own database on the same server (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence

import psycopg

from bench.pipeline import enriched_copies, make_articles
from schemas import EnrichedArticle
from streams.config import Settings
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.rows import article_row
from streams.sinks.postgres.sink import write_rows


async def write_once(url: str, records: Sequence[EnrichedArticle], batch: int) -> float:
    """Map and write `records` in batches; return rows/s."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        started = time.perf_counter()
        for start in range(0, len(records), batch):
            chunk = records[start : start + batch]
            await write_rows(conn, [article_row(r, 0, i) for i, r in enumerate(chunk)])
        return len(records) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sink_write", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    migrate(args.database_url)
    values = enriched_copies(make_articles(16), "w-", args.n)
    batch = Settings().sink_batch_size
    rates = []
    for repeat in range(args.repeats):
        records = [
            EnrichedArticle.model_validate_json(value).model_copy(update={"id": f"w{repeat}-{i}"})
            for i, value in enumerate(values)
        ]
        rates.append(asyncio.run(write_once(args.database_url, records, batch)))
    shown = " ".join(f"{rate:,.0f}" for rate in rates)
    print(f"sink write path: {shown} rows/s, median {statistics.median(rates):,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
