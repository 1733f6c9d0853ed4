"""Named entities and sentences of article bodies: the one stage that runs spaCy.

spaCy's entity spans become mentions (trimmed to the name), mentions of one referent are
merged into one Entity under its longest full name. Everything after the parse is pure
functions over plain data, testable without a model.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from schemas.articles import CleanArticle, EntitiesArticle, Entity, Mention, Span
from streams.nlp.language import is_english

# Entity labels newsflow keeps; dates, numbers and money are not referents.
ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
     "LANGUAGE"}
)  # fmt: skip

# Labels a bare surname can carry when spaCy's small model mislabels it ("Wang told Choe").
_SHORT_FORM_LABELS = frozenset({"PERSON", "ORG"})

# Labels of places: a one-word place stays apart from a person it names ("Washington").
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP"})

# A preposition that puts the next name in place position: "in Washington", "to Halden".
_PLACE_PREPOSITION = re.compile(
    r"\b(?:in|to|from|at|near|across|into|outside|around|of|via|toward|towards)[ ]+$",
    re.IGNORECASE,
)

# Characters trimmed from either end of a mention: spaces, quotes, brackets, separators.
_EDGE_CHARS = " \t\n\"'“”‘’`()[]{}<>,;:!?*|-–—"

# A leading article or honorific: "the United States", "Mr Wang", "Dr. Jane Doe".
_LEADING_WORD = re.compile(r"(?:the|The|THE|Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Dame)\.?\s+")

# A trailing possessive: "North Korea's", "Wang’s".
_POSSESSIVE = re.compile(r"['’][sS]$")

# A lowercase hyphenated tail spaCy cut off a name: "Choe Son|-hui".
_HYPHEN_TAIL = re.compile(r"(?:-[a-z]+)+")

# "health ministry", "justice department": the field before the kind of institution.
_INSTITUTION_FIRST = re.compile(r"^(?P<field>[a-z]+) (?P<kind>ministry|department)$")

# Whitespace runs, to collapse inside names.
_WHITESPACE = re.compile(r"\s+")

# Blank lines: a sentence never runs across paragraphs.
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# One or two capitalised words right before a known surname: "Marisol " in "Marisol Peña".
_GIVEN_NAMES = re.compile(r"(?:[A-Z][\w'’-]+[ ]){1,2}$")

# Where a sentence or paragraph starts, just before a word: its first word may be a title
# ("Hydrologist Marisol Peña"), not a given name.
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:][\"”’)]*\s+|\n\s*)$")

# Titles that stand before a name but are not part of it.
_TITLES = frozenset(
    {"Mr", "Mrs", "Ms", "Dr", "Prof", "Professor", "President", "Mayor", "Minister",
     "Governor", "Gov", "Senator", "Sen", "Rep", "Judge", "Captain", "Coach", "Chairman",
     "Sir", "Dame", "Lord", "Lady", "King", "Queen", "Prince", "Princess", "Pope", "General",
     "Colonel", "Chancellor", "Premier", "Secretary", "Director", "Councillor", "Officer"}
)  # fmt: skip

# An acronym a name may be written as: "ESA", "KCNA".
_ACRONYM = re.compile(r"[A-Z]{2,6}")

# No name is longer than this; a longer span is a run of junk the model tagged (a 100,000-char
# token, a URL), not an entity.
MAX_NAME_CHARS = 120
_MIN_SURNAME_CHARS = 3  # shorter words are too often something else ("Li" aside, rare)


@dataclass(frozen=True)
class RawMention:
    """One entity span of a body, trimmed to the name: offsets, surface text and label."""

    start: int
    end: int
    text: str
    label: str


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) of text to the name: no leading "the"/honorific, possessive or edges."""
    while True:
        before = (start, end)
        while start < end and text[start] in _EDGE_CHARS:
            start += 1
        while end > start and text[end - 1] in _EDGE_CHARS:
            end -= 1
        leading = _LEADING_WORD.match(text, start, end)
        if leading and leading.end() < end:
            start = leading.end()
        possessive = _POSSESSIVE.search(text, start, end)
        if possessive and possessive.start() > start:
            end = possessive.start()
        if (start, end) == before:
            return start, end


def normalise_name(text: str) -> str:
    """Return an entity's name as text: trimmed like a mention, whitespace collapsed."""
    start, end = trim_span(text, 0, len(text))
    return _WHITESPACE.sub(" ", text[start:end])


def name_key(name: str) -> str:
    """Return the key under which spellings of one name match ("Choe Son-hui" = "choe son hui").

    "Health ministry" and "Ministry of Health" share one key.
    """
    key = _WHITESPACE.sub(" ", name.casefold().replace("-", " ").replace(".", "")).strip()
    return _INSTITUTION_FIRST.sub(r"\g<kind> of \g<field>", key)


def extend_hyphen_tail(text: str, end: int) -> int:
    """Return end moved past a lowercase hyphenated tail ("Choe Son" + "-hui")."""
    tail = _HYPHEN_TAIL.match(text, end)
    return tail.end() if tail else end


def doc_mentions(doc: Doc, text: str) -> list[RawMention]:
    """Return the doc's entity spans of the kept labels as trimmed mentions, in text order.

    `text` is the doc's text (spaCy rebuilds `doc.text` from every token on each access).
    """
    mentions: list[RawMention] = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        end = ent.end_char
        if ent.label_ == "PERSON":
            end = extend_hyphen_tail(text, end)
        start, end = trim_span(text, ent.start_char, end)
        if 0 < end - start <= MAX_NAME_CHARS and any(ch.isalpha() for ch in text[start:end]):
            mentions.append(RawMention(start, end, text[start:end], ent.label_))
    return mentions


def add_repeated_names(text: str, mentions: Sequence[RawMention]) -> list[RawMention]:
    """Add the mentions of known persons' names that the model missed, and complete a
    surname the model only ever saw alone from "Given Surname" in the text.

    The small model tags a name in one sentence and misses it, or mislabels it, in the next
    ("Corral said"); a plain search for the names it did find as PERSON recovers them.
    """
    persons = [m for m in mentions if m.label == "PERSON"]
    full_names = {normalise_name(m.text) for m in persons if len(m.text.split()) > 1}
    surnames = {n.split()[-1] for n in full_names}
    name_words = {w for n in full_names for w in n.split()}
    added: list[RawMention] = []
    for single in {normalise_name(m.text) for m in persons} - full_names:
        if single in name_words or len(single) < _MIN_SURNAME_CHARS:
            continue
        full = complete_surname(text, single)
        if full is not None:
            added.append(full)
            full_names.add(full.text)
            surnames.add(single)
    taken = sorted((m.start, m.end) for m in [*mentions, *added])
    forms = sorted(full_names | {s for s in surnames if len(s) >= _MIN_SURNAME_CHARS},
                   key=len, reverse=True)  # fmt: skip
    for form in forms:
        for match in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text):
            if not _overlaps(taken, match.start(), match.end()):
                added.append(RawMention(match.start(), match.end(), form, "PERSON"))
                bisect.insort(taken, (match.start(), match.end()))
    return without_overlaps([*mentions, *added])


def without_overlaps(mentions: Sequence[RawMention]) -> list[RawMention]:
    """Keep the longest of overlapping mentions, in text order.

    A completed name ("Do Hyun") covers the surname the model tagged inside it ("Hyun"): one
    place in the text names one entity once.
    """
    kept: list[RawMention] = []
    taken: list[tuple[int, int]] = []
    for mention in sorted(mentions, key=lambda m: (m.start - m.end, m.start)):
        if not _overlaps(taken, mention.start, mention.end):
            kept.append(mention)
            bisect.insort(taken, (mention.start, mention.end))
    return sorted(kept, key=lambda m: (m.start, m.end))


def complete_surname(text: str, surname: str) -> RawMention | None:
    """Return the first "Given Surname" in text as a PERSON mention, if there is one."""
    for match in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text):
        given = _GIVEN_NAMES.search(text, max(0, match.start() - 60), match.start())
        if given is None:
            continue
        words = list(re.finditer(r"\S+", given.group()))
        if len(words) == 2 and _SENTENCE_OPENING.search(text, 0, given.start()):
            words = words[1:]
        titles = [i for i, w in enumerate(words) if w.group().rstrip(".") in _TITLES]
        words = words[titles[-1] + 1 :] if titles else words
        if words:
            start = given.start() + words[0].start()
            return RawMention(start, match.end(), text[start : match.end()], "PERSON")
    return None


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    index = bisect.bisect_left(spans, (end, end))
    return any(s < end and start < e for s, e in spans[max(0, index - 8) : index])


def majority_label(mentions: Sequence[RawMention]) -> str:
    """Return the most common label of mentions; ties go to the label seen first."""
    counts = Counter(m.label for m in mentions)
    best = max(counts.values())
    return next(m.label for m in mentions if counts[m.label] == best)


def group_by_name(mentions: Sequence[RawMention]) -> list[list[RawMention]]:
    """Group mentions whose names match by name_key, groups in order of first mention."""
    groups: dict[str, list[RawMention]] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        groups.setdefault(name_key(normalise_name(mention.text)), []).append(mention)
    return list(groups.values())


def short_form_targets(short: str, full_names: Sequence[str]) -> list[int]:
    """Return the indexes of the full names that the name key `short` abbreviates.

    A short form is the last word(s) of a longer name ("wang" -> "wang yi"); failing that,
    a single word that opens one (surname-first names: "kim" -> "kim jong un").
    """
    words = short.split()
    suffix: list[int] = []
    prefix: list[int] = []
    for index, full in enumerate(full_names):
        full_words = full.split()
        if len(full_words) <= len(words):
            continue
        if full_words[-len(words) :] == words:
            suffix.append(index)
        elif len(words) == 1 and full_words[0] == words[0]:
            prefix.append(index)
    return suffix or prefix


def nearest_group(position: int, candidates: Sequence[list[RawMention]]) -> int:
    """Return the candidate group with the closest mention before position (else the first)."""
    best_index, best_start = 0, -1
    for index, group in enumerate(candidates):
        before = [m.start for m in group if m.start < position]
        if before and max(before) > best_start:
            best_index, best_start = index, max(before)
    if best_start < 0:
        return min(range(len(candidates)), key=lambda i: candidates[i][0].start)
    return best_index


def merge_short_forms(groups: list[list[RawMention]], text: str = "") -> list[list[RawMention]]:
    """Move mentions of a bare surname into the PERSON group of the full name it shortens.

    Each mention goes to the full name mentioned closest before it, so two people who
    share a surname keep their own mentions. A one-word place ("Halden" as GPE) counts as a
    surname only when text is given and no mention of it reads as a place ("in Halden").
    """
    keys = [name_key(normalise_name(g[0].text)) for g in groups]
    labels = [majority_label(g) for g in groups]
    persons = [i for i, label in enumerate(labels) if label == "PERSON"]
    merged: list[list[RawMention]] = [list(g) for g in groups]
    for index, group in enumerate(groups):
        if labels[index] not in _SHORT_FORM_LABELS and (
            len(keys[index].split()) > 1
            or (labels[index] in _PLACE_LABELS and not _never_a_place(text, group))
        ):
            continue  # a one-word surname is often mislabelled ("Salas" as WORK_OF_ART)
        targets = [persons[t] for t in short_form_targets(keys[index], [keys[p] for p in persons])]
        targets = [t for t in targets if t != index]
        if not targets:
            continue
        merged[index] = []
        for mention in group:
            chosen = targets[nearest_group(mention.start, [groups[t] for t in targets])]
            merged[chosen].append(mention)
    return [sorted(g, key=lambda m: m.start) for g in merged if g]


def _never_a_place(text: str, group: Sequence[RawMention]) -> bool:
    """Tell whether no mention of group follows a place preposition ("in", "to", "near")."""
    return bool(text) and not any(
        _PLACE_PREPOSITION.search(text, max(0, m.start - 12), m.start) for m in group
    )


def merge_org_short_forms(groups: list[list[RawMention]]) -> list[list[RawMention]]:
    """Move an organisation's short forms into its full name's group: the acronym of its
    capitalised words ("ESA" of "European Space Agency") and a leading part of it ("Asan
    Institute" of "Asan Institute for Policy Studies"), when exactly one full name fits."""
    names = [normalise_name(canonical_name(g)) for g in groups]
    labels = [majority_label(g) for g in groups]
    orgs = [i for i, label in enumerate(labels) if label == "ORG"]
    merged: list[list[RawMention]] = [list(g) for g in groups]
    for index, name in enumerate(names):
        targets = [o for o in orgs if o != index and abbreviates(name, names[o])]
        if len(targets) == 1 and merged[index]:
            merged[targets[0]].extend(merged[index])
            merged[index] = []
    return [sorted(g, key=lambda m: m.start) for g in merged if g]


def abbreviates(short: str, full: str) -> bool:
    """Tell whether short is full's acronym or its first two or more words."""
    full_words, short_words = full.split(), short.split()
    if _ACRONYM.fullmatch(short):
        initials = "".join(w[0] for w in full_words if w[0].isupper())
        return len(full_words) > 1 and initials == short
    return 1 < len(short_words) < len(full_words) and full_words[: len(short_words)] == short_words


def canonical_name(mentions: Sequence[RawMention]) -> str:
    """Return the longest normalised name of mentions; ties go to the most frequent, then first."""
    names = [normalise_name(m.text) for m in mentions]
    counts = Counter(names)
    return max(names, key=lambda n: (len(n), counts[n], -names.index(n)))


def to_entity(mentions: Sequence[RawMention]) -> Entity:
    """Build one Entity from the mentions of one referent."""
    name = canonical_name(mentions)
    aliases: list[str] = []
    for mention in mentions:
        alias = normalise_name(mention.text)
        if alias != name and alias not in aliases:
            aliases.append(alias)
    return Entity(
        name=name,
        label=majority_label(mentions),
        mentions=[Mention(start=m.start, end=m.end, text=m.text) for m in mentions],
        aliases=aliases,
    )


def merge_mentions(mentions: Sequence[RawMention], text: str = "") -> list[Entity]:
    """Merge mentions of one referent into entities, in order of first mention.

    text is the body the mentions point into; without it one-word places never merge.
    """
    groups = merge_org_short_forms(merge_short_forms(group_by_name(mentions), text))
    return [to_entity(g) for g in sorted(groups, key=lambda g: g[0].start)]


def extract_entities(doc: Doc, text: str | None = None) -> list[Entity]:
    """Return the doc's named entities, mentions of one referent merged.

    `text`, when given, is the text the doc was parsed from: it saves rebuilding it.
    """
    text = doc.text if text is None else text
    return merge_mentions(add_repeated_names(text, doc_mentions(doc, text)), text)


def sentence_spans(doc: Doc, text: str | None = None) -> list[Span]:
    """Return the doc's sentences as body spans, whitespace trimmed, split at paragraph breaks.

    `text`, when given, is the text the doc was parsed from: it saves rebuilding it.
    """
    text = doc.text if text is None else text
    spans: list[Span] = []
    for sent in doc.sents:
        start = sent.start_char
        pieces = [*_PARAGRAPH_BREAK.finditer(text, start, sent.end_char)]
        bounds = [start, *(p for m in pieces for p in (m.start(), m.end())), sent.end_char]
        for piece_start, piece_end in zip(bounds[::2], bounds[1::2], strict=True):
            stripped = text[piece_start:piece_end]
            left = len(stripped) - len(stripped.lstrip())
            right = len(stripped.rstrip())
            if right > left:
                spans.append(Span(start=piece_start + left, end=piece_start + right))
    return spans


def annotate(
    articles: Sequence[CleanArticle], nlp: Language, batch_size: int = 32
) -> list[EntitiesArticle]:
    """Parse the bodies with nlp in batches and attach entities and sentences.

    The only place newsflow runs spaCy; its cost is nlp.pipe over the bodies. Articles not in
    English are not parsed: they get no entities and no sentences.
    """
    english = [a for a in articles if is_english(a.language)]
    docs = iter(nlp.pipe([a.body for a in english], batch_size=batch_size))
    annotated = []
    for article in articles:
        found: dict[str, Any] = {"entities": [], "sentences": []}
        if is_english(article.language):
            doc = next(docs)
            found = {
                "entities": extract_entities(doc, article.body),
                "sentences": sentence_spans(doc, article.body),
            }
        annotated.append(EntitiesArticle.model_validate({**dict(article), **found}))
    return annotated
