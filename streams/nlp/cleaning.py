"""Turn a raw article (plain text or HTML) into a clean body with the page furniture split off.

Every rule is a small pure function over one line or one block, so the quality round can
improve them one at a time against the gold sets.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import trafilatura

from schemas.articles import CleanArticle, RawArticle
from streams.nlp.language import detect_language

# News agencies and picture desks that sign captions and stories.
_AGENCY = (
    r"(?:Reuters|AFP|AP|Associated[ ]Press|Bernama|Xinhua|dpa|DPA|ANI|PTI|IANS|Yonhap|Kyodo"
    r"|EFE|ANSA|UPI|AAP|Anadolu(?:[ ]Agency)?|Agencies|Bloomberg|Getty[ ]Images|EPA(?:-EFE)?"
    r"|NYT|Shutterstock|SCMP|CNA|Asia[ ]News[ ]Network)"
    r"(?:/[A-Z][A-Za-z.' -]{0,40})?"
)

# Blank lines (possibly holding spaces) that separate paragraphs.
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")

# Whitespace runs, to count words.
_WHITESPACE = re.compile(r"\s+")

# A block's last visible character that ends a sentence, allowing closing quotes/brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]]*$")

# " - Reuters", " — AFP", " (AFP)", "(AP Photo/Jane Doe)" at the end of a line.
_TRAILING_AGENCY = re.compile(
    r"(?:[ \t]+[-–—]+[ \t]*|[ \t]*[-–—]{2,}[ \t]*|[ \t]*\()(?P<credit>"
    + _AGENCY
    + r"(?:[ ]Photo[^()\n]{0,60})?)\)?[ \t]*$"
)

# "... Photo: Jane Doe", "... Credit: ESA", "(Image: © NASA)", "(AP Photo/Jane Doe)" ending a line.
_TRAILING_PHOTO_CREDIT = re.compile(
    r"(?:^|[ \t(])\(?(?P<credit>(?:(?:Photo|Picture|Image|Pic|Photograph|Video)s?(?:[ ]credit)?"
    r"|Credit|(?:AP|AFP)[ ]Photo)[ \t]*[:/][^\n]{1,100}?)\)?[ \t]*$",
    re.IGNORECASE,
)

# A parenthesised picture credit ending a caption: "( JANE DOE/SCIENCE PHOTO LIBRARY)".
_PAREN_PHOTO_CREDIT = re.compile(
    r"[ \t]*\((?P<credit>[^()\n]{0,60}(?:\b(?:PHOTO|Photo|photo|Getty|GETTY)\b|[A-Z]{2,}/[A-Z])"
    r"[^()\n]{0,60})\)[ \t]*$"
)

# A picture credit "REUTERS/Jane Doe", "AFP/Getty Images" ending a caption, after a full stop.
_SLASH_PHOTO_CREDIT = re.compile(
    r"(?<=[.!?])[ \t]+(?P<credit>(?:REUTERS|Reuters|AFP|AP|EPA|ANP|Xinhua|Getty[ ]Images)"
    r"/[A-Z][\w.'’ -]{1,40})[ \t]*$"
)

# "By Jane Doe", "BY JANE DOE AND JOHN ROE", "By Jane Doe On 11/13/19 at 4:00 PM EST".
_BYLINE = re.compile(r"^(?:By|BY|by)[ \t]+(?P<name>[A-Z][^\n]{1,120})$")

# Lowercase words that may sit inside a byline's names.
_NAME_PARTICLES = frozenset(
    {"and", "&", "de", "del", "der", "van", "von", "la", "le", "da", "di", "du", "bin", "al", "y"}
)

# Where a byline's name ends: a date, a separator or an agency suffix.
_BYLINE_END = re.compile(r"[ \t]+(?:on|On|ON|updated|Updated|\||[-–—])[ \t]|,[ \t]|[ \t]+\d")

# A dateline opening the first paragraph: "BEIJING:", "NAIROBI, March 3 (Reuters) -",
# "LONDON —", "WASHINGTON (AP) —", "Nairobi (Reuters) -", "(Reuters) -".
_DATELINE = re.compile(
    r"^(?P<dateline>"
    r"(?:[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+){0,3}"  # place in capitals: BEIJING, NEW YORK
    r"(?:,[ ][A-Z][A-Za-z.]*(?:[ ][A-Za-z0-9.]+){0,3}){0,2}"  # ", March 3" / ", Kenya, May 9"
    r"(?:[ ]?\([A-Z][\w .&/-]{0,30}\))?)"  # "(Reuters)"
    r"|(?:[A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2}(?:,[ ][A-Z][A-Za-z.]*(?:[ ][A-Za-z0-9.]+){0,3})?"
    r"[ ]?\(" + _AGENCY + r"\))"  # "Nairobi, March 3 (Reuters)"
    r"|(?:\(" + _AGENCY + r"\))"  # "(Reuters)"
    r")(?:[ ]?:[ ]+|[ ]+[-–—]+[ ]*|[–—][ ]*)"
    # "New Delhi: ", the South Asian style
    r"|^(?P<place>[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?):[ ]+(?=[A-Z0-9\"“])"
)

# All-caps labels that look like datelines but are story labels.
_NOT_A_PLACE = frozenset(
    {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "WATCH", "ANALYSIS", "OPINION", "EDITORIAL",
     "PHOTOS", "VIDEO", "LIVE", "NOTE", "EDITOR'S NOTE", "FILE", "READ", "RELATED", "ALSO READ",
     "WARNING", "CORRECTION", "CLARIFICATION", "LISTEN", "QUESTION", "ANSWER",
     "Q", "A", "SUMMARY", "BACKGROUND", "CONTEXT", "FACT CHECK", "SPOILER"}
)  # fmt: skip

# Lines that are page furniture whole: ads, share/follow/newsletter prompts, copyright,
# agency sign-offs, gallery counters, comment counters, metadata labels.
_BOILERPLATE = re.compile(
    r"^(?:"
    r"advertisement|advertisment|sponsored(?:[ ]content)?|ad|anzeige|story[ ]continues[ ]below.*"
    r"|(?:read|see|watch|listen)[ ](?:more|also|next|now)\b.*|(?:also|further)[ ]read\b.*"
    r"|related(?:[ ](?:article|story|stories|content|coverage|news|links?|reading|topics))?"
    r"[ ]*[:|»>-].*"
    r"|more[ ](?:on|about)[ ]this[ ](?:story|topic)\b.*|click[ ]here\b.*|tap[ ]here\b.*"
    r"|follow[ ](?:us|our|@|me|him|her|the)\b.*|join[ ](?:us|our)\b.*|like[ ]us[ ]on\b.*"
    r"|sign[ ]up\b.*|subscribe\b.*|get[ ](?:the|our)[ ].{0,60}\b(?:newsletter|app|alerts)\b.*"
    r"|download[ ](?:the|our)[ ].{0,40}\bapp\b.*|(?:don'?t|never)[ ]miss\b.*"
    r"|share[ ](?:this|on|via|the)\b.*|share|shares|tweet|e-?mail|print|facebook|twitter|x"
    r"|linkedin|whatsapp|telegram|reddit|pinterest|flipboard|messenger|copy[ ]link|close"
    r"|caption|menu|home|back[ ]to[ ](?:top|gallery)|return[ ]to[ ]top|skip[ ]to[ ].*"
    r"|(?:\d+[ ])?comments?\b.*|view[ ]comments|no[ ]comments[ ]yet\b.*|\d+[ ]shares?"
    r"|(?:©|\(c\)|copyright\b).*|.*\ball[ ]rights[ ]reserved\b.*"
    r"|\(?(?:additional[ ])?(?:reporting|writing|editing|compiled|edited)[ ]by\b.*"
    r"|image[ ]\d+[ ]of[ ]\d+|\d+[ ]?/[ ]?\d+|\d{1,3}"
    r"|(?:published|updated|posted|last[ ]updated|tags|topics|filed[ ]under|wordcount|citation)"
    r"[ ]*:.*"
    r"|this[ ](?:document|article|story)[ ]is[ ]subject[ ]to[ ]copyright\b.*"
    r"|.{0,80}\bcontributed[ ](?:to[ ])?(?:this|the)[ ](?:report|story|article)\W*"
    r"|our[ ]standards:.*|\(?this[ ]story[ ]has[ ]not[ ]been[ ]edited\b.*|catch[ ]all[ ]the\b.*"
    r"|provided[ ]by\b.{0,80}|image[ ]\d+[ ]of\b.{0,10}"
    r"|(?:published|updated|posted)\b.{0,60}\b\d{4}\b.{0,60}"
    r"|(?:published|updated|posted)[ ]at[ ]\d{1,2}[:.]\d{2}\b.{0,20}"
    r"|(?:write[ ]to|e-?mail|contact)[ ].{1,60}\bat[ ]\S+@\S+.{0,120}"
    r"|this[ ]copy[ ]is[ ]for[ ]your[ ]personal\b.*|order[ ]reprints|print[ ]article"
    r"|https?://\S+"
    r"|explore[ ]further|feedback[ ]to[ ]editors|previous[ ]article|next[ ]article"
    r"|(?:loading|please[ ]wait)\W*|you[ ]are[ ]here\b.*|like[ ]this[ ](?:article|story)\W*"
    r"|.{0,60}\b(?:privacy[ ]policy|cookie[ ]policy|terms[ ]of[ ](?:use|service))\b.{0,60}"
    r"|(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|uk|in|au|ca|io|news)"
    r"|(?:image|photo|picture|video)s?[ ](?:via|by|courtesy[ ]of)[ ].{1,60}"
    r")$",
    re.IGNORECASE,
)

# A heading after which the page lists other stories: the article is over.
_TRAILING_MARKER = re.compile(
    r"^(?:next[ ]in\b.*|most[ ](?:popular|read|viewed|shared)\b.*|others[ ]also[ ]read\b.*"
    r"|related(?:[ ](?:stories|articles|coverage|news|content|posts|links|topics|reading))?\b.*"
    r"|more[ ](?:from|in|on)\b.*|more[ ](?:stories|news|articles)\b.*"
    r"|you[ ](?:may|might)[ ]also[ ]like\b.*"
    r"|recommended(?:[ ]for[ ]you|[ ]stories|[ ]articles)?|we[ ]recommend"
    r"|trending(?:[ ]now|[ ]stories)?"
    r"|top[ ]stories\b.*|read[ ]next|latest[ ](?:news|stories)|popular[ ](?:now|stories|posts)"
    r"|what[ ]to[ ]read[ ]next|editor'?s[ ]picks?|don'?t[ ]miss|in[ ]case[ ]you[ ]missed[ ]it"
    r"|explore[ ]further)\W*$",
    re.IGNORECASE,
)

# Lines that only say when: "November 18, 2019", "13.11.2019, 23:06", "Nov 20 2019, 11:06am ist".
_DATE_LINE = re.compile(
    r"^(?:(?:updated|published|posted)\W*)?(?:\w+day,?[ ])?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ ]\d{1,2}"
    r"(?:st|nd|rd|th)?,?[ ]\d{4}"
    r"|\d{1,2}[ ](?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?[ ]\d{4}"
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{1,4})[^\n]{0,40}$",
    re.IGNORECASE,
)

# The marker trafilatura writes before a list item.
_LIST_MARKER = re.compile(r"^- (?=\S)", re.MULTILINE)

# How trafilatura extracts article text from HTML. Measured on the 80-page cleaning set
# (token F1 after clean_text): tables on, favor_precision off 0.959; favor_precision on,
# tables off 0.944. Tables hold article text (results, schedules) often enough to keep.
TRAFILATURA_OPTIONS: dict[str, bool] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "deduplicate": False,
}

_MIN_PROSE_WORDS = 6  # a block this long that ends a sentence is article text
_LONG_PROSE_WORDS = 20  # a block this long is article text even without end punctuation
_MIN_ARTICLE_WORDS = 12  # a prose block this long after a "Related" marker is the article's
_MAX_HEADLINE_WORDS = 30
_MAX_BYLINE_WORDS = 20
_MAX_CREDIT_WORDS = 8
_CREDIT_TAIL_CHARS = 300  # credits and sign-offs are looked for in this many final characters
_MAX_WRAP_WIDTH = 120  # wider lines are one paragraph per line, not hard-wrapped text
_MAX_CONTINUATION_GAP = 2  # this many non-article blocks in a row end a cut-off article
_CONTINUATION_SHARE = 0.5  # ... which must add this share of the extracted words to count
_REPEAT_PREFIX_CHARS = 60  # blocks opening with this many equal characters are one caption
_MAX_LIST_ITEMS = 12  # a longer run after a ":" line is a link list
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


@dataclass(frozen=True)
class HtmlText:
    """The article text of an HTML page, with the metadata the cleaner uses."""

    text: str
    title: str | None = None
    author: str | None = None


def normalise_text(text: str) -> str:
    """Drop NUL characters and unify line endings to \\n."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def word_count(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())


def split_blocks(text: str) -> list[str]:
    """Split text into paragraph blocks: blank-line separated, or one per line in dumps.

    A blank-line chunk of several lines stays one block only when it reads as one
    hard-wrapped paragraph (see is_hard_wrapped); otherwise each line is a block.
    """
    blocks: list[str] = []
    for chunk in _BLANK_LINES.split(normalise_text(text)):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if is_hard_wrapped(lines):
            blocks.append("\n".join(lines))
        else:
            blocks.extend(lines)
    return blocks


def is_hard_wrapped(lines: list[str]) -> bool:
    """Tell whether lines are one paragraph wrapped at a fixed width (e-mail, wire copy).

    Every line but the last is long and near the longest one, and not every line but the
    last ends a sentence (one-paragraph-per-line dumps end nearly every line with one).
    """
    if len(lines) < 2:
        return False
    body = lines[:-1]
    widest = max(len(line) for line in lines)
    if widest > _MAX_WRAP_WIDTH or any(len(line) < 0.6 * widest or len(line) < 30 for line in body):
        return False
    return sum(1 for line in body if ends_sentence(line)) <= len(body) // 2


def ends_sentence(block: str) -> bool:
    """Tell whether a block ends with sentence punctuation (closing quotes allowed)."""
    return bool(_ENDS_SENTENCE.search(block))


def is_prose(block: str) -> bool:
    """Tell whether a block reads as article text rather than a label, link or button.

    An agency sign-off at the end (" - AFP") does not count against it.
    """
    signed = split_trailing_agency(block)
    text = signed[0] if signed else block
    words = word_count(text)
    return words >= _LONG_PROSE_WORDS or (words >= _MIN_PROSE_WORDS and ends_sentence(text))


def is_boilerplate_line(line: str) -> bool:
    """Tell whether a line is page furniture: ads, share prompts, copyright, dates, sign-offs."""
    stripped = line.strip()
    if not stripped:
        return True
    if word_count(stripped) > 40:
        return False
    return bool(_BOILERPLATE.match(stripped)) or is_date_line(stripped)


def is_trailing_marker(line: str) -> bool:
    """Tell whether a line heads a list of other stories ("Next In ...", "Most Popular")."""
    stripped = line.strip()
    return word_count(stripped) <= 8 and bool(_TRAILING_MARKER.match(stripped))


def is_date_line(line: str) -> bool:
    """Tell whether a line holds only a date (and maybe a time)."""
    return bool(_DATE_LINE.match(line.strip()))


def _tail_start(line: str) -> int:
    """Return where the end of a line that can hold a credit starts (bounds regex work)."""
    return max(0, len(line) - _CREDIT_TAIL_CHARS)


def photo_credit(line: str) -> str | None:
    """Return the credit when a line is only a photo credit ("Photo: Jane Doe, AP")."""
    match = _TRAILING_PHOTO_CREDIT.search(line, _tail_start(line))
    if match and not line[: match.start()].strip(" \t(") and is_credit_text(match.group("credit")):
        return match.group("credit").strip()
    return None


def is_credit_text(credit: str) -> bool:
    """Tell whether text reads as a credit (a few names), not a sentence that ends a paragraph."""
    stripped = credit.strip()
    return word_count(stripped) <= _MAX_CREDIT_WORDS and not stripped.endswith((".", "!", "?"))


def split_caption(line: str) -> tuple[str, str] | None:
    """Split a line signed by a picture credit into (caption, credit), else None.

    A photo credit ("Photo: ...", "Credit: ...", "(AP Photo/...)") always marks a caption;
    a bare agency sign-off (" - Reuters") marks one only where the caller says so.
    """
    for pattern in (_TRAILING_PHOTO_CREDIT, _PAREN_PHOTO_CREDIT, _SLASH_PHOTO_CREDIT):
        match = pattern.search(line, _tail_start(line))
        if match and line[: match.start()].strip() and is_credit_text(match.group("credit")):
            return line[: match.start()].rstrip(" \t(-–—"), match.group("credit").strip()
    return None


def split_trailing_agency(line: str) -> tuple[str, str] | None:
    """Split " - AFP" / " (Reuters)" off the end of a line into (text, agency), else None."""
    match = _TRAILING_AGENCY.search(line, _tail_start(line))
    if match and line[: match.start()].strip():
        return line[: match.start()].rstrip(), match.group("credit").strip()
    return None


def parse_byline(line: str) -> str | None:
    """Return the author names of a byline ("By Jane Doe" -> "Jane Doe"), else None."""
    stripped = line.strip()
    if word_count(stripped) > _MAX_BYLINE_WORDS or ends_sentence(stripped.rstrip(".")):
        return None
    match = _BYLINE.match(stripped)
    if not match:
        return None
    name = match.group("name")
    end = _BYLINE_END.search(name)
    name = (name[: end.start()] if end else name).strip(" ,;|-–—")
    if not name or not all(w[0].isupper() or w in _NAME_PARTICLES for w in name.split()):
        return None  # "By Friday the river had fallen ...": a sentence, not a byline
    return name


def strip_dateline(paragraph: str) -> tuple[str | None, str]:
    """Split a dateline ("BEIJING:", "LONDON (Reuters) -") off a paragraph's start.

    Returns (dateline or None, rest of the paragraph).
    """
    match = _DATELINE.match(paragraph)
    if not match:
        return None, paragraph
    dateline = (match.group("dateline") or match.group("place")).strip()
    rest = paragraph[match.end() :]
    if dateline.upper() in _NOT_A_PLACE or word_count(rest) < 3:
        return None, paragraph
    return dateline, rest


def is_headline_candidate(line: str) -> bool:
    """Tell whether a line before the body could be the headline."""
    words = word_count(line)
    return (
        3 <= words <= _MAX_HEADLINE_WORDS
        and not line.rstrip("\"'”’").endswith(".")
        and not is_boilerplate_line(line)
        and not is_date_line(line)
        and parse_byline(line) is None
        and split_caption(line) is None
        and photo_credit(line) is None
        and split_trailing_agency(line) is None
    )


def find_headline(lead: list[str], title: str | None = None) -> str | None:
    """Pick the headline: the given title, else the longest headline-like line before the body."""
    if title and title.strip():
        return _WHITESPACE.sub(" ", title).strip()
    candidates = [
        line
        for index, line in enumerate(lead)
        if is_headline_candidate(line) and not (is_prose(line) and _precedes_credit(lead, index))
    ]
    candidates = [c for c in candidates if not any(o != c and c.endswith(o) for o in candidates)]
    if not candidates:
        return None
    return max(candidates, key=word_count)


def find_body_start(blocks: list[str]) -> int:
    """Return the index of the first block of article text; the blocks before it are furniture.

    When nothing reads as prose, only a leading headline-like line is furniture.
    """
    for index, block in enumerate(blocks):
        if is_prose(block) and not _is_furniture(block) and not _precedes_credit(blocks, index):
            if is_question_headline(blocks, index) or _repeats_next(blocks, index):
                continue
            return index
    if len(blocks) > 1 and is_headline_candidate(blocks[0]):
        return 1
    return 0


def is_question_headline(blocks: list[str], index: int) -> bool:
    """Tell whether the block at index is a headline that asks ("What is ... worth?"): a
    short line ending in "?" or "!" that opens the text or comes right before prose, with no
    prose before it."""
    block = blocks[index]
    return (
        block.rstrip("\"'”’").endswith(("?", "!"))
        and word_count(block) < _LONG_PROSE_WORDS
        and "\n" not in block
        and is_headline_candidate(block)
        and (index == 0 or (index + 1 < len(blocks) and is_prose(blocks[index + 1])))
    )


def _repeats_next(blocks: list[str], index: int) -> bool:
    """Tell whether a block opens like the next one: a caption shown twice (once cut short)."""
    following = blocks[index + 1] if index + 1 < len(blocks) else ""
    return len(following) > _REPEAT_PREFIX_CHARS and (
        blocks[index][:_REPEAT_PREFIX_CHARS] == following[:_REPEAT_PREFIX_CHARS]
    )


def _is_furniture(block: str) -> bool:
    return (
        is_boilerplate_line(block)
        or parse_byline(block) is not None
        or split_caption(block) is not None
        or photo_credit(block) is not None
        or split_trailing_agency(block) is not None
    )


def _precedes_credit(blocks: list[str], index: int) -> bool:
    """Tell whether the block after index is a bare photo credit (so this one is a caption)."""
    return index + 1 < len(blocks) and photo_credit(blocks[index + 1]) is not None


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
    listed = list_items(blocks)
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


def drop_repeats(blocks: list[str], title: str | None) -> tuple[list[str], list[str]]:
    """Drop blocks that repeat the block before them or the title; return (kept, dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    for block in blocks:
        if (kept and block == kept[-1]) or (title and _same_text(block, title)):
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

    start = 0 if extracted else find_body_start(blocks)
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
        if not _take_furniture(block, parts, followed_by_credit=_precedes_credit(body, index)):
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


def _take_lead_block(block: str, parts: CleanParts) -> None:
    """File one block from before the body: headline, byline, caption, credit or removed."""
    if parts.headline is not None and _same_text(block, parts.headline):
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


def ends_with_quote(block: str) -> bool:
    """Tell whether a block ends with a closing quote mark (speech, not a caption)."""
    return block.rstrip().endswith(('"', "”"))


def _drop_trailing_fragments(kept: list[str], parts: CleanParts) -> list[str]:
    """Drop the short non-prose lines that trail the last paragraph (footer links, buttons)."""
    end = len(kept)
    while end > 0 and not is_prose(kept[end - 1]):
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


def _same_text(a: str, b: str) -> bool:
    return _WHITESPACE.sub(" ", a).strip().casefold() == _WHITESPACE.sub(" ", b).strip().casefold()


class _VisibleText(HTMLParser):
    """Collect a page's visible text, one line per block element, without script/style."""

    _HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
         "article", "header", "footer", "blockquote", "figcaption", "ul", "ol", "table"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden_depth = 0
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden_depth += 1
        elif tag in self._BLOCK:
            self.pieces.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self._BLOCK:
            self.pieces.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.pieces.append(data)


def visible_text(html: str) -> str:
    """Return a page's visible text, blocks separated by blank lines, script/style dropped."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = ("".join(parser.pieces)).split("\n\n")
    return "\n\n".join(_WHITESPACE.sub(" ", line).strip() for line in lines if line.strip())


def extract_from_html(html: str) -> HtmlText:
    """Extract an HTML page's article text and title with trafilatura.

    Falls back to all visible text when trafilatura finds no article, and continues a text
    trafilatura cut off (see continue_cut_off_text). Costs trafilatura's parse and one pass
    of html.parser over the page.
    """
    document = trafilatura.bare_extraction(html, with_metadata=True, **TRAFILATURA_OPTIONS)  # type: ignore[arg-type]
    text = getattr(document, "text", None) if document is not None else None
    title = getattr(document, "title", None) if document is not None else None
    author = getattr(document, "author", None) if document is not None else None
    if not text or not text.strip():
        text = visible_text(html)
    else:
        text = continue_cut_off_text(drop_list_markers(text), visible_text(html))
    return HtmlText(text=text, title=title or None, author=author or None)


def continue_cut_off_text(text: str, page_text: str) -> str:
    """Append the article paragraphs an extractor left out after its last one.

    Trafilatura sometimes stops at an ad or a widget between two chunks of one article. When
    the page's visible text goes on, right after the extracted text's last paragraph, with
    article-length prose adding at least half as much again, those paragraphs are the rest
    of the article. Anything shorter is a teaser or a comment and is left out.
    """
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if not paragraphs:
        return text
    blocks = page_text.split("\n\n")
    anchor = paragraphs[-1][:_REPEAT_PREFIX_CHARS]
    last = next((i for i, block in enumerate(blocks) if anchor in block), None)
    if last is None:
        return text
    added: list[str] = []
    gap = 0
    for block in blocks[last + 1 :]:
        if is_prose(block) and word_count(block) >= _LONG_PROSE_WORDS and not _is_furniture(block):
            if block[:_REPEAT_PREFIX_CHARS] in text:
                break
            added.append(block)
            gap = 0
        else:
            gap += 1
            if gap >= _MAX_CONTINUATION_GAP:
                break
    if sum(word_count(a) for a in added) < _CONTINUATION_SHARE * word_count(text):
        return text
    return "\n\n".join([text, *added])


def drop_list_markers(text: str) -> str:
    """Drop the "- " trafilatura puts before each list item: the page shows a bullet, not text."""
    return _LIST_MARKER.sub("", text)


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
