"""Load the spaCy pipeline once per process, with only the components newsflow uses."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

# Components the pipeline never needs: lemmas are unused, and en_core_web_sm's parser and
# NER read tok2vec only, so the tagger and attribute ruler would be wasted work.
UNUSED_COMPONENTS = ("lemmatizer", "tagger", "attribute_ruler", "senter")


class ModelNotInstalledError(RuntimeError):
    """The configured spaCy model package is not installed."""

    def __init__(self, name: str) -> None:
        package = name.replace("_", "-")
        super().__init__(f"spaCy model {name!r} is not installed: pip install {package}")


@lru_cache(maxsize=4)
def load_model(name: str) -> Language:
    """Load the spaCy pipeline `name` for sentences and entities (cached per name).

    Raises ModelNotInstalledError when no installed package provides it.
    """
    try:
        return spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except OSError as error:
        raise ModelNotInstalledError(name) from error
