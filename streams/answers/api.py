"""The Python API for notebooks: enrich text in-process, and ask the stored results questions.

    from newsflow import connect, enrich
    record = enrich("Ada Lovelace said: \\"The engine weaves patterns.\\"")[0]
    store = connect()                      # NEWSFLOW_DATABASE_URL, or connect(url)
    store.people(top=5).dicts()            # list of dicts
    store.quotes(speaker="Wang Yi").arrow().to_pandas()

`enrich` runs the code path of `newsflow enrich` (streams/intake/enriching.py); each question
of `Store` is the SQL function or view the CLI uses (streams/answers/queries.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
import psycopg
from pydantic import BaseModel

from schemas import EnrichedArticle
from streams.answers import queries
from streams.answers.export import TABLES, batches
from streams.answers.queries import Answer
from streams.config import Settings, get_settings
from streams.intake.enriching import enrich_inputs
from streams.intake.inputs import Input

Article = str | dict[str, Any] | BaseModel


def enrich(
    articles: Article | Iterable[Article], settings: Settings | None = None
) -> list[EnrichedArticle]:
    """Return the enriched record of each article: text, a RawArticle dict, or a RawArticle.

    Plain text gets the id `text-<n>`. Raises ValueError naming the first article rejected
    (not an article, or nothing left after cleaning), as `newsflow enrich` reports it.
    """
    many = [articles] if isinstance(articles, str | dict | BaseModel) else list(articles)
    records = []
    for origin, outcome in enrich_inputs(as_inputs(many), settings or get_settings()):
        if isinstance(outcome, Exception):
            raise ValueError(f"{origin}: {outcome}") from outcome
        records.append(outcome)
    return records


def as_inputs(articles: Iterable[Article]) -> Iterator[Input]:
    """Yield each article as the message `newsflow enrich` would read."""
    for number, article in enumerate(articles):
        if isinstance(article, str):
            value: Any = {"id": f"text-{number}", "text": article}
        elif isinstance(article, BaseModel):
            value = article.model_dump(mode="json")
        else:
            value = article
        yield Input(f"article {number}", orjson.dumps(value, default=str))


class Store:
    """The stored articles of one database: each method answers one question."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url or get_settings().database_dsn

    def _ask(self, question: Any, *args: Any, **kwargs: Any) -> Answer:
        with psycopg.connect(self.database_url, connect_timeout=5, autocommit=True) as conn:
            answer: Answer = question(conn, *args, **kwargs)
        return answer

    def quotes(
        self,
        speaker: str | None = None,
        about: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        source: str | None = None,
        limit: int | None = 50,
    ) -> Answer:
        """Quotes, newest first; `since`/`until` take a datetime, an age ("7d") or a date."""
        return self._ask(queries.quotes, speaker, about, when(since), when(until), source, limit)

    def people(self, top: int | None = 20, family: str = "person") -> Answer:
        """The people (or org, place, all) named in the most articles, with their counts."""
        return self._ask(queries.people, top, family)

    def top_speakers(
        self,
        about: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        source: str | None = None,
        top: int | None = 20,
    ) -> Answer:
        """Who is quoted most, overall or about an entity, in a window, by a source."""
        return self._ask(queries.top_speakers, about, when(since), when(until), source, top)

    def co_occurring(self, entity: str, top: int | None = 20) -> Answer:
        """The entities named in the same articles as `entity`."""
        return self._ask(queries.co_occurring, entity, top)

    def articles_mentioning(self, entity: str, limit: int | None = 50) -> Answer:
        """The articles naming `entity`, newest first."""
        return self._ask(queries.articles_mentioning, entity, limit)

    def search(self, query: str, within: str = "all", limit: int | None = 20) -> Answer:
        """Articles and quotes matching a web-search style query, best first."""
        return self._ask(queries.search, query, within, limit)

    def table(self, name: str) -> Any:
        """Return a whole table (articles, entities or quotes) as a pyarrow Table."""
        import pyarrow as pa

        if name not in TABLES:
            raise ValueError(f"no table {name!r}: pick one of {', '.join(TABLES)}")
        query, schema = TABLES[name]
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return pa.Table.from_batches(list(batches(conn, name, query, schema)), schema)


def connect(database_url: str | None = None) -> Store:
    """Return the store at `database_url` (default: NEWSFLOW_DATABASE_URL)."""
    return Store(database_url)


def when(moment: datetime | str | None) -> datetime | None:
    return queries.parse_since(moment) if isinstance(moment, str) else moment
