"""Enrich articles in-process, line by line, as `newsflow enrich` does: no Kafka, no database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from schemas import EnrichedArticle, RawArticle
from streams.agents.pipeline import enriched
from streams.config import Settings
from streams.intake.decoding import decode_raw_article
from streams.intake.inputs import Input
from streams.nlp.model import load_model
from streams.runtime.each import apply_each

Outcome = tuple[str, EnrichedArticle | Exception]


def enrich_inputs(inputs: Iterable[Input], settings: Settings) -> Iterator[Outcome]:
    """Yield (origin, enriched record or the reason it was rejected) for each input, in order."""
    nlp = load_model(settings.spacy_model)

    def enrich_batch(raws: Sequence[RawArticle]) -> list[EnrichedArticle]:
        return enriched([(raw, None) for raw in raws], nlp, settings)

    iterator = iter(inputs)
    while batch := list(islice(iterator, settings.nlp_batch_size)):
        decoded: list[tuple[str, RawArticle]] = []
        outcomes: dict[str, EnrichedArticle | Exception] = {}
        for item in batch:
            try:
                decoded.append(
                    (item.origin, decode_raw_article(item.value, settings.max_text_bytes))
                )
            except Exception as error:
                outcomes[item.origin] = error
        results = apply_each(enrich_batch, [raw for _, raw in decoded])
        outcomes.update(zip([origin for origin, _ in decoded], results, strict=True))
        for item in batch:
            yield item.origin, outcomes[item.origin]
