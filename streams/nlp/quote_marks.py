"""Quoted text of a body: paragraphs, sentences, and quote marks paired into segments.

Every scan is linear in the body: quote marks are paired in one pass per paragraph and no
regex nests quantifiers.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.articles import Span

# Quote marks: straight and curly double quotes.
_QUOTE_MARK = re.compile(r"[\"“”]")

# Blank lines between paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

# Where a fallback splitter ends a sentence: end punctuation, closing quotes, space.
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“A-Z0-9])")

# Words counted in a quote.
_WORD = re.compile(r"\w+")

# Words a title leaves in lower case: "Shelves without Walls", "Lord of the Rings".
_TITLE_SMALL_WORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "and", "or", "for", "to", "at", "by", "with", "without",
     "from", "de", "la", "le"}
)  # fmt: skip

_MAX_TITLE_WORDS = 8  # longer all-capitalised quotes are speech in headline case


@dataclass(frozen=True)
class Attribution:
    """Who a quote is credited to: the cue and the resolved speaker (or None)."""

    cue: str
    speaker: str | None


@dataclass
class Segment:
    """One stretch of quoted text between marks, inside one paragraph."""

    open: int
    close: int | None  # None when the quote runs on into the next paragraph
    start: int
    end: int
    paragraph: int
    attribution: Attribution | None = None
    links: list[int] = field(default_factory=list)


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """Return the [start, end) of each blank-line separated paragraph of body."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(body):
        spans.append((start, len(body)))
    return spans


def fallback_sentences(body: str) -> list[Span]:
    """Split body into sentences by punctuation, for records that carry none."""
    spans: list[Span] = []
    for para_start, para_end in paragraph_spans(body):
        start = para_start
        for match in _SENTENCE_END.finditer(body, para_start, para_end):
            spans.append(Span(start=start, end=match.start() + len(match.group().rstrip())))
            start = match.end()
        if start < para_end:
            spans.append(Span(start=start, end=para_end))
    return spans


def count_words(text: str) -> int:
    """Count the words of text."""
    return len(_WORD.findall(text))


def is_title(text: str) -> bool:
    """Tell whether quoted text is a title ("The Salt Road"), not speech: short, every word
    capitalised but the small ones, no closing punctuation."""
    words = text.split()
    if len(words) > _MAX_TITLE_WORDS or text.rstrip("\"'”’").endswith((".", "!", "?", ",")):
        return False
    return all(w[0].isupper() or w in _TITLE_SMALL_WORDS for w in words) and words[0][0].isupper()


def trim(body: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding spaces and a trailing comma."""
    while start < end and body[start].isspace():
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] == ","):
        end -= 1
    return start, end


def is_opening_straight_quote(body: str, index: int, para_end: int) -> bool:
    """Tell whether a straight quote at index opens a quote (text follows it directly)."""
    return index + 1 < para_end and not body[index + 1].isspace()


def pair_quote_marks(body: str, paragraphs: Sequence[tuple[int, int]]) -> list[Segment]:
    """Pair quote marks paragraph by paragraph into quoted segments (one linear pass).

    A quote left open at a paragraph's end continues when the next paragraph opens with a
    quote mark (news style for multi-paragraph quotes); otherwise the stray mark is ignored.
    """
    segments: list[Segment] = []
    for number, (para_start, para_end) in enumerate(paragraphs):
        open_at: int | None = None
        for match in _QUOTE_MARK.finditer(body, para_start, para_end):
            index, mark = match.start(), match.group()
            if mark == "“" or (mark == '"' and open_at is None):
                if mark == "“" or is_opening_straight_quote(body, index, para_end):
                    open_at = index
                continue
            if open_at is not None:
                start, end = trim(body, open_at + 1, index)
                segments.append(Segment(open_at, index, start, end, number))
                open_at = None
        if open_at is not None and _opens_with_quote(body, paragraphs, number + 1):
            start, end = trim(body, open_at + 1, para_end)
            segments.append(Segment(open_at, None, start, end, number))
    return segments


def _opens_with_quote(body: str, paragraphs: Sequence[tuple[int, int]], number: int) -> bool:
    return number < len(paragraphs) and body[paragraphs[number][0]] in '"“'


class SentenceIndex:
    """Sentence spans in body order, searchable by position."""

    def __init__(self, sentences: Sequence[Span]) -> None:
        self.spans = sorted(((s.start, s.end) for s in sentences), key=lambda s: s[0])
        self.starts = [s[0] for s in self.spans]

    def at(self, position: int) -> int | None:
        """Return the number of the sentence holding position, if any."""
        index = bisect.bisect_right(self.starts, position) - 1
        if index >= 0 and position < self.spans[index][1]:
            return index
        return None

    def bounds(self, position: int) -> tuple[int, int]:
        """Return the sentence span holding position, or an empty span at position."""
        index = self.at(position)
        return self.spans[index] if index is not None else (position, position)
