"""Serve the viewer with the standard library's HTTP server: one database connection a request.

Routes: `/` recent articles (`?q=TEXT&by=entity|speaker` searches), `/articles/<id>` one
article, `/articles/<id>.json` its stored enriched record. Read-only; meant for localhost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

from streams.runtime.http import bind as bind_http
from streams.runtime.http import reply as send
from streams.viewer import pages, queries

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


def route(conn: psycopg.Connection[Any], target: str, limit: int) -> Reply:
    """Answer one GET of `target` (path and query) from the database."""
    parts = urlsplit(target)
    path = parts.path
    if path == "/":
        field, text = search_of(parts.query)
        found = queries.recent_articles(conn, limit, field, text)
        return html(HTTPStatus.OK, pages.index_page(found, field, text))
    if path.startswith("/articles/"):
        name = path.removeprefix("/articles/")
        if name.endswith(".json"):
            record = queries.raw_record(conn, unquote(name.removesuffix(".json")))
            if record is not None:
                pretty = json.dumps(json.loads(record), indent=2, ensure_ascii=False)
                return Reply(HTTPStatus.OK, JSON, pretty.encode("utf-8"))
        else:
            shown = queries.article(conn, unquote(name))
            if shown is not None:
                return html(HTTPStatus.OK, pages.article_page(shown))
        return html(HTTPStatus.NOT_FOUND, pages.message_page("Not found", "No such article."))
    return html(HTTPStatus.NOT_FOUND, pages.message_page("Not found", "No such page."))


def make_handler(conninfo: str, limit: int) -> type[BaseHTTPRequestHandler]:
    """Return a request handler reading from the database at `conninfo`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                with psycopg.connect(conninfo, connect_timeout=5) as conn:
                    reply = route(conn, self.path, limit)
            except psycopg.OperationalError as error:
                log.warning("database unreachable: %s", str(error).splitlines()[0])
                reply = html(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    pages.message_page(
                        "Database unreachable",
                        "PostgreSQL does not answer: start it with `newsflow stack up`.",
                    ),
                )
            send(self, reply.status, reply.content_type, reply.body, SECURITY_HEADERS)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def bind(host: str, port: int, conninfo: str, limit: int) -> ThreadingHTTPServer:
    """Return the viewer's server bound to `host:port` (port 0: any free port).

    Raises OSError when the port is taken.
    """
    return bind_http(host, port, make_handler(conninfo, limit))
