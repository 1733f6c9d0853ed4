"""Prometheus metrics, `/health` and `/ready` for each worker process.

Every worker serves `/metrics` (Prometheus text format), `/health` and `/ready` (JSON) over
HTTP. Ports: a worker tries NEWSFLOW_METRICS_PORT first and takes the next free port above it
when that is busy (several workers on one host get 9400, 9401, ...); the port it took is
logged, and NEWSFLOW_METRICS_PORT=0 lets the kernel pick one. A negative port turns it off.

Counters are per process; Prometheus sums them over a stage's workers (`sum by (stage)`).
Consumer lag is not here: a worker sees only its own partitions, and only while it runs, so
`newsflow lag --serve` exports it from the broker's committed offsets (streams/ops/lag.py).
"""

from __future__ import annotations

import json
import logging
import platform
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from streams.config import Settings
from streams.runtime.http import bind, reply

log = logging.getLogger(__name__)

# How many ports above the first one a worker tries before it gives up on serving metrics.
PORT_ATTEMPTS = 100
TICK_S = 5.0

# From 1 ms: the clean stage's batches take a few ms, and with a first bucket of 50 ms nearly
# all of them fell in it, which left its quantiles meaningless. Up to 15 min for a backlog.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1, 2.5, 5, 10, 30, 60, 120, 300, 900,
)  # fmt: skip

PROCESSED = Counter(
    "newsflow_events_processed",
    "Input events a stage has finished: output acknowledged by the broker (the sink: "
    "committed to PostgreSQL) or dead-lettered.",
    ["stage"],
)
FAILED = Counter(
    "newsflow_events_failed",
    "Input events a stage could not process (bad input, or refused by the broker or the "
    "database), by error type; each is dead-lettered.",
    ["stage", "error"],
)
DEAD_LETTERED = Counter(
    "newsflow_events_dead_lettered",
    "Dead letters the broker acknowledged on articles.dlq.",
    ["stage"],
)
RETRIED = Counter(
    "newsflow_retries",
    "Passing failures retried with backoff (broker send, database write).",
    ["stage", "target"],
)
BATCH_SECONDS = Histogram(
    "newsflow_batch_processing_seconds",
    "Time from receiving a batch to having all its outputs acknowledged (the sink: committed).",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
PUBLISH_LATENCY = Histogram(
    "newsflow_publish_to_commit_seconds",
    "Time from an article's publication to articles.raw (its Kafka timestamp) until this "
    "stage's output for it is acknowledged; for the sink, until its row is committed.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
LAST_BATCH = Gauge(
    "newsflow_last_batch_timestamp_seconds",
    "Unix time when this worker last finished a batch.",
    ["stage"],
)
ASSIGNED = Gauge(
    "newsflow_partition_assigned",
    "1 for each partition this worker holds; a revoked partition's series is removed.",
    ["stage", "topic", "partition"],
)
WRITE_FAILING_SINCE = Gauge(
    "newsflow_write_failing_since_timestamp_seconds",
    "Unix time since when the sink's destination has refused every write attempt (it is away, "
    "full or busy); 0 while writes succeed.",
    ["stage"],
)
BUILD_INFO = Gauge(
    "newsflow_build_info",
    "Always 1; the labels say which newsflow version and spaCy model this process runs.",
    ["version", "spacy_model", "python"],
)


def build_labels(spacy_model: str) -> dict[str, str]:
    """Return the labels of `newsflow_build_info`: package version, spaCy model, Python."""
    try:
        package = version("newsflow")
    except PackageNotFoundError:  # run from a source tree that was never installed
        package = "unknown"
    return {"version": package, "spacy_model": spacy_model, "python": platform.python_version()}


@dataclass(frozen=True)
class Limits:
    """How long each sign of no progress may last before `/health` fails (seconds)."""

    # The event loop has not ticked: something blocks it.
    loop_silent_s: float = 30.0
    # The sink's destination has refused every write (Backpressure) for this long.
    write_failing_s: float = 60.0
    # The worker has held no assignment (not even a standby's empty one) for this long: it
    # is out of its group, and rejoining fails.
    unassigned_s: float = 120.0


class Health:
    """What `/health` and `/ready` report for one stage's worker in this process.

    Healthy: alive and able to make progress (the loop ticks, the sink can write, the worker is
    in its group). Ready: started and joined its group, with partitions or as a standby.
    """

    def __init__(
        self, stage: str, limits: Limits | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.stage = stage
        self.limits = limits or Limits()
        self._clock = clock
        self.started = clock()
        self.last_tick = self.started
        self.unassigned_since: float | None = self.started
        self.partitions: frozenset[tuple[str, int]] = frozenset()
        self.write_failing_since: float | None = None

    def begin(self) -> None:
        """Start the clocks again: the worker's app starts now (building it may take long)."""
        self.started = self.last_tick = self._clock()
        if self.unassigned_since is not None:
            self.unassigned_since = self.started

    def tick(self) -> None:
        self.last_tick = self._clock()

    def assigned(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Note the worker's whole new assignment (empty: a standby) after a rebalance."""
        held = frozenset(partitions)
        for topic, partition in self.partitions - held:
            forget_partition(self.stage, topic, partition)
        for topic, partition in held:
            ASSIGNED.labels(self.stage, topic, str(partition)).set(1)
        self.partitions = held
        self.unassigned_since = None

    def revoked(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Note partitions taken at the start of a rebalance: out of the group until assigned."""
        gone = frozenset(partitions)
        for topic, partition in gone & self.partitions:
            forget_partition(self.stage, topic, partition)
        self.partitions -= gone
        if self.unassigned_since is None:
            self.unassigned_since = self._clock()

    def write_failed(self) -> None:
        """Note a write the destination refused; the first of a run starts the clock."""
        if self.write_failing_since is None:
            self.write_failing_since = self._clock()
            WRITE_FAILING_SINCE.labels(self.stage).set(self.write_failing_since)

    def write_taken(self) -> None:
        """Note a write that succeeded: the destination takes writes again."""
        if self.write_failing_since is not None:
            self.write_failing_since = None
            WRITE_FAILING_SINCE.labels(self.stage).set(0)

    def problems(self) -> list[str]:
        """Return why the worker cannot make progress: one line per failing check (none: ok)."""
        now = self._clock()
        limits = self.limits
        found = []
        if now - self.last_tick >= limits.loop_silent_s:
            found.append(f"event loop silent for {now - self.last_tick:.0f}s")
        failing = self.write_failing_since
        if failing is not None and now - failing >= limits.write_failing_s:
            found.append(f"every write refused for {now - failing:.0f}s")
        unassigned = self.unassigned_since
        if unassigned is not None and now - unassigned >= limits.unassigned_s:
            found.append(f"no partition assignment for {now - unassigned:.0f}s")
        return found

    def report(self) -> tuple[bool, dict[str, Any]]:
        """Return whether the worker is healthy, and the JSON body of `/health` that says so."""
        now = self._clock()
        problems = self.problems()
        failing = self.write_failing_since
        return not problems, {
            "status": "ok" if not problems else "failing",
            "stage": self.stage,
            "problems": problems,
            "uptime_s": round(now - self.started, 1),
            "loop_silent_s": round(now - self.last_tick, 1),
            "write_failing_s": None if failing is None else round(now - failing, 1),
        }

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Return whether the worker is ready, and the JSON body of `/ready` that says so."""
        ready = self.unassigned_since is None
        role = None if not ready else "active" if self.partitions else "standby"
        return ready, {
            "status": "ready" if ready else "joining",
            "stage": self.stage,
            "role": role,
            "partitions": sorted(f"{topic}:{partition}" for topic, partition in self.partitions),
        }


def forget_partition(stage: str, topic: str, partition: int) -> None:
    """Remove a partition's series: it moved to another worker, which reports it now."""
    with suppress(KeyError):  # never set: nothing to remove
        ASSIGNED.remove(stage, topic, str(partition))


_HEALTH: dict[str, Health] = {}


def health_of(stage: str) -> Health:
    """Return this process's Health of `stage` (the sink's writer and `/health` share it)."""
    if stage not in _HEALTH:
        _HEALTH[stage] = Health(stage)
    return _HEALTH[stage]


def batch_done(
    stage: str,
    events: Sequence[Any],
    started: float,
    published_ms: Iterable[int | None] = (),
    now_ms: int | None = None,
) -> None:
    """Record a finished batch: its count, duration and publish latency.

    `started` is a `time.monotonic()` reading taken when the batch arrived; `published_ms`
    holds when each of the batch's articles was published to articles.raw (the records'
    `published_ms`, taken from what the stage decoded); `now_ms` is the wall clock in epoch
    ms (default: now). Call it once every output of the batch is acknowledged (the sink:
    committed).
    """
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    PROCESSED.labels(stage).inc(len(events))
    BATCH_SECONDS.labels(stage).observe(time.monotonic() - started)
    LAST_BATCH.labels(stage).set(now_ms / 1000)
    latency = PUBLISH_LATENCY.labels(stage)
    for published in published_ms:
        if published is not None:
            latency.observe(max(0.0, (now_ms - published) / 1000))


# A check behind an HTTP path: whether it passes, and the JSON body that says why.
Check = Callable[[], tuple[bool, dict[str, Any]]]


def make_handler(
    checks: dict[str, Check], registry: CollectorRegistry = REGISTRY
) -> type[BaseHTTPRequestHandler]:
    """Return a request handler serving `/metrics` and each check (200 passing, 503 not)."""
    paths = " or ".join(["/metrics", *checks])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                reply(self, 200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif path in checks:
                passing, body = checks[path]()
                reply(self, 200 if passing else 503, "application/json", json.dumps(body).encode())
            else:
                reply(self, 404, "text/plain; charset=utf-8", f"try {paths}\n".encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would drown the log

    return Handler


def serve_http(
    host: str,
    first_port: int,
    checks: dict[str, Check],
    registry: CollectorRegistry = REGISTRY,
    attempts: int = PORT_ATTEMPTS,
) -> ThreadingHTTPServer:
    """Serve `/metrics` and `checks` from a daemon thread; return the bound server."""
    server = bind(host, first_port, make_handler(checks, registry), attempts=attempts)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def worker_checks(health: Health) -> dict[str, Check]:
    """Return a worker's checks: `/health` (and `/healthz`) and `/ready`."""
    return {"/health": health.report, "/healthz": health.report, "/ready": health.readiness}


def serve(host: str, first_port: int, health: Health) -> ThreadingHTTPServer:
    """Serve a worker's `/metrics`, `/health` and `/ready`; return the bound server."""
    return serve_http(host, first_port, worker_checks(health))


def partitions_of(tps: Iterable[Any]) -> list[tuple[str, int]]:
    """Return Faust's topic-partitions as (topic, partition) pairs."""
    return [(tp.topic, tp.partition) for tp in tps]


def instrument(app: Any, stage: str, settings: Settings) -> Health:
    """Serve this worker's metrics, health and readiness once `app` starts; keep them current.

    Faust's rebalance signals keep the assignment (and the per-partition series) current: a
    revoked partition's series goes at once, so a partition that moved is reported once, by
    the worker that holds it now.
    """
    health = health_of(stage)
    health.limits = Limits(
        loop_silent_s=settings.health_loop_silent_s,
        write_failing_s=settings.health_write_failing_s,
        unassigned_s=settings.health_unassigned_s,
    )
    BUILD_INFO.labels(**build_labels(settings.spacy_model)).set(1)
    for counter in (PROCESSED, DEAD_LETTERED):
        counter.labels(stage)  # a series from the start, so rate() and alerts see zero
    WRITE_FAILING_SINCE.labels(stage).set(0)
    host, first_port = settings.metrics_host, settings.metrics_port

    def on_assigned(sender: Any, assigned: Iterable[Any], **kwargs: Any) -> None:
        health.assigned(partitions_of(assigned))

    def on_revoked(sender: Any, revoked: Iterable[Any], **kwargs: Any) -> None:
        health.revoked(partitions_of(revoked))

    app.on_partitions_assigned.connect(on_assigned)
    app.on_partitions_revoked.connect(on_revoked)

    @app.task
    async def start_metrics() -> None:
        health.begin()
        if first_port < 0:
            return
        try:
            server = serve(host, first_port, health)
        except OSError as error:
            log.warning("metrics and health are off: %s", error)
            return
        bound_host, port = server.server_address[:2]
        log.info(
            "%s metrics on http://%s:%d/metrics, health on /health, readiness on /ready",
            stage,
            bound_host,
            port,
        )

    @app.timer(TICK_S)
    async def tick() -> None:
        health.tick()

    return health
