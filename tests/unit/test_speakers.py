"""Speaker attribution on patterns of real copy: labels, sign-offs, coreference, fragments.

Entities are written by hand (what the entities stage would hand over); sentences come from
the fallback splitter, so no model runs here.
"""

from __future__ import annotations

from schemas.articles import Quote
from streams.nlp.quotes import extract_quotes
from tests.unit.test_quotes import direct, entity, indirect


def quotes(body: str, *entities) -> list[Quote]:  # type: ignore[no-untyped-def]
    found = extract_quotes(body, entities, [])
    for quote in found:
        assert body[quote.start : quote.end] == quote.text
    return found


def test_he_skips_a_woman_named_nearer() -> None:
    body = (
        "Mr. Halvard Ness, the club's owner, met Mrs. Ilse Brandt on Monday. "
        'Brandt left early. "We will sell nothing," he said.'
    )
    found = quotes(
        body,
        entity(body, "Halvard Ness", "PERSON", "Ness"),
        entity(body, "Ilse Brandt", "PERSON", "Brandt"),
    )
    assert direct(found) == [("We will sell nothing", "Halvard Ness")]


def test_she_is_the_subject_of_the_sentence_before_not_its_object() -> None:
    body = (
        "Rosa Quint said she had warned Pavel Dorn twice.\n\n"
        '"Nobody listened to the engineers," she said.'
    )
    found = quotes(body, entity(body, "Rosa Quint", "PERSON"), entity(body, "Pavel Dorn", "PERSON"))
    assert direct(found) == [("Nobody listened to the engineers", "Rosa Quint")]


def test_the_mayor_is_the_person_the_article_called_mayor() -> None:
    body = (
        "Mayor Lena Ostrova opened the bridge. Engineer Piet Kram watched.\n\n"
        '"It took nine years," the mayor said.'
    )
    found = quotes(
        body, entity(body, "Lena Ostrova", "PERSON"), entity(body, "Piet Kram", "PERSON")
    )
    assert direct(found) == [("It took nine years", "Lena Ostrova")]


def test_a_possessor_before_the_appositive_does_not_speak() -> None:
    body = 'The mayor\'s chief of staff, Ana Ruiz, said: "The budget is closed."'
    found = quotes(body, entity(body, "Ana Ruiz", "PERSON"))
    assert direct(found) == [("The budget is closed.", "Ana Ruiz")]


def test_a_roundup_label_with_a_colon_names_the_speaker() -> None:
    body = 'Olu Bakare, head of sales at Fenwick Foods: "Orders doubled in a week."'
    found = quotes(body, entity(body, "Olu Bakare", "PERSON"), entity(body, "Fenwick Foods", "ORG"))
    assert direct(found) == [("Orders doubled in a week.", "Olu Bakare")]


def test_a_dash_sign_off_names_the_speaker() -> None:
    body = '"The trains never run on time." ― Mirela Dobre'
    assert direct(quotes(body, entity(body, "Mirela Dobre", "PERSON"))) == [
        ("The trains never run on time.", "Mirela Dobre")
    ]


def test_a_paragraph_ending_in_a_colon_introduces_the_next_quote() -> None:
    body = 'Yusuf Demir continued:\n\n"The harvest will be late, and smaller."'
    assert direct(quotes(body, entity(body, "Yusuf Demir", "PERSON"))) == [
        ("The harvest will be late, and smaller.", "Yusuf Demir")
    ]


def test_a_transcript_label_inside_the_marks_names_the_speaker() -> None:
    body = 'Part of the interview:\n\n"HOLM: We never saw the report before the vote."'
    assert direct(quotes(body, entity(body, "Britt Holm", "PERSON", "Holm"))) == [
        ("HOLM: We never saw the report before the vote.", "Britt Holm")
    ]


def test_a_short_fragment_is_speech_when_a_cue_credits_it() -> None:
    body = 'Kiri Tane called the offer "insulting" and walked out. Fans chanted "Go home".'
    assert direct(quotes(body, entity(body, "Kiri Tane", "PERSON"))) == [("insulting", "Kiri Tane")]


def test_a_fragment_in_a_reported_clause_shares_its_speaker() -> None:
    body = 'Sanna Lind said the plan was "a fantasy" that would bankrupt the town.'
    found = quotes(body, entity(body, "Sanna Lind", "PERSON"))
    assert direct(found) == [("a fantasy", "Sanna Lind")]
    assert indirect(found) == [
        ('the plan was "a fantasy" that would bankrupt the town', "Sanna Lind")
    ]


def test_a_place_never_speaks() -> None:
    body = '"We will rebuild the port," Valdoria said.'
    assert direct(quotes(body, entity(body, "Valdoria", "GPE"))) == [
        ("We will rebuild the port", None)
    ]


def test_a_short_form_labelled_as_a_place_speaks_as_the_person() -> None:
    body = 'Director Ama Ofori spoke first. "We kept every frame," Ofori said.'
    found = quotes(body, entity(body, "Ama Ofori", "PERSON"), entity(body, "Ofori", "GPE"))
    assert direct(found) == [("We kept every frame", "Ama Ofori")]
