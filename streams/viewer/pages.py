"""Render the viewer's HTML (pure): article bodies with entities highlighted, quotes as cards.

Everything that comes from an article is hostile input: every piece of text and every
attribute value goes through `html.escape`, and the page carries no script at all (the server
also sends a Content-Security-Policy that forbids scripts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
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
nav.pages { display: flex; justify-content: space-between; margin: 1rem 0; }
table.rows { border-collapse: collapse; width: 100%; background: #fff; }
table.rows th, table.rows td { text-align: left; padding: .3rem .6rem;
                               border-bottom: 1px solid #eee; }
table.rows td.count { text-align: right; font-variant-numeric: tabular-nums; }
ol.hits { padding-left: 1.5rem; }
ol.hits li { margin: .75rem 0; }
mark.hit { background: #fff3a8; }
.kind { font-size: .75rem; text-transform: uppercase; color: #666; margin-right: .5rem; }
"""
_HIT = re.compile("«([^«»]*)»")


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


def person_path(entity_id: str) -> str:
    """Return the viewer's path of one cross-article entity's page (`person:wang yi`)."""
    return f"/people/{quote(entity_id, safe='')}"


def words_path(text: str, page_number: int = 1) -> str:
    """Return the viewer's path of a full-text search (page 1 unless told)."""
    query = {"q": text, **({"page": page_number} if page_number > 1 else {})}
    return "/search?" + urlencode(query)


def with_page(path: str, page_number: int) -> str:
    """Return `path` (which may have a query string) at page `page_number`."""
    if page_number <= 1:
        return path
    return f"{path}{'&' if '?' in path else '?'}page={page_number}"


def pager(path: str, page_number: int, has_next: bool) -> str:
    """Return the links to the pages before and after `page_number` of `path`."""
    if page_number <= 1 and not has_next:
        return ""
    newer = (
        f'<a rel="prev" href="{escape(with_page(path, page_number - 1))}">← previous</a>'
        if page_number > 1
        else "<span></span>"
    )
    older = (
        f'<a rel="next" href="{escape(with_page(path, page_number + 1))}">next →</a>'
        if has_next
        else "<span></span>"
    )
    return f'<nav class="pages">{newer}<span>page {page_number}</span>{older}</nav>'


def hits(snippet: str) -> str:
    """Return a search snippet as escaped HTML, the words it matched («…») marked."""
    plain = snippet.replace("\x00", "").replace("\x01", "")
    marked = _HIT.sub(lambda found: f"\x00{found.group(1)}\x01", plain)
    text = escape(marked.replace("«", "").replace("»", ""))
    return text.replace("\x00", '<mark class="hit">').replace("\x01", "</mark>")


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


def quote_card(quote_: dict[str, Any], speaker_id: str | None = None) -> str:
    """Return one quote as a card: its words, and who said it with the cue verb.

    The speaker links to their page across articles when the quote has their id, else to the
    articles with a speaker of that name.
    """
    speaker = quote_.get("speaker")
    kind = "direct" if quote_.get("kind") == "direct" else "indirect"
    if speaker:
        link = person_path(speaker_id) if speaker_id else search_path("speaker", speaker)
        who = f'<a class="speaker" href="{escape(link)}">{escape(speaker)}</a>'
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
    ids = shown.speaker_ids if len(shown.speaker_ids) == len(quotes) else (None,) * len(quotes)
    cards = "".join(map(quote_card, quotes, ids)) or '<p class="empty">No quotes found.</p>'
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


def words_form(text: str) -> str:
    return (
        '<form method="get" action="/search">'
        f'<input type="search" name="q" value="{escape(text)}" placeholder="words in bodies'
        ' and quotes: rice -exports, &quot;trade war&quot;">'
        '<button type="submit">Search text</button></form>'
    )


def page(
    title: str, content: str, field: SearchField | None = None, text: str = "", words: str = ""
) -> str:
    """Return a whole HTML page around `content`."""
    return (
        "<!doctype html>"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        '<body><header><h1><a href="/">newsflow</a></h1>'
        '<p class="meta"><a href="/">articles</a><a href="/people">people</a>'
        '<a href="/api/docs">JSON API</a></p>'
        f"{search_form(field, text)}{words_form(words)}</header>"
        f"<main>{content}</main></body></html>"
    )


def index_page(
    articles: Sequence[Shown],
    field: SearchField | None,
    text: str,
    page_number: int = 1,
    has_next: bool = False,
) -> str:
    """Return the page of recent (or searched) articles, `page_number` of them."""
    if text.strip() and field:
        heading = f"Articles with {field} “{escape(text)}”: {len(articles)}"
        path = search_path(field, text)
    else:
        heading = f"Recent articles: {len(articles)}"
        path = "/"
    if page_number > 1:
        heading += f" (page {page_number})"
    contents = "".join(
        f'<li><a href="#{escape(quote(shown.id, safe=""))}">'
        f"{escape(str(shown.record.get('headline') or shown.id))}</a></li>"
        for shown in articles
    )
    sections = f'<ol class="contents">{contents}</ol>' + "".join(map(article_section, articles))
    empty = '<p class="empty">Nothing stored matches.</p>' if not articles else ""
    pages = pager(path, page_number, has_next)
    return page("newsflow", f"<h2>{heading}</h2>{empty}{sections}{pages}", field, text)


def article_page(shown: Shown) -> str:
    return page(str(shown.record.get("headline") or shown.id), article_section(shown))


def message_page(title: str, message: str) -> str:
    return page(title, f'<p class="empty">{escape(message)}</p>')


def count_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], link: Callable[[dict[str, Any]], str]
) -> str:
    """Return rows of named things with counts as a table, each name linked by `link`."""
    head = "".join(f"<th>{escape(column)}</th>" for column in ("name", *columns))
    body = "".join(
        f'<tr data-id="{escape(str(row["entity_id"]))}">'
        f'<td><a href="{escape(link(row))}">{escape(str(row["name"]))}</a></td>'
        + "".join(f'<td class="count">{escape(str(row[column]))}</td>' for column in columns)
        + "</tr>"
        for row in rows
    )
    return f'<table class="rows"><tr>{head}</tr>{body}</table>'


def people_page(
    rows: Sequence[dict[str, Any]], family: str, page_number: int, has_next: bool
) -> str:
    """Return the people (or another family) named in the most articles, with counts."""
    heading = "People" if family == "person" else f"Entities: {escape(family)}"
    table = (
        count_table(
            rows, ("articles", "mentions", "quotes"), lambda row: person_path(row["entity_id"])
        )
        if rows
        else '<p class="empty">No one stored yet.</p>'
    )
    path = "/people" if family == "person" else f"/people?{urlencode({'family': family})}"
    return page(heading, f"<h2>{heading}</h2>{table}{pager(path, page_number, has_next)}")


def said_card(said: dict[str, Any]) -> str:
    """Return one of a person's quotes as a card: its words, the article and when."""
    kind = "direct" if said.get("kind") == "direct" else "indirect"
    dated = said.get("dated_at")
    when = f" · {escape(dated.date().isoformat())}" if dated is not None else ""
    headline = str(said.get("headline") or said["article_id"])
    return (
        f'<figure class="quote {kind}" data-article="{escape(str(said["article_id"]))}">'
        f"<blockquote>{escape(str(said.get('text', '')))}</blockquote>"
        f'<figcaption>in <a href="{escape(article_path(str(said["article_id"])))}">'
        f"{escape(headline)}</a>{when} · {kind}</figcaption></figure>"
    )


def person_page(
    person: dict[str, Any],
    said: Sequence[dict[str, Any]],
    topics: Sequence[dict[str, Any]],
    page_number: int = 1,
    has_next: bool = False,
) -> str:
    """Return one entity across articles: its counts and aliases, its quotes, what it names."""
    name = str(person["name"])
    aliases = ", ".join(
        escape(str(alias)) for alias in person.get("aliases") or [] if alias != name
    )
    facts = (
        f'<p class="meta">{escape(str(person["entity_id"]))} · {escape(str(person["family"]))}'
        f" · named in {person['articles']} article(s), {person['mentions']} mention(s),"
        f" {person['quotes']} quote(s){' · also ' + aliases if aliases else ''}</p>"
        f'<p class="meta"><a href="{escape(search_path("entity", name))}">articles naming'
        f" {escape(name)}</a></p>"
    )
    cards = "".join(map(said_card, said)) or '<p class="empty">No quotes stored.</p>'
    talks = (
        count_table(topics, ("mentions", "articles"), lambda row: person_path(row["entity_id"]))
        if topics
        else '<p class="empty">Names no one in their quotes.</p>'
    )
    pages = pager(person_path(str(person["entity_id"])), page_number, has_next)
    content = (
        f'<section class="person" data-id="{escape(str(person["entity_id"]))}">'
        f"<h2>{escape(name)}</h2>{facts}"
        f'<h3>Quotes</h3><div class="quotes">{cards}</div>{pages}'
        f'<h3>Talks about</h3><div class="topics">{talks}</div></section>'
    )
    return page(name, content)


def hit_item(hit: dict[str, Any]) -> str:
    """Return one search result: an article's snippet or a quote, with its article."""
    article_id = str(hit["article_id"])
    headline = escape(str(hit.get("headline") or article_id))
    link = f'<a href="{escape(article_path(article_id))}">{headline}</a>'
    if hit["kind"] == "quote":
        who = escape(str(hit.get("speaker") or "unattributed"))
        if hit.get("speaker_id"):
            who = f'<a class="speaker" href="{escape(person_path(hit["speaker_id"]))}">{who}</a>'
        shown = f"<q>{escape(str(hit.get('text') or ''))}</q> — {who}, in {link}"
    else:
        shown = f"{link}<br>{hits(str(hit.get('text') or ''))}"
    return (
        f'<li class="hit {escape(str(hit["kind"]))}" data-article="{escape(article_id)}">'
        f'<span class="kind">{escape(str(hit["kind"]))}</span>{shown}</li>'
    )


def search_page(
    text: str, found: Sequence[dict[str, Any]], page_number: int = 1, has_next: bool = False
) -> str:
    """Return the full-text search results for `text`: articles and quotes, best first."""
    if not text.strip():
        content = '<p class="empty">Type words to find in article bodies and quotes.</p>'
    elif not found:
        content = f'<p class="empty">Nothing stored matches “{escape(text)}”.</p>'
    else:
        items = "".join(map(hit_item, found))
        content = (
            f'<h2>Found “{escape(text)}”</h2><ol class="hits">{items}</ol>'
            f"{pager(words_path(text), page_number, has_next)}"
        )
    return page(f"search: {text}", content, words=text)


def api_page(spec: dict[str, Any]) -> str:
    """Return the OpenAPI description as a page: each path with its parameters (no script)."""
    sections = []
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            rows = "".join(
                f"<tr><td><code>{escape(str(parameter['name']))}</code></td>"
                f"<td>{escape(str(parameter.get('in', '')))}</td>"
                f"<td>{escape(schema_text(parameter.get('schema', {})))}</td>"
                f"<td>{'required' if parameter.get('required') else ''}</td>"
                f"<td>{escape(str(parameter.get('description', '')))}</td></tr>"
                for parameter in operation.get("parameters", [])
            )
            table = (
                '<table class="rows"><tr><th>parameter</th><th>in</th><th>type</th><th></th>'
                f"<th>meaning</th></tr>{rows}</table>"
                if rows
                else ""
            )
            sections.append(
                f'<section class="operation"><h3><code>{escape(method.upper())}'
                f" {escape(path)}</code></h3><p>{escape(str(operation.get('summary', '')))}</p>"
                f"{table}</section>"
            )
    info = spec.get("info", {})
    intro = escape(str(info.get("description", ""))).replace("\n\n", "</p><p>")
    content = (
        f"<h2>{escape(str(info.get('title', '')))} JSON API {escape(str(info.get('version', '')))}"
        f"</h2><p>{intro}</p>"
        '<p class="meta"><a href="/api/openapi.json">openapi.json</a></p>' + "".join(sections)
    )
    return page("newsflow JSON API", content)


def schema_text(schema: dict[str, Any]) -> str:
    """Return a parameter's JSON Schema in a few words: its type, choices and default."""
    if "anyOf" in schema:
        kinds = [str(part.get("type")) for part in schema["anyOf"] if part.get("type") != "null"]
        text = " or ".join(kinds)
    else:
        text = str(schema.get("type", ""))
    if "enum" in schema:
        text += ": " + " | ".join(map(str, schema["enum"]))
    if "default" in schema and schema["default"] is not None:
        text += f" (default {schema['default']})"
    return text
