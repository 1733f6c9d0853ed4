"""What every NLP stage does with a batch of messages: decode, transform, send, dead-letter.

A stage is one Faust app (its own consumer group, streams/runtime/app.py) with one agent of
concurrency 1 reading its source topic in batches (`take_batches`). A batch's events are acked
when the body for that batch returns, so the body returns only after every output and dead
letter is acknowledged by the broker (streams/runtime/sending.py). Bad input becomes a
DeadLetter; an unexpected failure of our own code ends the process without acking
(streams/runtime/stopping.py), so a restarted worker replays the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import faust
from faust.types import EventT

from schemas import CleanArticle
from streams.config import Settings
from streams.runtime import metrics
from streams.runtime.app import create_app, settle_heap
from streams.runtime.batching import take_batches
from streams.runtime.messages import Inbound
from streams.runtime.sending import Sender
from streams.runtime.stopping import guarded
from streams.runtime.transforms import Runner, transform_each
from streams.stages import DLQ, StageSpec

In = TypeVar("In")
Out = TypeVar("Out", bound=CleanArticle)


@dataclass(frozen=True)
class Stage(Generic[In, Out]):
    """A stage's logic: how to read a message, the batch transform, and where results go.

    `decode` raises on bad input (the message is dead-lettered). `runner` runs the pure, maybe
    CPU-heavy batch transform off the event loop (streams/runtime/transforms.py), so the
    consumer's heartbeats go on. When the transform raises on a batch, each item is retried
    alone so only the items that fail are dead-lettered.
    """

    spec: StageSpec
    decode: Callable[[Inbound], In]
    runner: Runner[In, Out]

    @property
    def name(self) -> str:
        return self.spec.name


def build_stage(stage: Stage[In, Out], settings: Settings) -> faust.App:
    """Return the Faust app of `stage`, its agent registered."""
    app = create_app(stage.name, settings)
    register(app, stage, settings, batch_size=settings.nlp_batch_size)
    return app


def register(app: faust.App, stage: Stage[In, Out], settings: Settings, batch_size: int) -> None:
    """Add the stage's agent to `app`: batches from its source topic, outputs to its target."""
    if stage.spec.target is None:
        raise ValueError(f"stage {stage.name!r} has no output topic: it is a sink")
    source = app.topic(stage.spec.source)
    target = app.topic(stage.spec.target)
    sender = Sender(app.topic(DLQ), stage.name)

    @app.agent(source, concurrency=1, name=f"{stage.name}-agent")
    async def process(stream: Any) -> None:
        settle_heap()
        async for events in take_batches(stream, batch_size, settings.batch_within_s):
            await guarded(process_batch(stage, target, sender, events, settings.article_timeout_s))


async def process_batch(
    stage: Stage[In, Out],
    target: Any,
    sender: Sender,
    events: Sequence[EventT],
    timeout_s: float | None = None,
) -> None:
    """Decode, transform and send one batch; return once every message is safely out."""
    started = time.monotonic()
    decoded: list[tuple[Inbound, In]] = []
    for message in map(Inbound.of, events):
        try:
            decoded.append((message, stage.decode(message)))
        except Exception as error:
            await sender.dead_letter(message, error)
    outcomes = await transform_each(stage.runner, [item for _, item in decoded], timeout_s)
    published_ms = []
    for (message, _), outcome in zip(decoded, outcomes, strict=True):
        if isinstance(outcome, Exception):
            await sender.dead_letter(message, outcome)
        else:
            value = outcome.model_dump_json().encode()
            await sender.send(target, key_of(outcome), value, on_behalf_of=message)
            published_ms.append(outcome.published_ms)
    await sender.flush()
    metrics.batch_done(stage.name, events, started, published_ms)


def key_of(record: CleanArticle) -> bytes:
    return record.id.encode("utf-8")
