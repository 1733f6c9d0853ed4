"""Quotes and their speakers, by rules over the body, its entity mentions and its sentences.

No parse here: the entities stage already ran spaCy once, and this stage reads what it left
(entity mentions with offsets, sentence spans). Direct quotes are text between quote marks;
indirect quotes are "X said (that) ..." sentences. A speaker is the entity named next to a
cue verb, or the entity a pronoun or "the ministry" most likely refers to.

Every scan is linear in the body: quote marks are paired in one pass, each attribution reads
a bounded window, and no regex nests quantifiers.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from schemas.articles import EnrichedArticle, EntitiesArticle, Entity, Quote, Span
from streams.nlp.language import is_english

# Speech verbs and "according to"; the cue of a quote is the matched text.
_CUE = re.compile(
    r"\b(?:according[ ]to|According[ ]to|as[ ]saying"
    r"|said|says|say|told|tells|added|adds|asked|asks|stated|explained|explains"
    r"|noted|notes|warned|warns|insisted|insists|wrote|writes|announced|announces"
    r"|declared|declares|claimed|claims|argued|argues|stressed|stresses|replied|replies"
    r"|recalled|commented|confirmed|confirms|acknowledged|admitted|admits|suggested|suggests"
    r"|urged|urges|emphasised|emphasized|maintained|observed|tweeted|posted|predicted"
    r"|concluded|responded|reiterated|cautioned|complained|conceded|boasted|vowed|pledged"
    r"|promised|testified|alleged|revealed|disclosed|contended|countered|remarked|mused"
    r"|quipped|joked|shouted|whispered|called|calls|described|describes|saying)\b"
)

# Cues after which the speaker is named, not before them.
_SPEAKER_AFTER = frozenset({"according to", "as saying"})

# Cues that take an addressee before the reported clause: "told reporters (that) ...".
_TAKES_OBJECT = frozenset({"told", "tells", "asked", "asks", "warned", "warns", "urged", "urges"})

# Cues that report speech in a sentence without quote marks: other cue verbs there often
# mean something else ("have maintained close ties", "threats it claims to face") unless
# "that" follows them.
_REPORTING_CUES = frozenset(
    {"said", "says", "say", "told", "tells", "added", "adds", "stated", "explained", "explains",
     "warned", "warns", "insisted", "insists", "wrote", "writes", "announced",
     "announces", "saying", "according to", "According to"}
)  # fmt: skip

_MAX_ADDRESSEE_WORDS = 8  # longest "Y" in "C, X told Y."
_MAX_ADDRESSEE_WORDS_BEFORE_CLAUSE = 3  # longest "Y" in "X told Y the plan was ..."

# Subject pronouns that can stand for a speaker.
_PRONOUN = re.compile(r"\b(?:he|she|they|it|He|She|They|It)\b")

# "the ministry", "the Chinese foreign ministry", "the company": a speaker named by its kind.
_DESCRIPTION = re.compile(
    r"\b[Tt]he[ ](?:[\w-]+[ ]){0,3}?(?P<noun>ministry|company|agency|government|department"
    r"|firm|group|organisation|organization|office|embassy|party|union|council|commission"
    r"|police|army|military|court|bank|university|club|committee|board|administration"
    r"|authority|network|newspaper|channel|foundation|institute|airline|league)\b",
    re.IGNORECASE,
)

# "a company spokesperson", "a ministry official": someone speaking for an organisation.
_SPOKESPERSON = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Ii]ts)[ ](?P<noun>company|ministry|firm|agency|department|government"
    r"|police|club|union|airline|bank|university|council)[ ](?:spokes(?:man|woman|person)"
    r"|official|representative|source)\b"
)

# "the minister", "the foreign minister", "the chief executive": a person named by role.
_ROLE = re.compile(
    r"\b[Tt]he[ ](?:[\w-]+[ ]){0,2}?(?:minister|president|mayor|governor|premier|chancellor"
    r"|secretary|senator|coach|manager|director|chairman|chairwoman|chair|chief[ ]executive"
    r"|spokesman|spokeswoman|spokesperson|prosecutor|judge|ambassador|envoy|commissioner"
    r"|captain|head[ ]teacher|principal|leader)\b"
)

# Words that put the next name in object position: "told Choe", "met Wang", "with Kim".
_OBJECT_MARKER = re.compile(
    r"(?:\b(?:told|tells|met|meets|meeting|with|to|by|for|against|from|of|about|thanked"
    r"|invited|visited|between|than|urged|asked|called|accused|criticised|criticized"
    r"|praised|blamed|sued|replaced|succeeded|defeated|beat)|['’]s)[ ]+$"
)

# A passive before a cue: "was told", "has been asked" (no speaker is reporting).
_PASSIVE = re.compile(r"\b(?:was|were|is|are|be|been|being|am)[ ]+$")

# Time phrases between a cue and its clause: "said Monday", "said on Tuesday that".
_TIME_PHRASE = re.compile(
    r"[ ]*(?:(?:on|late|early|earlier|last|this)[ ]+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight"
    r"|earlier|later|previously|recently|week|month|year|night|morning|afternoon|evening"
    r"|in[ ]a[ ]statement|in[ ]an[ ]interview|in[ ]a[ ]post|on[ ]twitter|on[ ]x"
    r"|on[ ]social[ ]media)\b"
    r"(?:[ ]+(?:night|morning|afternoon|evening))?,?",
    re.IGNORECASE,
)

# "and" / "but" right before a cue: the sentence's subject said it ("... and said C").
_COORDINATED = re.compile(r"\b(?:and|but)[ ]+$")

# Words that open a phrase, not a reported clause: "said in documents", "said, and".
_NOT_A_CLAUSE = re.compile(r"(?:and|but|or|in|on|at|during|after|before|with|by|to|from|for)\b")

# Words a clause after "told Y" opens with: "told local radio the government would".
_CLAUSE_OPENER = re.compile(
    r"\b(?:the|a|an|he|she|it|they|we|his|her|its|their|there|this|these|those)\b"
)

# "that" opening a reported clause, after optional words: "told reporters that".
_THAT = re.compile(r"\bthat\b")

# Quote marks: straight and curly double quotes.
_QUOTE_MARK = re.compile(r"[\"“”]")

# Blank lines between paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

# Where a fallback splitter ends a sentence: end punctuation, closing quotes, space.
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“A-Z0-9])")

# ", according to ..." closing a reported clause.
_TRAILING_ACCORDING = re.compile(r",[ ]+(?:according[ ]to|citing)\b")

# Words counted in a quote.
_WORD = re.compile(r"\w+")

# Words a title leaves in lower case: "Shelves without Walls", "Lord of the Rings".
_TITLE_SMALL_WORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "and", "or", "for", "to", "at", "by", "with", "without",
     "from", "de", "la", "le"}
)  # fmt: skip

_MAX_TITLE_WORDS = 8  # longer all-capitalised quotes are speech in headline case
MIN_QUOTE_WORDS = 3  # shorter quoted text is a scare quote or a title
_CONTEXT_CHARS = 200  # how far from a quote its attribution is looked for
_MAX_SUBJECT_WORDS = 12  # longest "X" in "X said"
_MAX_INVERTED_SPEAKER_CHARS = 60  # longest "X" in "said X"
_PRONOUN_LOOKBACK = 50  # mentions searched back for a pronoun's referent

_SPEAKER_LABELS = frozenset({"PERSON", "ORG", "GPE"})
_PRONOUN_LABELS = {
    "he": ("PERSON",), "she": ("PERSON",), "they": ("ORG", "PERSON"), "it": ("ORG",)
}  # fmt: skip

# Descriptions that stand for whichever organisation the article is about, named or not in
# their name: "the company" for Veltra Motors, "the club" for Castleford United.
_GENERIC_ORG_NOUNS = frozenset(
    {"company", "firm", "group", "airline", "club", "union", "agency", "organisation",
     "organization", "network", "institute", "university", "bank"}
)  # fmt: skip

# A possessive right after a name: "Rinaldi's lawyer" names the lawyer, not Rinaldi.
_POSSESSIVE_AFTER = re.compile(r"['’]s\b")

# A capitalised word: a name the model may have missed next to a cue ("Corral said").
_CAPITALISED_WORD = re.compile(r"\b[A-Z][\w'’-]+\b")

# An abbreviation whose full stop does not end an attribution: "said Dr. Kofi Mensah".
_ABBREVIATION = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|Gov|Sen|Rep|Gen|Col|Lt|Sgt|St|Jr|Sr)$")


@dataclass(frozen=True)
class IndexedMention:
    """An entity mention with the entity's canonical name and label."""

    start: int
    end: int
    name: str
    label: str


class MentionIndex:
    """Entity mentions in body order, searchable by position."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        mentions = [
            IndexedMention(m.start, m.end, entity.name, entity.label)
            for entity in entities
            for m in entity.mentions
        ]
        self.mentions = sorted(mentions, key=lambda m: (m.start, m.end))
        self.starts = [m.start for m in self.mentions]
        self.last_words: dict[str, tuple[str, str]] = {}
        for entity in entities:
            last = entity.name.split()[-1]
            if last in self.last_words and self.last_words[last][0] != entity.name:
                self.last_words[last] = ("", "")  # two entities share it: ambiguous
            elif entity.label in _SPEAKER_LABELS:
                self.last_words.setdefault(last, (entity.name, entity.label))
        self.quoted_starts: list[int] = []
        self.quoted_ends: list[int] = []

    def set_quoted(self, spans: Sequence[tuple[int, int]]) -> None:
        """Record the quoted stretches of the body (sorted, disjoint)."""
        self.quoted_starts = [s for s, _ in spans]
        self.quoted_ends = [e for _, e in spans]

    def is_quoted(self, position: int) -> bool:
        """Tell whether position lies inside quoted text."""
        index = bisect.bisect_right(self.quoted_starts, position) - 1
        return index >= 0 and position < self.quoted_ends[index]

    def within(self, start: int, end: int) -> list[IndexedMention]:
        """Return the mentions lying inside [start, end)."""
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_left(self.starts, end)
        return [m for m in self.mentions[first:last] if m.end <= end]

    def is_mention_at(self, position: int) -> bool:
        """Tell whether an entity mention starts at position."""
        index = bisect.bisect_left(self.starts, position)
        return index < len(self.starts) and self.starts[index] == position

    def named_by_word(self, word: str) -> tuple[str, str] | None:
        """Return (name, label) of the one speaker-like entity whose name ends with word."""
        found = self.last_words.get(word)
        return found if found and found[0] else None

    def main_org(self, position: int) -> str | None:
        """Return the organisation mentioned most often before position (first on ties)."""
        counts: dict[str, int] = {}
        for mention in self.mentions:
            if mention.start >= position:
                break
            if mention.label == "ORG":
                counts[mention.name] = counts.get(mention.name, 0) + 1
        return max(counts, key=lambda name: counts[name]) if counts else None

    def before(self, position: int) -> Iterator[IndexedMention]:
        """Yield the mentions ending at or before position, nearest first (bounded)."""
        index = bisect.bisect_left(self.starts, position)
        for mention in reversed(self.mentions[max(0, index - _PRONOUN_LOOKBACK) : index]):
            if mention.end <= position:
                yield mention


@dataclass(frozen=True)
class Attribution:
    """Who a quote is credited to: the cue and the resolved speaker (or None)."""

    cue: str
    speaker: str | None


@dataclass
class _Segment:
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


def pair_quote_marks(body: str, paragraphs: Sequence[tuple[int, int]]) -> list[_Segment]:
    """Pair quote marks paragraph by paragraph into quoted segments (one linear pass).

    A quote left open at a paragraph's end continues when the next paragraph opens with a
    quote mark (news style for multi-paragraph quotes); otherwise the stray mark is ignored.
    """
    segments: list[_Segment] = []
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
                segments.append(_Segment(open_at, index, start, end, number))
                open_at = None
        if open_at is not None and _opens_with_quote(body, paragraphs, number + 1):
            start, end = trim(body, open_at + 1, para_end)
            segments.append(_Segment(open_at, None, start, end, number))
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


def resolve_pronoun(pronoun: str, position: int, mentions: MentionIndex, body: str) -> str | None:
    """Return the entity a he/she/they at position refers to: the nearest fitting subject.

    Mentions in object position ("told Choe", "met Wang") are passed over: in news copy a
    following "he said" nearly always refers back to a subject.
    """
    labels = _PRONOUN_LABELS.get(pronoun.lower(), ())
    fallback: str | None = None
    for mention in mentions.before(position):
        if mention.label not in labels or mentions.is_quoted(mention.start):
            continue
        line_start = body.rfind("\n", 0, mention.start) + 1
        lead = body[max(line_start, mention.start - 30) : mention.start]
        if not _OBJECT_MARKER.search(lead):
            return mention.name
        fallback = fallback or mention.name
    return fallback


def resolve_description(noun: str, position: int, mentions: MentionIndex) -> str | None:
    """Return the nearest ORG before position whose name contains noun ("the ministry")."""
    for mention in mentions.before(position):
        if mention.label == "ORG" and noun.lower() in mention.name.lower():
            return mention.name
    if noun.lower() in _GENERIC_ORG_NOUNS:
        return mentions.main_org(position)
    return None


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    rank: int  # 0 person or pronoun, 1 organisation or description, 2 place or group
    speaker: str | None


# How strongly a mention's label suggests a speaker (lower is stronger).
_LABEL_RANK = {"PERSON": 0, "ORG": 1, "GPE": 2, "NORP": 2}


def speaker_candidates(body: str, start: int, end: int, mentions: MentionIndex) -> list[_Candidate]:
    """Return what could name a speaker inside [start, end): mentions, pronouns, descriptions."""
    found: list[_Candidate] = []
    taken: list[tuple[int, int]] = []
    for mention in mentions.within(start, end):
        if mention.label not in _LABEL_RANK:
            continue
        taken.append((mention.start, mention.end))
        if body[mention.end : mention.end + 1] == "-" or _POSSESSIVE_AFTER.match(body, mention.end):
            continue  # a modifier, not a speaker: "a Washington-based expert", "Kim's lawyer"
        speaker = mention.name if mention.label in _SPEAKER_LABELS else None
        found.append(_Candidate(mention.start, mention.end, _LABEL_RANK[mention.label], speaker))
    for match in _PRONOUN.finditer(body, start, end):
        speaker = resolve_pronoun(match.group(), match.start(), mentions, body)
        rank = 1 if match.group().lower() == "it" else 0
        found.append(_Candidate(match.start(), match.end(), rank, speaker))
    for match in _CAPITALISED_WORD.finditer(body, start, end):
        named = mentions.named_by_word(match.group())
        if named is not None and not any(s < match.end() and match.start() < e for s, e in taken):
            found.append(_Candidate(match.start(), match.end(), _LABEL_RANK[named[1]], named[0]))
    for match in _ROLE.finditer(body, start, end):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        speaker = resolve_pronoun("he", match.start(), mentions, body)
        found.append(_Candidate(match.start(), match.end(), 0, speaker))
    for match in _SPOKESPERSON.finditer(body, start, end):
        speaker = resolve_description(match.group("noun"), match.start(), mentions)
        found.append(_Candidate(match.start(), match.end(), 1, speaker))
        taken.append((match.start(), match.end()))
    for match in _DESCRIPTION.finditer(body, start, end):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        speaker = resolve_description(match.group("noun"), match.start(), mentions)
        found.append(_Candidate(match.start(), match.end(), 1, speaker))
    return found


def subject_speaker(body: str, start: int, cue_start: int, mentions: MentionIndex) -> str | None:
    """Return the speaker named before a cue ("Wang said"): best rank, then nearest the cue."""
    candidates = speaker_candidates(body, start, cue_start, mentions)
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c.rank, cue_start - c.end))
    return best.speaker


def inverted_speaker(body: str, cue_end: int, end: int, mentions: MentionIndex) -> str | None:
    """Return the speaker named right after a cue ("said Wang", "according to KCNA")."""
    stop = min(end, cue_end + _MAX_INVERTED_SPEAKER_CHARS)
    for offset, char in enumerate(body[cue_end:stop]):
        if char == "." and _ABBREVIATION.search(body, cue_end, cue_end + offset):
            continue
        if char in ',.;:!?"“”\n':
            stop = cue_end + offset
            break
    for mention in mentions.within(cue_end, stop + _MAX_INVERTED_SPEAKER_CHARS):
        if mention.start < stop:
            stop = max(stop, mention.end)  # a long name that starts in the window
    candidates = speaker_candidates(body, cue_end, stop, mentions)
    ranked = [c for c in candidates if c.speaker is not None]
    if not ranked:
        return None
    return min(ranked, key=lambda c: (c.rank, c.start)).speaker


def attribute(
    body: str, start: int, cue: re.Match[str], end: int, mentions: MentionIndex
) -> Attribution:
    """Resolve who a cue credits, reading the subject in [start, cue) or the words after it."""
    text = cue.group()
    if text.lower() in _SPEAKER_AFTER:
        return Attribution(text, inverted_speaker(body, cue.end(), end, mentions))
    speaker = subject_speaker(body, start, cue.start(), mentions)
    if speaker is None and not body[start : cue.start()].strip(" ,"):
        speaker = inverted_speaker(body, cue.end(), end, mentions)
    return Attribution(text, speaker)


def attribution_after(
    body: str, segment: _Segment, sentences: SentenceIndex, limit: int, mentions: MentionIndex
) -> Attribution | None:
    """Find the attribution following a closing mark: '," Wang said' / '," said Wang'."""
    if segment.close is None:
        return None
    start = segment.close + 1
    end = min(limit, start + _CONTEXT_CHARS, max(sentences.bounds(segment.close)[1], start))
    if end <= start or not body[start:end].strip():
        # The sentence ended at the mark: read a short next sentence ("Smith said.").
        following = sentences.at(_skip_space(body, start, limit))
        if following is None:
            return None
        next_start, next_end = sentences.spans[following]
        if next_end > limit or count_words(body[next_start:next_end]) > 8:
            return None
        start, end = next_start, next_end
    first: Attribution | None = None
    for cue in _CUE.finditer(body, start, end):
        left = body[start : cue.start()]
        if count_words(left) > _MAX_SUBJECT_WORDS or _PASSIVE.search(left):
            break
        attribution = attribute(body, start, cue, end, mentions)
        if attribution.speaker is not None:
            return attribution
        first = first or attribution  # '" announced in May, said Smith': read on
    return first


def attribution_before(
    body: str, segment: _Segment, sentences: SentenceIndex, floor: int, mentions: MentionIndex
) -> Attribution | None:
    """Find the attribution leading into an opening mark: 'Wang said: "' / 'said the plan was "'."""
    sentence_start = sentences.bounds(segment.open)[0]
    start = max(floor, sentence_start, segment.open - _CONTEXT_CHARS)
    cues = [c for c in _CUE.finditer(body, start, segment.open)]
    for cue in reversed(cues):
        if _PASSIVE.search(body[start : cue.start()]):
            continue
        return attribute(body, start, cue, segment.open, mentions)
    return None


def _skip_space(body: str, position: int, limit: int) -> int:
    while position < limit and body[position].isspace():
        position += 1
    return position


def attribute_segments(
    body: str,
    segments: list[_Segment],
    paragraphs: Sequence[tuple[int, int]],
    sentences: SentenceIndex,
    mentions: MentionIndex,
) -> None:
    """Set each segment's attribution; unattributed ones share their quote's attribution.

    Segments of one paragraph, and a quote continued across paragraphs, form one chain:
    '"A," she said. "B."' credits B to her as well.
    """
    for number, segment in enumerate(segments):
        para_start, para_end = paragraphs[segment.paragraph]
        previous = segments[number - 1] if number else None
        next_open = (
            segments[number + 1].open
            if number + 1 < len(segments) and segments[number + 1].paragraph == segment.paragraph
            else para_end
        )
        floor = previous.close + 1 if previous and previous.close is not None else para_start
        floor = max(floor, para_start)
        after = attribution_after(body, segment, sentences, next_open, mentions)
        if after is None or after.speaker is None:
            before = attribution_before(body, segment, sentences, floor, mentions)
            after = before if before is not None and before.speaker is not None else after
        segment.attribution = after or attribution_before(body, segment, sentences, floor, mentions)
    _share_in_chains(segments, paragraphs)


def _share_in_chains(segments: list[_Segment], paragraphs: Sequence[tuple[int, int]]) -> None:
    """Share attributions within chains; a paragraph that opens with an unattributed quote
    right after an attributed one continues it (news style for a long quote)."""

    def linked(a: _Segment, b: _Segment) -> bool:
        return a.paragraph == b.paragraph or (a.close is None and b.paragraph == a.paragraph + 1)

    for earlier, later in itertools.pairwise(segments):
        opens_paragraph = paragraphs[later.paragraph][0] == later.open
        if later.attribution is None and (
            linked(earlier, later) or (opens_paragraph and later.paragraph == earlier.paragraph + 1)
        ):
            later.attribution = earlier.attribution
    for later, earlier in itertools.pairwise(reversed(segments)):
        if earlier.attribution is None and linked(earlier, later):
            earlier.attribution = later.attribution


def direct_quotes(body: str, sentences: SentenceIndex, mentions: MentionIndex) -> list[Quote]:
    """Return the quotes between quote marks, at least MIN_QUOTE_WORDS long, attributed."""
    paragraphs = paragraph_spans(body)
    segments = pair_quote_marks(body, paragraphs)
    mentions.set_quoted([(s.open, s.close if s.close is not None else s.end) for s in segments])
    attribute_segments(body, segments, paragraphs, sentences, mentions)
    quotes: list[Quote] = []
    for segment in segments:
        text = body[segment.start : segment.end]
        if count_words(text) < MIN_QUOTE_WORDS or is_title(text):
            continue
        attribution = segment.attribution
        quotes.append(
            Quote(
                text=text,
                kind="direct",
                speaker=attribution.speaker if attribution else None,
                cue=attribution.cue if attribution else None,
                start=segment.start,
                end=segment.end,
            )
        )
    return quotes


def reported_clause(body: str, cue: re.Match[str], end: int) -> tuple[int, int] | None:
    """Return the span of the clause a cue introduces ("said (on Monday) (that) CLAUSE")."""
    position = cue.end()
    window = body[position : min(end, position + 80)]
    comma = window.find(",")
    that = _THAT.search(window)
    if that and (comma < 0 or that.start() < comma) and count_words(window[: that.start()]) <= 5:
        position += that.end()
    elif cue.group() in _TAKES_OBJECT and cue.group() in _REPORTING_CUES:
        opener = addressee_end(body, position, end)
        if opener is None:
            return None  # "told his counterpart, ...": no clause follows the addressee
        position = opener
    else:
        if cue.group() not in _REPORTING_CUES:
            return None
        time = _TIME_PHRASE.match(body, position, end)
        if time:
            position = time.end()
    start, stop = trim(body, position, end)
    if _NOT_A_CLAUSE.match(body, start, stop):
        return None
    accordingly = _TRAILING_ACCORDING.search(body, start, stop)
    if accordingly:
        stop = accordingly.start()
    stop = _strip_end_punctuation(body, start, stop)
    if body[start : start + 1] in (",", ":", ";") or count_words(body[start:stop]) < 3:
        return None
    return start, stop


def addressee_end(body: str, position: int, end: int) -> int | None:
    """Return where the clause after "told Y" starts: at a determiner or pronoun after Y."""
    window_end = min(end, position + 60)
    comma = body.find(",", position, window_end)
    window_end = comma if comma >= 0 else window_end
    for match in _CLAUSE_OPENER.finditer(body, position, window_end):
        words_before = count_words(body[position : match.start()])
        if 1 <= words_before <= _MAX_ADDRESSEE_WORDS_BEFORE_CLAUSE:
            return match.start()
    return None


def _strip_end_punctuation(body: str, start: int, stop: int) -> int:
    while stop > start and body[stop - 1] in ".!? ":
        stop -= 1
    return stop


def indirect_quote(body: str, sentence: tuple[int, int], mentions: MentionIndex) -> Quote | None:
    """Return the reported speech of one sentence without quote marks, if it has any.

    Handles "X said (that) C", "X told Y (that) C", "C, X said", "According to X, C",
    "C, according to X", "X, who ..., said C" and "X did this and said C". A cue that
    introduces no clause passes the turn to the next cue of the sentence.
    """
    start, end = sentence
    for cue in _CUE.finditer(body, start, end):
        left = body[start : cue.start()]
        if _PASSIVE.search(left):
            continue
        text = cue.group()
        if text.lower() == "according to":
            return _according_to(body, start, end, cue, mentions)
        if text.lower() in _SPEAKER_AFTER:
            continue
        comma = left.rfind(",")
        subject_start = subject_start_of(body, start, cue.start())
        clause = reported_clause(body, cue, end)
        if clause is not None and subject_start is not None:
            speaker = appositive_speaker(body, subject_start, cue.start(), mentions)
            return _indirect(body, clause, speaker, text)
        if not left[comma + 1 :].strip():
            comma = appositive_opening(left, comma)
        if (
            comma > 0
            and text in _REPORTING_CUES
            and count_words(left[comma:]) <= _MAX_SUBJECT_WORDS
            and ends_attribution(body, cue.end(), end)
        ):
            # "C, X said." / "C, X told Y, ...": the clause comes first.
            clause_end = _strip_end_punctuation(body, start, start + comma)
            if count_words(body[start:clause_end]) >= 3:
                speaker = appositive_speaker(body, start + comma + 1, cue.start(), mentions)
                return _indirect(body, (start, clause_end), speaker, text)
    return None


def appositive_speaker(body: str, start: int, cue_start: int, mentions: MentionIndex) -> str | None:
    """Return the speaker of "X, who backs Y, said": the head before the first comma if it
    names one, else the best candidate of the whole subject ("His team, Velo Alpino, said")."""
    comma = body.find(",", start, cue_start)
    if comma > 0:
        head = [
            c
            for c in speaker_candidates(body, start, comma, mentions)
            if c.speaker and c.rank <= 1 and mentions.is_mention_at(c.start)
        ]
        if head:
            return min(head, key=lambda c: (c.rank, comma - c.end)).speaker
    return subject_speaker(body, start, cue_start, mentions)


def appositive_opening(left: str, comma: int) -> int:
    """Return the comma that opens a trailing attribution with an appositive, given the one
    right before the cue: "C, the developer, Greenway Homes, said" -> the comma after C."""
    second = left.rfind(",", 0, comma)
    first = left.rfind(",", 0, second) if second > 0 else -1
    if first > 0 and count_words(left[first:comma]) <= _MAX_SUBJECT_WORDS:
        return first
    return comma


def subject_start_of(body: str, start: int, cue_start: int) -> int | None:
    """Return where the subject of a cue starts in its sentence, or None if it has none.

    The subject is what follows the last comma ("Today, Wang said"), or, when the cue
    follows a comma or "and"/"but" ("Kaunda, who runs it, said"; "X won and said"), the
    sentence from its start.
    """
    left = body[start:cue_start]
    if _COORDINATED.search(left):
        return start
    comma = left.rfind(",")
    subject = left[comma + 1 :]
    if not subject.strip():
        return start if comma > 0 and count_words(left) <= 2 * _MAX_SUBJECT_WORDS else None
    return start + comma + 1 if count_words(subject) <= _MAX_SUBJECT_WORDS else None


def ends_attribution(body: str, position: int, end: int) -> bool:
    """Tell whether the words after a cue close the sentence's attribution ("told Choe, ...")."""
    comma = body.find(",", position, end)
    return count_words(body[position : comma if comma >= 0 else end]) <= _MAX_ADDRESSEE_WORDS


def _according_to(
    body: str, start: int, end: int, cue: re.Match[str], mentions: MentionIndex
) -> Quote | None:
    left = body[start : cue.start()]
    speaker = inverted_speaker(body, cue.end(), end, mentions)
    if not left.strip():
        comma = body.find(",", cue.end(), end)
        if comma < 0:
            return None
        clause_start, clause_end = trim(body, comma + 1, end)
        clause_end = _strip_end_punctuation(body, clause_start, clause_end)
    else:
        clause_start = start
        clause_end = _strip_end_punctuation(body, start, len(left.rstrip(" ,")) + start)
    if count_words(body[clause_start:clause_end]) < 3:
        return None
    return _indirect(body, (clause_start, clause_end), speaker, cue.group())


def _indirect(body: str, clause: tuple[int, int], speaker: str | None, cue: str) -> Quote:
    start, end = clause
    return Quote(
        text=body[start:end], kind="indirect", speaker=speaker, cue=cue, start=start, end=end
    )


def indirect_quotes(
    body: str, sentences: SentenceIndex, mentions: MentionIndex, taken: Sequence[Quote]
) -> list[Quote]:
    """Return the indirect quotes of the sentences, but none that cuts through a direct quote."""
    quotes: list[Quote] = []
    direct = sorted((q.start, q.end) for q in taken)
    for start, end in sentences.spans:
        inside = [(s, e) for s, e in direct if s < end and start < e]
        quote = indirect_quote(body, (start, end), mentions)
        if quote is not None and all(
            count_words(body[quote.start : s]) and e <= quote.end for s, e in inside
        ):
            quotes.append(quote)  # direct quotes in it are partial quotes of its clause
    return quotes


def extract_quotes(body: str, entities: Sequence[Entity], sentences: Sequence[Span]) -> list[Quote]:
    """Return the direct and indirect quotes of body, in body order, with their speakers."""
    mentions = MentionIndex(entities)
    sentence_index = SentenceIndex(sentences or fallback_sentences(body))
    direct = direct_quotes(body, sentence_index, mentions)
    indirect = indirect_quotes(body, sentence_index, mentions, direct)
    return sorted([*direct, *indirect], key=lambda q: (q.start, q.end))


def add_quotes(article: EntitiesArticle) -> EnrichedArticle:
    """Attach the quotes of an article's body: the work of the quotes stage.

    The quote rules are English: an article in another language gets none.
    """
    quotes = []
    if is_english(article.language):
        quotes = extract_quotes(article.body, article.entities, article.sentences)
    return EnrichedArticle.model_validate({**dict(article), "quotes": quotes})
