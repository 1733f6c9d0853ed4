"""Render the viewer's HTML (pure): article bodies with entities highlighted, quotes as cards.

Everything that comes from an article is hostile input: every piece of text and every
attribute value goes through `html.escape`, and the page carries no script at all (the server
also sends a Content-Security-Policy that forbids scripts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from streams.viewer.queries import SearchField, Shown

# Label colours after spaCy's displaCy, so a reader who knows it finds the same code.
LABEL_COLOURS = {
    "PERSON": "#aa9cfc",
    "ORG": "#7aecec",
    "GPE": "#feca74",
    "LOC": "#ff9561",
    "NORP": "#c887fb",
    "FAC": "#9cc9cc",
    "EVENT": "#ffeb80",
    "PRODUCT": "#bfeeb7",
    "WORK_OF_ART": "#f0d0ff",
    "LAW": "#ff8197",
    "LANGUAGE": "#ff8197",
    "DATE": "#bfe1d9",
    "TIME": "#bfe1d9",
    "MONEY": "#e4e7d2",
    "QUANTITY": "#e4e7d2",
    "PERCENT": "#e4e7d2",
    "ORDINAL": "#e4e7d2",
    "CARDINAL": "#e4e7d2",
}
DEFAULT_COLOUR = "#ddd"

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #222; background: #fafafa; }
header form { display: flex; gap: .5rem; margin: 1rem 0; }
header input[type=search] { flex: 1; padding: .4rem; font-size: 1rem; }
article { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 1rem 1.5rem;
          margin: 1rem 0; }
article h2 { margin: 0 0 .25rem; }
.meta { color: #666; font-size: .85rem; }
.meta a { margin-right: 1rem; }
.body { white-space: pre-wrap; line-height: 2.2; }
mark.entity { padding: .15em .35em; border-radius: .35em; line-height: 1; }
mark.entity .label { font-size: .6em; font-weight: bold; text-transform: uppercase;
                     margin-left: .4rem; vertical-align: middle; }
.quotes { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
          gap: .75rem; margin-top: 1rem; }
figure.quote { margin: 0; padding: .75rem 1rem; border-left: 4px solid #aa9cfc;
               background: #f4f2ff; border-radius: 4px; }
figure.quote.indirect { border-left-color: #bbb; background: #f3f3f3; }
figure.quote blockquote { margin: 0 0 .5rem; font-style: italic; }
figure.quote figcaption { font-size: .9rem; color: #444; }
.empty { color: #666; }
"""


def colour_of(label: str) -> str:
    return LABEL_COLOURS.get(label, DEFAULT_COLOUR)


def article_path(article_id: str) -> str:
    """Return the viewer's path of one article's page (the id is percent-encoded whole)."""
    return f"/articles/{quote(article_id, safe='')}"


def record_path(article_id: str) -> str:
    """Return the viewer's path of one article's raw JSON record."""
    return f"{article_path(article_id)}.json"


def search_path(field: SearchField, text: str) -> str:
    return "/?" + urlencode({"by": field, "q": text})


def mention_spans(record: dict[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    """Return (start, end, entity) of each mention, in body order, without overlaps.

    Spans outside the body or overlapping an earlier one are left out rather than trusted.
    """
    body_length = len(record.get("body") or "")
    spans = sorted(
        (mention["start"], mention["end"], entity)
        for entity in record.get("entities") or []
        for mention in entity.get("mentions") or []
        if 0 <= mention["start"] < mention["end"] <= body_length
    )
    kept: list[tuple[int, int, dict[str, Any]]] = []
    for start, end, entity in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, entity))
    return kept


def highlight(body: str, spans: Iterable[tuple[int, int, dict[str, Any]]]) -> str:
    """Return `body` as escaped HTML with each span marked by its entity's label."""
    parts: list[str] = []
    position = 0
    for start, end, entity in spans:
        parts.append(escape(body[position:start]))
        label = str(entity.get("label", ""))
        parts.append(
            f'<mark class="entity" data-entity="{escape(str(entity.get("name", "")))}"'
            f' data-label="{escape(label)}" style="background: {colour_of(label)}">'
            f'{escape(body[start:end])}<span class="label">{escape(label)}</span></mark>'
        )
        position = end
    parts.append(escape(body[position:]))
    return "".join(parts)


def quote_card(quote_: dict[str, Any]) -> str:
    """Return one quote as a card: its words, and who said it with the cue verb."""
    speaker = quote_.get("speaker")
    kind = "direct" if quote_.get("kind") == "direct" else "indirect"
    if speaker:
        who = (
            f'<a class="speaker" href="{escape(search_path("speaker", speaker))}">'
            f"{escape(speaker)}</a>"
        )
    else:
        who = '<span class="speaker unattributed">unattributed</span>'
    cue = f' <span class="cue">({escape(quote_["cue"])})</span>' if quote_.get("cue") else ""
    return (
        f'<figure class="quote {kind}" data-speaker="{escape(speaker or "")}">'
        f"<blockquote>{escape(str(quote_.get('text', '')))}</blockquote>"
        f"<figcaption>— {who}{cue} · {kind}</figcaption></figure>"
    )


def article_section(shown: Shown) -> str:
    """Return one article: headline, links, highlighted body and quote cards."""
    record = shown.record
    headline = record.get("headline") or "(no headline)"
    byline = " · ".join(
        escape(str(part)) for part in (record.get("dateline"), record.get("byline")) if part
    )
    quotes = record.get("quotes") or []
    cards = "".join(map(quote_card, quotes)) or '<p class="empty">No quotes found.</p>'
    body = highlight(str(record.get("body", "")), mention_spans(record))
    return (
        f'<article id="{escape(quote(shown.id, safe=""))}" data-id="{escape(shown.id)}">'
        f'<h2><a href="{escape(article_path(shown.id))}">{escape(str(headline))}</a></h2>'
        f'<p class="meta"><a class="raw" href="{escape(record_path(shown.id))}">raw JSON</a>'
        f"<span>{escape(shown.id)}</span> · stored {escape(shown.stored_at.isoformat())}"
        f"{' · ' + byline if byline else ''}</p>"
        f'<div class="body">{body}</div>'
        f'<h3>Quotes</h3><div class="quotes">{cards}</div></article>'
    )


def search_form(field: SearchField | None, text: str) -> str:
    options = "".join(
        f'<option value="{value}"{" selected" if value == field else ""}>{value}</option>'
        for value in ("entity", "speaker")
    )
    return (
        '<form method="get" action="/">'
        f'<input type="search" name="q" value="{escape(text)}" placeholder="name of a person,'
        ' place or organisation">'
        f'<select name="by">{options}</select><button type="submit">Search</button></form>'
    )


def page(title: str, content: str, field: SearchField | None = None, text: str = "") -> str:
    """Return a whole HTML page around `content`."""
    return (
        "<!doctype html>"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><header><h1><a href="/">newsflow</a></h1>{search_form(field, text)}</header>'
        f"<main>{content}</main></body></html>"
    )


def index_page(articles: Sequence[Shown], field: SearchField | None, text: str) -> str:
    """Return the page of recent (or searched) articles."""
    if text.strip() and field:
        heading = f"Articles with {field} “{escape(text)}”: {len(articles)}"
    else:
        heading = f"Recent articles: {len(articles)}"
    contents = "".join(
        f'<li><a href="#{escape(quote(shown.id, safe=""))}">'
        f"{escape(str(shown.record.get('headline') or shown.id))}</a></li>"
        for shown in articles
    )
    sections = f'<ol class="contents">{contents}</ol>' + "".join(map(article_section, articles))
    empty = '<p class="empty">Nothing stored matches.</p>' if not articles else ""
    return page("newsflow", f"<h2>{heading}</h2>{empty}{sections}", field, text)


def article_page(shown: Shown) -> str:
    return page(str(shown.record.get("headline") or shown.id), article_section(shown))


def message_page(title: str, message: str) -> str:
    return page(title, f'<p class="empty">{escape(message)}</p>')
