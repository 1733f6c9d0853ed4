"""Page furniture: the lines around and inside an article that are not its text.

Agency sign-offs, picture credits and captions, bylines, datelines, share and newsletter
prompts, copyright, date stamps and the headings of "Most popular" lists. Each test is a
small pure function over one line; the phrases come from streams/nlp/data/furniture.toml.
"""

from __future__ import annotations

import re

from streams.nlp.blocks import ends_sentence, word_count
from streams.nlp.vocabulary import alternation, word_set

# News agencies and picture desks that sign captions and stories, with a picture desk's
# photographer after a slash ("AFP/Jane Doe").
_AGENCY = alternation("furniture", "agencies") + r"(?:/[A-Z][A-Za-z.' -]{0,40})?"

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
_NAME_PARTICLES = word_set("furniture", "name_particles")

# Where a byline's name ends: a date, a separator or an agency suffix.
_BYLINE_END = re.compile(r"[ \t]+(?:on|On|ON|updated|Updated|\||[-–—])[ \t]|,[ \t]|[ \t]+\d")

# A dateline opening the first paragraph: "BEIJING:", "NAIROBI, March 3 (Reuters) -",
# "LONDON —", "WASHINGTON (AP) —", "HEMPSTEAD, N.Y. ―", "Nairobi (Reuters) -", "(Reuters) -".
_DATELINE = re.compile(
    r"^(?P<dateline>"
    r"(?:[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+){0,3}"  # place in capitals: BEIJING, NEW YORK
    r"(?:,[ ][A-Z][A-Za-z.]*(?:[ ][A-Za-z0-9.]+){0,3}){0,2}"  # ", March 3" / ", Kenya, May 9"
    r"(?:[ ]?\([A-Z][\w .&/-]{0,30}\))?)"  # "(Reuters)"
    r"|(?:[A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2}(?:,[ ][A-Z][A-Za-z.]*(?:[ ][A-Za-z0-9.]+){0,3})?"
    r"[ ]?\(" + _AGENCY + r"\))"  # "Nairobi, March 3 (Reuters)"
    r"|(?:\(" + _AGENCY + r"\))"  # "(Reuters)"
    r")(?:[ ]?:[ ]+|[ ]+[-–—―]+[ ]*|[–—―][ ]*)"
    # "New Delhi: ", the South Asian style
    r"|^(?P<place>[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?):[ ]+(?=[A-Z0-9\"“])"
)

# All-caps labels that look like datelines but are story labels.
_NOT_A_PLACE = word_set("furniture", "not_a_place")

# Lines that are page furniture whole: ads, share/follow/newsletter prompts, copyright,
# agency sign-offs, gallery counters, comment counters, metadata labels.
_BOILERPLATE = re.compile("^" + alternation("furniture", "boilerplate") + "$", re.IGNORECASE)

# A line that is only an agency's sign-off: "- Bloomberg", "(Reuters)".
_BARE_AGENCY = re.compile(r"^[-–—(]*[ \t]*" + _AGENCY + r"[ \t]*\)?$")

# A heading after which the page lists other stories: the article is over.
_TRAILING_MARKER = re.compile(
    "^" + alternation("furniture", "trailing_markers") + r"\W*$", re.IGNORECASE
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

# A wire dateline on a line of its own: a place in capitals and a date, "PORT ELLERY
# 2026-07-18", "NICE, France 2026-07-18".
_PLACE_DATE_LINE = re.compile(
    r"^[A-Z][A-Z.'’ -]{1,40}(?:,[ ][A-Z][\w.'’ -]{1,30})?[ ]+\d{4}-\d{2}-\d{2}$"
)

_MIN_PROSE_WORDS = 6  # a block this long that ends a sentence is article text
_LONG_PROSE_WORDS = 20  # a block this long is article text even without end punctuation
_MAX_BYLINE_WORDS = 20
_MAX_CREDIT_WORDS = 8
_CREDIT_TAIL_CHARS = 300  # credits and sign-offs are looked for in this many final characters


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
    whole_line = _BOILERPLATE.match(stripped) or _BARE_AGENCY.match(stripped)
    return bool(whole_line) or is_date_line(stripped)


def is_trailing_marker(line: str) -> bool:
    """Tell whether a line heads a list of other stories ("Next In ...", "Most Popular")."""
    stripped = line.strip()
    return word_count(stripped) <= 8 and bool(_TRAILING_MARKER.match(stripped))


def is_date_line(line: str) -> bool:
    """Tell whether a line holds only a date (and maybe a time), or a place and a date."""
    stripped = line.strip()
    return bool(_DATE_LINE.match(stripped) or _PLACE_DATE_LINE.match(stripped))


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
    if dateline.upper() in _NOT_A_PLACE or word_count(rest) < 3 or is_caps_headline(rest):
        return None, paragraph
    return dateline, rest


def is_caps_headline(text: str) -> bool:
    """Tell whether text opens in capitals, as a headline does after its section label
    ("SOCCER - LEEDS SIGN STRIKER"), where a dateline is followed by a sentence."""
    head = text[:60]
    return sum(ch.isalpha() for ch in head) >= 8 and head.upper() == head


def is_furniture(block: str) -> bool:
    """Tell whether a block is furniture whole: boilerplate, byline, caption, credit, sign-off."""
    return (
        is_boilerplate_line(block)
        or parse_byline(block) is not None
        or split_caption(block) is not None
        or photo_credit(block) is not None
        or split_trailing_agency(block) is not None
    )


def precedes_credit(blocks: list[str], index: int) -> bool:
    """Tell whether the block after index is a bare photo credit (so this one is a caption)."""
    return index + 1 < len(blocks) and photo_credit(blocks[index + 1]) is not None


def ends_with_quote(block: str) -> bool:
    """Tell whether a block ends with a closing quote mark (speech, not a caption)."""
    return block.rstrip().endswith(('"', "”"))
