"""Prometheus metrics and a health endpoint for each worker process.

Every worker serves `/metrics` (Prometheus text format) and `/health` (JSON) over HTTP. Ports:
a worker tries NEWSFLOW_METRICS_PORT first and takes the next free port above it when that is
busy (several workers on one host get 9400, 9401, ...); the port it took is logged, and
NEWSFLOW_METRICS_PORT=0 lets the kernel pick one. A negative port turns the endpoint off.

Counters are per process; Prometheus sums them over a stage's workers (`sum by (stage)`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from streams.runtime.http import bind, reply

log = logging.getLogger(__name__)

# How many ports above the first one a worker tries before it gives up on serving metrics.
PORT_ATTEMPTS = 100
# The worker is unhealthy when its event loop has not ticked for this long (it is stuck).
STALE_AFTER_S = 30.0
TICK_S = 5.0

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

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
LAG = Gauge(
    "newsflow_consumer_lag",
    "Messages in the partition after the last one this worker processed (high watermark "
    "minus next offset), as of its last batch.",
    ["stage", "topic", "partition"],
)
LAST_BATCH = Gauge(
    "newsflow_last_batch_timestamp_seconds",
    "Unix time when this worker last finished a batch.",
    ["stage"],
)


class Health:
    """What `/health` reports: the stage, and whether the worker's event loop still ticks."""

    def __init__(self, stage: str, clock: Callable[[], float] = time.time) -> None:
        self.stage = stage
        self._clock = clock
        self.started = clock()
        self.last_tick = self.started

    def tick(self) -> None:
        self.last_tick = self._clock()

    def report(self) -> tuple[bool, dict[str, Any]]:
        """Return whether the worker is healthy, and the JSON body that says so."""
        now = self._clock()
        silent = now - self.last_tick
        healthy = silent < STALE_AFTER_S
        return healthy, {
            "status": "ok" if healthy else "stuck",
            "stage": self.stage,
            "uptime_s": round(now - self.started, 1),
            "loop_silent_s": round(silent, 1),
        }


def batch_done(
    stage: str,
    events: Sequence[Any],
    started: float,
    published_ms: Iterable[int | None] = (),
    now_ms: int | None = None,
) -> None:
    """Record a finished batch: count, duration, publish latency and the partitions' lag.

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
    for (topic, partition), lag in partition_lags(events).items():
        LAG.labels(stage, topic, str(partition)).set(lag)


def partition_lags(events: Sequence[Any]) -> dict[tuple[str, int], int]:
    """Return, per partition in the batch, how many messages remain after its last event."""
    last: dict[Any, int] = {}
    for event in events:
        message = event.message
        last[message.tp] = max(message.offset, last.get(message.tp, -1))
    lags: dict[tuple[str, int], int] = {}
    for tp, offset in last.items():
        try:
            highwater = events[0].app.consumer.highwater(tp)
        except Exception:  # no consumer (tests) or partition just revoked: no figure
            continue
        if highwater is not None:
            lags[(tp.topic, tp.partition)] = max(0, highwater - offset - 1)
    return lags


def make_handler(
    health: Health, registry: CollectorRegistry = REGISTRY
) -> type[BaseHTTPRequestHandler]:
    """Return a request handler serving `/metrics` and `/health`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                reply(self, 200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif path in ("/health", "/healthz"):
                healthy, body = health.report()
                reply(self, 200 if healthy else 503, "application/json", json.dumps(body).encode())
            else:
                reply(self, 404, "text/plain; charset=utf-8", b"try /metrics or /health\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would drown the worker's log

    return Handler


def serve(host: str, first_port: int, health: Health) -> ThreadingHTTPServer:
    """Serve `/metrics` and `/health` from a daemon thread; return the bound server."""
    server = bind(host, first_port, make_handler(health), attempts=PORT_ATTEMPTS)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def instrument(app: Any, stage: str, host: str, first_port: int) -> None:
    """Serve this worker's metrics and health once `app` starts, and tick its health."""
    health = Health(stage)
    for counter in (PROCESSED, DEAD_LETTERED):
        counter.labels(stage)  # a series from the start, so rate() and alerts see zero

    @app.task
    async def start_metrics() -> None:
        if first_port < 0:
            return
        try:
            server = serve(host, first_port, health)
        except OSError as error:
            log.warning("metrics and health are off: %s", error)
            return
        bound_host, port = server.server_address[:2]
        log.info("%s metrics on http://%s:%d/metrics, health on /health", stage, bound_host, port)

    @app.timer(TICK_S)
    async def tick() -> None:
        health.tick()
