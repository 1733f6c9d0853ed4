"""Who said it: the speaker of a cue, read from its subject or the words after it.

A speaker is an entity's canonical name: the entity named as the cue's subject ("Wang
said"), after an inverted cue ("said Wang", "according to KCNA"), or the entity a pronoun,
role or description stands for (coref.py). Modifiers and possessors never speak ("a
Washington-based expert", "the mayor's chief of staff"), and places never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streams.nlp.coref import POSSESSIVE_AFTER, Coreference
from streams.nlp.cues import lexicon
from streams.nlp.mentions import SPEAKER_LABELS, MentionIndex
from streams.nlp.quote_marks import ABBREVIATION, Attribution, SentenceIndex, count_words
from streams.nlp.vocabulary import word_set

# Subject pronouns that can stand for a speaker.
PRONOUN = re.compile(r"\b(?:he|she|they|it|He|She|They|It)\b")

# A capitalised word: a name the model may have missed next to a cue ("Corral said").
_CAPITALISED_WORD = re.compile(r"\b[A-Z][\w'’-]+\b")

# Two to four capitalised words: a label that is only a name ("Ana Ruiz" before a colon).
_NAME_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s[A-Z][\w'’.-]*){1,3}")

# Titles that can open a subject before a name the model missed ("Sen. Ana Ruiz, ...").
_HEAD_TITLES = word_set("names", "titles")

# Sovereign states: the one kind of place that speaks ("Norway said").
_COUNTRIES = frozenset(n.casefold() for n in word_set("names", "countries"))

# Nothing but space or an adverb between a bare subject and its cue.
_BARE_SUBJECT_GAP = re.compile(r"[ ]+(?:(?:also|again|later|then|\w+ly)[ ]+)?")

# Where an appositive opens after a subject's head: a comma or a spaced dash.
_APPOSITIVE_BREAK = re.compile(r",|[ ](?:--|—|–|―)[ ]")

# An aside between dashes right before a cue, which may hold commas of its own.
_DASHED_ASIDE = re.compile(r"[ ](?:--|—|–|―)[ ][^—–―]*?[ ](?:--|—|–|―)[ ]*$")

# An open bracket shortly before a mention: a party tag or gloss, "(D-Texas)", "(ESA)".
_IN_BRACKETS = re.compile(r"\([^()]*$")

# How strongly a mention's label suggests a speaker (lower is stronger).
_LABEL_RANK = {"PERSON": 0, "ORG": 1, "GPE": 2, "NORP": 2, "LOC": 2, "FAC": 2}

# An adverb alone, or an auxiliary and an adverb, between an appositive and its cue:
# ", forcefully told", ", has long praised".
_ADVERB_ONLY = re.compile(
    r"[ ]*(?:(?:has|have|had)[ ]+)?(?:[a-z]+ly|also|then|later|again|once|long|always|never)[ ]*"
)

# A participle cue after a comma: the clause before it has the subject ("..., saying").
_PARTICIPLE_AFTER_CLAUSE = re.compile(r",[ ]+\w+ing$")

# What follows a speech noun that introduces a quote: "claim that", "promise of", "words:".
_INTRODUCES = re.compile(r"[ ]*(?:that\b|of\b|:|,|[\"“])")

# What opens a sentence before a participle cue ("After saying her foot was "swollen," she
# ..."): the cue's subject is the main clause's, after its reported clause.
OPENING_PARTICIPLE = re.compile(
    r"(?:After|Before|While|When|Since|Despite|Besides|By|In)[ ]+(?:\w+ly[ ]+)?"
)

# Where the main clause starts after such an opening phrase: ',” she', ', Ruiz'.
MAIN_CLAUSE_START = re.compile(r",[\"”’']?[ ]+(?=(?:he|she|they|we|I|it|[A-Z][\w'’-]+)\b)")

# A participle cue after "by", "before", "after", "while" or "without": "... and began by
# saying", "X sings to Y before asking her" (the clause's subject speaks, not its object).
_PARTICIPLE_AFTER_BY = re.compile(r"\b(?:by|before|after|while|without)[ ]+\w+ing$")

# A passive before a cue: "was told", "has been asked" (no speaker is reporting).
PASSIVE = re.compile(
    r"\b(?:was|were|is|are|be|been|being|am)[ ]+(?:(?:never|not|also|later|then|\w+ly)[ ]+)?$"
)

# "and" / "but" right before a cue: the sentence's subject said it ("... and said C", "...
# but has said C").
_COORDINATED = re.compile(r"\b(?:and|but)[ ]+(?:(?:has|have|had|also|then|later|again)[ ]+){0,2}$")

# A subordinate clause with its own subject ("after she attacked X"): a cue coordinated
# with its verb ("... and blamed") is that subject's, not the main clause's.
_SUBORDINATE_SUBJECT = re.compile(
    r"\b(?:after|before|when|while|because|since|until|once|although|though|as)[ ]+"
    r"(?=(?:he|she|they|[A-Z][\w'’-]+(?:[ ][A-Z][\w'’-]+)*)[ ]+[a-z])"
)

# Space and the quote marks that may close a quote before its cue ('," said', "'' said").
_MARKS_AND_SPACE = " \t\n'’\"”"

MAX_SUBJECT_WORDS = 12  # longest "X" in "X said"
_MAX_OPENERS = 2  # opening phrases read past before a subject's head ("On Monday, in X, ...")
_MAX_INVERTED_SPEAKER_CHARS = 60  # longest "X" in "said X"


@dataclass
class Document:
    """One body with what the quote rules read: sentences, entity mentions, coreference."""

    body: str
    sentences: SentenceIndex
    mentions: MentionIndex
    coref: Coreference


@dataclass(frozen=True)
class Candidate:
    """Something that could name a speaker: its span, strength and resolved name."""

    start: int
    end: int
    rank: int  # 0 person or pronoun, 1 organisation or description, 2 place or group
    speaker: str | None


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def speaker_candidates(doc: Document, start: int, end: int) -> list[Candidate]:
    """Return what could name a speaker inside [start, end): mentions, pronouns, descriptions."""
    body, cues = doc.body, lexicon()
    found: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    speaker: str | None
    for mention in doc.mentions.within(start, end):
        if mention.label not in _LABEL_RANK:
            continue
        taken.append((mention.start, mention.end))
        if (
            body[mention.end : mention.end + 1] == "-"
            or POSSESSIVE_AFTER.match(body, mention.end)
            or cues.before_role.match(body, mention.end)
            or _IN_BRACKETS.search(body, max(0, mention.start - 8), mention.start)
        ):
            # A modifier, not a speaker: "a Washington-based expert", "Kim's lawyer",
            # "Ana Ruiz (D-Halden)", "Veltra press officer Ana Ruiz".
            continue
        rank, speaker = _LABEL_RANK[mention.label], mention.name
        # A plural group speaks ("Republicans said"); "Republican" is only a modifier.
        group = mention.label == "NORP" and mention.name.endswith("s")
        if mention.label not in SPEAKER_LABELS and not group:
            # A place never speaks; the model may have mislabelled a person's short form
            # ("DuVernay" as GPE) whose full name the article gives as a person.
            named = doc.mentions.named_by_word(mention.name.split()[-1])
            rank, speaker = (_LABEL_RANK[named[1]], named[0]) if named else (rank, None)
        found.append(Candidate(mention.start, mention.end, rank, speaker))
    for match in PRONOUN.finditer(body, start, end):
        speaker = doc.coref.pronoun(match.group(), match.start())
        rank = 1 if match.group().lower() == "it" else 0
        found.append(Candidate(match.start(), match.end(), rank, speaker))
    for match in _CAPITALISED_WORD.finditer(body, start, end):
        named = doc.mentions.named_by_word(match.group())
        if named is not None and not _overlaps(taken, match.start(), match.end()):
            found.append(Candidate(match.start(), match.end(), _LABEL_RANK[named[1]], named[0]))
    for match in cues.role.finditer(body, start, end):
        if _overlaps(taken, match.start(), match.end()) or POSSESSIVE_AFTER.match(
            body, match.end()
        ):
            continue
        speaker = doc.coref.role(match.group("noun"), match.start())
        found.append(Candidate(match.start(), match.end(), 0, speaker))
        taken.append((match.start(), match.end()))
    for match in cues.spokesperson.finditer(body, start, end):
        speaker = doc.coref.description(match.group("noun"), match.start())
        found.append(Candidate(match.start(), match.end(), 1, speaker))
        taken.append((match.start(), match.end()))
    for match in cues.description.finditer(body, start, end):
        if _overlaps(taken, match.start(), match.end()) or POSSESSIVE_AFTER.match(
            body, match.end()
        ):
            continue
        speaker = doc.coref.description(match.group("noun"), match.start())
        found.append(Candidate(match.start(), match.end(), 1, speaker))
    return found


def is_passive(left: str, cue: re.Match[str]) -> bool:
    """Tell whether a cue is passive ("was told"): a form of "be" before a cue that is not a
    progressive ("is describing" is the subject speaking)."""
    return PASSIVE.search(left) is not None and not cue.group().endswith("ing")


def subject_speaker(doc: Document, start: int, cue_start: int) -> str | None:
    """Return the speaker named before a cue ("Wang said"): best rank, then nearest the cue."""
    candidates = speaker_candidates(doc, start, cue_start)
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c.rank, cue_start - c.end))
    return best.speaker if best.speaker is not None else country_subject(doc, start, cue_start)


def country_subject(doc: Document, start: int, cue_start: int) -> str | None:
    """Return the country that is the cue's bare subject ("Norway insisted"): a state
    speaks through its government. Only right before the cue; a place elsewhere never speaks."""
    for mention in doc.mentions.within(start, cue_start):
        if (
            mention.name.casefold() in _COUNTRIES
            and _BARE_SUBJECT_GAP.fullmatch(doc.body, mention.end, cue_start)
            and not doc.coref.in_object_position(mention.start)
        ):
            return mention.name
    return None


def inverted_speaker(doc: Document, cue_end: int, end: int) -> str | None:
    """Return the speaker named right after a cue ("said Wang", "according to KCNA")."""
    body = doc.body
    stop = min(end, cue_end + _MAX_INVERTED_SPEAKER_CHARS)
    for offset, char in enumerate(body[cue_end:stop]):
        if char == "." and ABBREVIATION.search(body, cue_end, cue_end + offset):
            continue
        if char in ',.;:!?"“”\n':
            stop = cue_end + offset
            break
    for mention in doc.mentions.within(cue_end, stop + _MAX_INVERTED_SPEAKER_CHARS):
        if mention.start < stop:
            stop = max(stop, mention.end)  # a long name that starts in the window
    ranked = [c for c in speaker_candidates(doc, cue_end, stop) if c.speaker is not None]
    if not ranked:
        return None
    return min(ranked, key=lambda c: (c.rank, c.start)).speaker


def appositive_speaker(doc: Document, start: int, cue_start: int) -> str | None:
    """Return the speaker of "X, who backs Y, said": the head before the first comma if it
    names one, else the best candidate of the whole subject ("His team, Velo Alpino, said").

    A head with nothing that could speak is an opening phrase ("With a week to go, Ana Ruiz,
    an adviser to X, said"): the head after it is read instead, up to _MAX_OPENERS of them.
    """
    head_start = start
    for _ in range(_MAX_OPENERS + 1):
        punctuation = _APPOSITIVE_BREAK.search(doc.body, head_start, cue_start)
        comma = punctuation.start() if punctuation else -1
        if comma <= 0:
            break
        candidates = speaker_candidates(doc, head_start, comma)
        head = [
            c
            for c in candidates
            if c.speaker and c.rank <= 1 and doc.mentions.is_mention_at(c.start)
        ]
        if head:
            return min(head, key=lambda c: (c.rank, comma - c.end)).speaker
        name = _unlisted_name(doc.body, head_start, comma)
        if name is not None:
            return name  # "Ana Ruiz, an adviser to the Veltra board, said": the model missed her
        if any(c.rank <= 1 for c in candidates) or punctuation is None:
            break
        head_start = punctuation.end()
    return subject_speaker(doc, start, cue_start)


def _unlisted_name(body: str, start: int, end: int) -> str | None:
    """Return the subject head [start, end) as a name when it is only a name the model did not
    tag: two to four capitalised words, an optional title before them, nothing else."""
    head = body[start:end].strip()
    words = head.split()
    if words and words[0].rstrip(".") in _HEAD_TITLES:
        words = words[1:]
    name = " ".join(words)
    if 2 <= len(words) <= 4 and _NAME_RUN.fullmatch(name) and not name.isupper():
        return name
    return None


def subject_start_of(body: str, start: int, cue_start: int) -> int | None:
    """Return where the subject of a cue starts in its sentence, or None if it has none.

    The subject is what follows the last comma ("Today, Wang said"), or, when the cue
    follows a comma or "and"/"but" ("Kaunda, who runs it, said"; "X won and said"), the
    sentence from its start, or from the subject of the subordinate clause the cue is
    coordinated in ("X praised Y after she attacked Z and blamed": she).
    """
    left = body[start:cue_start]
    if _COORDINATED.search(left):
        clauses = list(_SUBORDINATE_SUBJECT.finditer(left))
        return start + clauses[-1].end() if clauses else start
    aside = _DASHED_ASIDE.search(left)
    if aside:
        left = left[: aside.start()]  # "Kall -- co-editor of X, a book on Y -- said": Kall
    comma = left.rfind(",")
    subject = left[comma + 1 :]
    if comma > 0 and subject.strip() == "who":
        # "... student Ana Ruiz, who said": the subject is the name the clause hangs from
        return start + left.rfind(",", 0, comma) + 1
    if not subject.strip(_MARKS_AND_SPACE) or _ADVERB_ONLY.fullmatch(subject):
        # "Ana Ruiz, the mayor, (forcefully) said": the subject is before the appositive
        return start if comma > 0 and count_words(left) <= 2 * MAX_SUBJECT_WORDS else None
    return start + comma + 1 if count_words(subject) <= MAX_SUBJECT_WORDS else None


def attribute(doc: Document, start: int, cue: re.Match[str], end: int) -> Attribution:
    """Resolve who a cue credits, reading the subject in [start, cue) or the words after it."""
    text = cue.group()
    if text.lower() in lexicon().speaker_after:
        return Attribution(text, inverted_speaker(doc, cue.end(), end))
    subject_start = subject_start_of(doc.body, start, cue.start())
    speaker = cue_subject(doc, start, start if subject_start is None else subject_start, cue)
    if speaker is None and not doc.body[start : cue.start()].strip(" ,"):
        speaker = inverted_speaker(doc, cue.end(), end)
    return Attribution(text, speaker)


def cue_subject(doc: Document, start: int, subject_start: int, cue: re.Match[str]) -> str | None:
    """Return the speaker of a cue from its subject, read from subject_start: for a participle
    after a comma ("X spoke on radio, saying"), the subject of the clause before it."""
    speaker = None
    if _PARTICIPLE_AFTER_CLAUSE.search(doc.body, start, cue.end()):
        speaker = clause_subject(doc, start, cue.start())
    elif _PARTICIPLE_AFTER_BY.search(doc.body, start, cue.end()):
        comma = doc.body.rfind(",", start, cue.start())
        speaker = clause_subject(doc, start, cue.start() if comma < 0 else comma)
    return speaker or appositive_speaker(doc, subject_start, cue.start())


def clause_subject(doc: Document, start: int, cue_start: int) -> str | None:
    """Return the subject of the clause a participle cue hangs from: "Ruiz attacked Vik for
    it, saying ..." is Ruiz. The first person or organisation of the clause in subject
    position speaks; one after "told", "for" or "with" is its object."""
    comma = doc.body.rfind(",", start, cue_start)
    comma = cue_start if comma < 0 else comma
    for candidate in sorted(speaker_candidates(doc, start, comma), key=lambda c: c.start):
        if candidate.speaker is None or candidate.rank > 1:
            continue
        if not doc.coref.in_object_position(candidate.start):
            return candidate.speaker
    return None


def possessor_attribution(doc: Document, start: int, end: int) -> Attribution | None:
    """Return the attribution of the last speech noun in [start, end) with a possessor who
    speaks: "Ana Ruiz's claim that ..." is Ana Ruiz's, "his claim" the person "he" is."""
    found = list(lexicon().speech_noun.finditer(doc.body, start, end))
    for match in reversed(found):
        if not _INTRODUCES.match(doc.body, match.end(), end):
            continue  # "his comments were ...": the noun is a subject, not an introduction
        owner = match.group("owner")
        if owner.lower() in ("his", "her"):
            pronoun = "he" if owner.lower() == "his" else "she"
            speaker = doc.coref.pronoun(pronoun, match.start())
        else:
            speaker = next(
                (
                    named.name
                    for named in map(doc.coref.speaker_form, doc.mentions.within(start, end))
                    if named.end == match.start() and named.label in ("PERSON", "ORG")
                ),
                None,
            )
        if speaker is not None:
            return Attribution(match.group("noun"), speaker)
    return None


def head_speaker(doc: Document, start: int, end: int) -> str | None:
    """Return the speaker a label names: "Ana Ruiz, mayor of Halden:" or "RUIZ:".

    The name is the head before the first comma; an all-capitals label is matched to the
    entity whose name ends in that word.
    """
    comma = doc.body.find(",", start, end)
    head_end = comma if comma >= 0 else end
    ranked = [c for c in speaker_candidates(doc, start, head_end) if c.speaker and c.rank <= 1]
    if ranked:
        return min(ranked, key=lambda c: (c.rank, c.start)).speaker
    label = doc.body[start:head_end].strip().rstrip(".")
    words = label.split()
    if words and label.isupper() and len(words) <= 3:
        named = doc.mentions.named_by_word(words[-1].title())
        return named[0] if named else label.title()
    if _NAME_RUN.fullmatch(label):
        return " ".join(words)  # a name the model missed: the label is nothing else
    return None
