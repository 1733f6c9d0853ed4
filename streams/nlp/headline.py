"""Where an article starts in a plain-text scrape, and which line before it is the headline."""

from __future__ import annotations

import re

from streams.nlp.blocks import REPEAT_PREFIX_CHARS, word_count
from streams.nlp.furniture import (
    is_boilerplate_line,
    is_date_line,
    is_furniture,
    is_prose,
    parse_byline,
    photo_credit,
    precedes_credit,
    split_caption,
    split_trailing_agency,
)

_MAX_HEADLINE_WORDS = 30
_LONG_PROSE_WORDS = 20  # a question this long is a paragraph, not a headline
_WHITESPACE = re.compile(r"\s+")


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
    """Pick the headline: the given title, else the longest headline-like line before the body.

    The first line may end in a full stop (some sites end headlines with one): it is the
    headline when no other line before the body reads as one.
    """
    if title and title.strip():
        return _WHITESPACE.sub(" ", title).strip()
    if lead and is_stopped_headline(lead[0]) and not any(map(is_headline_candidate, lead)):
        return lead[0]
    candidates = [
        line
        for index, line in enumerate(lead)
        if is_headline_candidate(line) and not (is_prose(line) and precedes_credit(lead, index))
    ]
    candidates = [c for c in candidates if not any(o != c and c.endswith(o) for o in candidates)]
    if not candidates:
        return None
    return max(candidates, key=word_count)


def is_stopped_headline(line: str) -> bool:
    """Tell whether a line could be a headline that ends in a full stop."""
    return "\n" not in line and is_headline_candidate(line.rstrip("\"'”’").removesuffix("."))


def find_body_start(blocks: list[str]) -> int:
    """Return the index of the first block of article text; the blocks before it are furniture.

    When nothing reads as prose, only a leading headline-like line is furniture. A first line
    that reads as prose but is followed by furniture (a byline, a time stamp, share buttons)
    is a headline ending in a full stop, not the article's first paragraph.
    """
    for index, block in enumerate(blocks):
        if (
            index == 0
            and len(blocks) > 2
            and is_furniture(blocks[1])
            and is_stopped_headline(block)
        ):
            continue
        if is_prose(block) and not is_furniture(block) and not precedes_credit(blocks, index):
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
    return len(following) > REPEAT_PREFIX_CHARS and (
        blocks[index][:REPEAT_PREFIX_CHARS] == following[:REPEAT_PREFIX_CHARS]
    )
