"""Run one stage's Faust worker in this process until it is stopped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from importlib import import_module

import faust

from streams.clients import kafka_reachable, kafka_unreachable
from streams.config import Settings
from streams.processes import wait_until
from streams.topics import create_topics

# Each stage's module, imported only by its own workers (the entities stage loads spaCy).
STAGE_MODULES = {
    "clean": "streams.agents.clean",
    "entities": "streams.agents.entities",
    "quotes": "streams.agents.quotes",
    "sink": "streams.sink.agent",
}


def build_app(stage: str, settings: Settings) -> faust.App:
    """Return the Faust app of `stage`."""
    build: Callable[[Settings], faust.App] = import_module(STAGE_MODULES[stage]).build
    return build(settings)


def run_worker(stage: str, settings: Settings, wait_s: float = 30.0) -> int:
    """Prepare what the stage needs (broker, topics, tables), then run its worker."""
    if not kafka_reachable(settings.kafka_bootstrap):
        print(
            f"waiting up to {wait_s:.0f}s for Kafka at {settings.kafka_bootstrap}", file=sys.stderr
        )
        if not wait_until(lambda: kafka_reachable(settings.kafka_bootstrap), wait_s):
            raise kafka_unreachable(settings.kafka_bootstrap)
    create_topics(settings.kafka_bootstrap, settings.partitions, settings.replication_factor)
    if stage == "sink":
        migrate_when_reachable(settings, wait_s)
    app = build_app(stage, settings)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
    return 0


def migrate_when_reachable(settings: Settings, wait_s: float) -> None:
    """Apply the migrations, waiting up to `wait_s` for the database to answer."""
    import psycopg

    from streams.sink.migrations import migrate

    deadline = time.monotonic() + wait_s
    while True:
        try:
            migrate(settings.database_dsn)
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
