"""Articles not in English are told apart and kept out of the English NLP; English never is."""

from __future__ import annotations

from streams.nlp.language import detect_language, is_english

GERMAN = (
    "Die Bundesregierung hat am Montag beschlossen, dass die neuen Regeln für den Klimaschutz "
    "ab dem kommenden Jahr gelten sollen. Der Minister sagte, es sei ein wichtiger Schritt für "
    "das Land und die Wirtschaft, die sich auf die Veränderungen einstellen müsse."
)
ENGLISH = (
    "The council voted on Tuesday to close the bridge for repairs, and the mayor said that the "
    "work would take six weeks. Residents of the east bank were told to use the ferry, which "
    "will run every twenty minutes from the old pier."
)
RUSSIAN = (
    "Правительство объявило в понедельник, что новые правила вступят в силу в следующем году. "
    "Министр сказал, что это важный шаг для страны и для экономики, которая должна "
    "подготовиться к изменениям в ближайшие месяцы и годы."
)


def test_english_german_and_other_scripts_are_told_apart() -> None:
    assert detect_language(ENGLISH) == "en"
    assert detect_language(GERMAN) == "de"
    assert detect_language(RUSSIAN) == "ru"


def test_a_text_too_short_to_judge_has_no_language() -> None:
    assert detect_language("Budget passes.") is None


def test_unknown_and_english_variants_get_the_english_pipeline() -> None:
    assert [is_english(code) for code in (None, "en", "en-GB", "EN_us")] == [True] * 4
    assert [is_english(code) for code in ("de", "und", "pt-BR")] == [False] * 3


# A results table with a one-line intro: names and digits, few function words.
RESULTS_TABLE = """Results of the regional netball league on Sunday:

Harbourside Herons 41 Millbrook Kestrels 38
Quarry Lane 29 Eastfield Orioles 44
Standings: Herons 12 points, Orioles 10, Kestrels 9"""

# An English report that quotes a sentence in French.
MIXED = (
    "The mayor of the twin town read a message from her counterpart at the ceremony on Friday. "
    '"Nous sommes heureux de vous accueillir dans notre ville," the message said, before the '
    "two councils signed the renewed agreement on school exchanges."
)


def test_english_tables_and_mixed_texts_get_the_benefit_of_the_doubt() -> None:
    assert detect_language(RESULTS_TABLE) == "en"
    assert detect_language(MIXED) == "en"
