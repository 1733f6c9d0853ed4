"""Read articles from files, folders and stdin as RawArticle JSON messages (pure, no Kafka).

Accepted: `.json` (one RawArticle object, or an array of them), `.jsonl`/`.ndjson` (one per
line), `.txt`/`.text` (plain text; the id is the file name without its suffix),
`.html`/`.htm` (HTML; id likewise), folders (every such file below them, in name order), and
`-` for stdin (JSON lines when it starts with `{`, a JSON array with `[`, else one plain-text
article). JSON lines are read a line at a time; the other kinds whole.
"""

from __future__ import annotations

import json
import os
import select
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Protocol

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


class LineSource(Protocol):
    """Where stdin's bytes come from: lines as they arrive, or the rest at once."""

    def __iter__(self) -> Iterator[bytes]: ...

    def read(self) -> bytes: ...


class StdinLines:
    """A stream read straight from its file descriptor, that can tell whether a line waits.

    Python's buffered stdin can hold lines select() does not see, so this keeps its own
    buffer: `ready()` is true when the next line can be read without waiting.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.buffer = b""
        self.ended = False
        self.reading = False

    def _fill(self) -> None:
        chunk = os.read(self.stream.fileno(), 65_536)
        self.buffer += chunk
        self.ended = not chunk

    def __iter__(self) -> Iterator[bytes]:
        self.reading = True
        try:
            while True:
                end = self.buffer.find(b"\n")
                if end >= 0:
                    line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
                    yield line
                elif self.ended:
                    if self.buffer:
                        yield self.buffer
                        self.buffer = b""
                    return
                else:
                    self._fill()
        finally:
            self.reading = False

    def read(self) -> bytes:
        while not self.ended:
            self._fill()
        rest, self.buffer = self.buffer, b""
        return rest

    def ready(self) -> bool:
        """Tell whether reading the next line would not wait (always, when not reading it)."""
        if not self.reading or self.ended or b"\n" in self.buffer:
            return True
        waiting, _, _ = select.select([self.stream.fileno()], [], [], 0)
        return bool(waiting)


class UnknownKindError(ValueError):
    """A named file whose suffix says no kind of article: the message says which are known."""


def check_paths(paths: Sequence[str]) -> None:
    """Raise FileNotFoundError or UnknownKindError for a path `read_inputs` could not read."""
    for name in paths:
        path = Path(name)
        if name == "-" or path.is_dir():
            continue
        if not path.is_file():
            raise FileNotFoundError(f"no such file or folder: {name}")
        if path.suffix.lower() not in KNOWN_SUFFIXES:
            raise unknown_kind(path)


def unknown_kind(path: Path) -> UnknownKindError:
    return UnknownKindError(
        f"{path}: unknown kind of file (use {', '.join(sorted(KNOWN_SUFFIXES))}, or - for stdin)"
    )


def read_inputs(paths: Sequence[str], stdin: LineSource) -> Iterator[Input]:
    """Return the article messages named by `paths` (`-` reads `stdin`), read as they are taken.

    The paths are checked now (see `check_paths`), so a wrong one fails before any work.
    JSON lines, from files or stdin, are read a line at a time: memory stays flat however
    long the input, and a line is yielded as soon as it arrives.
    """
    check_paths(paths)
    return _read_inputs(paths, stdin)


def _read_inputs(paths: Sequence[str], stdin: LineSource) -> Iterator[Input]:
    for name in paths:
        if name == "-":
            yield from read_stream("stdin", stdin)
            continue
        path = Path(name)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix.lower() in KNOWN_SUFFIXES):
                yield from read_file(file)
        else:
            yield from read_file(path)


def read_file(path: Path) -> Iterator[Input]:
    """Yield the article messages of one file, by its suffix."""
    suffix = path.suffix.lower()
    if suffix in JSON_LINES_SUFFIXES:
        with path.open("rb") as lines:
            yield from read_json_lines(str(path), lines)
    elif suffix in JSON_SUFFIXES:
        yield from read_json_document(str(path), path.read_bytes())
    elif suffix in HTML_SUFFIXES:
        yield Input(str(path), wrap(path.stem, "html", path.read_bytes()))
    elif suffix in TEXT_SUFFIXES:
        yield Input(str(path), wrap(path.stem, "text", path.read_bytes()))
    else:
        raise unknown_kind(path)


def read_stream(origin: str, stream: LineSource) -> Iterator[Input]:
    """Yield the article messages of stdin: JSON lines, a JSON array, or one plain text.

    The first line that is not blank decides: `{` starts JSON lines, read one at a time;
    `[` a JSON array and anything else a plain text, both read whole.
    """
    skipped: list[bytes] = []
    lines = iter(stream)  # one iterator throughout: StdinLines knows it is being read
    for line in lines:
        head = line.lstrip()[:1]
        if not head:
            skipped.append(line)
        elif head == b"{":
            yield from read_json_lines(origin, chain([line], lines), first=len(skipped) + 1)
            return
        else:
            data = b"".join([*skipped, line, stream.read()])
            if head == b"[":
                yield from read_json_document(origin, data)
            else:
                yield Input(origin, wrap(origin, "text", data))
            return


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


def read_json_lines(origin: str, lines: Iterable[bytes], first: int = 1) -> Iterator[Input]:
    """Yield one message per non-blank line, each line's bytes as they are (less its newline)."""
    for number, line in enumerate(lines, start=first):
        if line.strip():
            yield Input(f"{origin}:{number}", line.rstrip(b"\n").rstrip(b"\r"))


def wrap(article_id: str, field: str, data: bytes) -> bytes:
    """Return the RawArticle JSON of a plain-text or HTML file's content."""
    content = data.decode("utf-8", errors="replace")
    return json.dumps({"id": article_id, field: content}, ensure_ascii=False).encode()
