"""The entity mentions of one body, indexed by position for the quote rules."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from schemas.articles import Entity

# Labels of entities that can speak. Places never do: "Phoenix said" is a city's officials,
# and a name the model mislabelled as a place is better left unnamed than named a place.
SPEAKER_LABELS = frozenset({"PERSON", "ORG"})

# "the" right before a name: the name modifies a noun ("the Ruiz campaign") or is a thing's
# ("told the Herald"), never a person's as such.
ARTICLE_BEFORE = re.compile(r"\b[Tt]he[ ]+$")

LOOKBACK = 60  # mentions searched back for a pronoun's or description's referent


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
        self.labels = {entity.name: entity.label for entity in entities}
        owners: dict[str, set[tuple[str, str]]] = {}
        for entity in entities:
            if entity.label in SPEAKER_LABELS:
                owners.setdefault(entity.name.split()[-1], set()).add((entity.name, entity.label))
        # A last word two speakers share ("Clinton") names neither.
        self.last_words = {word: next(iter(o)) for word, o in owners.items() if len(o) == 1}
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
        return self.last_words.get(word) or self.last_words.get(word.title())

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
        for mention in reversed(self.mentions[max(0, index - LOOKBACK) : index]):
            if mention.end <= position:
                yield mention
