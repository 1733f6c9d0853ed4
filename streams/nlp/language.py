"""Tell an article's language, to keep the English NLP off text in other languages.

The spaCy pipeline and the quote rules are English. Run over German or Indonesian text they
produce confident garbage (every capitalised noun a PERSON), so an article confidently in
another language is stored with its language and without entities or quotes. The judge is
py3langid (langid.py's naive Bayes over byte n-grams, 97 languages, its model shipped inside
the wheel). Its mistakes must cost little: skipping an English article loses all its facts,
running English NLP over a foreign one only stores a few wrong names. So English wins
whenever the identifier gives it a fair chance (results tables, wire copy full of names and
pidgin-like shorthand rank English below Nigerian Pidgin), and a text too short or too
mixed to judge gets no language, which the pipeline treats as English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Fewer letters than this and the guess is left to the publisher's field.
MIN_LETTERS = 40
# English is chosen when the identifier gives it at least this probability.
ENGLISH_FLOOR = 0.05
# Another language is chosen only when the identifier gives it at least this probability.
CONFIDENT = 0.6
# The identifier reads this many characters: a few paragraphs tell any language.
SAMPLE_CHARS = 4_000

# Letters in any alphabet, to measure whether a text is long enough to judge.
_LETTER = re.compile(r"[^\W\d_]")

# The code of a text whose language the identifier could not settle (ISO 639).
UNDETERMINED = "und"


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """Load py3langid's model once per process (about 0.9 s, 30 MB)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_probabilities(text: str) -> dict[str, float]:
    """Return the identifier's probability per language code for text (they sum to 1)."""
    return dict(_identifier().rank(text))


def detect_language(text: str, sample_chars: int = SAMPLE_CHARS) -> str | None:
    """Return the ISO 639-1 code of text's language, giving English the benefit of the doubt.

    "en" when English has a fair chance; another code when the identifier is confident of
    it; None when the text is too short or too mixed to judge (the pipeline treats that as
    English).
    """
    sample = text[:sample_chars]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    probabilities = language_probabilities(sample)
    if probabilities.get("en", 0.0) >= ENGLISH_FLOOR:
        return "en"
    best = max(probabilities, key=lambda code: probabilities[code])
    return best if probabilities[best] >= CONFIDENT else None


def is_english(language: str | None) -> bool:
    """Tell whether an article in `language` gets the English pipeline (unknown does)."""
    return language is None or language.lower().split("-")[0].split("_")[0] == "en"
