"""`newsflow view` in real headless Chromium, against records the real NLP made and the sink wrote.

The articles are the seeds plus a hostile one, enriched in-process by the same code the stages
run, and stored by the sink's own writer under ids no other test uses. The page is read back in
Debian's chromium (driven by its chromedriver) and compared with the records in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from selenium.webdriver.common.by import By

from schemas import EnrichedArticle
from streams.config import Settings
from streams.enriching import enrich_inputs
from streams.inputs import Input, read_inputs
from streams.sink.rows import Stored, to_rows
from streams.sink.writer import write_rows
from streams.viewer.pages import LABEL_COLOURS
from tests.conftest import REPO, Services, unavailable
from tests.e2e.png import pixel_counts

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(os.environ.get("NEWSFLOW_SCREENSHOT_DIR", REPO / "build" / "screenshots"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1600",
    "--hide-scrollbars",
)
HOSTILE_TEXT = (
    'Mallory Payload said on Friday: "<script>window.pwned = 1</script> is only a test."\n\n'
    'The Acme Corporation in Paris added <img src=x onerror="window.pwned = 2"> & more.'
)

# What the page shows, read in the browser: each mark's own text (its label chip excluded),
# the body's text without the chips, and each quote card.
READ_PAGE = """
const article = document.querySelector('article');
const own = (node) => [...node.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
const body = article.querySelector('.body');
const text = [...body.childNodes].map(n => n.nodeType === 3 ? n.data : own(n)).join('');
return {
  marks: [...body.querySelectorAll('mark.entity')].map(m => ({
    text: own(m), label: m.dataset.label, entity: m.dataset.entity,
    chip: m.querySelector('.label').textContent,
    background: getComputedStyle(m).backgroundColor})),
  body: text,
  quotes: [...article.querySelectorAll('figure.quote')].map(f => ({
    text: f.querySelector('blockquote').textContent,
    speaker: f.dataset.speaker,
    caption: f.querySelector('figcaption').textContent,
    kind: f.classList.contains('direct') ? 'direct' : 'indirect'})),
  raw: article.querySelector('a.raw').href,
  scripts: document.querySelectorAll('script').length,
  images: document.querySelectorAll('img').length,
  pwned: window.pwned === undefined ? null : window.pwned,
};
"""


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


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
    rows = to_rows([Stored(article, 0, offset) for offset, article in enumerate(articles)])

    async def write() -> None:
        async with await psycopg.AsyncConnection.connect(migrated.database_url) as conn:
            await write_rows(conn, rows)

    asyncio.run(write())
    return {article.id: article for article in articles}


@pytest.fixture(scope="module")
def viewer(migrated: Services) -> Iterator[str]:
    """`newsflow view` on a free port; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "streams", "view", "--port", "0", "--limit", "500"],
        env=migrated.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", first)
    assert found, f"newsflow view said: {first!r}"
    try:
        yield found.group(0).rstrip("/")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless chromium, driven by its chromedriver (nothing downloaded)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        unavailable("chromium and chromedriver are not installed: run `make browser`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


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
    browser.get(f"{viewer}/articles/{quote(article_id, safe='')}")
    shown = browser.execute_script(READ_PAGE)

    mentions = sorted((m.start, m.end, e) for e in record.entities for m in e.mentions)
    assert [(m["text"], m["label"], m["entity"]) for m in shown["marks"]] == [
        (record.body[start:end], entity.label, entity.name) for start, end, entity in mentions
    ]
    assert all(m["chip"] == m["label"] for m in shown["marks"])
    for mark in shown["marks"]:
        r, g, b = rgb(LABEL_COLOURS.get(mark["label"], "#dddddd"))
        assert mark["background"] == f"rgb({r}, {g}, {b})", mark
    assert shown["body"] == record.body
    assert [(q["text"], q["speaker"], q["kind"]) for q in shown["quotes"]] == [
        (q.text, q.speaker or "", q.kind) for q in record.quotes
    ]
    for card, quote_ in zip(shown["quotes"], record.quotes, strict=True):
        assert (quote_.speaker or "unattributed") in card["caption"]

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
    browser.get(f"{viewer}/articles/{quote(article_id, safe='')}")
    link = browser.execute_script(READ_PAGE)["raw"]
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
    browser.get(f"{viewer}/articles/{quote(article_id, safe='')}")
    shown = browser.execute_script(READ_PAGE)
    assert shown["scripts"] == 0 and shown["images"] == 0 and shown["pwned"] is None
    assert shown["body"] == stored[article_id].body
    assert "<script>" in shown["body"] and "onerror" in shown["body"]
    assert any("<script>" in q["text"] for q in shown["quotes"]), shown["quotes"]
