"""Hostile inputs and the outcome each must have, shared by `newsflow enrich` and pipeline tests.

A case is either rejected (dead-lettered by the clean stage, a one-line error in `enrich`) with a
reason that contains `reason`, or stored, and then `check` holds for the enriched record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from schemas import EnrichedArticle

QUOTED = 'Maria Gonzalez said on Monday: "The library opens next week." She spoke in Lisbon.'
SQL = "Robert'); DROP TABLE articles; -- \" OR 1=1; DELETE FROM quotes WHERE ''='"
BIDI = 'Maria Gonzalez 😀 said \u202eevil\u202c "שלום עולם" today, مرحبا. 👩‍👩‍👧'
HTML = (
    "<html><head><style>.x{color:red} StyleSecret</style>"
    "<script>var ScriptSecret = 'Jeremy Scriptwriter';</script></head><body>"
    "<p onclick=\"alert('OnClickSecret')\">Maria Gonzalez visited Lisbon on Monday to open a"
    ' new library for the city.</p><p>"It is a great day," she said.</p></body></html>'
)
GERMAN = (
    'Die Bundesregierung hat am Montag neue Regeln beschlossen. "Wir handeln jetzt", sagte'
    " Olaf Scholz in Berlin. Die Opposition kritisierte das Vorhaben scharf."
)


@dataclass(frozen=True)
class Case:
    """One hostile input: its name, bytes, and the outcome it must have."""

    name: str
    value: bytes
    reason: str | None = None  # rejected with this in the reason; None: stored
    check: Callable[[EnrichedArticle], bool] = lambda article: True
    key: bytes | None = None

    @property
    def article_id(self) -> str:
        """The id a stored case is stored under."""
        return str(json.loads(self.value.removeprefix(b"\xef\xbb\xbf"))["id"])


def doc(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def cases(suffix: str, max_text_bytes: int = 1_000_000) -> list[Case]:
    """Return every hostile case; stored ones get the id `hostile-<name>-<suffix>`."""

    def aid(name: str) -> str:
        return f"hostile-{name}-{suffix}"

    return [
        Case("truncated-json", b'{"id": "cut", "text": "an article cut off in the midd', "JSON"),
        Case("json-array", b'[{"id": "a", "text": "x"}]', "valid RawArticle"),
        Case("json-number", b"42", "valid RawArticle"),
        Case("zero-length", b"", "empty message"),
        Case("missing-id", doc(text=QUOTED), "id"),
        Case("empty-id", doc(id="", text=QUOTED), "id"),
        Case("whitespace-id", doc(id=" \t ", text=QUOTED), "id"),
        Case("number-id", doc(id=12345, text=QUOTED), "id"),
        Case("missing-text", doc(id=aid("missing-text"), title="t"), "'text' or 'html'"),
        Case("empty-text", doc(id=aid("empty-text"), text=""), "'text' or 'html'"),
        Case(
            "invisible-text",
            doc(id=aid("invisible-text"), text=" \u00a0\u200b\u2060\t\n "),
            "'text' or 'html'",
        ),
        Case(
            "oversized-text",
            doc(id=aid("oversized-text"), text="a" * (max_text_bytes + 1)),
            "over the limit",
        ),
        Case("invalid-utf8", b'{"id": "u", "text": "caf\xe9 \xff\xfe"}', "JSON"),
        Case("raw-nul-byte", b'{"id": "n", "text": "a\x00b"}', "control character"),
        Case(
            "escaped-nul",
            doc(id=aid("escaped-nul"), text="Hello\u0000 world. " + QUOTED),
            check=lambda a: "Maria Gonzalez" in {e.name for e in a.entities},
        ),
        Case("unpaired-surrogate", b'{"id": "s", "text": "a \\ud800 b"}', "JSON"),
        Case(
            "html-script-style-handlers",
            doc(id=aid("html-script-style-handlers"), html=HTML),
            check=lambda a: (
                not any(
                    secret in a.body + " ".join(e.name for e in a.entities)
                    for secret in ("StyleSecret", "ScriptSecret", "Scriptwriter", "OnClickSecret")
                )
                and "Maria Gonzalez" in a.body
            ),
        ),
        Case(
            "sql-injection",
            doc(id=aid("sql-injection"), title=SQL, text=SQL + "\n\n" + QUOTED),
            check=lambda a: a.headline == SQL,
        ),
        Case(
            "emoji-rtl-bidi",
            doc(id=aid("emoji-rtl-bidi"), text=BIDI),
            check=lambda a: a.body == BIDI,
        ),
        Case(
            "one-huge-token",
            doc(id=aid("one-huge-token"), text="A" * 100_000 + " " + QUOTED),
            check=lambda a: a.body.startswith("A" * 100_000),
        ),
        Case("nested-100000-deep", b'{"id": "d", "metadata": ' + b"[" * 100_000, "JSON"),
        Case(
            "unknown-fields",
            doc(id=aid("unknown-fields"), text=QUOTED, shoe_size=44, nested={"a": [1]}),
        ),
        Case(
            "utf8-bom",
            b"\xef\xbb\xbf" + doc(id=aid("utf8-bom"), text=QUOTED),
            check=lambda a: a.id == aid("utf8-bom"),
        ),
    ]


def non_english(suffix: str) -> Case:
    """A German article: stored with its language, no English NER over it."""
    return Case(
        "non-english",
        doc(id=f"hostile-non-english-{suffix}", language="de", text=GERMAN),
        check=lambda a: a.language == "de" and not a.entities,
    )
