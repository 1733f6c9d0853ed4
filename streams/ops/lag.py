"""Consumer lag as the broker sees it: each stage's group, committed offset against end offset.

`newsflow lag` prints it; `newsflow lag --serve PORT` exports it on /metrics as
`newsflow_consumer_lag{stage,group,topic,partition}`, read from the broker on every scrape. A
worker sees only the partitions it holds, and only while it runs, so the lag comes from one
process that outlives the workers: it is right while they are down, restarting or rebalancing,
and each partition is counted once.

Which stages: every default stage (its lag is all of its input until it first commits), and a
stage that is off by default (the Parquet sink) once its group has committed anything, so a
stage nobody runs does not show up as a growing backlog.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from streams.broker.clients import UnreachableError
from streams.broker.topics import Offsets, group_offsets
from streams.runtime.metrics import build_labels, serve_http
from streams.stages import STAGES, StageSpec

log = logging.getLogger(__name__)

COLUMNS = ("stage", "group", "topic", "partition", "committed", "end", "lag")


@dataclass(frozen=True)
class StageLag:
    """One partition of a stage's input: the stage and its group's offsets there."""

    stage: str
    offsets: Offsets

    def row(self) -> dict[str, str | int | None]:
        """Return the row's columns by name (`committed` None: never committed)."""
        o = self.offsets
        return {
            "stage": self.stage,
            "group": o.group,
            "topic": o.topic,
            "partition": o.partition,
            "committed": o.committed,
            "end": o.end,
            "lag": o.lag,
        }


def read_lags(bootstrap: str, stages: Sequence[StageSpec] = STAGES) -> list[StageLag]:
    """Return the lag of every partition each stage reads (see the module for which stages).

    Raises UnreachableError when the broker does not answer.
    """
    try:
        rows = group_offsets(bootstrap, [(spec.group, spec.source) for spec in stages])
    except KafkaError as error:
        raise UnreachableError(
            f"Kafka at {bootstrap} did not answer the offsets request ({type(error).__name__}):"
            " try again once the broker is up"
        ) from error
    lags = []
    for spec in stages:
        ours = [row for row in rows if row.group == spec.group and row.topic == spec.source]
        if spec.default or any(row.committed is not None for row in ours):
            lags += [StageLag(spec.name, row) for row in ours]
    return lags


def table(lags: Iterable[StageLag]) -> str:
    """Return the lags as an aligned text table with a header line."""
    rows = [COLUMNS] + [
        tuple("-" if value is None else str(value) for value in lag.row().values()) for lag in lags
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def as_json(lags: Iterable[StageLag]) -> str:
    """Return the lags as a JSON array of rows, one object per partition."""
    return json.dumps([lag.row() for lag in lags], indent=2)


def over(lags: Iterable[StageLag], limit: int) -> list[StageLag]:
    """Return the partitions whose lag is above `limit`."""
    return [lag for lag in lags if lag.offsets.lag > limit]


class LagCollector(Collector):
    """Reads the lags from the broker on each scrape and yields them as Prometheus metrics."""

    def __init__(self, bootstrap: str, spacy_model: str, stages: Sequence[StageSpec] = STAGES):
        self._bootstrap = bootstrap
        self._stages = stages
        self._build = build_labels(spacy_model)
        self.last_read_ok: bool | None = None

    def collect(self) -> Iterator[Metric]:
        started = time.monotonic()
        try:
            lags = read_lags(self._bootstrap, self._stages)
            self.last_read_ok = True
        except UnreachableError as error:
            log.warning("%s", error)
            lags, self.last_read_ok = [], False
        yield from families(lags, self.last_read_ok, time.monotonic() - started, self._build)


def families(
    lags: Sequence[StageLag], read_ok: bool, read_s: float, build: dict[str, str]
) -> Iterator[GaugeMetricFamily]:
    """Yield everything the exporter serves: build info, how the read went, the offsets."""
    info = GaugeMetricFamily(
        "newsflow_build_info",
        "Always 1; the labels say which newsflow version and spaCy model this process runs.",
        labels=list(build),
    )
    info.add_metric(list(build.values()), 1)
    yield info
    ok = GaugeMetricFamily(
        "newsflow_lag_read_ok",
        "1 when this scrape read the offsets from the broker; 0 when it did not answer "
        "(then no lag series are given, rather than stale ones).",
    )
    ok.add_metric([], 1 if read_ok else 0)
    yield ok
    seconds = GaugeMetricFamily(
        "newsflow_lag_read_seconds", "How long reading the offsets from the broker took."
    )
    seconds.add_metric([], read_s)
    yield seconds
    yield from offset_families(lags)


def offset_families(lags: Sequence[StageLag]) -> Iterator[GaugeMetricFamily]:
    """Yield the lag, committed and end offsets of each stage's partitions as gauges."""
    labels = ["stage", "group", "topic", "partition"]
    lag = GaugeMetricFamily(
        "newsflow_consumer_lag",
        "Messages in the partition past the stage's group's committed offset, read from the "
        "broker at scrape time (all of them when the group never committed).",
        labels=labels,
    )
    committed = GaugeMetricFamily(
        "newsflow_consumer_committed_offset",
        "The stage's group's committed offset in the partition (absent: never committed).",
        labels=labels,
    )
    end = GaugeMetricFamily(
        "newsflow_topic_end_offset",
        "The partition's end offset (the next message's offset): its rate is the input rate.",
        labels=labels,
    )
    for one in lags:
        o = one.offsets
        values = [one.stage, o.group, o.topic, str(o.partition)]
        lag.add_metric(values, o.lag)
        end.add_metric(values, o.end)
        if o.committed is not None:
            committed.add_metric(values, o.committed)
    yield from (lag, committed, end)


def serve_lag(
    host: str, port: int, bootstrap: str, spacy_model: str, stages: Sequence[StageSpec] = STAGES
) -> ThreadingHTTPServer:
    """Serve the broker-side lag on /metrics, and /health, from a daemon thread.

    /health answers 200 while the exporter runs (whether the broker answered its last read is
    in the body and in `newsflow_lag_read_ok`): a restart would not bring the broker back.
    """
    collector = LagCollector(bootstrap, spacy_model, stages)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)

    def health() -> tuple[bool, dict[str, object]]:
        return True, {"status": "ok", "role": "lag", "last_read_ok": collector.last_read_ok}

    return serve_http(host, port, {"/health": health, "/ready": health}, registry, attempts=1)
