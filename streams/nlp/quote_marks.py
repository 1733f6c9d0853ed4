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
from streams.nlp.blocks import TITLE_SMALL_WORDS

# Quote marks: straight and curly double quotes.
_QUOTE_MARK = re.compile(r"[\"“”]")

# Blank lines between paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

# Where a fallback splitter ends a sentence: end punctuation, closing quotes, space.
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“A-Z0-9])")

# An abbreviation whose full stop ends no sentence: "Rep. Nadia Holt", "Charles B. Rangel".
ABBREVIATION = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Prof|Gov|Sen|Rep|Gen|Col|Lt|Sgt|St|Jr|Sr|Del|Rev|Hon|Fr|Capt|Maj|Adm"
    r"|Cmdr|Det|Insp|Supt|Amb|Atty|Pres|Sec|[A-Z])$"
)

# Words counted in a quote.
_WORD = re.compile(r"\w+")

# Words a title leaves in lower case: "Shelves without Walls", "Lord of the Rings".
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
    inner: list[Segment] = field(default_factory=list)  # quotes nested inside this one


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
            if ABBREVIATION.search(body, para_start, match.start()):
                continue  # "Rep. Nadia Holt": a title's full stop ends no sentence
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
    return all(w[0].isupper() or w in TITLE_SMALL_WORDS for w in words) and words[0][0].isupper()


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


def _is_closing_open_mark(body: str, index: int, para_end: int) -> bool:
    """Tell whether an opening curly mark closes a quote instead: it is typed straight after
    a word and space or the paragraph's end follows ('were “Mostly False.“' in real copy)."""
    return (
        index > 0
        and not body[index - 1].isspace()
        and (index + 1 >= para_end or body[index + 1].isspace())
    )


class _Pairing:
    """The state of one paragraph's pairing: an open quote and a quote nested in it."""

    def __init__(self, body: str, number: int, para_end: int) -> None:
        self.body = body
        self.number = number
        self.para_end = para_end
        self.open_at: int | None = None
        self.straight = False  # the open quote opened with a straight mark
        self.inner_at: int | None = None  # a nested quote's opening mark
        self.inner: list[Segment] = []

    def open(self, index: int, straight: bool) -> None:
        self.open_at, self.straight, self.inner_at, self.inner = index, straight, None, []

    def close(self, index: int | None) -> Segment:
        assert self.open_at is not None
        start, end = trim(self.body, self.open_at + 1, self.para_end if index is None else index)
        segment = Segment(self.open_at, index, start, end, self.number, inner=self.inner)
        self.open_at, self.inner_at, self.inner = None, None, []
        return segment

    def close_inner(self, index: int) -> None:
        assert self.inner_at is not None
        start, end = trim(self.body, self.inner_at + 1, index)
        self.inner.append(Segment(self.inner_at, index, start, end, self.number))
        self.inner_at = None


def pair_quote_marks(body: str, paragraphs: Sequence[tuple[int, int]]) -> list[Segment]:
    """Pair quote marks paragraph by paragraph into quoted segments (one linear pass).

    A quote left open at a paragraph's end continues when the next paragraph opens with a
    quote mark (news style for multi-paragraph quotes); otherwise the stray mark is ignored
    and the quotes nested in it stand on their own.

    A quote can hold one level of nested quotes, kept in its segment's `inner`: curly marks
    inside straight ones (transcript style: '"PENCE: It is like “Shark Tank.” But ...'), or
    curly inside curly when the next two marks both close. An opening curly mark typed
    after a word, with space after it, closes the open quote.
    """
    segments: list[Segment] = []
    for number, (para_start, para_end) in enumerate(paragraphs):
        marks = [(m.start(), m.group()) for m in _QUOTE_MARK.finditer(body, para_start, para_end)]
        state = _Pairing(body, number, para_end)
        for position, (index, mark) in enumerate(marks):
            if state.open_at is None:
                straight = mark == '"'
                if mark == "“" or (straight and is_opening_straight_quote(body, index, para_end)):
                    state.open(index, straight)
                continue
            if state.inner_at is not None:
                if mark == "“":
                    state.inner_at = index  # the nested quote never closed: it opens again
                elif mark == "”" or not state.straight:
                    state.close_inner(index)
                else:
                    segments.append(state.close(index))  # '"... “x"': the outer quote closes
                continue
            if mark == "“" and _is_closing_open_mark(body, index, para_end):
                segments.append(state.close(index))
            elif mark == "“" and (state.straight or _nests(marks, position)):
                state.inner_at = index
            elif mark == "“":
                segments.extend(state.inner)  # the open quote never closed: a new one opens
                state.open(index, straight=False)
            else:
                segments.append(state.close(index))
        if state.open_at is not None:
            if _opens_with_quote(body, paragraphs, number + 1):
                segments.append(state.close(None))
            else:
                segments.extend(state.inner)
    return segments


def _nests(marks: Sequence[tuple[int, str]], position: int) -> bool:
    """Tell whether the curly mark at position opens a quote nested in the open one: the
    next two marks both close (its own close, then the open quote's)."""
    following = marks[position + 1 : position + 3]
    return len(following) == 2 and all(mark != "“" for _, mark in following)


def _opens_with_quote(body: str, paragraphs: Sequence[tuple[int, int]], number: int) -> bool:
    return number < len(paragraphs) and body[paragraphs[number][0]] in '"“'


def pieces(body: str, segment: Segment) -> list[tuple[int, int]]:
    """Return the [start, end) stretches of a segment's own text, around its nested quotes."""
    spans: list[tuple[int, int]] = []
    start = segment.start
    for inner in segment.inner:
        assert inner.close is not None
        spans.append(trim(body, start, inner.open))
        start = inner.close + 1
    spans.append(trim(body, start, segment.end))
    return [(s, e) for s, e in spans if s < e]


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
