"""Article text as blocks: paragraphs split from a raw text, and what shape each one has.

Pure functions over strings: where paragraphs break, whether a block is hard-wrapped, ends a
sentence, or is a row of a table or list (results, standings, line-ups, bullets, Q&A) that
belongs to the article even though it reads like no sentence.
"""

from __future__ import annotations

import re

# Blank lines (possibly holding spaces) that separate paragraphs.
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")

# Whitespace runs, to count words.
_WHITESPACE = re.compile(r"\s+")

# A block's last visible character that ends a sentence, allowing closing quotes/brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]]*$")

# Words a Title-Case line may leave in lower case ("Ruiz Sees Red in the Senate").
TITLE_SMALL_WORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "and", "or", "for", "to", "at", "by", "with", "without",
     "from", "de", "la", "le"}
)  # fmt: skip

# Quote marks and brackets around a word ("‘Disgusting", "(D-Ill.)").
_AROUND_WORD = "\"'“”‘’()[]"

_MAX_WRAP_WIDTH = 120  # wider lines are one paragraph per line, not hard-wrapped text
REPEAT_PREFIX_CHARS = 60  # blocks opening with this many equal characters are one caption


def normalise_text(text: str) -> str:
    """Drop NUL characters and unify line endings to \\n."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def word_count(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())


def is_title_cased(text: str) -> bool:
    """Tell whether every word of text that starts with a letter is capitalised, but the
    small ones ("Black Lawmakers Rip Trump As A ‘Disgusting Fraud.’"), with at least one
    capitalised word."""
    words = [w.strip(_AROUND_WORD) for w in text.split()]
    words = [w for w in words if w[:1].isalpha()]
    return bool(words) and all(w[0].isupper() or w in TITLE_SMALL_WORDS for w in words)


def split_blocks(text: str) -> list[str]:
    """Split text into paragraph blocks: blank-line separated, or one per line in dumps.

    A blank-line chunk of several lines stays one block only when it reads as one
    hard-wrapped paragraph (see is_hard_wrapped); otherwise each line is a block.
    """
    blocks: list[str] = []
    for chunk in _BLANK_LINES.split(normalise_text(text)):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if is_hard_wrapped(lines):
            blocks.append("\n".join(lines))
        else:
            blocks.extend(lines)
    return blocks


def is_hard_wrapped(lines: list[str]) -> bool:
    """Tell whether lines are one paragraph wrapped at a fixed width (e-mail, wire copy).

    Every line but the last is long and near the longest one, and not every line but the
    last ends a sentence (one-paragraph-per-line dumps end nearly every line with one).
    """
    if len(lines) < 2:
        return False
    body = lines[:-1]
    widest = max(len(line) for line in lines)
    if widest > _MAX_WRAP_WIDTH or any(len(line) < 0.6 * widest or len(line) < 30 for line in body):
        return False
    return sum(1 for line in body if ends_sentence(line)) <= len(body) // 2


def ends_sentence(block: str) -> bool:
    """Tell whether a block ends with sentence punctuation (closing quotes allowed)."""
    return bool(_ENDS_SENTENCE.search(block))


def same_text(a: str, b: str) -> bool:
    """Tell whether two texts are equal but for case and whitespace."""
    return _WHITESPACE.sub(" ", a).strip().casefold() == _WHITESPACE.sub(" ", b).strip().casefold()


# A number as results and market tables print it: "3", "1-0", "3:45.011", ".500", "1/2",
# "292-8", "$0.22", "12.5%", "(4)", "(75th)".
_NUMBER = re.compile(
    r"(?<![\w.])[(+$-]?\d[\d,.:/-]*(?:%|st|nd|rd|th)?\)?(?!\w|[.,:/-]\w)"
    r"|(?<![\w.])\.\d+(?!\w)"
)

# A word of two or more letters: a name or a label in a table row.
_WORD = re.compile(r"[^\W\d_]{2,}")

# The marker that opens a list item: "1. ", "2) ", "- ", "* ", "• ".
_LIST_ITEM = re.compile(r"^(?:\d{1,3}[.)]|[-*•·▪◦–])[ \t]+\S")

# A turn of a Q&A interview: "Q: ...", "A. ...", "Question: ...".
_QA_TURN = re.compile(r"^(?:Q|A|Question|Answer)[:.][ \t]+\S")

# A pairing or fixture without a score: "Leeds v Hull", "HOUSTON AT PITTSBURGH",
# "Ana Ruiz (Chile) beat Mei Tanaka (Japan)".
_FIXTURE = re.compile(
    r"^[A-Z][\w.'’()-]*(?:[ ][A-Z(][\w.'’()-]*){0,3}"
    r"[ ](?:v|vs\.?|at|AT|versus|beat|bt|drew[ ]with)[ ]"
    r"[A-Z][\w.'’()-]*(?:[ ][A-Z(][\w.'’()-]*){0,3}$"
)

# A comma-separated run of three or more capitalised items: a line-up or squad list.
_NAME_LIST = re.compile(r"^[A-Z][^,;\n]{1,40}(?:,[ ][A-Z][^,;\n]{1,40}){2,}\.?$")

_MAX_ROW_WORDS = 40  # a longer line is a paragraph, whatever its numbers
_MAX_ONE_NUMBER_WORDS = 10  # a row with a single number is no longer than this
_MAX_RANKED_NAME_WORDS = 3  # "62 Ana Ruiz": a rank or score and a name


def is_table_row(line: str) -> bool:
    """Tell whether a line reads as a row of a table or an item of a list, not a sentence.

    Results, standings and market tables mix words with numbers ("Leeds 3 Hull 1"); lists
    open with a marker ("1. ", "- "); interviews with "Q:"; line-ups are comma-separated
    names. The caller rules out furniture of the same shapes (dates, counters).
    """
    stripped = line.strip()
    if "\n" in stripped or not stripped or word_count(stripped) > _MAX_ROW_WORDS:
        return False
    if _LIST_ITEM.match(stripped) or _QA_TURN.match(stripped) or _FIXTURE.match(stripped):
        return True
    if _NAME_LIST.match(stripped):
        return True
    numbers = [m.start() for m in _NUMBER.finditer(stripped)]
    if not _WORD.search(stripped) or not numbers:
        return False
    # A lone number opening a line is a count in a teaser ("27 Oddest Case Reports") unless
    # a short name or a list follows it ("62 Ana Ruiz", a leaderboard); one number in a long
    # line is a headline's ("Club pays £71.6m for keeper ...").
    if numbers[0] == 0 and len(numbers) == 1:
        return "," in stripped or word_count(stripped) <= _MAX_RANKED_NAME_WORDS
    return len(numbers) > 1 or word_count(stripped) <= _MAX_ONE_NUMBER_WORDS
