"""Worker metrics: what a batch records, the health verdict, and ports that do not collide."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from faust.types import TP
from prometheus_client import REGISTRY

from streams.runtime import metrics
from streams.runtime.metrics import Health, serve


@dataclass
class FakeMessage:
    topic: str
    partition: int
    offset: int
    timestamp: float | None
    value: bytes

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


class Consumer:
    def highwater(self, tp: TP) -> int:
        return {0: 10, 1: 5}[tp.partition]


@dataclass
class Event:
    message: FakeMessage
    app: Any


class App:
    consumer = Consumer()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_batch_counts_events_latency_and_lag_per_partition() -> None:
    stage = "test-batch"
    events = [
        Event(FakeMessage("articles.clean", 0, 7, None, b"{}"), App()),
        Event(FakeMessage("articles.clean", 1, 4, None, b"{}"), App()),
        Event(FakeMessage("articles.clean", 0, 8, None, b"{}"), App()),
    ]
    metrics.batch_done(stage, events, 0.0, published_ms=[1000, 3000, None], now_ms=5000)
    assert sample("newsflow_events_processed_total", stage=stage) == 3
    assert sample("newsflow_publish_to_commit_seconds_count", stage=stage) == 2
    assert sample("newsflow_publish_to_commit_seconds_sum", stage=stage) == 4 + 2
    lag = {"stage": stage, "topic": "articles.clean"}
    assert sample("newsflow_consumer_lag", partition="0", **lag) == 10 - 8 - 1
    assert sample("newsflow_consumer_lag", partition="1", **lag) == 0


def test_health_turns_stuck_when_the_loop_stops_ticking() -> None:
    now = [100.0]
    health = Health("clean", clock=lambda: now[0])
    assert health.report()[0]
    now[0] += metrics.STALE_AFTER_S + 1
    healthy, body = health.report()
    assert not healthy and body["status"] == "stuck" and body["stage"] == "clean"
    health.tick()
    assert health.report()[0]


def test_two_workers_on_one_host_get_two_ports_and_both_answer() -> None:
    first = serve("127.0.0.1", 0, Health("one"))
    taken = first.server_address[1]
    second = serve("127.0.0.1", taken, Health("two"))
    try:
        assert second.server_address[1] > taken
        for server, stage in ((first, "one"), (second, "two")):
            port = server.server_address[1]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as reply:
                assert json.load(reply)["stage"] == stage
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
                assert b"newsflow_events_processed_total" in reply.read()
    finally:
        first.shutdown()
        second.shutdown()
