"""Bind the small HTTP servers newsflow runs (worker metrics and health, the viewer)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def bind(
    host: str, first_port: int, handler: type[BaseHTTPRequestHandler], attempts: int = 1
) -> ThreadingHTTPServer:
    """Bind a threading HTTP server on `first_port`, or one of the next `attempts - 1` above it.

    Port 0 lets the kernel choose. Raises the OSError of the one port tried, or one naming the
    range when no port in it is free.
    Request threads are daemons, so a stopping process does not wait for a slow client.
    """
    attempts = 1 if first_port == 0 else max(1, attempts)
    error: OSError | None = None
    for port in range(first_port, first_port + attempts):
        try:
            server = ThreadingHTTPServer((host, port), handler)
        except OSError as busy:
            error = busy
            continue
        server.daemon_threads = True
        return server
    assert error is not None
    if attempts == 1:
        raise error
    last = first_port + attempts - 1
    raise OSError(error.errno, f"no free port in {first_port}..{last} on {host}: {error.strerror}")


def reply(
    request: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one whole response: status, content type and length, `headers`, then `body`."""
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(body)
