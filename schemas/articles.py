"""Wire contracts of the article topics: one model per topic, each carrying schema_version."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, model_validator

SCHEMA_VERSION = 1

ArticleId = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)
]


class RawArticle(BaseModel):
    """An article as publishers put it on `articles.raw`: plain text or HTML, keyed by id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: ArticleId
    text: StrictStr | None = None
    html: StrictStr | None = None
    title: StrictStr | None = None
    url: StrictStr | None = None
    source: StrictStr | None = None
    published_at: datetime | None = None
    language: StrictStr | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_text_or_html(self) -> RawArticle:
        if is_blank(self.text) and is_blank(self.html):
            raise ValueError("an article needs non-empty 'text' or 'html'")
        return self


# Characters that show nothing but that str.strip() keeps: zero-width spaces and joiners, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\x00"))


def is_blank(text: str | None) -> bool:
    """Tell whether `text` is missing or shows nothing: only whitespace and invisible marks."""
    return not text or not text.translate(_INVISIBLE).strip()


class Span(BaseModel):
    """A character range [start, end) of the body."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Mention(Span):
    """One place the body names an entity."""

    text: str


class Entity(BaseModel):
    """One real-world referent of an article, under its canonical name."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    mentions: list[Mention]
    aliases: list[str] = Field(default_factory=list)


class Quote(BaseModel):
    """Speech the article reports, with who said it when the article says so."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: Literal["direct", "indirect"]
    speaker: str | None
    cue: str | None
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Pipeline(BaseModel):
    """Which code made a record, and when: the stamp the sink orders versions of an article by.

    `version()` is the comparable part (docs/reliability.md, "Versions of an article"): the
    rules version first, then newsflow's release, then the spaCy model's. The model's name is
    provenance only: a change of model comes with a bump of the rules version.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    newsflow: str = Field(description="The newsflow release that made the record.")
    rules: int = Field(ge=0, description="Version of the NLP rules (bumped when output changes).")
    spacy_model: str | None = Field(None, description="The spaCy pipeline the entities ran on.")
    spacy_model_version: str | None = Field(None, description="That pipeline's version.")
    entity_labels: list[str] | None = Field(
        None, description="The entity labels kept (NEWSFLOW_ENTITY_LABELS); null: all."
    )
    produced_at: datetime = Field(description="When the last stage produced the record.")

    def version(self) -> tuple[int, ...]:
        """Return the comparable version: rules, newsflow's release, the model's release."""
        return (
            self.rules,
            *release_parts(self.newsflow, 3),
            *release_parts(self.spacy_model_version, 3),
        )


def release_parts(version: str | None, count: int) -> tuple[int, ...]:
    """Return the first `count` numeric parts of a release ("3.8.0rc1" -> 3, 8, 0), 0-padded."""
    numbers: list[int] = []
    for part in (version or "").split(".")[:count]:
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers + [0] * (count - len(numbers)))


class CleanArticle(BaseModel):
    """An article's body with the page furniture split off: the record on `articles.clean`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = SCHEMA_VERSION
    id: str
    headline: str | None = None
    body: str
    dateline: str | None = None
    byline: str | None = None
    captions: list[str] = Field(default_factory=list)
    credits: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list, description="Boilerplate lines dropped.")
    language: str | None = None
    content_hash: str = Field(description="sha256 of the body, hex.")
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    published_ms: int | None = Field(
        None, description="When the raw article was published to Kafka, ms since the epoch."
    )
    pipeline: Pipeline | None = Field(
        None, description="Which code made the record and when; null: made before versioning."
    )


class EntitiesArticle(CleanArticle):
    """A clean article with its named entities and sentences: the record on `articles.entities`."""

    entities: list[Entity] = Field(default_factory=list)
    sentences: list[Span] = Field(
        default_factory=list, description="Sentence boundaries, so later stages need no parse."
    )


class EnrichedArticle(EntitiesArticle):
    """The full record on `articles.enriched`, and what the sink stores."""

    quotes: list[Quote] = Field(default_factory=list)
