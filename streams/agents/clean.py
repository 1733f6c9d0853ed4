"""The clean stage: articles.raw -> articles.clean."""

from __future__ import annotations

from collections.abc import Sequence

import faust

from schemas import CleanArticle, RawArticle
from streams.agents.pipeline import stamp_first
from streams.config import Settings
from streams.intake.decoding import decode_raw_article
from streams.nlp.cleaning import clean_article
from streams.runtime.messages import Inbound
from streams.runtime.stage import Stage, build_stage
from streams.runtime.transforms import ThreadRunner
from streams.stages import stage

Received = tuple[RawArticle, int | None]

STAGE = stage("clean")


def clean_all(received: Sequence[Received]) -> list[CleanArticle]:
    """Clean each article, stamping when it was published to Kafka and by which code."""
    return [stamp_first(clean_article(raw, published_ms)) for raw, published_ms in received]


def build(settings: Settings) -> faust.App:
    """Return the clean stage's Faust app."""

    def decode(message: Inbound) -> Received:
        return decode_raw_article(message.value, settings.max_text_bytes), message.timestamp_ms

    return build_stage(Stage(STAGE, decode, ThreadRunner(clean_all)), settings)
