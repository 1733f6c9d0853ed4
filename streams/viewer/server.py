"""Serve the viewer's pages and its JSON API (FastAPI on uvicorn, one connection pool).

Pages: `/` recent articles (`?q=TEXT&by=entity|speaker` searches; `?page=N`), `/articles/<id>`
one article, `/articles/<id>.json` its stored enriched record, `/people` the people named most,
`/people/<entity id>` one person across articles (their quotes, whom they talk about),
`/search?q=WORDS` full-text search of bodies and quotes. `/api/...`: streams/viewer/api.py.
Read-only (a search may index bodies stored since the last one); meant for localhost.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import Response
from psycopg_pool import ConnectionPool, PoolTimeout

from streams.agents.pipeline import newsflow_version
from streams.answers import queries as answers
from streams.viewer import api, pages, queries

log = logging.getLogger(__name__)

# No script may run, nothing may load from elsewhere: article text is hostile input.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
DATABASE_DOWN = "PostgreSQL does not answer: start it with `newsflow stack up`."


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def html(status: int, text: str) -> Reply:
    return Reply(status, HTML, text.encode("utf-8"))


def search_of(query: str) -> tuple[queries.SearchField | None, str]:
    """Return the search field and text of a query string (`by` defaults to entity)."""
    params = parse_qs(query)
    text = params.get("q", [""])[0]
    by = params.get("by", ["entity"])[0]
    field = cast(queries.SearchField, by) if by in ("entity", "speaker") else "entity"
    return (field if text.strip() else None), text


def page_of(params: dict[str, list[str]]) -> int:
    """Return the page number a query string asks for (1 when absent or not a number ≥ 1)."""
    text = params.get("page", ["1"])[0]
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


def route(conn: psycopg.Connection[Any], target: str, limit: int) -> Reply:
    """Answer one GET of `target` (path and query) from the database; `limit` rows a page."""
    parts = urlsplit(target)
    path, params = parts.path, parse_qs(parts.query)
    number = page_of(params)
    skip = (number - 1) * limit
    if path == "/":
        field, text = search_of(parts.query)
        found = queries.recent_articles(conn, limit + 1, field, text, skip)
        return html(
            HTTPStatus.OK,
            pages.index_page(found[:limit], field, text, number, len(found) > limit),
        )
    if path == "/search":
        text = params.get("q", [""])[0]
        hits = (
            answers.search(conn, text, "all", limit + 1, skip, api.INDEX_EVERY_S).dicts()
            if text.strip()
            else []
        )
        return html(HTTPStatus.OK, pages.search_page(text, hits[:limit], number, len(hits) > limit))
    if path == "/people":
        family = params.get("family", ["person"])[0]
        family = family if family in answers.FAMILIES else "person"
        rows = answers.people(conn, limit + 1, family, skip).dicts()
        return html(
            HTTPStatus.OK, pages.people_page(rows[:limit], family, number, len(rows) > limit)
        )
    if path.startswith("/people/"):
        entity_id = unquote(path.removeprefix("/people/"))
        person = answers.entity(conn, entity_id)
        if person is not None:
            said = answers.quotes(conn, entity_id, limit=limit + 1, offset=skip).dicts()
            topics = answers.talked_about(conn, entity_id).dicts()
            shown = pages.person_page(person, said[:limit], topics, number, len(said) > limit)
            return html(HTTPStatus.OK, shown)
        return html(HTTPStatus.NOT_FOUND, pages.message_page("Not found", "No such person."))
    if path.startswith("/articles/"):
        name = path.removeprefix("/articles/")
        if name.endswith(".json"):
            record = queries.raw_record(conn, unquote(name.removesuffix(".json")))
            if record is not None:
                pretty = json.dumps(json.loads(record), indent=2, ensure_ascii=False)
                return Reply(HTTPStatus.OK, JSON, pretty.encode("utf-8"))
        else:
            shown_article = queries.article(conn, unquote(name))
            if shown_article is not None:
                return html(HTTPStatus.OK, pages.article_page(shown_article))
        return html(HTTPStatus.NOT_FOUND, pages.message_page("Not found", "No such article."))
    return html(HTTPStatus.NOT_FOUND, pages.message_page("Not found", "No such page."))


def build_app(conninfo: str, limit: int) -> Any:
    """Return the viewer's ASGI app: /api/* (streams/viewer/api.py), the pages, one pool."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=4,
            timeout=5,
            kwargs={"autocommit": True, "connect_timeout": 5},
            open=False,
        )
        pool.open(wait=False)
        app.state.pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="newsflow",
        version=newsflow_version(),
        summary="Who said what, about whom, in which article: the stored facts as JSON.",
        description=api.__doc__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.include_router(api.router)

    @app.middleware("http")
    async def secure(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    async def unreachable(request: Request, error: Exception) -> Response:
        log.warning("database unreachable: %s", str(error).splitlines()[0] if str(error) else error)
        if request.url.path.startswith("/api/"):
            return api.json_response({"detail": DATABASE_DOWN}, HTTPStatus.SERVICE_UNAVAILABLE)
        page = pages.message_page("Database unreachable", DATABASE_DOWN)
        return Response(page, HTTPStatus.SERVICE_UNAVAILABLE, media_type=HTML)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> Response:
        return Response(pages.api_page(app.openapi()), media_type=HTML)

    @app.get("/{path:path}", include_in_schema=False)
    def viewer(request: Request, path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return api.json_response({"detail": "Not Found"}, HTTPStatus.NOT_FOUND)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        with request.app.state.pool.connection() as conn:
            reply = route(conn, target, limit)
        return Response(reply.body, reply.status, media_type=reply.content_type)

    return app


def listen(host: str, port: int) -> socket.socket:
    """Return a listening socket on `host:port` (port 0: any free port). Raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def serve(sock: socket.socket, conninfo: str, limit: int) -> None:
    """Serve the viewer and its API on `sock` until SIGINT or SIGTERM (uvicorn, one process)."""
    import uvicorn

    config = uvicorn.Config(
        build_app(conninfo, limit), log_level="warning", access_log=False, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])
