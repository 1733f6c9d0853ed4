"""Read articles from files, folders and stdin as RawArticle JSON messages (pure, no Kafka).

Accepted: `.json` (one RawArticle object, or an array of them), `.jsonl`/`.ndjson` (one per
line), `.txt`/`.text` (plain text; the id is the file name without its suffix),
`.html`/`.htm` (HTML; id likewise), folders (every such file below them, in name order), and
`-` for stdin (JSON lines when it starts with `{` or `[`, else one plain-text article).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

JSON_SUFFIXES = {".json"}
JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}
TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
KNOWN_SUFFIXES = JSON_SUFFIXES | JSON_LINES_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES


@dataclass(frozen=True)
class Input:
    """One article message to be: where it came from, and its JSON bytes."""

    origin: str
    value: bytes

    @property
    def key(self) -> bytes | None:
        """The article id as the message key, when the value has one."""
        try:
            data = json.loads(self.value)
        except (ValueError, RecursionError):
            return None
        article_id = data.get("id") if isinstance(data, dict) else None
        return article_id.encode("utf-8") if isinstance(article_id, str) else None


def read_inputs(paths: Sequence[str], stdin: BinaryIO) -> Iterator[Input]:
    """Yield every article message named by `paths` (`-` reads `stdin`)."""
    for name in paths:
        if name == "-":
            yield from read_stream("stdin", stdin.read())
            continue
        path = Path(name)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix.lower() in KNOWN_SUFFIXES):
                yield from read_file(file)
        elif path.is_file():
            yield from read_file(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {name}")


def read_file(path: Path) -> Iterator[Input]:
    """Yield the article messages of one file, by its suffix."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix in JSON_SUFFIXES:
        yield from read_json_document(str(path), data)
    elif suffix in JSON_LINES_SUFFIXES:
        yield from read_json_lines(str(path), data)
    elif suffix in HTML_SUFFIXES:
        yield Input(str(path), wrap(path.stem, "html", data))
    elif suffix in TEXT_SUFFIXES:
        yield Input(str(path), wrap(path.stem, "text", data))
    else:
        raise ValueError(f"{path}: unknown kind of file (use {', '.join(sorted(KNOWN_SUFFIXES))})")


def read_stream(origin: str, data: bytes) -> Iterator[Input]:
    """Yield the article messages of stdin: JSON lines, a JSON array, or one plain text."""
    head = data.lstrip()[:1]
    if head == b"[":
        yield from read_json_document(origin, data)
    elif head == b"{":
        yield from read_json_lines(origin, data)
    elif data.strip():
        yield Input(origin, wrap(origin, "text", data))


def read_json_document(origin: str, data: bytes) -> Iterator[Input]:
    """Yield one message for a JSON object, or one per element of a JSON array."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        yield Input(origin, data)  # left for the decoder to reject with its reason
        return
    if isinstance(document, list):
        for index, element in enumerate(document, start=1):
            yield Input(f"{origin}[{index}]", json.dumps(element, ensure_ascii=False).encode())
    else:
        yield Input(origin, data)


def read_json_lines(origin: str, data: bytes) -> Iterator[Input]:
    """Yield one message per non-blank line, each line's bytes as they are."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield Input(f"{origin}:{number}", line.rstrip(b"\r"))


def wrap(article_id: str, field: str, data: bytes) -> bytes:
    """Return the RawArticle JSON of a plain-text or HTML file's content."""
    content = data.decode("utf-8", errors="replace")
    return json.dumps({"id": article_id, field: content}, ensure_ascii=False).encode()
