"""What re-enriching an article changed: quotes, speakers and entities added, removed, changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas import EnrichedArticle, Quote


@dataclass(frozen=True)
class ArticleChange:
    """How an article's new record differs from its stored one."""

    quotes_added: int = 0
    quotes_removed: int = 0
    quotes_changed: int = 0
    speakers_added: tuple[str, ...] = ()
    speakers_removed: tuple[str, ...] = ()
    entities_added: int = 0
    entities_removed: int = 0


def quote_attribution(quotes: list[Quote]) -> dict[str, tuple[str, str | None, str | None]]:
    """Return each quote's text with its kind, speaker and cue (a repeated text: its first)."""
    found: dict[str, tuple[str, str | None, str | None]] = {}
    for quote in quotes:
        found.setdefault(quote.text, (quote.kind, quote.speaker, quote.cue))
    return found


def speakers(quotes: list[Quote]) -> set[str]:
    return {quote.speaker for quote in quotes if quote.speaker is not None}


def change_between(old: EnrichedArticle | None, new: EnrichedArticle) -> ArticleChange:
    """Compare `new` with the stored `old` (None: nothing stored, everything is added).

    A quote is known by its text: one whose text is new is added, one whose text is gone is
    removed, one whose kind, speaker or cue differs is changed. An entity is known by its
    canonical name and label.
    """
    old_quotes = quote_attribution(old.quotes if old else [])
    new_quotes = quote_attribution(new.quotes)
    old_entities = {(e.name, e.label) for e in old.entities} if old else set()
    new_entities = {(e.name, e.label) for e in new.entities}
    old_speakers = speakers(old.quotes) if old else set()
    new_speakers = speakers(new.quotes)
    return ArticleChange(
        quotes_added=len(new_quotes.keys() - old_quotes.keys()),
        quotes_removed=len(old_quotes.keys() - new_quotes.keys()),
        quotes_changed=sum(
            old_quotes[text] != new_quotes[text] for text in old_quotes.keys() & new_quotes.keys()
        ),
        speakers_added=tuple(sorted(new_speakers - old_speakers)),
        speakers_removed=tuple(sorted(old_speakers - new_speakers)),
        entities_added=len(new_entities - old_entities),
        entities_removed=len(old_entities - new_entities),
    )


def same_result(old: EnrichedArticle, new: EnrichedArticle) -> bool:
    """Tell whether `new` holds what `old` holds and is of the same pipeline version.

    Provenance alone (when it was produced, the settings it was made with) is no change: a
    row whose content and version would stay is not rewritten.
    """
    return version_of(old) == version_of(new) and content_of(old) == content_of(new)


def version_of(record: EnrichedArticle) -> tuple[int, ...]:
    return record.pipeline.version() if record.pipeline else ()


def content_of(record: EnrichedArticle) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude={"pipeline"})


@dataclass
class RunReport:
    """What one reprocess run did, summed over its articles (resumed parts included)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    quotes_added: int = 0
    quotes_removed: int = 0
    quotes_changed: int = 0
    speakers_added: int = 0
    speakers_removed: int = 0
    entities_added: int = 0
    entities_removed: int = 0

    def lines(self, run_id: int) -> list[str]:
        """Return the report as the lines `newsflow reprocess` prints."""
        outcome = ", ".join(
            f"{self.outcomes.get(name, 0)} {name}"
            for name in ("updated", "new", "unchanged", "newer-kept")
        )
        return [
            f"reprocess run {run_id}: {outcome}, {self.failed} failed",
            f"quotes: {self.quotes_added} added, {self.quotes_removed} removed, "
            f"{self.quotes_changed} changed (kind, speaker or cue)",
            f"speakers: {self.speakers_added} added, {self.speakers_removed} removed",
            f"entities: {self.entities_added} added, {self.entities_removed} removed",
        ]
