"""The entities stage: articles.clean -> articles.entities. The one stage that runs spaCy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import faust

from schemas import CleanArticle, EntitiesArticle
from streams.config import Settings
from streams.intake.decoding import decode_record
from streams.runtime.messages import Inbound
from streams.runtime.stage import Stage, build_stage
from streams.runtime.transforms import ProcessRunner
from streams.stages import stage

STAGE = stage("entities")


def decode(message: Inbound) -> CleanArticle:
    return decode_record(message.value, CleanArticle)


def make_annotator(settings: Settings) -> Callable[[Sequence[CleanArticle]], list[EntitiesArticle]]:
    """Load the spaCy model and return the batch transform (run in the stage's child process).

    spaCy is imported here, in the child only: the worker itself never loads it (~45 MB less).
    """
    from streams.agents.pipeline import annotated
    from streams.nlp.model import load_model

    nlp = load_model(settings.spacy_model)

    def annotate_batch(articles: Sequence[CleanArticle]) -> list[EntitiesArticle]:
        return annotated(articles, nlp, settings)

    return annotate_batch


def build(settings: Settings) -> faust.App:
    """Return the entities stage's Faust app; spaCy runs in a child process it starts."""
    return build_stage(Stage(STAGE, decode, ProcessRunner(make_annotator, settings)), settings)
