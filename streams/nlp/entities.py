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
from streams.nlp.mentions import ARTICLE_BEFORE
from streams.nlp.vocabulary import alternation, word_set

# Entity labels newsflow keeps; dates, numbers and money are not referents.
ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
     "LANGUAGE"}
)  # fmt: skip

# Labels a bare surname can carry when spaCy's small model mislabels it ("Wang told Choe").
_SHORT_FORM_LABELS = frozenset({"PERSON", "ORG"})

# Labels a country's name may wrongly carry; it is a GPE whatever the model said.
_COUNTRY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC"})

# Labels of places: a one-word place stays apart from a person it names ("Washington").
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP"})

# A preposition that puts the next name in place position: "in Washington", "to Halden".
_PLACE_PREPOSITION = re.compile(
    r"\b(?:in|to|from|at|near|across|into|outside|around|of|via|toward|towards)[ ]+$",
    re.IGNORECASE,
)

# A work noun right before a name, with a comma or "titled"/"called" between: the name is the
# work's title ("her 2003 book, Living History").
_WORK_BEFORE = re.compile(
    rf"\b{alternation('names', 'work_nouns')}(?:,[ ]*|[ ]+(?:titled|called|entitled)[ ]+)$"
)

# Words that put the next name in a place for sure: "in Niamey", "upstream of Niamey"
# ("from", "at" and "to" also take people: "a call from Ruiz").
_PLACE_CONTEXT = re.compile(
    r"\b(?:in|near|outside|across|around|via|(?:up|down)stream[ ]of"
    r"|(?:north|south|east|west)[ ]of)[ ]+$",
    re.IGNORECASE,
)

# Characters trimmed from either end of a mention: spaces, quotes, brackets, separators.
_EDGE_CHARS = " \t\n\u00a0\"'“”‘’`()[]{}<>,;:!?*|-–—―•·"

# A leading article or honorific: "the United States", "Mr Wang", "Dr. Jane Doe".
_LEADING_WORD = re.compile(r"(?:the|The|THE|Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Dame)\.?\s+")

# A trailing possessive: "North Korea's", "Wang’s".
_POSSESSIVE = re.compile(r"['’][sS]$")

# A lowercase hyphenated tail spaCy cut off a name: "Choe Son|-hui".
_HYPHEN_TAIL = re.compile(r"(?:-[a-z]+)+")

# "health ministry", "justice department": the field before the kind of institution.
_INSTITUTION_FIRST = re.compile(r"^(?P<field>[a-z]+) (?P<kind>ministry|department)$")

# A clock time's suffix: "a.m.", "pm EDT", "GMT".
_CLOCK_SUFFIX = r"(?:[ap]\.?m\.?(?:[ ][ECMP][SD]?T)?|GMT|UTC|[ECMP][SD]?T|BST|CET)"

# A line that starts a new item of a live blog: a time alone ("8:05 a.m.", "10:30 GMT") or a
# rule ("___", "* * *").
_ITEM_BREAK = re.compile(
    rf"^[ \t]*(?:\d{{1,2}}(?::\d\d(?:[ ]?{_CLOCK_SUFFIX})?|\.\d\d[ ]?{_CLOCK_SUFFIX})"
    r"|[_*=~-]{3,}|\*(?:[ ]\*){2,})\.?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)

# A courtesy title right before a surname: "Mr Pryce", "Mrs. Cruz".
_HONORIFIC_BEFORE = re.compile(rf"\b{alternation('names', 'courtesy_titles')}\.?[ ]+$")

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
_TITLES = word_set("names", "titles")

# Lowercase roles right before a person's name: "coach Ana Ruiz".
_ROLES = word_set("names", "roles")

# Words of organisations' names: a name holding one is no person ("Harbour Bank").
_ORGANISATION_WORDS = word_set("names", "organisation_words")

# Countries: a name on the list is a place, whatever one mention's label.
_COUNTRIES = frozenset(name.casefold() for name in word_set("names", "countries"))

# Words that end a street's or a site's name ("Mill Road"): such a name is a place.
_PLACE_WORDS = word_set("names", "place_words")

# Common nouns that head a results line in Title Case ("Men's 500m").
_COMMON_NOUNS = word_set("names", "common_nouns")

# A Title-Case headline verb the model takes into a name: "Obama Says", "Ruiz Warns".
_TITLE_CASE_CUE = re.compile(
    r"[ ]+(?:Says|Said|Tells|Told|Warns|Warned|Adds|Added|Asks|Urges|Vows|Claims|Calls)$"
)

# Conjunctions and adverbs that open a sentence before a name, never part of it: "When Clinton".
_SENTENCE_OPENERS = word_set("names", "sentence_openers")

# A name with a quoted nickname inside: 'Marcia "Cia" Price'; the nickname alone.
_NICKNAMED = re.compile(r"\b[A-Z][\w'’-]+[ ]+[\"“][A-Z][\w'’-]*[\"”][ ]+[A-Z][\w'’-]+")
_NICKNAME = re.compile(r"[ ]+[\"“][A-Z][\w'’-]*[\"”](?=[ ]+[A-Z])")

# A lowercase word of the text: the common-noun forms of capitalised words ("men").
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")

# The definite article right before a mention: "the Herald" names a thing, not a person.
# A speech verb right after a name, its subject: "Okonkwo said", "Ruiz, 54, told".
_SPEECH_AFTER = re.compile(
    r"^(?:[ ]*,[ ]*\d{1,3}[ ]*,)?[ ]+(?:said|says|told|added|asked|insisted|explained|replied"
    r"|recalled|wrote|warned|noted|admitted|argued)\b"
)

# A speech verb right before a name, which is then its subject: "..., said Okonkwo".
_SPEECH_BEFORE = re.compile(r"\b(?:said|says|told|added|asked|according[ ]to)[ ]+$")

# An age in apposition after a name: "Ana Ruiz, 54,".
_AGE_AFTER = re.compile(r"^[ ]*,[ ]*\d{1,3}[ ]*,")

# The word before a name, to test it as a title or a role.
_WORD_BEFORE = re.compile(r"([\w.'’-]+)[ ]+$")

# A parenthesised acronym right after a name: "European Space Agency (ESA)".
_PAREN_ACRONYM = re.compile(r"[ ]*\([ ]*([A-Z][A-Za-z&]{1,9})[ ]*\)")

# Numbers a table row left on the end of a name: "Durham| 114", "Croft| 8-0-37-2".
_TRAILING_NUMBERS = re.compile(r"(?:[ \t]+[-+(]?\d[\d.,:/()-]*)+$")

# Labels of names that never end in a number ("Euro 96", "Apollo 11" are other labels).
_NUMBERLESS_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})

# A country in parentheses right after a name: how results list a competitor, "(Kenya)".
_COUNTRY_AFTER = re.compile(r"^[ ]*\(([A-Z][\w. ]{1,30})\)")

# A competitor in a results row: two or three capitalised words and their country in
# parentheses ("Ana Ruiz (Chile) 2:04.5").
_COMPETITOR = re.compile(
    r"(?<![\w.-])([A-Z][a-zà-ÿ'’-]+(?:[ ](?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.)){1,2})"
    r"[ ]\(([A-Z][\w. ]{1,30})\)"
)

# A player in a line-up or a scorer: a shirt number before the name ("7 - Ana Ruiz,") or the
# minute after it ("Ana Ruiz (65th)", "Ana Ruiz (21st minute)").
_PLAYER = re.compile(
    r"(?:(?<![\w.-])\d{1,2}[ ]-[ ](?P<numbered>[A-Z][a-zà-ÿ'’-]+(?:[ ][A-Z][a-zà-ÿ'’-]+){1,2})"
    r"(?=[,;.(]|[ ]\(|$))"
    r"|(?:(?<![\w.-])(?P<scorer>[A-Z][a-zà-ÿ'’-]+(?:[ ][A-Z][a-zà-ÿ'’-]+){1,2})"
    r"[ ]\(\d{1,3}(?:st|nd|rd|th)?(?:[ ]minute|[ ]pen(?:alty)?)?\))",
    re.MULTILINE,
)

# A company named with its legal form: "Jeans Mate Corp", "Halden Shipping Co Ltd".
_COMPANY = re.compile(
    r"(?<![\w&.-])(?:[A-Z][\w&'’.-]*[ ]){1,4}"
    r"(?:Corp|Corporation|Inc|Ltd|Plc|PLC|LLC|AG|SA|SpA|NV|GmbH|Co[ ]Ltd)\b\.?"
)

# A lowercase prefix spaCy kept on a name: "ex-|England", "pro-|Kremlin".
_LOWER_PREFIX = re.compile(r"[a-z]+-(?=[A-Z])")

# An acronym a text may define in parentheses: "ESA", "OECD", "UNHCR", "FoE".
_ACRONYM_LIKE = re.compile(r"[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*")

# An acronym a name may be written as: "ESA", "KCNA".
_ACRONYM = re.compile(r"[A-Z]{2,6}")

# No name is longer than this; a longer span is a run of junk the model tagged (a 100,000-char
# token, a URL), not an entity.
MAX_NAME_CHARS = 120
_MIN_MISSPELT_CHARS = 5  # shortest surname a one-letter slip is read into
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
        leading = _LEADING_WORD.match(text, start, end) or _LOWER_PREFIX.match(text, start, end)
        if leading and leading.end() < end:
            start = leading.end()
        possessive = _POSSESSIVE.search(text, start, end)
        if possessive and possessive.start() > start:
            end = possessive.start()
        if (start, end) == before:
            return start, end


def normalise_name(text: str) -> str:
    """Return an entity's name as text: trimmed like a mention, whitespace collapsed, a
    quoted nickname inside it left out ('Marcia "Cia" Price' is Marcia Price)."""
    start, end = trim_span(text, 0, len(text))
    return _WHITESPACE.sub(" ", _NICKNAME.sub("", text[start:end]))


def name_key(name: str) -> str:
    """Return the key under which spellings of one name match ("Choe Son-hui" = "choe son hui").

    "Health ministry" and "Ministry of Health" share one key.
    """
    key = name.casefold().replace("-", " ").replace(".", "").replace("’", "'")
    key = _WHITESPACE.sub(" ", key).strip()
    return _INSTITUTION_FIRST.sub(r"\g<kind> of \g<field>", key)


def extend_hyphen_tail(text: str, end: int) -> int:
    """Return end moved past a lowercase hyphenated tail ("Choe Son" + "-hui")."""
    tail = _HYPHEN_TAIL.match(text, end)
    return tail.end() if tail else end


def with_nicknames(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """Make one PERSON mention of a name with a quoted nickname inside ('Marcia "Cia" Price')
    that the model tagged in pieces; the pieces go."""
    joined: list[RawMention] = []
    for name in _NICKNAMED.finditer(text):
        if any(
            m.label == "PERSON" and m.start < name.end() and name.start() < m.end for m in mentions
        ):
            joined.append(RawMention(name.start(), name.end(), name.group(), "PERSON"))
    if not joined:
        return mentions
    kept = [m for m in mentions if not any(j.start < m.end and m.start < j.end for j in joined)]
    return sorted([*kept, *joined], key=lambda m: (m.start, m.end))


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
        for piece_start, piece_end in line_pieces(text, ent.start_char, end):
            start, stop = trim_span(text, piece_start, piece_end)
            if ent.label_ in _NUMBERLESS_LABELS:
                numbers = _TRAILING_NUMBERS.search(text, start, stop)
                stop = numbers.start() if numbers and numbers.start() > start else stop
                stop = before_open_bracket(text, start, stop)
            if ent.label_ in ("PERSON", "ORG"):
                start, stop = without_title_words(text, start, stop)
            if 0 < stop - start <= MAX_NAME_CHARS and any(ch.isalpha() for ch in text[start:stop]):
                mentions.append(RawMention(start, stop, text[start:stop], ent.label_))
    return without_common_nouns(text, with_nicknames(text, mentions))


def without_title_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Cut a leading title ("Representative Ana Ruiz"), a sentence's opening word ("When
    Ruiz") and a Title-Case verb the model read as part of the name ("Ruiz Says") off a
    name span."""
    cue = _TITLE_CASE_CUE.search(text, start, end)
    if cue and cue.start() > start:
        end = cue.start()
    first = text.find(" ", start, end)
    if first > 0 and text[start:first] in _SENTENCE_OPENERS:
        start = first + 1  # "When Clinton attacked": Clinton
        first = text.find(" ", start, end)
    if first > 0 and text[start:first].rstrip(".") in _TITLES and text.count(" ", first, end) >= 1:
        start = first + 1  # only when a name of two or more words is left
    return start, end


def without_common_nouns(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """Drop one-word mentions that are a common noun capitalised at the start of a sentence or
    line ("Men's results", "Swabs taken ..."): the text also uses the word in lower case,
    or it is a plural the model gave a group or organisation label."""
    openers = [
        m for m in mentions if " " not in m.text and len(m.text) > 1 and m.text[1:].islower()
    ]
    if not openers:
        return mentions
    lower = set(_LOWER_WORD.findall(text))
    drop = {
        m
        for m in openers
        if _SENTENCE_OPENING.search(text, max(0, m.start - 4), m.start)
        and (
            m.text.lower() in lower
            or (
                m.label in ("NORP", "ORG") and m.text.endswith("s") and m.text[:-1].lower() in lower
            )
        )
    }
    drop = {m for m in drop if not _capitalised_inside_sentence(text, m.text)}
    drop |= {m for m in openers if m.text in _COMMON_NOUNS}
    return [m for m in mentions if m not in drop]


def _capitalised_inside_sentence(text: str, word: str) -> bool:
    """Tell whether text capitalises word somewhere other than a sentence's start (a name)."""
    for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
        if not _SENTENCE_OPENING.search(text, max(0, match.start() - 4), match.start()):
            return True
    return False


def before_open_bracket(text: str, start: int, end: int) -> int:
    """Return end cut before an opening bracket the span never closes: "Ana Ruiz (Chile"."""
    opening = text.rfind("(", start, end)
    if opening > start and text.find(")", opening, end) < 0:
        return len(text[start:opening].rstrip()) + start
    return end


def line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) at line breaks: a name never runs from one line into the next
    (the model joins the last name of a table row to the first of the next)."""
    pieces: list[tuple[int, int]] = []
    while (cut := text.find("\n", start, end)) >= 0:
        pieces.append((start, cut))
        start = cut + 1
    pieces.append((start, end))
    return pieces


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
        if words and words[0].group() in _SENTENCE_OPENERS:
            words = words[1:]  # "When Clinton attacked": no given name
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


def person_evidence(mention: RawMention, text: str) -> bool:
    """Tell whether the words around a mention say it names a person: a title or role before
    it ("Mayor", "coach"), an age after it ("Ruiz, 54,"), or a speech verb it is subject of."""
    before = text[max(0, mention.start - 40) : mention.start]
    after = text[mention.end : mention.end + 40]
    word = _WORD_BEFORE.search(before)
    if word and (word.group(1).rstrip(".") in _TITLES or word.group(1).casefold() in _ROLES):
        return True
    country = _COUNTRY_AFTER.match(after)
    return bool(
        _AGE_AFTER.match(after)
        or _SPEECH_AFTER.match(after)
        or _SPEECH_BEFORE.search(before)
        or (country and country.group(1).casefold() in _COUNTRIES)
    )


def could_be_person(name: str) -> bool:
    """Tell whether a name can be a person's: a few capitalised words, no country, no word of
    an organisation's name ("Bank", "Ministry")."""
    words = name.split()
    return (
        1 <= len(words) <= 4
        and name.casefold() not in _COUNTRIES
        and words[0][:1].isupper()
        and not any(w.strip(".,'’") in _ORGANISATION_WORDS for w in words)
    )


def decide_label(mentions: Sequence[RawMention], text: str = "") -> str:
    """Return the one label of a referent's mentions, from name evidence before votes.

    A country is a place. A name that can be a person's is a PERSON when one mention is
    tagged PERSON with a given name ("Amara Okonkwo"), or the text says so of any mention
    (title, role, age, subject of "said"); a full name with that evidence is a PERSON even
    if the model never said so. A lone word tagged PERSON without such evidence that follows
    "in", "near" or "upstream of" is a place ("Niamey"). Otherwise the commonest label wins.
    """
    name = canonical_name(mentions, text)
    labels = {m.label for m in mentions}
    if name.casefold() in _COUNTRIES and labels & _COUNTRY_LABELS:
        return "GPE"
    if "PERSON" in labels and name.split()[-1] in _PLACE_WORDS and len(name.split()) > 1:
        return "FAC"
    if text and all(_WORK_BEFORE.search(text, max(0, m.start - 30), m.start) for m in mentions):
        return "WORK_OF_ART"
    if could_be_person(name) and not _after_article(mentions, text):
        full_person = any(m.label == "PERSON" and len(m.text.split()) > 1 for m in mentions)
        evidence = bool(text) and any(person_evidence(m, text) for m in mentions)
        if ("PERSON" in labels and (full_person or evidence)) or (
            evidence and len(name.split()) > 1 and labels & _SHORT_FORM_LABELS
        ):
            return "PERSON"
        if labels == {"PERSON"} and " " not in name and not evidence and _placed(mentions, text):
            return "GPE"
    label = majority_label(mentions)
    return "ORG" if label == "PERSON" and _after_article(mentions, text) else label


def _after_article(mentions: Sequence[RawMention], text: str) -> bool:
    """Tell whether every mention follows "the" ("told the Herald"): a person's name never does,
    so the name is the thing's (a paper, a ship), whatever one mention's label."""
    return bool(text) and all(
        ARTICLE_BEFORE.search(text, max(0, m.start - 5), m.start) for m in mentions
    )


def _placed(mentions: Sequence[RawMention], text: str) -> bool:
    """Tell whether a mention follows words that make it a place ("in", "upstream of")."""
    return any(_PLACE_CONTEXT.search(text, max(0, m.start - 20), m.start) for m in mentions)


def group_by_name(mentions: Sequence[RawMention]) -> list[list[RawMention]]:
    """Group mentions whose names match by name_key, groups in order of first mention."""
    groups: dict[str, list[RawMention]] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        groups.setdefault(name_key(normalise_name(mention.text)), []).append(mention)
    return list(groups.values())


def short_form_targets(short: str, full_names: Sequence[str]) -> list[int]:
    """Return the indexes of the full names that the name key `short` abbreviates.

    A short form is the last word(s) of a longer name ("wang" -> "wang yi"); failing that,
    a single word that opens one (surname-first names: "kim" -> "kim jong un"); failing
    that, a surname the copy misspelt, when one name alone is that close ("bornsten" ->
    "harold bornstein").
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
    if suffix or prefix or len(words) > 1:
        return suffix or prefix
    misspelt = [
        index
        for index, full in enumerate(full_names)
        if len(full.split()) > 1 and is_misspelling(words[0], full.split()[-1])
    ]
    return misspelt if len(misspelt) == 1 else []


def is_misspelling(word: str, surname: str) -> bool:
    """Tell whether word is surname with one letter inside it changed, dropped or added, or
    two next to each other swapped ("Levrentyeva", "Pettite", "Scheiderman", "Szczepanksi").
    The first and last letters must agree, and both words be long, so a plural ("Clintons"),
    another name ("Berry" / "Jerry") or a short word one letter off ("Hall" / "Hill") never
    counts."""
    if min(len(word), len(surname)) < _MIN_MISSPELT_CHARS or word == surname:
        return False
    if word[0] != surname[0] or word[-1] != surname[-1]:
        return False
    if len(word) == len(surname):
        differ = [i for i, (a, b) in enumerate(zip(word, surname, strict=True)) if a != b]
        swapped = (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and word[differ[0]] == surname[differ[1]]
            and word[differ[1]] == surname[differ[0]]
        )
        return len(differ) == 1 or swapped
    shorter, longer = sorted((word, surname), key=len)
    return len(longer) - len(shorter) == 1 and any(
        longer[:i] + longer[i + 1 :] == shorter for i in range(1, len(longer) - 1)
    )


def item_starts(text: str) -> list[int]:
    """Return where each item of text starts: 0, then every break line of a live blog."""
    return [0] + [match.end() for match in _ITEM_BREAK.finditer(text)]


def surname_bearer(
    position: int, candidates: Sequence[list[RawMention]], items: list[int], text: str = ""
) -> int:
    """Return which candidate group a bare surname at position names.

    American copy gives a relative who shares the surname a full or given name ("Heidi
    Cruz", "Ivanka Trump"), so a bare surname stays with the person introduced first: first
    in the surname's own item of a live blog, failing that first in the article. British copy
    tells them apart by honorific ("Mr Pryce" after "Gemma Pryce ... Kevin Pryce"), so a
    surname after one goes to the person named closest before it.
    """

    def introduced(index: int) -> int:
        return min(m.start for m in candidates[index])

    if _HONORIFIC_BEFORE.search(text, max(0, position - 8), position):
        before = [i for i in range(len(candidates)) if introduced(i) < position]
        if before:
            return max(
                before, key=lambda i: max(m.start for m in candidates[i] if m.start < position)
            )
    item = items[bisect.bisect_right(items, position) - 1]
    in_item = [i for i in range(len(candidates)) if item <= introduced(i) < position]
    return min(in_item or range(len(candidates)), key=introduced)


def merge_short_forms(groups: list[list[RawMention]], text: str = "") -> list[list[RawMention]]:
    """Move mentions of a bare surname into the PERSON group of the full name it shortens.

    Where two people share the surname, each mention goes to the one surname_bearer picks.
    A one-word place ("Halden" as GPE) counts as a
    surname only when text is given and no mention of it reads as a place ("in Halden").
    """
    keys = [name_key(normalise_name(g[0].text)) for g in groups]
    labels = [decide_label(g, text) for g in groups]
    persons = [i for i, label in enumerate(labels) if label == "PERSON"]
    others = [
        i
        for i, label in enumerate(labels)
        if label != "PERSON"
        and len(keys[i].split()) > 1
        and could_be_person(canonical_name(groups[i], text))
    ]
    merged: list[list[RawMention]] = [list(g) for g in groups]
    items = item_starts(text)
    for index, group in enumerate(groups):
        if labels[index] not in _SHORT_FORM_LABELS and (
            len(keys[index].split()) > 1
            or (labels[index] in _PLACE_LABELS and not _never_a_place(text, group))
        ):
            continue  # a one-word surname is often mislabelled ("Salas" as WORK_OF_ART)
        targets = [persons[t] for t in short_form_targets(keys[index], [keys[p] for p in persons])]
        if not targets and labels[index] == "PERSON":
            # "Okafor" tagged PERSON, "Dara Okafor" tagged GPE: the full name the model
            # mislabelled is hers, when it could be a person's name at all
            names = [p for p in others if p != index]
            targets = [names[t] for t in short_form_targets(keys[index], [keys[p] for p in names])]
        targets = [t for t in targets if t != index]
        if not targets:
            continue
        merged[index] = []
        for mention in group:
            chosen = targets[
                surname_bearer(mention.start, [groups[t] for t in targets], items, text)
            ]
            merged[chosen].append(mention)
    return [sorted(g, key=lambda m: m.start) for g in merged if g]


def _never_a_place(text: str, group: Sequence[RawMention]) -> bool:
    """Tell whether no mention of group follows a place preposition ("in", "to", "near")."""
    return bool(text) and not any(
        _PLACE_PREPOSITION.search(text, max(0, m.start - 12), m.start) for m in group
    )


def merge_org_short_forms(groups: list[list[RawMention]], text: str = "") -> list[list[RawMention]]:
    """Move an organisation's short forms into its full name's group, when one full name fits:
    an acronym the text defines in parentheses ("European Space Agency (ESA)"), the acronym
    of its capitalised words, a leading part ("Asan Institute" of "Asan Institute for Policy
    Studies"; never a place's name: "New York" of "New York Times") or its last word ("the
    Commission" of "European Commission")."""
    names = [normalise_name(canonical_name(g, text)) for g in groups]
    labels = [decide_label(g, text) for g in groups]
    orgs = [i for i, label in enumerate(labels) if label == "ORG"]
    defined = defined_acronyms(groups, text)
    merged: list[list[RawMention]] = [list(g) for g in groups]
    for index, name in enumerate(names):
        targets = [defined[name]] if name in defined else []
        if not targets and (labels[index] != "GPE" or _ACRONYM.fullmatch(name)):
            # "New York" (a city) is no leading part of "New York Times"; "EU" may be
            targets = [o for o in orgs if o != index and abbreviates(name, names[o])]
        if not targets and labels[index] == "ORG":
            targets = [o for o in orgs if o != index and ends_with_word(names[o], name)]
        if len(targets) == 1 and targets[0] != index and merged[index]:
            merged[targets[0]].extend(merged[index])
            merged[index] = []
    return [sorted(g, key=lambda m: m.start) for g in merged if g]


def defined_acronyms(groups: Sequence[Sequence[RawMention]], text: str) -> dict[str, int]:
    """Return the acronyms the text defines in parentheses after a name, and that name's group."""
    defined: dict[str, int] = {}
    for index, group in enumerate(groups):
        for mention in group:
            match = _PAREN_ACRONYM.match(text, mention.end)
            if (
                match
                and len(mention.text.split()) > 1
                and mention.label != "PERSON"
                and _ACRONYM_LIKE.fullmatch(match.group(1))
            ):
                defined.setdefault(match.group(1), index)
    return defined


def add_defined_acronyms(text: str, mentions: Sequence[RawMention]) -> list[RawMention]:
    """Add the uses of an acronym the text defines ("... Agency (ESA)") that the model missed,
    labelled like the name it stands for."""
    added: list[RawMention] = []
    taken = sorted((m.start, m.end) for m in mentions)
    for mention in mentions:
        match = _PAREN_ACRONYM.match(text, mention.end)
        if (
            not match
            or len(mention.text.split()) < 2
            or mention.label == "PERSON"  # "Ana Ruiz (CHI)": a country code, not her acronym
            or not _ACRONYM_LIKE.fullmatch(match[1])
        ):
            continue
        for use in re.finditer(rf"(?<![\w-]){re.escape(match[1])}(?![\w-])", text):
            if not _overlaps(taken, use.start(), use.end()):
                added.append(RawMention(use.start(), use.end(), use.group(), mention.label))
                bisect.insort(taken, (use.start(), use.end()))
    return without_overlaps([*mentions, *added])


def add_competitors(text: str, mentions: Sequence[RawMention]) -> list[RawMention]:
    """Add the competitors of results rows and line-ups the model missed.

    "Ana Ruiz (Chile)" is a PERSON when the parentheses hold a country (a team would be
    listed without one); so is a name after a shirt number ("7 - Ana Ruiz") or before the
    minute of a goal ("Ana Ruiz (65th)").
    """
    found: list[tuple[int, int]] = []
    for match in _COMPETITOR.finditer(text):
        if match.group(2).casefold() in _COUNTRIES:
            found.append(match.span(1))
    for match in _PLAYER.finditer(text):
        group = "numbered" if match.group("numbered") else "scorer"
        found.append(match.span(group))
    taken = sorted((m.start, m.end) for m in mentions)
    added = [
        RawMention(start, end, text[start:end], "PERSON")
        for start, end in found
        if could_be_person(text[start:end]) and not _overlaps(taken, start, end)
    ]
    return without_overlaps([*mentions, *added])


def add_company_names(text: str, mentions: Sequence[RawMention]) -> list[RawMention]:
    """Add the companies named with their legal form ("Jeans Mate Corp") the model missed;
    a longer span it found over one stays."""
    found = [
        RawMention(start, end, text[start:end], "ORG")
        for match in _COMPANY.finditer(text)
        for start, end in [trim_span(text, match.start(), match.end())]
        if end - start > 0 and " " in text[start:end]
    ]
    return without_overlaps([*mentions, *found])


def ends_with_word(full: str, short: str) -> bool:
    """Tell whether short is the one capitalised last word of the longer name full."""
    words = full.split()
    return " " not in short and short[:1].isupper() and len(words) > 1 and words[-1] == short


def abbreviates(short: str, full: str) -> bool:
    """Tell whether short is full's acronym or its first two or more words."""
    full_words, short_words = full.split(), short.split()
    if _ACRONYM.fullmatch(short):
        initials = "".join(w[0] for w in full_words if w[0].isupper())
        return len(full_words) > 1 and initials == short
    return 1 < len(short_words) < len(full_words) and full_words[: len(short_words)] == short_words


def canonical_name(mentions: Sequence[RawMention], text: str = "") -> str:
    """Return the longest normalised name of mentions; ties go to the most frequent, then first.

    A name that is another full name with one more word in front, written less often than
    that name and only inside quotation marks, is not chosen: the word is a nickname
    ("Crooked Hillary Clinton" in a tweet, beside "Hillary Clinton"). In prose it is the
    full name ("Ildefonso Guajardo Villarreal", then "Mr. Guajardo Villarreal"). text is
    the body the mentions point into; without it the longest name is chosen.
    """
    names = [normalise_name(m.text) for m in mentions]
    counts = Counter(names)

    def padded(name: str) -> bool:
        rest = name.partition(" ")[2]
        return (
            " " in rest
            and counts[rest] > counts[name]
            and all(
                in_quotation(text, m.start)
                for m, n in zip(mentions, names, strict=True)
                if n == name
            )
        )

    chosen = [n for n in names if not (text and padded(n))] or names
    return max(chosen, key=lambda n: (len(n), counts[n], -names.index(n)))


def in_quotation(text: str, position: int) -> bool:
    """Tell whether position is inside a quotation that opened earlier in its paragraph."""
    before = text[text.rfind("\n", 0, position) + 1 : position]
    return before.count("“") > before.count("”")


def to_entity(mentions: Sequence[RawMention], text: str = "") -> Entity:
    """Build one Entity from the mentions of one referent (text: the body they point into)."""
    name = canonical_name(mentions, text)
    aliases: list[str] = []
    for mention in mentions:
        alias = normalise_name(mention.text)
        if alias != name and alias not in aliases:
            aliases.append(alias)
    return Entity(
        name=name,
        label=decide_label(mentions, text),
        mentions=[Mention(start=m.start, end=m.end, text=m.text) for m in mentions],
        aliases=aliases,
    )


def merge_middle_initials(groups: list[list[RawMention]]) -> list[list[RawMention]]:
    """Join a name written with middle initials to the same name without them ("Loretta E.
    Lynch" and "Loretta Lynch"), when only one such spelling has that plain form: "George W.
    Bush" and "George H. W. Bush" stay two people."""
    keys = [name_key(normalise_name(g[0].text)) for g in groups]
    plain = {key: index for index, key in enumerate(keys)}
    spelled: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        words = key.split()
        middle = [w for w in words[1:-1] if len(w) > 1]
        if len(words) > 2 and len(middle) < len(words) - 2:
            spelled.setdefault(" ".join([words[0], *middle, words[-1]]), []).append(index)
    merged = [list(g) for g in groups]
    for key, indexes in spelled.items():
        if key in plain and len(indexes) == 1:
            merged[plain[key]].extend(merged[indexes[0]])
            merged[indexes[0]] = []
    return [sorted(g, key=lambda m: m.start) for g in merged if g]


def merge_mentions(mentions: Sequence[RawMention], text: str = "") -> list[Entity]:
    """Merge mentions of one referent into entities, in order of first mention.

    text is the body the mentions point into; without it one-word places never merge.
    """
    groups = merge_middle_initials(group_by_name(mentions))
    groups = merge_org_short_forms(merge_short_forms(groups, text), text)
    return [to_entity(g, text) for g in sorted(groups, key=lambda g: g[0].start)]


def extract_entities(doc: Doc, text: str | None = None) -> list[Entity]:
    """Return the doc's named entities, mentions of one referent merged.

    `text`, when given, is the text the doc was parsed from: it saves rebuilding it.
    """
    text = doc.text if text is None else text
    mentions = add_competitors(text, add_company_names(text, doc_mentions(doc, text)))
    mentions = add_repeated_names(text, mentions)
    mentions = add_defined_acronyms(text, mentions)
    return merge_mentions(mentions, text)


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
