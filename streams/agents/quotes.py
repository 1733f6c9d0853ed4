"""The quotes stage: articles.entities -> articles.enriched, from the text and entities alone."""

from __future__ import annotations

from collections.abc import Sequence

import faust

from schemas import EnrichedArticle, EntitiesArticle
from streams.agents.stage import Inbound, Stage, create_app, register
from streams.agents.transforms import ThreadRunner
from streams.config import Settings
from streams.decoding import decode_record
from streams.nlp.quotes import add_quotes
from streams.topics import ENRICHED, ENTITIES


def decode(message: Inbound) -> EntitiesArticle:
    return decode_record(message.value, EntitiesArticle)


def quote_all(articles: Sequence[EntitiesArticle]) -> list[EnrichedArticle]:
    return [add_quotes(article) for article in articles]


def build(settings: Settings) -> faust.App:
    """Return the quotes stage's Faust app."""
    app = create_app("quotes", settings)
    stage = Stage("quotes", ENTITIES, ENRICHED, decode, ThreadRunner(quote_all))
    register(app, stage, settings, batch_size=settings.nlp_batch_size)
    return app
