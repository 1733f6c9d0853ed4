"""The clean stage: articles.raw -> articles.clean."""

from __future__ import annotations

from collections.abc import Sequence

import faust

from schemas import CleanArticle, RawArticle
from streams.agents.stage import Inbound, Stage, create_app, register
from streams.agents.transforms import ThreadRunner
from streams.config import Settings
from streams.decoding import decode_raw_article
from streams.nlp.cleaning import clean_article
from streams.topics import CLEAN, RAW

Received = tuple[RawArticle, int | None]


def clean_all(received: Sequence[Received]) -> list[CleanArticle]:
    """Clean each article, stamping when it was published to Kafka."""
    return [clean_article(raw, published_ms) for raw, published_ms in received]


def build(settings: Settings) -> faust.App:
    """Return the clean stage's Faust app."""

    def decode(message: Inbound) -> Received:
        return decode_raw_article(message.value, settings.max_text_bytes), message.timestamp_ms

    app = create_app("clean", settings)
    stage = Stage("clean", RAW, CLEAN, decode, ThreadRunner(clean_all))
    register(app, stage, settings, batch_size=settings.nlp_batch_size)
    return app
