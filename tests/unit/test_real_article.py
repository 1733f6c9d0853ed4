"""The whole NLP layer on a real scraped article, with the real spaCy model.

The article is read from the shared seeds at test time (its text is not kept in the repo);
without it the tests skip, except in CI, where a missing seed is a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from schemas.articles import EnrichedArticle, Entity, Quote, RawArticle
from streams.config import Settings
from streams.nlp.enrich import enrich
from streams.nlp.model import load_model

SEED = Path(__file__).parents[2].parent / "shared" / "seeds" / "000_5d2e0bda6902d790.txt"


@pytest.fixture(scope="module")
def raw_text() -> str:
    if not SEED.is_file():
        message = f"seed article {SEED} is not there (it lives in the shared folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def article(raw_text: str) -> EnrichedArticle:
    nlp = load_model(Settings().spacy_model)
    [enriched] = enrich([RawArticle(id=SEED.stem, text=raw_text)], nlp)
    return enriched


def trailing_lines(raw_text: str) -> list[str]:
    """Return the page's lines from the "Next In ..." list on, and its WhatsApp prompt."""
    lines = [line.strip() for line in raw_text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Next In"))
    prompts = [line for line in lines if "WhatsApp" in line]
    return prompts + lines[start:]


def entity_named(article: EnrichedArticle, name: str) -> Entity:
    matches = [e for e in article.entities if e.name == name]
    assert matches, f"no entity {name!r} in {[e.name for e in article.entities]}"
    return matches[0]


def quote_starting(article: EnrichedArticle, opening: str) -> Quote:
    matches = [q for q in article.quotes if q.kind == "direct" and q.text.startswith(opening)]
    assert matches, f"no direct quote starting {opening!r}"
    return matches[0]


def test_headline_is_the_first_line(article: EnrichedArticle, raw_text: str) -> None:
    assert article.headline == raw_text.strip().splitlines()[0].strip()
    assert article.headline not in article.body


def test_dateline_is_split_off(article: EnrichedArticle) -> None:
    assert article.dateline == "BEIJING"
    assert not article.body.startswith("BEIJING")


def test_reuters_caption_is_not_in_the_body(article: EnrichedArticle, raw_text: str) -> None:
    captions = [line for line in raw_text.splitlines() if line.rstrip().endswith("- Reuters")]
    assert captions
    for line in captions:
        caption = line.rsplit("- Reuters", 1)[0].strip()
        assert caption not in article.body
        assert caption in article.captions
    assert "Reuters" in article.credits


def test_trailing_story_list_and_prompt_are_gone(article: EnrichedArticle, raw_text: str) -> None:
    tail = trailing_lines(raw_text)
    for line in tail:
        assert line not in article.body
    body_words = set(re.findall(r"\w+", article.body))
    tail_only = {w for line in tail for w in re.findall(r"[A-Z]\w{2,}", line)} - body_words
    for entity in article.entities:
        assert not tail_only & set(entity.name.split()), entity.name


def test_surname_mentions_belong_to_wang_yi(article: EnrichedArticle) -> None:
    wang = entity_named(article, "Wang Yi")
    assert wang.label == "PERSON"
    assert "Wang" in [m.text for m in wang.mentions]
    for mention in wang.mentions:
        assert article.body[mention.start : mention.end] == mention.text


def test_direct_quotes_are_found(article: EnrichedArticle) -> None:
    direct = [q for q in article.quotes if q.kind == "direct"]
    assert len(direct) >= 2
    for quote in article.quotes:
        assert article.body[quote.start : quote.end] == quote.text


def test_he_said_quote_is_wang_yis(article: EnrichedArticle) -> None:
    quote = quote_starting(article, "China is willing")
    assert quote.speaker == "Wang Yi"
    assert quote.cue == "said"


def test_news_agency_quote_is_kcnas(article: EnrichedArticle) -> None:
    assert entity_named(article, "KCNA").label == "ORG"
    assert quote_starting(article, "exchanged views").speaker == "KCNA"
