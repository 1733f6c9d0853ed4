"""The cue lexicon of quote attribution: speech verbs, roles and organisation kinds.

The words live in data/quote_cues.toml; this module is the one place that reads it, and
turns it into the patterns the quote modules match with.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CueLexicon:
    """The compiled vocabulary: every pattern the quote rules read words from."""

    cue: re.Pattern[str]  # any speech cue; the matched text is the quote's cue
    speaker_after: frozenset[str]  # lowercased cues whose speaker follows them
    reporting: frozenset[str]  # cue forms that introduce a clause without "that"
    addressee: frozenset[str]  # cue forms that take a listener before the clause
    naming: frozenset[str]  # cue forms that name something: "called it X"
    questions: frozenset[str]  # cue forms that report a question: "asked whether X"
    role: re.Pattern[str]  # "the (foreign) minister": a person named by role; group "noun"
    description: re.Pattern[str]  # "the (Chinese) ministry": an organisation; group "noun"
    spokesperson: re.Pattern[str]  # "a company spokesperson"; group "noun"
    forms: frozenset[str]  # every single-word speech verb form ("said", "tweeted")
    before_role: re.Pattern[str]  # " campaign spokesman Ana": a name that only modifies a role
    generic_org_nouns: frozenset[str]
    role_nouns: tuple[str, ...]  # every role noun, for finding who holds a role
    inverted_lead: re.Pattern[str]  # "said (NBC's) " right before a name: the name speaks
    speech_noun: re.Pattern[str]  # "'s (earlier) claim" / "his claim"; groups "owner", "noun"


# Verbs that can stand between a subject and a role ("met minister Wang"): then the name
# before is the subject, not a modifier of the role.
_NOT_MODIFIERS = (
    "met|meets|named|names|appointed|appoints|hired|fired|replaced|replaces|joined|joins"
    "|beat|beats|defeated|thanked|thanks|sacked|backed|backs|and|or|with|to|for|of|as"
)


def _alternation(words: list[str]) -> str:
    """Return a regex alternation of words, longest first, spaces as literal spaces."""
    return "|".join(
        re.escape(w).replace(r"\ ", "[ ]") for w in sorted(words, key=len, reverse=True)
    )


def compile_lexicon(table: dict[str, Any]) -> CueLexicon:
    """Build the patterns from the parsed TOML table."""
    speech: dict[str, dict[str, Any]] = table["speech"]
    forms = [form for verb in speech.values() for form in verb["forms"]]
    after = list(table["speaker_after"]["phrases"])
    roles = list(table["roles"]["nouns"])
    orgs = list(table["organisations"]["nouns"])
    nouns = list(table.get("speech_nouns", {}).get("nouns", []))
    return CueLexicon(
        cue=re.compile(rf"\b(?:{_alternation([*after, *forms])})\b"),
        speaker_after=frozenset(p.lower() for p in after),
        reporting=frozenset(
            [f for v in speech.values() if v.get("reports") for f in v["forms"]]
            + [p for p in after if p.lower() == "according to"]
        ),
        addressee=frozenset(f for v in speech.values() if v.get("addressee") for f in v["forms"]),
        naming=frozenset(f for v in speech.values() if v.get("naming") for f in v["forms"]),
        questions=frozenset(f for v in speech.values() if v.get("questions") for f in v["forms"]),
        role=re.compile(rf"\b[Tt]he[ ](?:[\w-]+[ ]){{0,2}}?(?P<noun>{_alternation(roles)})\b"),
        description=re.compile(
            rf"\b(?:the|its|their)[ ](?:[\w-]+[ ]){{0,3}}?(?P<noun>{_alternation(orgs)})\b",
            re.IGNORECASE,
        ),
        spokesperson=re.compile(
            rf"\b(?:[Aa]n?|[Tt]he|[Ii]ts)[ ](?P<noun>{_alternation(orgs)})[ ]"
            r"(?:spokes(?:man|woman|person)|official|representative|source)\b"
        ),
        forms=frozenset(f.lower() for f in forms if " " not in f),
        before_role=re.compile(
            rf"[ ](?:(?!(?:{_alternation(forms)}|{_NOT_MODIFIERS})\b)[a-z][\w-]*[ ]){{0,2}}?"
            rf"(?:{_alternation(roles)})[ ]+(?=[A-Z])"
        ),
        generic_org_nouns=frozenset(table["organisations"]["generic"]),
        role_nouns=tuple(roles),
        speech_noun=re.compile(
            r"(?P<owner>['’]s|\b(?:[Hh]is|[Hh]er))[ ]+(?:[\w-]+[ ]+){0,2}?"
            rf"(?P<noun>{_alternation(nouns) if nouns else '(?!)'})\b"
        ),
        inverted_lead=re.compile(
            rf"\b(?:{_alternation(sorted(_inverting(speech) | set(after)))})[ ]+"
            r"(?:[A-Z][\w.&-]*(?:[ ][A-Z][\w.&-]*){0,3}['’]s[ ]+)?$"
        ),
    )


def _inverting(speech: dict[str, dict[str, Any]]) -> set[str]:
    """Return the cue forms a speaker's name can follow ("said Ana Ruiz", "noted Ana Ruiz")."""
    return {form for verb in speech.values() if verb.get("inverts") for form in verb["forms"]}


@cache
def lexicon() -> CueLexicon:
    """Return the cue lexicon, read from the package data once per process."""
    text = resources.files("streams.nlp").joinpath("data/quote_cues.toml").read_text("utf-8")
    return compile_lexicon(tomllib.loads(text))
