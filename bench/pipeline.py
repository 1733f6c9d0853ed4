"""Measure newsflow against a real broker and database: throughput, scaling, latency, memory.

`python -m bench.pipeline [--n 500]` starts a throwaway local stack (or uses --bootstrap and
--database-url), then measures in one run, over the same generated articles:
  bare      spaCy's nlp.pipe over the cleaned bodies, in this process (the NLP limit), and
            in --nlp-workers processes at once (the NLP limit of scaling); with phase one,
            once more right after it (ratio = one / mean of the two single-process runs);
  one       the pipeline, one worker process per stage: first publish -> last row committed;
  latency   publish -> row at a steady rate of --load x the `one` rate (one worker per stage);
  two       the pipeline with --nlp-workers entities workers (scaling);
  sink      the sink alone, draining a pre-filled articles.enriched topic.
It prints a table with the targets, then one JSON line. Latency uses the record's published_ms
(the raw message's Kafka timestamp) and the row's stored_at (the sink's transaction time, read
from the same host clock), so it spans every hop and the database write.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pyarrow.parquet as pq

from schemas import RawArticle
from streams.broker.clients import consumer, producer
from streams.broker.topics import create_topics, group_members
from streams.config import Settings
from streams.nlp.cleaning import clean_article
from streams.runtime.processes import start_worker, stop_processes, wait_until
from streams.stages import DEFAULT_STAGES, ENRICHED, RAW
from streams.stages import stage as stage_named

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
PIPELINE_STAGES = DEFAULT_STAGES
NLP_STAGE = "entities"
PHASES = ("bare", "one", "latency", "two", "sink")

TARGETS = {
    "ratio": (">=", 0.90),
    "speedup_2_workers": (">=", 1.6),
    "p50_ms": ("<=", 250.0),
    "p99_ms": ("<=", 1000.0),
    "rss_mb_nlp_max": ("<=", 400.0),
    "rss_mb_other_max": ("<=", 150.0),
    "sink_articles_per_s": (">=", 2000.0),
}
JSON_KEYS = (
    "ratio",
    "ratio_cpu",
    "bare_articles_per_s",
    "bare_after_articles_per_s",
    "pipeline_articles_per_s",
    "pipeline_2_workers_articles_per_s",
    "speedup_2_workers",
    "bare_speedup_2_processes",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "rss_mb_nlp_max",
    "rss_mb_other_max",
    "sink_articles_per_s",
    "sink_worker_cpu_ms_per_article",
    "sink_database_cpu_ms_per_article",
    "sink_parquet_articles_per_s",
    "rss_mb_parquet_sink",
)


# ---------------------------------------------------------------- workload


def seed_articles() -> list[dict[str, Any]]:
    """Return the seed articles as JSON objects, in file order."""
    return [orjson.loads(path.read_bytes()) for path in sorted(SEEDS.glob("*.json"))]


def paragraphs(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block.strip()]


def vary_text(text: str, extra: Sequence[str], factor: float) -> str:
    """Return `text` with its middle cut (factor < 1) or grown with `extra` paragraphs.

    The first two and last three blocks (headline, dateline, trailers) stay where they are.
    """
    blocks = paragraphs(text)
    head, middle, tail = blocks[:2], blocks[2:-3], blocks[-3:]
    if factor < 1:
        middle = middle[: max(1, round(len(middle) * factor))]
    else:
        grow = round(len(middle) * (factor - 1))
        middle = middle + [extra[i % len(extra)] for i in range(grow)]
    return "\n\n".join(head + middle + tail)


def make_articles(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Return n raw articles made from the seeds, of varied lengths (about 100 to 1,300 words).

    Plain-text seeds are cut or grown with paragraphs of the other seeds; HTML seeds are kept
    whole. Ids are positions ("0", "1", ...); a phase prefixes them to keep its rows apart.
    """
    rng = random.Random(seed)
    seeds = seed_articles()
    texts = [s for s in seeds if s.get("text")]
    spare = [block for s in texts for block in paragraphs(s["text"])[2:-3]]
    articles = []
    for index in range(n):
        article = dict(seeds[index % len(seeds)])
        if article.get("text"):
            factor = rng.choice((0.4, 0.7, 1.0, 1.0, 1.5, 2.0))
            article["text"] = vary_text(article["text"], rng.sample(spare, len(spare)), factor)
        article["id"] = str(index)
        articles.append(article)
    return articles


def with_ids(articles: Sequence[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [{**article, "id": f"{prefix}{article['id']}"} for article in articles]


def clean_bodies(articles: Sequence[dict[str, Any]]) -> list[str]:
    """Return the bodies the entities stage receives for these articles."""
    return [clean_article(RawArticle.model_validate(a)).body for a in articles]


# ---------------------------------------------------------------- services and workers


@contextmanager
def services(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Yield (bootstrap, database_url): the ones given, else a throwaway local stack."""
    if args.bootstrap and args.database_url:
        yield args.bootstrap, args.database_url
        return
    from streams.stack import local_stack

    cache = Path(os.environ.get("NEWSFLOW_CACHE_DIR", Path.home() / ".cache" / "newsflow"))
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-bench-") as root,
        local_stack(Path(root), cache) as found,
    ):
        yield found


@dataclass
class Workers:
    """Stage worker processes (`python -m streams worker <stage>`), logs in one folder."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    def start(self, stage: str, name: str) -> None:
        self.processes[name] = start_worker(stage, self.env, self.log_dir / f"{name}.log", REPO)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise BenchError(
                    f"worker {name} exited with {process.returncode}; see {self.log_dir}"
                )

    def record_rss(self) -> None:
        """Keep each running worker's peak resident set: the kernel's VmHWM of the worker
        process plus that of each process it started (the entities stage's spaCy process)."""
        trees = process_trees([process.pid for process in self.processes.values()])
        for name, process in self.processes.items():
            peaks = [vm_hwm_mb(pid) for pid in trees[process.pid]]
            peak = sum(mb for mb in peaks if mb is not None)
            if peak:
                self.peak_rss_mb[name] = max(peak, self.peak_rss_mb.get(name, 0.0))

    def cpu_seconds(self) -> dict[str, float]:
        """Return the CPU time (user + system) each running worker, with the processes it
        started, has used so far."""
        trees = process_trees([process.pid for process in self.processes.values()])
        used = {
            name: [cpu_seconds(pid) for pid in trees[process.pid]]
            for name, process in self.processes.items()
        }
        return {
            name: sum(s for s in seconds if s is not None)
            for name, seconds in used.items()
            if seconds and seconds[0] is not None
        }

    def stop_all(self, timeout: float = 30.0) -> None:
        self.record_rss()
        stop_processes(self.processes.values(), timeout)
        self.processes.clear()


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


def process_trees(pids: Sequence[int]) -> dict[int, list[int]]:
    """Return each of `pids` with the pids of its living descendants (one pass over /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    trees = {}
    for pid in pids:
        tree, index = [pid], 0
        while index < len(tree):
            tree += children.get(tree[index], [])
            index += 1
        trees[pid] = tree
    return trees


def vm_hwm_mb(pid: int) -> float | None:
    """Return the peak resident set of process `pid` in MB, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def cpu_seconds(pid: int) -> float | None:
    """Return the CPU time process `pid` has used, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc(5), counted after the ")" that ends the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_env(bootstrap: str, database_url: str) -> dict[str, str]:
    """Return this process's environment (NEWSFLOW_* tuning included) pointed at the services."""
    env = dict(os.environ)
    env.update(
        NEWSFLOW_KAFKA_BOOTSTRAP=bootstrap,
        NEWSFLOW_DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_for(condition: Callable[[], bool], timeout: float, what: str, workers: Workers) -> None:
    """Poll `condition` every 0.2 s; raise BenchError saying `what` did not happen in time."""

    def watch() -> None:
        workers.check_alive()
        workers.record_rss()

    if not wait_until(condition, timeout, interval=0.2, between=watch):
        raise BenchError(f"{what} did not happen within {timeout:.0f}s; logs: {workers.log_dir}")


def wait_groups(bootstrap: str, members: dict[str, int], workers: Workers) -> None:
    """Wait until each stage's group has its expected count of members, each with partitions."""

    def settled() -> bool:
        for stage, count in members.items():
            held = group_members(bootstrap, stage_named(stage).group)
            if len(held) != count or not all(held):
                return False
        return True

    wait_for(settled, 120, f"consumer groups settling at {members}", workers)


# ---------------------------------------------------------------- database


def stored_count(conn: psycopg.Connection, prefix: str) -> int:
    (count,) = conn.execute(
        "SELECT count(*) FROM articles WHERE id LIKE %s", (prefix + "%",)
    ).fetchone() or (0,)
    return int(count)


def stored_times(conn: psycopg.Connection, prefix: str) -> list[tuple[str, int | None, float]]:
    """Return (id, published_ms, stored_at in epoch ms) of the rows whose id starts with prefix."""
    rows = conn.execute(
        "SELECT id, published_ms, extract(epoch FROM stored_at) * 1000 FROM articles"
        " WHERE id LIKE %s",
        (prefix + "%",),
    ).fetchall()
    return [(row[0], row[1], float(row[2])) for row in rows]


def check_present_once(rows: Sequence[tuple[str, Any, Any]], ids: Sequence[str]) -> None:
    """Raise BenchError unless `rows` hold each id exactly once and nothing else."""
    stored = [row[0] for row in rows]
    missing = set(ids) - set(stored)
    extra = set(stored) - set(ids)
    if missing or extra or len(stored) != len(set(stored)):
        raise BenchError(
            f"stored rows do not match: {len(missing)} missing, {len(extra)} unexpected,"
            f" {len(stored) - len(set(stored))} duplicated"
        )


def wait_stored(
    conn: psycopg.Connection, prefix: str, n: int, workers: Workers, timeout: float
) -> None:
    wait_for(
        lambda: stored_count(conn, prefix) >= n, timeout, f"{n} rows {prefix}* stored", workers
    )


# ---------------------------------------------------------------- phases


def measure_bare(bodies: Sequence[str], settings: Settings) -> tuple[float, float]:
    """Return articles/s and CPU ms per article of nlp.pipe over `bodies`, as the stage runs it."""
    parse_all = warmed_up_parser(settings, bodies[:8])
    started, cpu_started = time.perf_counter(), time.process_time()
    parse_all(bodies)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(bodies)
    return len(bodies) / (time.perf_counter() - started), cpu_ms


def measure_bare_parallel(bodies: Sequence[str], settings: Settings, processes: int) -> float:
    """Return articles/s of nlp.pipe over `bodies` split across `processes` at once.

    The NLP limit of scaling on this machine: what `processes` spaCy processes do together
    with nothing else running.
    """
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(
            target=_pipe_after_barrier, args=(bodies[i::processes], settings, start, results)
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    finished = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return len(bodies) / (max(finished) - started)


def _pipe_after_barrier(
    bodies: Sequence[str], settings: Settings, start: Any, results: Any
) -> None:
    parse_all = warmed_up_parser(settings, bodies[:8])
    start.wait()
    parse_all(bodies)
    results.put(time.perf_counter())


def warmed_up_parser(settings: Settings, warm_up: Sequence[str]) -> Callable[[Sequence[str]], None]:
    """Return a function that runs the stage's nlp.pipe over bodies, after one call on `warm_up`
    (the first call builds spaCy's caches)."""
    from streams.nlp.model import load_model

    nlp = load_model(settings.spacy_model)

    def parse_all(bodies: Sequence[str]) -> None:
        for _ in nlp.pipe(bodies, batch_size=settings.nlp_batch_size):
            pass

    parse_all(warm_up)
    return parse_all


def publish(bootstrap: str, articles: Sequence[dict[str, Any]], topic: str = RAW) -> float:
    """Publish `articles` keyed by id; return the epoch ms just before the first send."""
    client = producer(bootstrap)
    try:
        started_ms = time.time() * 1000
        for article in articles:
            client.send(topic, key=article["id"].encode(), value=orjson.dumps(article))
        client.flush()
    finally:
        client.close()
    return started_ms


def publish_at_rate(bootstrap: str, articles: Sequence[dict[str, Any]], rate: float) -> None:
    """Publish `articles` one by one, evenly spaced at `rate` per second."""
    client = producer(bootstrap)
    try:
        started = time.monotonic()
        for index, article in enumerate(articles):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            client.send(RAW, key=article["id"].encode(), value=orjson.dumps(article))
        client.flush()
    finally:
        client.close()


def warm_up(
    bootstrap: str,
    conn: psycopg.Connection,
    articles: Sequence[dict[str, Any]],
    prefix: str,
    workers: Workers,
) -> None:
    """Push a few articles through every stage, so the timed run starts on warm workers."""
    batch = with_ids(articles, prefix)
    publish(bootstrap, batch)
    wait_stored(conn, prefix, len(batch), workers, timeout=180)


def measure_pipeline(
    bootstrap: str,
    conn: psycopg.Connection,
    articles: Sequence[dict[str, Any]],
    prefix: str,
    workers: Workers,
) -> float:
    """Return articles/s from the first publish to the last row committed, all rows checked."""
    batch = with_ids(articles, prefix)
    started_ms = publish(bootstrap, batch)
    wait_stored(conn, prefix, len(batch), workers, timeout=max(300.0, len(batch)))
    rows = stored_times(conn, prefix)
    check_present_once(rows, [a["id"] for a in batch])
    finished_ms = max(stored_at for _, _, stored_at in rows)
    return len(batch) / ((finished_ms - started_ms) / 1000)


def measure_latency(
    bootstrap: str,
    conn: psycopg.Connection,
    articles: Sequence[dict[str, Any]],
    prefix: str,
    rate: float,
    workers: Workers,
) -> list[float]:
    """Publish at `rate`/s; return each article's publish -> stored latency in ms."""
    publish_at_rate(bootstrap, with_ids(articles, prefix), rate)
    wait_stored(conn, prefix, len(articles), workers, timeout=300)
    rows = stored_times(conn, prefix)
    check_present_once(rows, [prefix + a["id"] for a in articles])
    return [stored_at - published for _, published, stored_at in rows if published is not None]


def measure_sink(
    bootstrap: str,
    conn: psycopg.Connection,
    records: Sequence[bytes],
    workers: Workers,
    prefix: str,
) -> dict[str, float | None]:
    """Pre-fill articles.enriched with `records`, start one sink; return its figures.

    Rows/s between the first and the last transaction (a transaction's rows share one
    stored_at), so the worker's start-up does not count; None when one transaction held all.
    And the CPU each stored article cost the sink worker and the PostgreSQL server on this
    host, from the first stored row to the last: CPU time does not shrink when a noisy
    neighbour slows the clock, so these two compare runs that rows/s cannot.
    """
    publish_raw(bootstrap, ENRICHED, records)
    workers.start("sink", "sink-alone")
    wait_for(lambda: stored_count(conn, prefix) > 0, 300, f"a row {prefix}* stored", workers)
    first_count, first_cpu = stored_count(conn, prefix), sink_cpu_seconds(workers)
    wait_stored(conn, prefix, len(records), workers, timeout=300)
    last_cpu = sink_cpu_seconds(workers)
    rows = stored_times(conn, prefix)
    check_present_once(rows, [orjson.loads(r)["id"] for r in records])
    times = sorted(stored_at for _, _, stored_at in rows)
    last_batch = sum(1 for t in times if t == times[-1])
    span_s = (times[-1] - times[0]) / 1000
    stored_since = len(records) - first_count
    # CPU time counts in clock ticks (10 ms): a tiny run may show 0.0, which is its figure.
    per_article = [
        (last - first) * 1000 / stored_since if stored_since > 0 else None
        for first, last in zip(first_cpu, last_cpu, strict=True)
    ]
    return {
        "sink_articles_per_s": (len(times) - last_batch) / span_s if span_s > 0 else None,
        "sink_worker_cpu_ms_per_article": per_article[0],
        "sink_database_cpu_ms_per_article": per_article[1],
    }


def sink_cpu_seconds(workers: Workers) -> tuple[float, float]:
    """Return the CPU seconds the sink worker and this host's PostgreSQL processes used so far."""
    database = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if command == "postgres":
                database += cpu_seconds(int(entry.name)) or 0.0
    return workers.cpu_seconds().get("sink-alone", 0.0), database


def measure_parquet_sink(bootstrap: str, workers: Workers) -> float | None:
    """Start one Parquet sink on articles.enriched as it stands; return its rows/s.

    It reads every record on the topic (the sink phase's and the earlier phases'). Rows/s from
    the first file written to the last (a file's rows share its write time), as for the
    PostgreSQL sink; None when one write held all.
    """
    expected = sum(end_offsets(bootstrap, ENRICHED).values())
    folder = Path(tempfile.mkdtemp(prefix="newsflow-bench-parquet-"))
    workers.env["NEWSFLOW_PARQUET_DIR"] = str(folder)
    workers.start("sink-parquet", "sink-parquet-alone")

    def files() -> list[tuple[float, int]]:
        """(write time, rows) of each file written so far."""
        return [
            (path.stat().st_mtime, pq.read_metadata(path).num_rows)
            for path in folder.rglob("*.parquet")
        ]

    wait_for(lambda: sum(rows for _, rows in files()) >= expected, 300, "Parquet rows", workers)
    written = sorted(files())
    span_s = written[-1][0] - written[0][0]
    if span_s <= 0:
        return None
    return (expected - written[0][1]) / span_s


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Return the end offset of each partition of `topic`."""
    from kafka import TopicPartition

    client = consumer(bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in client.partitions_for_topic(topic) or []]
        return {tp.partition: end for tp, end in client.end_offsets(partitions).items()}
    finally:
        client.close()


def publish_raw(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    client = producer(bootstrap)
    try:
        for value in values:
            client.send(topic, key=orjson.loads(value)["id"].encode(), value=value)
        client.flush()
    finally:
        client.close()


def enriched_copies(articles: Sequence[dict[str, Any]], prefix: str, n: int) -> list[bytes]:
    """Return n enriched records, made in-process from `articles` and copied under new ids."""
    from streams.nlp.enrich import enrich
    from streams.nlp.model import load_model

    raws = [RawArticle.model_validate(article) for article in articles]
    records = enrich(raws, load_model(Settings().spacy_model))
    return [
        records[index % len(records)]
        .model_copy(update={"id": f"{prefix}{index}"})
        .model_dump_json()
        .encode()
        for index in range(n)
    ]


# ---------------------------------------------------------------- report


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def meets(key: str, value: float | None) -> str:
    if key not in TARGETS or value is None or math.isnan(value):
        return ""
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return "yes" if ok else "NO"


def table(figures: dict[str, Any]) -> str:
    """Render the figures with their targets as a plain-text table."""
    lines = [f"{'figure':36} {'measured':>10} {'target':>10}  met"]
    for key in JSON_KEYS:
        value = figures.get(key)
        shown = "-" if value is None else f"{value:,.2f}"
        op, target = TARGETS.get(key, ("", None))
        wanted = "" if target is None else f"{op} {target:g}"
        lines.append(f"{key:36} {shown:>10} {wanted:>10}  {meets(key, value)}")
    for name, rss in sorted(figures.get("rss_mb_by_worker", {}).items()):
        lines.append(f"  peak RSS MB {name:23} {rss:>10,.1f}")
    if figures.get("bare_cpu_ms_per_article") is not None:
        lines.append(
            f"  CPU ms/article {'bare nlp.pipe':20} {figures['bare_cpu_ms_per_article']:>10,.1f}"
        )
    for name, cpu in sorted((figures.get("cpu_ms_per_article_by_worker") or {}).items()):
        lines.append(f"  CPU ms/article {name:20} {cpu:>10,.1f}")
    for name, seconds in sorted((figures.get("nlp_cpu_s_by_worker_two") or {}).items()):
        lines.append(f"  CPU s in phase two {name:16} {seconds:>10,.1f}")
    if figures.get("nlp_busier_worker_share_two"):
        share = figures["nlp_busier_worker_share_two"]
        lines.append(f"  busier {NLP_STAGE} worker / mean, phase two {share:>7,.2f}")
    return "\n".join(lines)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen phases; return the figures (None for a phase not run)."""
    phases = set(args.phases.split(","))
    figures: dict[str, Any] = dict.fromkeys(JSON_KEYS)
    figures.update(n=args.n, cores=os.cpu_count(), load_before=load_average())
    articles = make_articles(args.n)
    settings = Settings()
    bodies = clean_bodies(articles) if "bare" in phases else []
    if "bare" in phases:
        print(f"bare: nlp.pipe over {args.n} bodies ...", file=sys.stderr)
        figures["bare_articles_per_s"], figures["bare_cpu_ms_per_article"] = measure_bare(
            bodies, settings
        )
        if args.nlp_workers > 1:
            print(f"bare: {args.nlp_workers} processes at once ...", file=sys.stderr)
            parallel = measure_bare_parallel(bodies, settings, args.nlp_workers)
            figures["bare_speedup_2_processes"] = parallel / figures["bare_articles_per_s"]
    if phases & {"one", "latency", "two", "sink"}:
        with services(args) as (bootstrap, database_url):
            run_against(bootstrap, database_url, articles, bodies, phases, args, figures)
    bare, one, two = (
        figures["bare_articles_per_s"],
        figures["pipeline_articles_per_s"],
        figures["pipeline_2_workers_articles_per_s"],
    )
    if bare and figures.get("bare_after_articles_per_s"):
        bare = (bare + figures["bare_after_articles_per_s"]) / 2
    if bare and one:
        figures["ratio"] = one / bare
    nlp_cpu = (figures.get("cpu_ms_per_article_by_worker") or {}).get(f"{NLP_STAGE}-1")
    if figures.get("bare_cpu_ms_per_article") and nlp_cpu:
        # What the ratio would be with a core for the NLP worker alone: robust to other load.
        figures["ratio_cpu"] = figures["bare_cpu_ms_per_article"] / nlp_cpu
    if one and two:
        figures["speedup_2_workers"] = two / one
    figures["load_after"] = load_average()
    return figures


def run_against(
    bootstrap: str,
    database_url: str,
    articles: list[dict[str, Any]],
    bodies: Sequence[str],
    phases: set[str],
    args: argparse.Namespace,
    figures: dict[str, Any],
) -> None:
    """Run the phases that need the broker and database."""
    from streams.sinks.postgres.migrations import migrate

    settings = Settings(kafka_bootstrap=bootstrap, database_url=database_url)
    create_topics(bootstrap, settings.partitions, settings.replication_factor)
    migrate(database_url)
    run_id = f"bench-{uuid.uuid4().hex[:8]}-"
    log_dir = Path(tempfile.mkdtemp(prefix="newsflow-bench-logs-"))
    workers = Workers(worker_env(bootstrap, database_url), log_dir)
    warm = articles[: 4 * settings.partitions]
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            if phases & {"one", "latency", "two"}:
                for stage in PIPELINE_STAGES:
                    workers.start(stage, f"{stage}-1")
                wait_groups(bootstrap, dict.fromkeys(PIPELINE_STAGES, 1), workers)
                warm_up(bootstrap, conn, warm, run_id + "warm1-", workers)
            if phases & {"one", "latency"}:
                print(f"one: pipeline, 1 worker per stage, {args.n} articles ...", file=sys.stderr)
                cpu_before = workers.cpu_seconds()
                figures["pipeline_articles_per_s"] = measure_pipeline(
                    bootstrap, conn, articles, run_id + "one-", workers
                )
                figures["cpu_ms_per_article_by_worker"] = {
                    name: (seconds - cpu_before.get(name, 0.0)) * 1000 / args.n
                    for name, seconds in workers.cpu_seconds().items()
                }
                if "bare" in phases:
                    # Again, right after: the machine's speed drifts (shared hosts), and the
                    # ratio compares the pipeline with the mean of the two bare runs around it.
                    print("bare: again, after phase one ...", file=sys.stderr)
                    figures["bare_after_articles_per_s"], _ = measure_bare(bodies, settings)
            if "latency" in phases:
                rate = args.load * figures["pipeline_articles_per_s"]
                count = max(10, round(rate * args.latency_s))
                print(f"latency: {count} articles at {rate:.1f}/s ...", file=sys.stderr)
                latencies = measure_latency(
                    bootstrap, conn, make_articles(count), run_id + "lat-", rate, workers
                )
                figures["latency_rate_per_s"] = rate
                for key, fraction in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
                    figures[key] = percentile(latencies, fraction)
            if "two" in phases:
                for index in range(2, args.nlp_workers + 1):
                    workers.start(NLP_STAGE, f"{NLP_STAGE}-{index}")
                wait_groups(bootstrap, {NLP_STAGE: args.nlp_workers}, workers)
                warm_up(bootstrap, conn, warm, run_id + "warm2-", workers)
                print(f"two: {args.nlp_workers} {NLP_STAGE} workers ...", file=sys.stderr)
                cpu_before = workers.cpu_seconds()
                figures["pipeline_2_workers_articles_per_s"] = measure_pipeline(
                    bootstrap, conn, articles, run_id + "two-", workers
                )
                nlp_cpu_s = {
                    name: seconds - cpu_before.get(name, 0.0)
                    for name, seconds in workers.cpu_seconds().items()
                    if name.startswith(NLP_STAGE)
                }
                figures["nlp_cpu_s_by_worker_two"] = nlp_cpu_s
                # Each worker reads the partitions it was given, and the article ids decide how
                # many articles each partition gets: the busier worker sets phase two's end.
                figures["nlp_busier_worker_share_two"] = max(nlp_cpu_s.values()) / (
                    sum(nlp_cpu_s.values()) / len(nlp_cpu_s)
                )
            workers.stop_all()
            if "sink" in phases:
                records = enriched_copies(articles[:16], run_id + "sink-", args.sink_n)
                print(f"sink: {len(records)} pre-filled records ...", file=sys.stderr)
                figures.update(measure_sink(bootstrap, conn, records, workers, run_id + "sink-"))
                print("sink: the Parquet sink over the same topic ...", file=sys.stderr)
                figures["sink_parquet_articles_per_s"] = measure_parquet_sink(bootstrap, workers)
    finally:
        workers.stop_all()
    nlp = [rss for name, rss in workers.peak_rss_mb.items() if name.startswith(NLP_STAGE)]
    # The Parquet sink carries pyarrow (~60 MB): its own figure, not one of the other workers'.
    parquet = [rss for name, rss in workers.peak_rss_mb.items() if name.startswith("sink-parquet")]
    other = [
        rss
        for name, rss in workers.peak_rss_mb.items()
        if not name.startswith((NLP_STAGE, "sink-parquet"))
    ]
    figures["rss_mb_parquet_sink"] = max(parquet, default=None)
    figures["rss_mb_nlp_max"] = max(nlp, default=None)
    figures["rss_mb_other_max"] = max(other, default=None)
    figures["rss_mb_by_worker"] = workers.peak_rss_mb
    figures["worker_logs"] = str(log_dir)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--n", type=int, default=500, help="articles per throughput phase")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES)
    )
    parser.add_argument("--nlp-workers", type=int, default=2, help="entities workers in phase two")
    parser.add_argument(
        "--load", type=float, default=0.5, help="latency rate as a fraction of phase one's"
    )
    parser.add_argument(
        "--latency-s", type=float, default=30.0, help="how long the latency phase publishes"
    )
    parser.add_argument(
        "--sink-n", type=int, default=10000, help="records pre-filled for the sink phase"
    )
    parser.add_argument(
        "--bootstrap", help="a running Kafka broker (else a local stack is started)"
    )
    parser.add_argument("--database-url", help="a running PostgreSQL database (with --bootstrap)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        figures = run(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    print(
        f"newsflow pipeline benchmark: N={args.n}, {figures['cores']} cores,"
        f" load {figures['load_before']} -> {figures['load_after']}"
    )
    print(table(figures))
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
