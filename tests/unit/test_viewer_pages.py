"""The viewer's HTML: highlights where the record says, and article text never becomes markup."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from streams.viewer.pages import article_section, highlight, index_page, mention_spans
from streams.viewer.queries import Shown, contains_pattern
from streams.viewer.server import search_of

HOSTILE = '<script>alert(1)</script> "Bob" & <img src=x onerror=alert(2)>'


class Tags(HTMLParser):
    """Collect the start tags and their attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(fragment)
    return parser.tags


def record(body: str, **extra: object) -> dict[str, object]:
    return {"id": "a1", "body": body, "entities": [], "quotes": [], **extra}


def test_mentions_are_kept_in_body_order_and_bad_spans_are_left_out() -> None:
    entities = [
        {"name": "Ada", "label": "PERSON", "mentions": [{"start": 10, "end": 13}]},
        {"name": "Paris", "label": "GPE", "mentions": [{"start": 0, "end": 5}]},
        {"name": "Over", "label": "ORG", "mentions": [{"start": 11, "end": 14}]},
        {"name": "Out", "label": "ORG", "mentions": [{"start": 90, "end": 95}]},
    ]
    spans = mention_spans(record("Paris met Ada today", entities=entities))
    assert [(start, end, e["name"]) for start, end, e in spans] == [
        (0, 5, "Paris"),
        (10, 13, "Ada"),
    ]


def test_highlighting_marks_each_mention_with_its_label_and_keeps_the_text() -> None:
    body = "Ada went to Paris."
    entity = {"name": "Ada Lovelace", "label": "PERSON"}
    place = {"name": "Paris", "label": "GPE"}
    html = highlight(body, [(0, 3, entity), (12, 17, place)])
    marks = [attrs for tag, attrs in tags_of(html) if tag == "mark"]
    assert [(m["data-entity"], m["data-label"]) for m in marks] == [
        ("Ada Lovelace", "PERSON"),
        ("Paris", "GPE"),
    ]
    assert html.startswith('<mark class="entity"') and html.endswith("</mark>.")


def test_hostile_text_in_body_names_and_quotes_becomes_no_tag() -> None:
    shown = Shown(
        'x"><script>',
        record(
            HOSTILE,
            headline=HOSTILE,
            byline=HOSTILE,
            entities=[{"name": HOSTILE, "label": HOSTILE, "mentions": [{"start": 0, "end": 8}]}],
            quotes=[{"text": HOSTILE, "kind": "direct", "speaker": HOSTILE, "cue": HOSTILE}],
        ),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    html = index_page([shown], "speaker", HOSTILE)
    tags = {tag for tag, _ in tags_of(html)}
    assert not tags & {"script", "img"}
    assert all(not name.startswith("on") for _, attrs in tags_of(html) for name in attrs)
    assert "&lt;script&gt;" in article_section(shown)


def test_search_text_is_matched_literally() -> None:
    assert contains_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_search_defaults_to_entity_and_ignores_blank_text() -> None:
    assert search_of("q=Kamau&by=speaker") == ("speaker", "Kamau")
    assert search_of("q=Kenya") == ("entity", "Kenya")
    assert search_of("q=Kenya&by=nonsense") == ("entity", "Kenya")
    assert search_of("q=+&by=speaker") == (None, " ")
