"""Turn a raw article (plain text or HTML) into a clean body with the page furniture split off.

The order of the steps lives here: split into blocks, cut the lists of other stories and
footers that end a page, find where the article starts and its headline, file each block as
text or furniture, strip the dateline. The tests of a single line are in furniture.py, the
shapes of blocks in blocks.py, the headline in headline.py and HTML in htmltext.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from schemas.articles import CleanArticle, RawArticle
from streams.nlp.blocks import is_table_row, normalise_text, same_text, split_blocks, word_count
from streams.nlp.furniture import (
    ends_with_quote,
    is_boilerplate_line,
    is_furniture,
    is_prose,
    is_trailing_marker,
    parse_byline,
    photo_credit,
    precedes_credit,
    split_caption,
    split_trailing_agency,
    strip_dateline,
)
from streams.nlp.headline import find_body_start, find_headline
from streams.nlp.htmltext import extract_from_html
from streams.nlp.language import detect_language

_MIN_ARTICLE_WORDS = 12  # a prose block this long after a "Related" marker is the article's
_MAX_LIST_ITEMS = 12  # a longer run after a ":" line is a link list
_MAX_HEADING_WORDS = 8  # a heading inside a table is no longer than this
_FURNITURE_RUN = 4  # this many short lines in a row after most of the article end it
_TAIL_PROSE_SHARE = 0.35  # ... when less than this share of the prose follows them


class EmptyArticleError(ValueError):
    """Nothing of the article's body is left after cleaning."""

    def __init__(self, article_id: str) -> None:
        super().__init__(f"article {article_id} has no body text left after cleaning")


@dataclass
class CleanParts:
    """What the text cleaner found: the body's paragraphs and the furniture split off."""

    paragraphs: list[str] = field(default_factory=list)
    headline: str | None = None
    dateline: str | None = None
    byline: str | None = None
    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def find_trailing_cut(blocks: list[str]) -> int | None:
    """Return the index of the marker line that ends the article ("Next In ...", "Most Popular").

    A marker followed by two or more paragraphs of prose sits inside the article (an inline
    "Related stories" box) and does not cut.
    """
    prose_after = 0  # article-length prose blocks after the current index
    cut: int | None = None
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if is_trailing_marker(block) and prose_after < 2:
            cut = index
        if word_count(block) >= _MIN_ARTICLE_WORDS and is_prose(block):
            prose_after += 1
    return cut


def find_furniture_run(blocks: list[str]) -> int | None:
    """Return where a run of short non-prose lines ends the article (footer, link lists).

    The run must follow most of the article's prose, so lists inside the article stay.
    """
    prose_words = [word_count(b) if is_prose(b) else 0 for b in blocks]
    listed = [a or b for a, b in zip(list_items(blocks), table_lines(blocks), strict=True)]
    total = sum(prose_words)
    before = 0
    for index in range(len(blocks) - _FURNITURE_RUN + 1):
        if all(not prose_words[i] and not listed[i] for i in range(index, index + _FURNITURE_RUN)):
            after = total - before
            if before and after < _TAIL_PROSE_SHARE * before:
                return index
        before += prose_words[index]
    return None


def list_items(blocks: list[str]) -> list[bool]:
    """Mark the lines of in-article lists: a lead line ending in ":" and the short lines after
    it up to the next prose, when prose follows the list (a footer list ends the page)."""
    marked = [False] * len(blocks)
    for index, block in enumerate(blocks):
        if not block.endswith(":") or word_count(block) < 2 or is_boilerplate_line(block):
            continue
        end = index + 1
        while end < len(blocks) and not is_prose(blocks[end]):
            end += 1
        if end < len(blocks) and end - index <= _MAX_LIST_ITEMS:
            for item in range(index, end):
                marked[item] = True
    return marked


def table_lines(blocks: list[str]) -> list[bool]:
    """Mark the lines of in-article tables and lists (results, standings, line-ups, Q&A).

    A run of lines between prose paragraphs is a table when at least half of its lines are
    rows (see is_table_row) that are not furniture; its other short lines are the table's
    headings ("Division two", "Group B") and belong to it, furniture aside.
    """
    prose = [is_prose(b) for b in blocks]
    furniture = [is_furniture(b) for b in blocks]
    marked = [False] * len(blocks)
    start = 0
    while start < len(blocks):
        end = start
        while end < len(blocks) and not prose[end]:
            end += 1
        rows = [i for i in range(start, end) if not furniture[i] and is_table_row(blocks[i])]
        if rows and 2 * len(rows) >= end - start:
            for i in range(start, end):
                marked[i] = i in rows or (not furniture[i] and _is_table_heading(blocks[i]))
        start = end + 1
    return marked


def _is_table_heading(block: str) -> bool:
    return word_count(block) <= _MAX_HEADING_WORDS and not is_trailing_marker(block)


def drop_repeats(blocks: list[str], title: str | None) -> tuple[list[str], list[str]]:
    """Drop blocks that repeat the block before them or the title; return (kept, dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    for block in blocks:
        if (kept and block == kept[-1]) or (title and same_text(block, title)):
            dropped.append(block)
        else:
            kept.append(block)
    return kept, dropped


def inline_link_box_end(blocks: list[str], marker: int) -> int:
    """Return the index after an inline box of links that starts at a marker line."""
    end = marker + 1
    while end < len(blocks) and not is_prose(blocks[end]):
        end += 1
    return end


def _lines(block: str) -> list[str]:
    return block.split("\n")


def clean_text(text: str, title: str | None = None, *, extracted: bool = False) -> CleanParts:
    """Split article text into body paragraphs and furniture (headline, captions, ...).

    extracted=True is for text an extractor already cut out of its page (trafilatura): the
    rules that find where the article starts and ends within a whole-page dump are skipped.
    """
    parts = CleanParts()
    blocks, repeats = drop_repeats(split_blocks(text), title)
    parts.removed.extend(repeats)

    cut_finders = [find_trailing_cut] if extracted else [find_trailing_cut, find_furniture_run]
    for find_cut in cut_finders:
        cut = find_cut(blocks)
        if cut is not None:
            for block in blocks[cut:]:
                parts.removed.extend(_lines(block))
            blocks = blocks[:cut]

    start = 0 if extracted else _table_start(blocks, find_body_start(blocks, titled=bool(title)))
    lead, body = blocks[:start], blocks[start:]
    parts.headline = find_headline(lead, title)
    for block in lead:
        _take_lead_block(block, parts)

    kept: list[str] = []
    index = 0
    while index < len(body):
        block = body[index]
        if is_trailing_marker(block):
            end = inline_link_box_end(body, index)
            for skipped in body[index:end]:
                parts.removed.extend(_lines(skipped))
            index = end
            continue
        if not _take_furniture(block, parts, followed_by_credit=precedes_credit(body, index)):
            kept.append(block)
        index += 1

    if not extracted:
        kept = _drop_trailing_fragments(kept, parts)
    kept = _file_signed_paragraphs(kept, parts)
    if kept:
        dateline, first = strip_dateline(kept[0])
        if dateline is not None:
            parts.dateline = dateline
            kept[0] = first
    parts.paragraphs = [p for p in (k.strip() for k in kept) if p]
    return parts


def _table_start(blocks: list[str], start: int) -> int:
    """Move the body's start back to a table before the first prose (results, then the report).

    The first block stays out: it is the headline, whatever its numbers ("Leeds 3 Hull 1").
    A table there has two rows at least; one line with a number is a caption or a stamp.
    """
    tables = table_lines(blocks[1:start])
    rows = [i + 1 for i, marked in enumerate(tables) if marked and is_table_row(blocks[i + 1])]
    return (
        next((i + 1 for i, marked in enumerate(tables) if marked), start)
        if len(rows) > 1
        else start
    )


def _take_lead_block(block: str, parts: CleanParts) -> None:
    """File one block from before the body: headline, byline, caption, credit or removed."""
    if parts.headline is not None and same_text(block, parts.headline):
        return
    if _take_byline(block, parts) or _take_caption(block, parts):
        return
    signed = split_trailing_agency(block)
    if signed is not None:
        parts.captions.append(signed[0])
        parts.credits.append(signed[1])
        return
    parts.removed.extend(_lines(block))


def _take_furniture(block: str, parts: CleanParts, followed_by_credit: bool) -> bool:
    """File a body block that is furniture into parts; return False to keep it as text."""
    if is_boilerplate_line(block):
        parts.removed.extend(_lines(block))
        return True
    if _take_byline(block, parts) or _take_caption(block, parts):
        return True
    if followed_by_credit and not ends_with_quote(block):
        parts.captions.append(block)
        return True
    return False


def _take_byline(block: str, parts: CleanParts) -> bool:
    byline = parse_byline(block)
    if byline is None:
        return False
    parts.byline = parts.byline or byline
    return True


def _take_caption(block: str, parts: CleanParts) -> bool:
    """File a bare photo credit or a caption signed by one."""
    credit = photo_credit(block)
    if credit is not None:
        parts.credits.append(credit)
        return True
    caption = split_caption(block)
    if caption is None:
        return False
    parts.captions.append(caption[0])
    parts.credits.append(caption[1])
    return True


def _drop_trailing_fragments(kept: list[str], parts: CleanParts) -> list[str]:
    """Drop the short non-prose lines that trail the last paragraph (footer links, buttons).

    A table that ends the article (results, standings) is not such a line.
    """
    tables = table_lines(kept)
    end = len(kept)
    while end > 0 and not is_prose(kept[end - 1]) and not tables[end - 1]:
        end -= 1
    if end == 0:
        return kept
    for block in kept[end:]:
        parts.removed.extend(_lines(block))
    return kept[:end]


def _file_signed_paragraphs(kept: list[str], parts: CleanParts) -> list[str]:
    """Move the last paragraph's agency sign-off to credits; earlier signed blocks are captions."""
    result: list[str] = []
    for index, block in enumerate(kept):
        signed = split_trailing_agency(block)
        if signed is None or ends_with_quote(signed[0]):
            result.append(block)
        elif index == len(kept) - 1:
            parts.credits.append(signed[1])
            result.append(signed[0])
        else:
            parts.captions.append(signed[0])
            parts.credits.append(signed[1])
    return result


def content_hash(body: str) -> str:
    """Return the sha256 hex digest of a body."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def clean_article(raw: RawArticle, published_ms: int | None = None) -> CleanArticle:
    """Clean a raw article: HTML through trafilatura when present, else its plain text.

    published_ms is when the raw record reached Kafka (the agent passes the message
    timestamp). Raises EmptyArticleError when no body text is left.
    """
    byline: str | None = None
    if raw.html and raw.html.strip():
        page = extract_from_html(normalise_text(raw.html))
        parts = clean_text(page.text, raw.title or page.title, extracted=True)
        byline = page.author
    else:
        parts = clean_text(raw.text or "", raw.title)
    body = "\n\n".join(parts.paragraphs)
    if not body.strip():
        raise EmptyArticleError(raw.id)
    return CleanArticle(
        id=raw.id,
        headline=parts.headline,
        body=body,
        dateline=parts.dateline,
        byline=parts.byline or byline,
        captions=parts.captions,
        credits=parts.credits,
        removed=parts.removed,
        language=raw.language or detect_language(body),
        content_hash=content_hash(body),
        url=raw.url,
        source=raw.source,
        published_at=raw.published_at,
        published_ms=published_ms,
    )
