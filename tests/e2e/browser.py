"""`newsflow view` as a process and Debian's headless chromium, and what a page must show."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from schemas import EnrichedArticle
from streams.viewer.pages import LABEL_COLOURS
from tests.conftest import REPO, Services, unavailable

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


@contextmanager
def running_viewer(services: Services, limit: int = 500) -> Iterator[str]:
    """Run `newsflow view` on a free port, `limit` items a page; yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "streams", "view", "--port", "0", "--limit", str(limit)],
        env=services.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", first)
    try:
        assert found, f"newsflow view said: {first!r}"
        yield found.group(0).rstrip("/")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """Start Debian's headless chromium driven by its chromedriver (nothing downloaded)."""
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


def read_article_page(browser: Any, viewer: str, article_id: str) -> dict[str, Any]:
    """Open the page of `article_id` and return what it shows (see READ_PAGE)."""
    browser.get(f"{viewer}/articles/{quote(article_id, safe='')}")
    return browser.execute_script(READ_PAGE)  # type: ignore[no-any-return]


def assert_page_shows(shown: dict[str, Any], record: EnrichedArticle) -> None:
    """Check the page's highlights, body text and quote cards against the stored record."""
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
