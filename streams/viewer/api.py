"""The JSON HTTP API beside the viewer: the questions of streams/answers/queries.py over HTTP.

Every list is a page: `limit` (1–500, default 50) items from `offset`, with the path of the
next page in `next` (null on the last). Filters are those of the CLI: `about` (an entity named
in the article), `speaker`, `since`/`until` (an age such as 7d, or a date), `source`. Entity
ids such as `person:wang yi` go in paths percent-encoded (`person%3Awang%20yi`). The OpenAPI
description is at /api/openapi.json, a page of it (no script) at /api/docs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from streams.answers import queries
from streams.answers.queries import Answer
from streams.viewer import queries as stored

Limit = Annotated[int, Query(ge=1, le=500, description="items a page")]
Offset = Annotated[int, Query(ge=0, description="items to skip")]
About = Annotated[str | None, Query(description="only articles naming this entity")]
Since = Annotated[str | None, Query(description="from this time: an age (7d, 24h) or a date")]
Until = Annotated[str | None, Query(description="before this time: an age or a date")]
Source = Annotated[str | None, Query(description="only articles of this source")]


class Page(BaseModel):
    """One page of a list: its items, where it starts and the path of the next page."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    next: str | None


class Entity(BaseModel):
    """A cross-article entity with its counts."""

    entity_id: str
    name: str
    family: str
    articles: int
    mentions: int
    quotes: int
    aliases: list[str]


def connection(request: Request) -> Iterator[psycopg.Connection[Any]]:
    """Lend a pooled connection for one request (the app answers 503 when none comes)."""
    with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[psycopg.Connection[Any], Depends(connection)]


def moment(name: str, text: str | None) -> datetime | None:
    """Parse a `since`/`until` value; a wrong one is a 400 with the one-line reason."""
    if text is None or not text.strip():
        return None
    try:
        return queries.parse_since(text)
    except ValueError as error:
        raise HTTPException(400, f"{name}: {error}") from error


def page(request: Request, answer: Answer, limit: int, offset: int) -> Response:
    """Return the first `limit` rows of `answer` (asked for limit + 1) as a Page."""
    rows = answer.dicts()
    after = None
    if len(rows) > limit:
        after = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        after = after.removeprefix(str(request.base_url).rstrip("/"))
    body = {"items": rows[:limit], "limit": limit, "offset": offset, "next": after}
    return json_response(body)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_NAIVE_UTC),
        status_code=status,
        media_type="application/json",
    )


router = APIRouter(prefix="/api")

# A search refreshes the full-text index (index_articles) at most this often per server
# process; bodies stored since are still found, read directly until they are indexed.
INDEX_EVERY_S = 10.0


@router.get("/articles", response_model=Page, summary="Stored articles, newest first")
def list_articles(
    request: Request,
    conn: Conn,
    about: About = None,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    answer = queries.articles(
        conn, about, moment("since", since), moment("until", until), source, limit + 1, offset
    )
    return page(request, answer, limit, offset)


@router.get("/articles/{article_id}", summary="One article's stored enriched record")
def get_article(article_id: str, conn: Conn) -> Response:
    record = stored.raw_record(conn, article_id)
    if record is None:
        raise HTTPException(404, f"no article {article_id!r}")
    return Response(record, media_type="application/json")


@router.get("/quotes", response_model=Page, summary="Quotes with speaker, time and article")
def list_quotes(
    request: Request,
    conn: Conn,
    speaker: Annotated[str | None, Query(description="a name, alias or entity id")] = None,
    about: About = None,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    answer = queries.quotes(
        conn,
        speaker,
        about,
        moment("since", since),
        moment("until", until),
        source,
        limit + 1,
        offset,
    )
    return page(request, answer, limit, offset)


@router.get("/people", response_model=Page, summary="Entities named in the most articles")
def list_people(
    request: Request,
    conn: Conn,
    family: Literal["person", "org", "place", "all"] = "person",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    return page(request, queries.people(conn, limit + 1, family, offset), limit, offset)


@router.get("/speakers", response_model=Page, summary="Who is quoted most")
def list_speakers(
    request: Request,
    conn: Conn,
    about: About = None,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    answer = queries.top_speakers(
        conn, about, moment("since", since), moment("until", until), source, limit + 1, offset
    )
    return page(request, answer, limit, offset)


@router.get("/entities/{entity_id}", response_model=Entity, summary="One entity's counts")
def get_entity(entity_id: str, conn: Conn) -> Response:
    found = queries.entity(conn, entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id!r}")
    return json_response(found)


@router.get(
    "/entities/{entity_id}/articles", response_model=Page, summary="Articles naming an entity"
)
def entity_articles(
    entity_id: str, request: Request, conn: Conn, limit: Limit = 50, offset: Offset = 0
) -> Response:
    answer = queries.articles_mentioning(conn, entity_id, limit + 1, offset)
    return page(request, answer, limit, offset)


@router.get(
    "/entities/{entity_id}/co-occurring",
    response_model=Page,
    summary="Entities named in the same articles",
)
def entity_co_occurring(
    entity_id: str, request: Request, conn: Conn, limit: Limit = 50, offset: Offset = 0
) -> Response:
    answer = queries.co_occurring(conn, entity_id, limit + 1, offset)
    return page(request, answer, limit, offset)


@router.get(
    "/entities/{entity_id}/talks-about",
    response_model=Page,
    summary="Entities named inside an entity's quotes",
)
def entity_talks_about(
    entity_id: str, request: Request, conn: Conn, limit: Limit = 50, offset: Offset = 0
) -> Response:
    answer = queries.talked_about(conn, entity_id, limit + 1, offset)
    return page(request, answer, limit, offset)


@router.get("/search", response_model=Page, summary="Full-text search of bodies and quotes")
def search(
    request: Request,
    conn: Conn,
    q: Annotated[str, Query(min_length=1, description='web-search style: rice -exports, "a b"')],
    within: Annotated[
        Literal["all", "articles", "quotes"], Query(alias="in", description="what to search")
    ] = "all",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    found = queries.search(conn, q, within, limit + 1, offset, index_every_s=INDEX_EVERY_S)
    return page(request, found, limit, offset)
