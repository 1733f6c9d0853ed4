"""Within-document coreference for speakers: "he", "the minister", "the company" -> an entity.

Rule-based, over what the entities stage left (canonical entities with mention offsets):
no second parse. A person's gender comes from the document itself (an honorific before a
mention, the pronouns that follow it), so no name list is needed; a role ("the mayor")
goes to the person the article gave that role; a description ("the ministry") to the
organisation whose name holds the noun, or the article's main organisation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cached_property

from streams.nlp.cues import lexicon
from streams.nlp.mentions import ARTICLE_BEFORE, SPEAKER_LABELS, IndexedMention, MentionIndex
from streams.nlp.quote_marks import SentenceIndex
from streams.nlp.vocabulary import alternation

# Words that put the next name in object position: "told Choe", "met Wang", "with Kim".
_OBJECT_MARKER = re.compile(
    r"(?:\b(?:told|tells|met|meets|meeting|with|to|by|for|against|from|of|about|thanked"
    r"|invited|visited|between|than|urged|asked|called|accused|criticised|criticized"
    r"|praised|blamed|sued|replaced|succeeded|defeated|beat|on|at|in|like|as|and)"
    r"|['’]s)[ ]+$"
)

# A possessive right after a name: "Tribe's client" names the client, not Tribe.
POSSESSIVE_AFTER = re.compile(r"['’]s\b")

# Honorifics that give a person's gender.
_MALE_HONORIFIC = re.compile(rf"\b{alternation('names', 'male_honorifics')}\.?[ ]$")
_FEMALE_HONORIFIC = re.compile(rf"\b{alternation('names', 'female_honorifics')}\.?[ ]$")

# The first personal pronoun after a mention, before the next name.
# Only subject, possessive and reflexive forms: "him" and "her" after a name are mostly
# someone else, its object ("Ruiz thanked her").
_GENDERED_PRONOUN = re.compile(r"\b(?:(?P<m>he|his|himself)|(?P<f>she|herself))\b",
                               re.IGNORECASE)  # fmt: skip

# A name that is an organisation's, whatever its label: an acronym or a word of one
# ("Democratic National Committee", "DNC") never takes "he" or "she".
_ORGANISATION_NAME = re.compile(
    r"^[A-Z.&]{2,}$|\b(?:Committee|Council|Party|Commission|Association|Agency|Department"
    r"|Ministry|Office|House|Court|Senate|Congress|University|Institute|Center|Centre|Network"
    r"|News|Times|Post|Journal|Foundation|Union|League|Bank|Group|Company|Corporation|Inc"
    r"|Administration|Campaign|Service|Board|Program|Programme)\b"
)

_WORD = re.compile(r"[a-z]+")

# A relative pronoun: what follows it is about the noun right before it.
_RELATIVE = re.compile(r"\b(?:who|whom|whose|which)\b")

# The last word before a pronoun.
_WORD_BEFORE = re.compile(r"\b([A-Za-z]+)[ ,]*$")

# Words after which a subject pronoun stands for the main clause's subject.
_SUBORDINATORS = frozenset(
    [
        "that",
        "because",
        "when",
        "while",
        "as",
        "after",
        "before",
        "if",
        "though",
        "although",
        "since",
        "until",
        "unless",
        "once",
        "whether",
        "where",
        "believes",
        "believed",
        "thinks",
        "thought",
        "hopes",
        "hoped",
        "feels",
        "felt",
        "knew",
        "knows",
    ]
)

# A subordinate clause opening a sentence, up to a position before its comma.
_LEADING_CLAUSE = re.compile(
    r"[\"'“‘ ]*(?:While|Although|Though|Whereas|Because|Since|If|Unless|When|After|Before|Once"
    r"|Until|As)\b[^,;:]*$"
)

_PRONOUN_GENDER = {"he": "m", "she": "f"}
_PRONOUN_LABELS = {"he": ("PERSON",), "she": ("PERSON",), "they": ("ORG", "PERSON"),
                   "it": ("ORG",)}  # fmt: skip

# A subject "he" or "she" (a pronoun that can stand for an earlier one).
_SUBJECT_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")

_MAX_CHAIN = 8  # pronouns followed back to a name
_CHAIN_SENTENCES = 3  # sentences back a pronoun's antecedent pronoun is looked for

_GENDER_WINDOW = 160  # chars after a mention read for its pronoun
_ROLE_WINDOW_BEFORE = 40  # "Foreign Minister Wang Yi": the title before a name
_ROLE_WINDOW_AFTER = 90  # "Wang Yi, the foreign minister,": the appositive after it


def infer_genders(
    body: str, mentions: MentionIndex, sentences: SentenceIndex | None = None
) -> dict[str, str]:
    """Return "m" or "f" for each person the body gives clear evidence for."""
    votes: dict[str, Counter[str]] = {}
    # ORG too: the small model often labels a person ORG ("Trump"); only persons get a
    # gendered pronoun right after them, so the evidence itself tells them apart.
    persons = [m for m in mentions.mentions if m.label in ("PERSON", "ORG")]
    for number, mention in enumerate(persons):
        if _ORGANISATION_NAME.search(mention.name):
            continue
        count = votes.setdefault(mention.name, Counter())
        lead = body[max(0, mention.start - 8) : mention.start]
        if _MALE_HONORIFIC.search(lead):
            count["m"] += 2
        elif _FEMALE_HONORIFIC.search(lead):
            count["f"] += 2
        stop = min(len(body), mention.end + _GENDER_WINDOW)
        if number + 1 < len(persons):
            stop = min(stop, persons[number + 1].start)
        if sentences is not None:
            # The pronoun of the mention's own sentence: in the next, "he" is its subject's.
            stop = min(stop, max(sentences.bounds(mention.start)[1], mention.end))
        paragraph_end = body.find("\n", mention.end, stop)
        stop = paragraph_end if paragraph_end >= 0 else stop  # nor one of another line
        pronoun = _GENDERED_PRONOUN.search(body, mention.end, stop)
        if (
            pronoun
            and not mentions.is_quoted(pronoun.start())
            and _refers_back(body, mention.end, pronoun)
        ):
            count["m" if pronoun.group("m") else "f"] += 1
    genders: dict[str, str] = {}
    for name, count in votes.items():
        if count["m"] != count["f"]:
            genders[name] = "m" if count["m"] > count["f"] else "f"
    return genders


def _refers_back(body: str, mention_end: int, pronoun: re.Match[str]) -> bool:
    """Tell whether a pronoun after a mention stands for it: a possessive or reflexive
    ("Ruiz and his team"), or a subject right after a speech verb or a subordinator
    ("Ruiz said she", "Ruiz left because he"). A subject after "and" or a comma opens a
    clause of its own, often about someone else ("Ruiz waved, and she left")."""
    relative = _RELATIVE.search(body, mention_end, pronoun.start())
    if relative and body[mention_end : relative.start()].strip(" ,"):
        return False  # "Ruiz spoke to the nominee, who began his speech": the nominee's
    if pronoun.group().lower() not in ("he", "she"):
        return True
    word = _WORD_BEFORE.search(body, mention_end, pronoun.start())
    if word is None:
        return True
    if word.group(1).lower() in _SUBORDINATORS or word.group(1).lower() in lexicon().forms:
        return True
    return not (word.group(1).lower() in ("and", "but", "or") or "," in word.group())


def role_holders(body: str, mentions: MentionIndex) -> dict[str, list[IndexedMention]]:
    """Map each role noun to the person mentions the body gives it, in body order."""
    nouns = lexicon().role_nouns
    holders: dict[str, list[IndexedMention]] = {}
    for mention in mentions.mentions:
        if mention.label != "PERSON":
            continue
        line_start = body.rfind("\n", 0, mention.start) + 1
        before = body[max(line_start, mention.start - _ROLE_WINDOW_BEFORE) : mention.start]
        after = body[mention.end : mention.end + _ROLE_WINDOW_AFTER]
        appositive = after[2:].split(",")[0] if after.startswith(", ") else ""
        words = f"{before.split(',')[-1]} {appositive}".lower()
        tokens = set(_WORD.findall(words))
        for noun in nouns:
            if (noun in words) if " " in noun else (noun in tokens):
                holders.setdefault(noun, []).append(mention)
    return holders


class Coreference:
    """Resolve pronouns, roles and descriptions of one body to canonical entity names."""

    def __init__(self, body: str, mentions: MentionIndex, sentences: SentenceIndex) -> None:
        self.body = body
        self.mentions = mentions
        self.sentences = sentences
        self._chain: dict[tuple[int, str], str | None] = {}

    @cached_property
    def genders(self) -> dict[str, str]:
        """Each person's gender, read when first needed (after quoted text is known)."""
        return infer_genders(self.body, self.mentions, self.sentences)

    @cached_property
    def roles(self) -> dict[str, list[IndexedMention]]:
        """The persons holding each role noun."""
        return role_holders(self.body, self.mentions)

    def in_object_position(self, position: int) -> bool:
        """Tell whether a name at position follows an object marker ("told Choe", "with")."""
        line_start = self.body.rfind("\n", 0, position) + 1
        return bool(_OBJECT_MARKER.search(self.body[max(line_start, position - 30) : position]))

    def is_subject_like(self, mention: IndexedMention) -> bool:
        """Tell whether a mention reads as a clause's subject, not an object or possessor."""
        line_start = self.body.rfind("\n", 0, mention.start) + 1
        lead = self.body[max(line_start, mention.start - 30) : mention.start]
        if lexicon().inverted_lead.search(lead):
            return True  # "said Ana Ruiz", "according to NBC's Ana Ruiz": she is the source
        return not (
            _OBJECT_MARKER.search(lead)
            or POSSESSIVE_AFTER.match(self.body, mention.end)
            or lexicon().before_role.match(self.body, mention.end)
        )

    def pronoun(self, pronoun: str, position: int, depth: int = 0) -> str | None:
        """Return the entity a he/she/they/it at position refers to: the nearest fitting subject.

        Mentions in object or possessor position ("told Choe", "Tribe's client") are passed
        over unless nothing else fits; a person of the other gender never fits. A "he" or
        "she" that opens the nearest sentence before any fitting name stands for the same
        person ("Ruiz spoke first. She said ... \n\n '...,' she said"): it is resolved
        in turn, at most _MAX_CHAIN pronouns back.
        """
        word = pronoun.lower()
        labels, gender = _PRONOUN_LABELS.get(word, ()), _PRONOUN_GENDER.get(word)
        if gender is not None and depth < _MAX_CHAIN:
            earlier = self._chained_pronoun(word, labels, gender, position)
            if earlier is not None:
                key = (earlier, word)
                if key not in self._chain:
                    self._chain[key] = self.pronoun(word, earlier, depth + 1)
                if self._chain[key] is not None:
                    return self._chain[key]
        return self.nearest(labels, gender, position)

    def _chained_pronoun(
        self, word: str, labels: tuple[str, ...], gender: str, position: int
    ) -> int | None:
        """Return where a same-gender subject pronoun stands that comes before every fitting
        subject-like name of the nearest sentence back that has either, if one does."""
        current = self.sentences.at(position)
        if current is None:
            return None
        first_name: dict[int, int] = {}
        for mention in map(self.speaker_form, self.mentions.before(position)):
            sentence = self.sentences.at(mention.start)
            if sentence is None or current - sentence > _CHAIN_SENTENCES:
                break
            if self.fits(mention, labels, gender) and self.is_subject_like(mention):
                first_name[sentence] = mention.start
        for sentence in range(current, max(-1, current - _CHAIN_SENTENCES - 1), -1):
            start, end = self.sentences.spans[sentence]
            end = min(end, position)
            pronouns = [
                m.start()
                for m in _SUBJECT_PRONOUN.finditer(self.body, start, end)
                if m.group().lower() == word and not self.mentions.is_quoted(m.start())
            ]
            if sentence in first_name:
                before_name = [p for p in pronouns if p < first_name[sentence]]
                return before_name[-1] if before_name else None
            if pronouns:
                return pronouns[-1]
        return None

    def speaker_form(self, mention: IndexedMention) -> IndexedMention:
        """Return a place-labelled short form as the person or organisation it shortens
        ("DuVernay" tagged GPE in an article about Ava DuVernay); other mentions as they are."""
        if mention.label in SPEAKER_LABELS:
            return mention
        named = self.mentions.named_by_word(mention.name.split()[-1])
        return replace(mention, name=named[0], label=named[1]) if named else mention

    def fits(self, mention: IndexedMention, labels: tuple[str, ...], gender: str | None) -> bool:
        """Tell whether a mention can be what a pronoun of labels and gender stands for.

        A he/she also fits an entity the model labelled otherwise when the body gives it a
        gender: only persons get one. It never fits a name after "the": that name modifies
        a noun ("the Ruiz campaign").
        """
        if self.mentions.is_quoted(mention.start):
            return False
        if gender is not None and ARTICLE_BEFORE.search(
            self.body, max(0, mention.start - 5), mention.start
        ):
            return False  # "the Clinton campaign": a name modifying a noun is not "she"
        known = self.genders.get(mention.name)
        if gender is None:
            return mention.label in labels
        if _ORGANISATION_NAME.search(mention.name):
            return False
        if known is not None:
            return known == gender and mention.label in (*labels, "ORG", "GPE", "NORP")
        return mention.label in labels

    def nearest(self, labels: tuple[str, ...], gender: str | None, position: int) -> str | None:
        """Return the most salient fitting entity before position.

        Sentence by sentence backwards from position, the first fitting subject-like
        mention of a sentence wins (the sentence's subject comes first in English news);
        a mention in object or possessor position is the last resort.
        """
        fallback: str | None = None
        group_sentence: int | None = None
        group: list[IndexedMention] = []
        for mention in map(self.speaker_form, self.mentions.before(position)):
            if not self.fits(mention, labels, gender):
                continue
            sentence = self.sentences.at(mention.start)
            if sentence != group_sentence:
                if group:
                    break
                if fallback is not None and self._next_to(group_sentence, position):
                    return fallback
            group_sentence = sentence
            fallback = fallback or mention.name
            if self.is_subject_like(mention):
                group.append(mention)
        if group:
            in_main_clause = [m for m in group if not self._in_leading_clause(m)]
            return (in_main_clause or group)[-1].name
        return self._subject_further_back(labels, gender, position) or fallback

    def _in_leading_clause(self, mention: IndexedMention) -> bool:
        """Tell whether a mention is in a subordinate clause opening its sentence ("While
        Obama had ..., that has not ..."): the main clause's subject is the one that carries on."""
        bounds = self.sentences.bounds(mention.start)
        return bool(_LEADING_CLAUSE.match(self.body, bounds[0], mention.start))

    def _next_to(self, sentence: int | None, position: int) -> bool:
        """Tell whether a sentence is the one just before the sentence at position."""
        current = self.sentences.at(position)
        return sentence is not None and current is not None and current - sentence == 1

    def _subject_further_back(
        self, labels: tuple[str, ...], gender: str | None, position: int
    ) -> str | None:
        for mention in map(self.speaker_form, self.mentions.before(position)):
            if self.fits(mention, labels, gender) and self.is_subject_like(mention):
                return mention.name
        return None

    def role(self, noun: str, position: int) -> str | None:
        """Return the person "the <noun>" at position refers to.

        The latest person given that role before position; failing that, after it (a lede
        that names the role first); failing that, the nearest subject-like person.
        """
        holders = self.roles.get(noun.lower(), [])
        earlier = [m for m in holders if m.end <= position]
        if earlier:
            return earlier[-1].name
        if holders:
            return holders[0].name
        return self.nearest(("PERSON",), None, position)

    def description(self, noun: str, position: int) -> str | None:
        """Return the organisation "the <noun>" at position refers to."""
        for mention in self.mentions.before(position):
            if mention.label == "ORG" and noun.lower() in mention.name.lower():
                return mention.name
        if noun.lower() in lexicon().generic_org_nouns:
            return self.mentions.main_org(position)
        return None
