"""The whole NLP pipeline in one call: clean, annotate, add quotes."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language

from schemas.articles import EnrichedArticle, RawArticle
from streams.nlp.cleaning import clean_article
from streams.nlp.entities import annotate
from streams.nlp.quotes import add_quotes


def enrich(
    raws: Sequence[RawArticle], nlp: Language, batch_size: int = 32
) -> list[EnrichedArticle]:
    """Run raw articles through the same functions the stage agents call, in order.

    Used by `newsflow enrich` and the quality evaluation. Raises EmptyArticleError for an
    article with no body left after cleaning (the agents dead-letter those instead).
    """
    cleaned = [clean_article(raw) for raw in raws]
    return [add_quotes(article) for article in annotate(cleaned, nlp, batch_size=batch_size)]
