"""Run one stage's Faust worker in this process until it is stopped."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module

import faust
import mode.loop

from streams.broker.clients import kafka_reachable, kafka_unreachable
from streams.broker.topics import create_topics
from streams.config import Settings
from streams.runtime.processes import wait_until
from streams.stages import stage


def run_worker(name: str, settings: Settings, wait_s: float = 30.0) -> int:
    """Prepare what the stage needs (broker, topics, its own `prepare`), then run its worker.

    A stage module may define `prepare(settings, wait_s)` for what it needs before its first
    message (the PostgreSQL sink applies its migrations, waiting for the database).
    """
    if not kafka_reachable(settings.kafka_bootstrap):
        print(
            f"waiting up to {wait_s:.0f}s for Kafka at {settings.kafka_bootstrap}", file=sys.stderr
        )
        if not wait_until(lambda: kafka_reachable(settings.kafka_bootstrap), wait_s):
            raise kafka_unreachable(settings.kafka_bootstrap)
    create_topics(settings.kafka_bootstrap, settings.partitions, settings.replication_factor)
    module = import_module(stage(name).module)
    prepare: Callable[[Settings, float], None] | None = getattr(module, "prepare", None)
    if prepare is not None:
        prepare(settings, wait_s)
    # uvloop: the asyncio machinery around each message (selectors, callbacks, futures) was a
    # quarter of a sink's CPU; on uvloop the worker's CPU per article fell by about 30%
    # (docs/performance.md). Set before the worker makes its loop.
    mode.loop.use("uvloop")
    worker = faust.Worker(module.build(settings), loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
    return 0
