"""Where an article starts in a plain-text scrape, and which line before it is the headline."""

from __future__ import annotations

import re

from streams.nlp.blocks import REPEAT_PREFIX_CHARS, is_title_cased, word_count
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
_MAX_SHORT_HEADLINE_WORDS = 16  # a one-sentence first line this short before prose: a headline
_WHITESPACE = re.compile(r"\s+")

# A reporting verb in the past tense: news copy's, never a headline's ("Ruiz said on Friday").
_PAST_REPORTING = re.compile(r"\b(?:said|told|added|asked|explained|wrote|stated)\b")

# A full stop that ends one sentence of a line and starts another ("It rained. Roads shut.").
_SENTENCE_BREAK = re.compile(r"[a-z0-9][.!?][\"'”’]?[ ]+[A-Z]")


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


def find_body_start(blocks: list[str], titled: bool = False) -> int:
    """Return the index of the first block of article text; the blocks before it are furniture.

    When nothing reads as prose, only a leading headline-like line is furniture. A first line
    that reads as prose is a headline ending in a full stop, not the article's first
    paragraph, when it is in Title Case, is followed by furniture (a byline, a time stamp,
    share buttons), or, in a text that comes without its title (titled=False), is one short
    sentence before a longer paragraph: scrapes open with their headline.
    """
    headline_first = (
        len(blocks) > 1
        and is_stopped_headline(blocks[0])
        and (
            (len(blocks) > 2 and is_furniture(blocks[1]))
            or is_title_cased(blocks[0])
            or (not titled and _is_short_headline(blocks))
        )
    )  # "Senate Backs Ruiz Plan." never opens an article's text
    for index, block in enumerate(blocks[1:] if headline_first else blocks, int(headline_first)):
        if is_prose(block) and not is_furniture(block) and not precedes_credit(blocks, index):
            if _repeats_next(blocks, index) or (
                not headline_first and is_question_headline(blocks, index)
            ):
                continue  # after a headline, "Do you know where ...?" is the article's
            return index
    if len(blocks) > 1 and is_headline_candidate(blocks[0]):
        return 1
    return 0


def _is_short_headline(blocks: list[str]) -> bool:
    """Tell whether a first line ending in a full stop is a headline by its shape: one
    sentence of at most _MAX_SHORT_HEADLINE_WORDS words, in the present tense of headlines
    (no "said", "told"), before a longer prose paragraph (a section label such as
    "LETTERS." may stand between them), in a text of three blocks or more: a two-paragraph
    text keeps its short first paragraph ('Ana Ruiz said on Friday: "..."')."""
    first, words = blocks[0], word_count(blocks[0])
    following = next((b for b in blocks[1:3] if is_prose(b)), "")
    return (
        len(blocks) > 2
        and words <= _MAX_SHORT_HEADLINE_WORDS
        and not _SENTENCE_BREAK.search(first)
        and not _PAST_REPORTING.search(first)
        and word_count(following) > words
    )


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
