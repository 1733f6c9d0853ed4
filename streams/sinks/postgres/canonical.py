"""Name one real-world entity across articles: a stable id from its normalised name (pure).

"Wang Yi" in every article, "Choe Son Hui" and "Choe Son-hui", "Zürich" and "Zurich" each get
one id. The id is readable (`person:choe son hui`), so it can be typed in SQL and the CLI.
Two different people who share a name share an id too: nothing in a name tells them apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Labels that name the same kind of referent: spaCy's small model calls one place GPE in one
# article and LOC in the next, so they share a family and an id.
LABEL_FAMILIES = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}

# Hyphens, dashes, underscores and slashes separate name parts like a space does.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_/]+")
# Apostrophes, quote marks and dots join: "O'Brien" is "OBrien", "U.S." is "US".
_JOINERS = re.compile(r"['’‘`´\"“”.]")
_LEADING_ARTICLE = re.compile(r"^the ")


def label_family(label: str) -> str:
    """Return the family of an entity label: person, org, place, or the label in lower case."""
    return LABEL_FAMILIES.get(label, label.lower())


def normalise_name(name: str) -> str:
    """Return `name` without case, diacritics, hyphens or extra spaces, and without "the "."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = _JOINERS.sub("", bare.casefold())
    return _LEADING_ARTICLE.sub("", _SEPARATORS.sub(" ", folded).strip())


@lru_cache(maxsize=65536)
def entity_id(name: str, label: str) -> str:
    """Return the cross-article id of the entity `name` labelled `label`: `family:normalised`.

    Cached: the sink asks for the same few thousand names over and over.
    """
    return f"{label_family(label)}:{normalise_name(name)}"
