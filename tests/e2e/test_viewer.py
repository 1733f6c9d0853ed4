"""`newsflow view` in real headless Chromium, against records the real NLP made and the sink wrote.

The articles are the seeds plus a hostile one, enriched in-process by the same code the stages
run, and stored by the sink's own writer under ids no other test uses. The page is read back in
Debian's chromium (driven by its chromedriver) and compared with the records in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from selenium.webdriver.common.by import By

from schemas import EnrichedArticle
from streams.config import Settings
from streams.intake.enriching import enrich_inputs
from streams.intake.inputs import Input, read_inputs
from streams.sinks.postgres.sink import PostgresSink
from streams.viewer.pages import LABEL_COLOURS
from tests.conftest import REPO, Services
from tests.e2e.browser import (
    SCREENSHOTS,
    assert_page_shows,
    chromium,
    read_article_page,
    rgb,
    running_viewer,
)
from tests.e2e.png import pixel_counts
from tests.memory import write_records

pytestmark = pytest.mark.e2e

HOSTILE_TEXT = (
    'Mallory Payload said on Friday: "<script>window.pwned = 1</script> is only a test."\n\n'
    'The Acme Corporation in Paris added <img src=x onerror="window.pwned = 2"> & more.'
)


@pytest.fixture(scope="module")
def stored(migrated: Services) -> dict[str, EnrichedArticle]:
    """Enrich the seeds and a hostile article, store them with the sink's writer; by id."""
    prefix = f"view-{uuid.uuid4().hex[:8]}"
    inputs = [
        *read_inputs([str(REPO / "seeds")], sys.stdin.buffer),
        Input("hostile", json.dumps({"id": "hostile", "text": HOSTILE_TEXT}).encode()),
    ]
    articles = []
    for origin, outcome in enrich_inputs(inputs, Settings()):
        assert isinstance(outcome, EnrichedArticle), f"{origin}: {outcome}"
        articles.append(outcome.model_copy(update={"id": f"{prefix}-{outcome.id}"}))
    asyncio.run(write_records(PostgresSink(migrated.database_url), articles))
    return {article.id: article for article in articles}


@pytest.fixture(scope="module")
def viewer(migrated: Services) -> Iterator[str]:
    with running_viewer(migrated) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def stored_record(database_url: str, article_id: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT record FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row is not None, f"{article_id} is not stored"
    return row[0]


def richest(stored: dict[str, EnrichedArticle]) -> str:
    """Return the id of the stored article with the most entity mentions and quotes."""
    return max(
        stored,
        key=lambda i: sum(len(e.mentions) for e in stored[i].entities) + len(stored[i].quotes),
    )


def test_an_article_page_shows_the_stored_entities_and_quotes(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any, migrated: Services
) -> None:
    article_id = richest(stored)
    record = EnrichedArticle.model_validate(stored_record(migrated.database_url, article_id))
    shown = read_article_page(browser, viewer, article_id)
    assert_page_shows(shown, record)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / "viewer-article.png"
    assert browser.save_screenshot(str(screenshot)), "chromium saved no screenshot"
    colours = pixel_counts(screenshot)
    for label in {m["label"] for m in shown["marks"]} & {"PERSON", "ORG", "GPE"}:
        assert colours[rgb(LABEL_COLOURS[label])] > 200, f"no {label} highlight in {screenshot}"

    cards = SCREENSHOTS / "viewer-quotes.png"
    assert browser.find_element(By.CSS_SELECTOR, "div.quotes").screenshot(str(cards))
    assert pixel_counts(cards)[rgb("#f4f2ff")] > 2000, f"no direct-quote card in {cards}"


def test_the_raw_json_link_serves_the_stored_record(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any, migrated: Services
) -> None:
    article_id = richest(stored)
    link = read_article_page(browser, viewer, article_id)["raw"]
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        served = json.load(response)
    assert served == stored_record(migrated.database_url, article_id)
    assert served["schema_version"] == stored[article_id].schema_version


def test_searching_by_speaker_and_by_entity_finds_the_articles_that_have_them(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any
) -> None:
    article = stored[richest(stored)]
    speaker = next(q.speaker for q in article.quotes if q.speaker)
    entity = next(e.name for e in article.entities if e.label == "PERSON")
    for by, name in (("speaker", speaker), ("entity", entity)):
        browser.get(f"{viewer}/?by={by}&q={quote(name)}")
        found = browser.execute_script(
            "return [...document.querySelectorAll('article')].map(a => ({id: a.dataset.id,"
            " speakers: [...a.querySelectorAll('figure.quote')].map(f => f.dataset.speaker),"
            " entities: [...a.querySelectorAll('mark.entity')].map(m => m.dataset.entity)}))"
        )
        ours = {a["id"] for a in found if a["id"] in stored}
        expected = {
            i
            for i, a in stored.items()
            if any(
                name.lower() in value.lower()
                for value in (
                    [q.speaker or "" for q in a.quotes]
                    if by == "speaker"
                    else [e.name for e in a.entities]
                )
            )
        }
        assert ours == expected, (by, name)
        field = "speakers" if by == "speaker" else "entities"
        assert all(any(name.lower() in v.lower() for v in a[field]) for a in found), found
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "viewer-search.png"))


def test_hostile_article_text_is_shown_as_text_and_never_runs(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any
) -> None:
    article_id = next(i for i in stored if i.endswith("-hostile"))
    shown = read_article_page(browser, viewer, article_id)
    assert shown["scripts"] == 0 and shown["images"] == 0 and shown["pwned"] is None
    assert shown["body"] == stored[article_id].body
    assert "<script>" in shown["body"] and "onerror" in shown["body"]
    assert any("<script>" in q["text"] for q in shown["quotes"]), shown["quotes"]


def words(name: str) -> str:
    """The test's own spelling-blind form of a name: case and hyphens do not matter."""
    return " ".join(name.lower().replace("-", " ").split())


def test_a_speaker_links_to_their_page_with_their_quotes_across_articles(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any
) -> None:
    article = stored[richest(stored)]
    speaker = next(q.speaker for q in article.quotes if q.speaker and " " in q.speaker)
    browser.get(f"{viewer}/articles/{quote(article.id, safe='')}")
    link = browser.find_element(
        By.CSS_SELECTOR, f'figure.quote[data-speaker="{speaker}"] a.speaker'
    ).get_attribute("href")
    assert "/people/person%3A" in link, link
    browser.get(link)
    assert browser.find_element(By.CSS_SELECTOR, "section.person h2").text == speaker
    shown = browser.execute_script(
        "return [...document.querySelectorAll('section.person figure.quote')].map(f =>"
        " [f.dataset.article, f.querySelector('blockquote').textContent])"
    )
    ours = sorted((article_id, text) for article_id, text in shown if article_id in stored)
    expected = sorted(
        (a.id, q.text)
        for a in stored.values()
        for q in a.quotes
        if q.speaker and words(q.speaker) == words(speaker)
    )
    assert ours == expected
    assert browser.find_element(By.CSS_SELECTOR, "section.person .topics")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / "viewer-person.png"
    assert browser.save_screenshot(str(screenshot)), "chromium saved no screenshot"
    assert pixel_counts(screenshot)[rgb("#f4f2ff")] > 2000, f"no quote card in {screenshot}"


def test_the_people_page_links_each_person_to_their_page(viewer: str, browser: Any) -> None:
    browser.get(f"{viewer}/people")
    links = browser.execute_script(
        "return [...document.querySelectorAll('table.rows tr[data-id] a')].map(a => a.href)"
    )
    assert links and all("/people/person%3A" in link for link in links)


def test_full_text_search_marks_the_words_and_shows_a_hostile_article_as_text(
    stored: dict[str, EnrichedArticle], viewer: str, browser: Any
) -> None:
    browser.get(f"{viewer}/search?q={quote('Acme or test')}")
    found = browser.execute_script(
        "return {hits: [...document.querySelectorAll('ol.hits li')].map(li =>"
        " ({article: li.dataset.article, kind: li.classList.contains('quote') ? 'quote' :"
        " 'article', text: li.textContent})),"
        " marked: [...document.querySelectorAll('mark.hit')].map(m => m.textContent),"
        " scripts: document.querySelectorAll('script').length,"
        " images: document.querySelectorAll('img').length,"
        " pwned: window.pwned === undefined ? null : window.pwned}"
    )
    hostile = next(i for i in stored if i.endswith("-hostile"))
    assert any(hit["article"] == hostile for hit in found["hits"]), found
    assert found["marked"] and {words(text) for text in found["marked"]} <= {"acme", "test"}
    assert found["scripts"] == 0 and found["images"] == 0 and found["pwned"] is None
    quoted = [
        hit["text"] for hit in found["hits"] if (hit["article"], hit["kind"]) == (hostile, "quote")
    ]
    assert any("<script>window.pwned = 1</script>" in text for text in quoted), found

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = SCREENSHOTS / "viewer-text-search.png"
    assert browser.save_screenshot(str(screenshot)), "chromium saved no screenshot"
    assert pixel_counts(screenshot)[rgb("#fff3a8")] > 100, f"no marked word in {screenshot}"


def test_pages_of_two_show_every_matching_article_once(
    stored: dict[str, EnrichedArticle], migrated: Services, browser: Any
) -> None:
    entity = next(e.name for e in stored[richest(stored)].entities if e.label == "GPE")
    with psycopg.connect(migrated.database_url) as conn:
        expected = {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT article_id FROM entities WHERE name ILIKE %(p)s"
                " OR EXISTS (SELECT 1 FROM unnest(aliases) AS alias WHERE alias ILIKE %(p)s)",
                {"p": f"%{entity}%"},
            )
        }
    seen: list[str] = []
    with running_viewer(migrated, limit=2) as small:
        browser.get(f"{small}/?by=entity&q={quote(entity)}")
        while True:
            ids = browser.execute_script(
                "return [...document.querySelectorAll('article')].map(a => a.dataset.id)"
            )
            assert len(ids) <= 2
            seen.extend(ids)
            after = browser.find_elements(By.CSS_SELECTOR, "nav.pages a[rel=next]")
            if not after:
                break
            after[0].click()
    assert len(seen) == len(set(seen)) and set(seen) == expected
