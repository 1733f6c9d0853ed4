"""The one place that reads the NLP vocabularies: furniture phrases, agencies, name titles.

The words live as data in streams/nlp/data/*.toml so a reviewer changes a list, not a regex
spread through code; the modules that use them ask here for a word set or a regex
alternation built from one table.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=8)
def load_table(name: str) -> dict[str, Any]:
    """Return the vocabulary file streams/nlp/data/<name>.toml as a dict (read once)."""
    with resources.files("streams.nlp").joinpath("data", f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def entries(name: str, key: str) -> tuple[str, ...]:
    """Return the list `key` of vocabulary `name`, in file order."""
    return tuple(load_table(name)[key])


def word_set(name: str, key: str) -> frozenset[str]:
    """Return the list `key` of vocabulary `name` as a set of words."""
    return frozenset(entries(name, key))


def alternation(name: str, key: str) -> str:
    """Return the regex patterns of list `key` of vocabulary `name` as one group "(?:a|b)"."""
    return "(?:" + "|".join(entries(name, key)) + ")"
