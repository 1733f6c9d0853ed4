"""The viewer's HTML: highlights where the record says, and article text never becomes markup."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from streams.viewer.pages import (
    api_page,
    article_section,
    highlight,
    hits,
    index_page,
    mention_spans,
    pager,
    person_page,
    search_page,
)
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


def test_a_search_snippet_marks_the_matched_words_and_escapes_the_rest() -> None:
    assert hits("the «Acme» deal & <b>more</b>") == (
        'the <mark class="hit">Acme</mark> deal &amp; &lt;b&gt;more&lt;/b&gt;'
    )
    # stray or nested markers never open a tag that is not closed
    assert hits("«a «b» c\x00") == 'a <mark class="hit">b</mark> c'


def test_pages_link_back_and_on_only_where_there_is_a_page() -> None:
    assert pager("/", 1, False) == ""
    first = tags_of(pager("/?by=entity&q=Kenya", 1, True))
    assert [attrs.get("href") for tag, attrs in first if tag == "a"] == [
        "/?by=entity&q=Kenya&page=2"
    ]
    middle = tags_of(pager("/people", 3, True))
    assert [(attrs["rel"], attrs["href"]) for tag, attrs in middle if tag == "a"] == [
        ("prev", "/people?page=2"),
        ("next", "/people?page=4"),
    ]


def test_hostile_names_quotes_and_headlines_on_person_and_search_pages_become_no_tag() -> None:
    person = {
        "entity_id": f"person:{HOSTILE}",
        "name": HOSTILE,
        "family": "person",
        "articles": 1,
        "mentions": 1,
        "quotes": 1,
        "aliases": [HOSTILE, "Bob"],
    }
    said = [
        {"article_id": HOSTILE, "text": HOSTILE, "kind": "direct", "headline": HOSTILE,
         "dated_at": datetime(2026, 3, 1, tzinfo=UTC)},
    ]  # fmt: skip
    topics = [{"entity_id": "org:<x>", "name": HOSTILE, "mentions": 1, "articles": 1}]
    found = [
        {"kind": "article", "article_id": HOSTILE, "headline": HOSTILE, "text": f"«{HOSTILE}»"},
        {"kind": "quote", "article_id": "a1", "headline": HOSTILE, "text": HOSTILE,
         "speaker": HOSTILE, "speaker_id": f"person:{HOSTILE}"},
    ]  # fmt: skip
    for html in (person_page(person, said, topics, 2, True), search_page(HOSTILE, found)):
        names = [tag for tag, _ in tags_of(html)]
        assert "script" not in names and "img" not in names
        assert "alert(1)" in html


def test_the_api_page_lists_each_route_and_its_parameters_without_script() -> None:
    spec = {
        "info": {"title": "newsflow", "version": "1", "description": "<script>x</script>"},
        "paths": {
            "/api/quotes": {
                "get": {
                    "summary": "Quotes",
                    "parameters": [
                        {"name": "since", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer",
                         "default": 50}},
                    ],
                }
            }
        },
    }  # fmt: skip
    html = api_page(spec)
    assert "GET /api/quotes" in html and "integer (default 50)" in html
    assert "script" not in [tag for tag, _ in tags_of(html)]
