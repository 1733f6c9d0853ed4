"""Tell an article's language from its commonest words, cheaply, to keep English NLP off others.

The spaCy pipeline and the quote rules are English. Run over German or Indonesian text they
produce confident garbage (every capitalised noun a PERSON), so a non-English article is
stored with its language and without entities or quotes.
"""

from __future__ import annotations

import re

# Function words that make up a large share of any running text in each language and are
# rare in the others. Ten or so per language tell them apart on a paragraph or more.
FUNCTION_WORDS = {
    "en": "the of and to in is that for it was on with as by said from at his but have are",
    "de": "der die das und ist nicht mit den ein eine sich auf für dem zu auch von wird",
    "fr": "le la les et des est un une que dans pour qui sur pas au du ne par avec",
    "es": "el la los las y que en del se por con una para es su al lo como más",
    "pt": "o a os as e que de do da em um uma para com não se por mais dos das",
    "it": "il la di che e un una per non sono con del della le gli nel alla anche",
    "nl": "de het een en van is dat op te in niet met zijn voor er ook aan",
    "id": "yang dan di ini itu dengan untuk dari tidak ke akan pada juga dalam adalah",
}
_WORDS = {lang: set(words.split()) for lang, words in FUNCTION_WORDS.items()}

# Lowercase letter runs: the words, in any Latin or other alphabet.
_WORD = re.compile(r"[^\W\d_]+")

# Fewer words than this and the guess is left to the publisher's field.
MIN_WORDS = 20
# The winning language's share of function words must reach this.
MIN_SHARE = 0.12


# The code of a text long enough to judge whose function words are none of the above.
UNDETERMINED = "und"


def detect_language(text: str, sample_chars: int = 20_000) -> str | None:
    """Return the language code whose function words fill most of `text`.

    "und" (ISO 639's undetermined) when none does, as with Korean or Russian; None when the
    text is too short to judge.
    """
    words = _WORD.findall(text[:sample_chars].lower())
    if len(words) < MIN_WORDS:
        return None
    shares = {lang: sum(w in vocab for w in words) / len(words) for lang, vocab in _WORDS.items()}
    best = max(shares, key=lambda lang: shares[lang])
    return best if shares[best] >= MIN_SHARE else UNDETERMINED


def is_english(language: str | None) -> bool:
    """Tell whether an article in `language` gets the English pipeline (unknown does)."""
    return language is None or language.lower().split("-")[0].split("_")[0] == "en"
