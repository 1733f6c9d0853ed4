"""The entities stage: articles.clean -> articles.entities. The one stage that runs spaCy."""

from __future__ import annotations

from collections.abc import Sequence

import faust

from schemas import CleanArticle, EntitiesArticle
from streams.agents.stage import Inbound, Stage, create_app, register
from streams.config import Settings
from streams.decoding import decode_record
from streams.nlp.entities import annotate
from streams.nlp.model import load_model
from streams.topics import CLEAN, ENTITIES


def build(settings: Settings) -> faust.App:
    """Return the entities stage's Faust app, with its spaCy model loaded."""
    nlp = load_model(settings.spacy_model)

    def decode(message: Inbound) -> CleanArticle:
        return decode_record(message.value, CleanArticle)

    def transform(articles: Sequence[CleanArticle]) -> list[EntitiesArticle]:
        return annotate(articles, nlp, batch_size=settings.nlp_batch_size)

    app = create_app("entities", settings)
    stage = Stage("entities", CLEAN, ENTITIES, decode, transform)
    register(app, stage, settings, batch_size=settings.nlp_batch_size)
    return app
