"""The pipeline's version, and the stamp each stage puts on the records it makes.

RULES_VERSION is the version of the NLP rules (streams/nlp/): the NLP's owners bump it in the
same change as any rule, vocabulary or model change that alters what a record holds, so the
sink can tell an older result from a newer one and `newsflow reprocess` can re-enrich what
was stored by older rules. It lives here, not in streams/nlp/, so the stages, `newsflow
enrich` and `newsflow reprocess` read one constant.

Each stage stamps its part of a record's `pipeline` and keeps the lower newsflow and rules
version of its input's stamp and its own: a record is only as new as the oldest code that
made it (a rolling deploy runs old and new stages side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, TypeVar

from schemas import CleanArticle, EnrichedArticle, EntitiesArticle, Pipeline, RawArticle
from schemas.articles import release_parts
from streams.nlp.quotes import add_quotes

if TYPE_CHECKING:
    from spacy.language import Language

    from streams.config import Settings

RULES_VERSION = 8

Record = TypeVar("Record", bound=CleanArticle)


@lru_cache(maxsize=1)
def newsflow_version() -> str:
    """Return the installed newsflow release ("0+unknown" when not installed as a package)."""
    try:
        return metadata.version("newsflow")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def own_stamp(entity_labels: Sequence[str] | None = None) -> Pipeline:
    """Return this process's stamp: its newsflow release and rules, produced now."""
    return Pipeline(
        newsflow=newsflow_version(),
        rules=RULES_VERSION,
        entity_labels=sorted(entity_labels) if entity_labels else None,
        produced_at=datetime.now(UTC),
    )


def merged(upstream: Pipeline | None, mine: Pipeline) -> Pipeline:
    """Return `mine` holding the older newsflow and rules of the two, and upstream's model.

    A record that an unversioned stage made (no upstream stamp) counts as rules 0.
    """
    if upstream is None:
        return mine.model_copy(update={"rules": 0, "newsflow": "0"})
    older = min(upstream, mine, key=lambda stamp: (stamp.rules, release_parts(stamp.newsflow, 3)))
    return mine.model_copy(
        update={
            "rules": older.rules,
            "newsflow": older.newsflow,
            "spacy_model": mine.spacy_model or upstream.spacy_model,
            "spacy_model_version": mine.spacy_model_version or upstream.spacy_model_version,
            "entity_labels": mine.entity_labels or upstream.entity_labels,
        }
    )


def stamped(record: Record, upstream: Pipeline | None, mine: Pipeline) -> Record:
    """Return `record` carrying the stamp of `mine` over its input's `upstream` stamp."""
    return record.model_copy(update={"pipeline": merged(upstream, mine)})


def stamp_first(record: Record) -> Record:
    """Stamp a record made from raw input (the clean stage: nothing upstream)."""
    return record.model_copy(update={"pipeline": own_stamp()})


def model_stamp(name: str, version: str, entity_labels: Sequence[str] | None) -> Pipeline:
    """Return this process's stamp with the spaCy model it loaded."""
    return own_stamp(entity_labels).model_copy(
        update={"spacy_model": name, "spacy_model_version": version}
    )


def keep_labels(article: EntitiesArticle, labels: Sequence[str] | None) -> EntitiesArticle:
    """Return `article` with only the entities whose label is in `labels` (None or empty: all)."""
    if not labels:
        return article
    wanted = set(labels)
    kept = [entity for entity in article.entities if entity.label in wanted]
    if len(kept) == len(article.entities):
        return article
    return article.model_copy(update={"entities": kept})


def model_of(nlp: Language, name: str) -> tuple[str, str]:
    """Return the name newsflow loaded the spaCy pipeline by, and the pipeline's version."""
    return name, str(nlp.meta.get("version", "0"))


def annotated(
    articles: Sequence[CleanArticle], nlp: Language, settings: Settings
) -> list[EntitiesArticle]:
    """Run the entities stage's work on a batch: entities, the labels kept, the stamp."""
    from streams.nlp.entities import annotate

    labels = settings.kept_entity_labels
    mine = model_stamp(*model_of(nlp, settings.spacy_model), labels)
    return [
        stamped(keep_labels(article, labels), source.pipeline, mine)
        for source, article in zip(
            articles, annotate(articles, nlp, batch_size=settings.nlp_batch_size), strict=True
        )
    ]


def quoted(article: EntitiesArticle) -> EnrichedArticle:
    """Run the quotes stage's work on one article: its quotes, and the final stamp."""
    return stamped(add_quotes(article), article.pipeline, own_stamp())


def enriched(
    raws: Sequence[tuple[RawArticle, int | None]], nlp: Language, settings: Settings
) -> list[EnrichedArticle]:
    """Run clean -> entities -> quotes in-process as the stages do, stamps included.

    Each raw article comes with when it was published to Kafka (None outside Kafka). Raises
    EmptyArticleError for an article with no body left (the stages dead-letter those).
    """
    from streams.nlp.cleaning import clean_article

    cleaned = [stamp_first(clean_article(raw, published_ms)) for raw, published_ms in raws]
    return [quoted(article) for article in annotated(cleaned, nlp, settings)]
