"""The one table of newsflow's stages: what each reads and writes, its group, who builds it.

Everything that needs the list of stages or topics takes it from here: the CLI (`worker`,
`dlq --stage`), the worker launcher, topic creation, the benchmark, the compose checks and the
metrics labels. Adding a stage is a row here and the stage's own module (with its tests).

A stage's module is imported only by that stage's workers (the entities stage starts spaCy),
so the table names it by its dotted path; its `build(settings)` returns the Faust app.
"""

from __future__ import annotations

from dataclasses import dataclass

RAW = "articles.raw"
CLEAN = "articles.clean"
ENTITIES = "articles.entities"
ENRICHED = "articles.enriched"
DLQ = "articles.dlq"
# Which dead letters were replayed, keyed by <partition>:<offset> (compacted; `newsflow dlq`).
DLQ_REPLAYED = "articles.dlq.replayed"


@dataclass(frozen=True)
class StageSpec:
    """One stage: its name, the topic it reads, the topic it writes (none for a sink)."""

    name: str
    source: str
    target: str | None
    module: str
    # Run by `newsflow worker all`, `make demo` and docker compose's default services.
    default: bool = True

    @property
    def group(self) -> str:
        """The Kafka consumer group (and Faust app id) of the stage's workers."""
        return f"newsflow-{self.name}"

    @property
    def is_sink(self) -> bool:
        return self.target is None


STAGES: tuple[StageSpec, ...] = (
    StageSpec("clean", RAW, CLEAN, "streams.agents.clean"),
    StageSpec("entities", CLEAN, ENTITIES, "streams.agents.entities"),
    StageSpec("quotes", ENTITIES, ENRICHED, "streams.agents.quotes"),
    StageSpec("sink", ENRICHED, None, "streams.sinks.postgres.sink"),
    StageSpec("sink-parquet", ENRICHED, None, "streams.sinks.parquet", default=False),
)

BY_NAME = {stage.name: stage for stage in STAGES}
STAGE_NAMES = tuple(BY_NAME)
DEFAULT_STAGES = tuple(stage.name for stage in STAGES if stage.default)

# Every topic a stage reads or writes, in flow order, then the dead-letter topic.
ALL_TOPICS = (
    *dict.fromkeys(
        topic for stage in STAGES for topic in (stage.source, stage.target) if topic is not None
    ),
    DLQ,
)


def stage(name: str) -> StageSpec:
    """Return the stage called `name`; raise KeyError naming the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no stage {name!r}: one of {', '.join(STAGE_NAMES)}") from None
