"""Measure the PostgreSQL sink's write path alone: map + write_rows, in this process; rows/s.

`python -m bench.sink_write --database-url URL [--n 4000] [--repeats 3]` enriches 16 articles
made from the seeds, copies them under ids no earlier run used, and writes them in batches of
NEWSFLOW_SINK_BATCH_SIZE through the sink's own mapping and SQL, `--repeats` times; it prints
each rate and their median, and the CPU milliseconds per row of this process (client) and of
its PostgreSQL backend (server, read from /proc when the database runs on this host; CPU time
moves far less than rows/s with other load on a shared machine): first the new articles (what
a sink draining a topic mostly writes), then the same batches again (a replay after a crash:
every row is kept as it is).
No Kafka, no worker: only what the sink adds on the database side.

To compare two versions of the sink in one run, give `--before TREE` (a checkout of the other
version, e.g. `git archive main | tar -x -C /tmp/before`) and `--before-database-url URL2`
(another database on the same server): each of `--rounds` rounds runs this script once with
TREE's code and once with this tree's, in alternating order, each in a fresh process against
its own database, and the medians of each side are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import psycopg

from bench.pipeline import enriched_copies, make_articles
from schemas import EnrichedArticle
from streams.config import Settings
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.rows import article_row
from streams.sinks.postgres.sink import write_rows

HERE = Path(__file__).resolve()
RESULT = "sink write path:"


async def write_once(url: str, records: Sequence[EnrichedArticle], batch: int) -> Cost:
    """Map and write `records` in batches; return rows/s and the CPU each side spent per row."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        server = await backend_cpu_reader(conn)
        server_started, client_started = server(), time.process_time()
        started = time.perf_counter()
        for start in range(0, len(records), batch):
            chunk = records[start : start + batch]
            await write_rows(conn, [article_row(r, 0, i) for i, r in enumerate(chunk)])
        elapsed = time.perf_counter() - started
        client_ms = (time.process_time() - client_started) / len(records) * 1000
        server_s = server()
        server_ms = (
            None
            if server_s is None or server_started is None
            else (server_s - server_started) / len(records) * 1000
        )
        return Cost(len(records) / elapsed, client_ms, server_ms)


class Cost(NamedTuple):
    """One timed write: rows/s, and the CPU ms per row of this process and of its backend."""

    rate: float
    client_ms: float
    server_ms: float | None  # None: the database is not on this host


async def backend_cpu_reader(conn: psycopg.AsyncConnection[Any]) -> Callable[[], float | None]:
    """Return a function reading the CPU seconds the connection's server process has used.

    It reads /proc/<pid>/stat of the backend, so it works when PostgreSQL runs on this host
    (the local stack, CI); elsewhere it returns None. CPU time, unlike rows/s, hardly moves
    with other load on a shared machine.
    """
    cursor = await conn.execute("SELECT pg_backend_pid()")
    (pid,) = await cursor.fetchone() or (0,)
    stat = Path(f"/proc/{pid}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return read


def measure(url: str, n: int, repeats: int) -> tuple[list[Cost], list[Cost]]:
    """Return the costs of writing new articles, and of writing them again, per repeat."""
    migrate(url)
    values = enriched_copies(make_articles(16), "w-", n)
    batch = Settings().sink_batch_size
    run = uuid.uuid4().hex[:8]
    fresh, again = [], []
    for repeat in range(repeats):
        records = [
            EnrichedArticle.model_validate_json(value).model_copy(
                update={"id": f"w{run}-{repeat}-{i}"}
            )
            for i, value in enumerate(values)
        ]
        fresh.append(asyncio.run(write_once(url, records, batch)))
        again.append(asyncio.run(write_once(url, records, batch)))
    return fresh, again


def shown(costs: Sequence[Cost]) -> str:
    """Each rate and their median, then the median CPU ms per row of each side."""
    each = " ".join(f"{cost.rate:,.0f}" for cost in costs)
    client = statistics.median(cost.client_ms for cost in costs)
    servers = [cost.server_ms for cost in costs if cost.server_ms is not None]
    server = f", server {statistics.median(servers):.3f}" if servers else ""
    return (
        f"{each} rows/s, median {statistics.median(cost.rate for cost in costs):,.0f}"
        f" (CPU ms/row: client {client:.3f}{server})"
    )


def as_numbers(costs: Sequence[Cost]) -> str:
    return " ".join(f"{c.rate:.1f}/{c.client_ms:.4f}/{c.server_ms or -1:.4f}" for c in costs)


def from_numbers(line: str) -> list[Cost]:
    costs = []
    for one in line.split():
        rate, client, server = (float(part) for part in one.split("/"))
        costs.append(Cost(rate, client, None if server < 0 else server))
    return costs


def one_side(tree: Path | None, url: str, n: int, repeats: int) -> tuple[list[Cost], list[Cost]]:
    """Run this script once in a new process with `tree`'s code (None: this tree's); its costs."""
    env = dict(os.environ)
    if tree is not None:
        # This file runs as a script: its folder, then TREE, come first on sys.path, so
        # `bench.pipeline`, `schemas` and `streams` are TREE's; the measuring code is this.
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    else:
        env["PYTHONPATH"] = os.pathsep.join([str(HERE.parents[1]), env.get("PYTHONPATH", "")])
    command = [sys.executable, str(HERE), "--database-url", url, "--n", str(n)]
    out = subprocess.run(
        [*command, "--repeats", str(repeats), "--numbers"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fresh, again = out.strip().splitlines()[-2:]
    return from_numbers(fresh), from_numbers(again)


def compare(args: argparse.Namespace) -> int:
    """Alternate the two trees' sinks for `args.rounds` rounds; print each side's medians."""
    sides: dict[str, tuple[Path | None, str]] = {
        "before": (args.before, args.before_database_url),
        "after": (None, args.database_url),
    }
    costs: dict[str, tuple[list[Cost], list[Cost]]] = {name: ([], []) for name in sides}
    for round_ in range(args.rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for name in order:
            tree, url = sides[name]
            fresh, again = one_side(tree, url, args.n, args.repeats)
            costs[name][0].extend(fresh)
            costs[name][1].extend(again)
            print(f"round {round_ + 1} {name:6}: new {shown(fresh)}; again {shown(again)}")
            sys.stdout.flush()
    for name, (fresh, again) in costs.items():
        print(f"{RESULT} {name:6} new articles {shown(fresh)}; written again {shown(again)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sink_write", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of the sink to compare with")
    parser.add_argument("--before-database-url", help="its database (with --before)")
    parser.add_argument("--rounds", type=int, default=4, help="alternations (with --before)")
    parser.add_argument("--numbers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.before is not None:
        if not args.before_database_url:
            parser.error("--before needs --before-database-url (another database)")
        return compare(args)
    fresh, again = measure(args.database_url, args.n, args.repeats)
    if args.numbers:
        print(as_numbers(fresh))
        print(as_numbers(again))
    else:
        print(f"{RESULT} new articles {shown(fresh)}; written again {shown(again)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
