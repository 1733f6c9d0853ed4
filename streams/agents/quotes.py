"""The quotes stage: articles.entities -> articles.enriched, from the text and entities alone."""

from __future__ import annotations

from collections.abc import Sequence

import faust

from schemas import EnrichedArticle, EntitiesArticle
from streams.agents.pipeline import quoted
from streams.config import Settings
from streams.intake.decoding import decode_record
from streams.runtime.messages import Inbound
from streams.runtime.stage import Stage, build_stage
from streams.runtime.transforms import ThreadRunner
from streams.stages import stage

STAGE = stage("quotes")


def decode(message: Inbound) -> EntitiesArticle:
    return decode_record(message.value, EntitiesArticle)


def quote_all(articles: Sequence[EntitiesArticle]) -> list[EnrichedArticle]:
    return [quoted(article) for article in articles]


def build(settings: Settings) -> faust.App:
    """Return the quotes stage's Faust app."""
    return build_stage(Stage(STAGE, decode, ThreadRunner(quote_all)), settings)
