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


def test_a_clause_opening_with_a_pronoun_after_an_uncommon_cue_is_reported() -> None:
    body = "Tove Aas acknowledged it was unlikely to pass the assembly."
    found = quotes(body, entity(body, "Tove Aas", "PERSON"))
    assert indirect(found) == [("it was unlikely to pass the assembly", "Tove Aas")]


def test_an_uncommon_cue_without_a_clause_reports_nothing() -> None:
    body = "Tove Aas acknowledged the applause of the hall."
    assert indirect(quotes(body, entity(body, "Tove Aas", "PERSON"))) == []


def test_an_attribution_inserted_in_the_sentence_reports_the_longer_part() -> None:
    body = "On Friday, Rune Berg said, the ministry had stopped answering his letters."
    found = quotes(body, entity(body, "Rune Berg", "PERSON"))
    assert indirect(found) == [("the ministry had stopped answering his letters", "Rune Berg")]


def test_to_say_and_lets_say_report_nothing() -> None:
    body = "Let's say the rent doubles next year. Mia Roth plans to say the deal is off."
    assert indirect(quotes(body, entity(body, "Mia Roth", "PERSON"))) == []


def test_a_title_case_name_given_by_a_naming_cue_is_speech_but_a_title_is_not() -> None:
    body = 'Ola Dahl called his rival "Little Napoleon" and praised the film "Cold Harbour".'
    assert direct(quotes(body, entity(body, "Ola Dahl", "PERSON"))) == [
        ("Little Napoleon", "Ola Dahl")
    ]


def test_a_sign_off_names_a_speaker_the_model_missed() -> None:
    body = '"Fix the buses before the trams."\u00a0―\u00a0Lior Ben-Ami.'
    assert direct(quotes(body)) == [("Fix the buses before the trams.", "Lior Ben-Ami")]


def test_a_party_tag_in_brackets_and_a_dashed_appositive_do_not_speak() -> None:
    body = (
        '"We have the votes," said Rep. Nadia Holt (D-Verona). '
        'Emil Sand -- co-author of a book on Verona Council -- said: "They do not."'
    )
    found = quotes(
        body,
        entity(body, "Nadia Holt", "PERSON"),
        entity(body, "D-Verona", "GPE"),
        entity(body, "Emil Sand", "PERSON"),
        entity(body, "Verona Council", "ORG"),
    )
    assert direct(found) == [("We have the votes", "Nadia Holt"), ("They do not.", "Emil Sand")]


def test_an_abbreviated_title_after_the_cue_does_not_end_the_speaker() -> None:
    body = '"Pray for the valley," said the Rev. Amos Kiel, of St. Brigid\'s.'
    assert direct(quotes(body, entity(body, "Amos Kiel", "PERSON"))) == [
        ("Pray for the valley", "Amos Kiel")
    ]


def test_a_short_fragment_with_its_cue_right_after_is_speech() -> None:
    body = 'Ines Vale read the verdict. "Shameful," she said.'
    assert direct(quotes(body, entity(body, "Ines Vale", "PERSON"))) == [("Shameful", "Ines Vale")]


def test_their_union_is_the_union_the_article_named() -> None:
    body = "Ferry crews of the Velde Seafarers Union walked out. Their union said talks had failed."
    found = quotes(body, entity(body, "Velde Seafarers Union", "ORG"))
    assert indirect(found) == [("talks had failed", "Velde Seafarers Union")]


def test_a_plural_group_speaks_and_its_adjective_does_not() -> None:
    body = "Greens said the levy was too low. Green leader Oda Lie said it was fair."
    found = quotes(
        body,
        entity(body, "Greens", "NORP"),
        entity(body, "Green", "NORP"),
        entity(body, "Oda Lie", "PERSON"),
    )
    assert indirect(found) == [("the levy was too low", "Greens"), ("it was fair", "Oda Lie")]


def test_a_name_that_only_modifies_a_role_before_the_speaker_does_not_speak() -> None:
    body = (
        "Dunmore campaign spokesman Kit Alder told reporters on Friday that the rally was "
        'moved. "We have no exact date yet," he said.'
    )
    found = quotes(
        body, entity(body, "Dunmore", "PERSON"), entity(body, "Kit Alder", "PERSON", "Alder")
    )
    assert direct(found) == [("We have no exact date yet", "Kit Alder")]


def test_a_subject_the_model_missed_is_still_the_speaker_before_its_appositive() -> None:
    body = 'Lise Orvik, a senior adviser to the Dunmore campaign, called it "a wake-up call."'
    found = quotes(body, entity(body, "Dunmore", "PERSON"))
    assert direct(found) == [("a wake-up call.", "Lise Orvik")]


def test_a_verb_of_blame_credits_the_fragment_after_it() -> None:
    body = 'Mayor Ines Calder condemned the closure as "reckless" on Tuesday.'
    found = quotes(body, entity(body, "Ines Calder", "PERSON"))
    assert direct(found) == [("reckless", "Ines Calder")]


def test_the_source_after_an_inverted_cue_speaks_and_its_appositive_is_no_clause() -> None:
    body = (
        "''The levy is fair to every household,'' said Bo Lindqvist, an economist at the "
        "Harrow Institute. ''It will not last.''"
    )
    found = quotes(body, entity(body, "Bo Lindqvist", "PERSON"))
    assert indirect(found) == [("''The levy is fair to every household", "Bo Lindqvist")]


def test_he_never_stands_for_a_committee_even_one_a_pronoun_follows() -> None:
    body = (
        "Olav Strand, who once chaired the Harbour Rules Committee, said he expects a vote. "
        "The rules let the Harbour Rules Committee name a new board.\n\n"
        '"You would be a fool not to prepare," he said.'
    )
    found = quotes(
        body,
        entity(body, "Olav Strand", "PERSON", "Strand"),
        entity(body, "Harbour Rules Committee", "ORG"),
    )
    assert direct(found) == [("You would be a fool not to prepare", "Olav Strand")]


def test_an_object_pronoun_after_a_name_does_not_give_that_name_a_gender() -> None:
    body = (
        "Mrs. Petra Holm met Mr. Arne Vik at the dock. Vik thanked her twice.\n\n"
        '"It was a fair deal," she said.'
    )
    found = quotes(
        body,
        entity(body, "Petra Holm", "PERSON", "Holm"),
        entity(body, "Arne Vik", "PERSON", "Vik"),
    )
    assert direct(found) == [("It was a fair deal", "Petra Holm")]


def test_a_speaker_with_two_appositives_after_the_quote_is_still_found() -> None:
    body = (
        '"It is an invasion of the state domain," Halla Berget, the attorney general of '
        "Norland, one of the states suing the agency, said at an event this month."
    )
    found = quotes(body, entity(body, "Halla Berget", "PERSON"), entity(body, "Norland", "GPE"))
    assert direct(found) == [("It is an invasion of the state domain", "Halla Berget")]


def test_a_nearer_cue_without_a_source_passes_the_quote_to_the_one_before() -> None:
    body = (
        "Ivo Marsh, the head of the Civic League, forcefully told a student who suggested "
        'otherwise that "this is not the first generation to be frustrated."'
    )
    found = quotes(body, entity(body, "Ivo Marsh", "PERSON"), entity(body, "Civic League", "ORG"))
    assert direct(found) == [("this is not the first generation to be frustrated.", "Ivo Marsh")]


def test_an_uncommon_cue_of_comparison_credits_its_fragment() -> None:
    body = 'Tove Lind compared Ruiz to a coach who is "working the referees" at every game.'
    found = quotes(body, entity(body, "Tove Lind", "PERSON"))
    assert direct(found) == [("working the referees", "Tove Lind")]


def test_a_participle_cue_after_a_clause_credits_the_clause_subject_not_its_object() -> None:
    body = (
        "During a speech on Friday, Halvor Dunn attacked Mira Sol for her support of the "
        'war, saying, "She is reckless and unstable."'
    )
    found = quotes(body, entity(body, "Halvor Dunn", "PERSON"), entity(body, "Mira Sol", "PERSON"))
    assert direct(found) == [("She is reckless and unstable.", "Halvor Dunn")]


def test_a_when_clause_after_the_quote_is_not_its_attribution() -> None:
    body = (
        'The ad ends with footage of Dunn saying, "That makes me smart," when Mira Sol '
        "blasted him for not paying tax."
    )
    found = quotes(body, entity(body, "Dunn", "PERSON"), entity(body, "Mira Sol", "PERSON"))
    assert direct(found) == [("That makes me smart", "Dunn")]


def test_a_country_that_is_the_bare_subject_of_a_cue_speaks_for_its_government() -> None:
    body = 'Norway insisted the North must "stop its dangerous escapades" at once.'
    found = quotes(body, entity(body, "Norway", "GPE"))
    assert direct(found) == [("stop its dangerous escapades", "Norway")]


def test_a_country_that_only_places_the_subject_never_speaks() -> None:
    body = 'Talks in Norway broke down, officials said. "We will try again," one said.'
    found = quotes(body, entity(body, "Norway", "GPE"))
    assert direct(found) == [("We will try again", None)]


def test_a_fragment_listed_after_a_credited_one_is_speech_too() -> None:
    body = 'Halvor Dunn called the pageant winner "Miss Piggy" and "Miss Housekeeping" at once.'
    found = quotes(body, entity(body, "Halvor Dunn", "PERSON"))
    assert direct(found) == [("Miss Piggy", "Halvor Dunn"), ("Miss Housekeeping", "Halvor Dunn")]


def test_a_listed_title_without_a_cue_stays_a_title() -> None:
    body = 'The festival showed "Red Harbour" and "Blue Coast" on Friday.'
    assert direct(quotes(body)) == []


def test_a_progressive_cue_after_is_is_the_subject_speaking_not_a_passive() -> None:
    body = 'Mira Sol is describing as "unhinged" a tweet from her rival.'
    found = quotes(body, entity(body, "Mira Sol", "PERSON"))
    assert direct(found) == [("unhinged", "Mira Sol")]


def test_a_short_fragment_in_a_clause_reported_by_an_unnamed_source_is_speech() -> None:
    body = 'Police say they have "enough officers" for the match.'
    assert direct(quotes(body)) == [("enough officers", None)]


def test_a_short_fragment_after_a_passive_cue_is_not_speech() -> None:
    body = 'The plan was said to be "very bold" by nobody in particular.'
    assert direct(quotes(body)) == []


def test_an_inverted_source_after_a_clause_with_commas_speaks() -> None:
    body = "For some, the losses would outstrip the gains, said Batt, a tax scholar."
    found = quotes(body, entity(body, "Edda Batt", "PERSON", "Batt"))
    assert indirect(found) == [("For some, the losses would outstrip the gains", "Edda Batt")]


def test_a_second_attribution_in_a_reported_clause_reports_its_own_clause() -> None:
    body = (
        "Inspector Joel Varga said the footage did not show the driver's hands, "
        "but he said two witnesses saw a phone in the cab."
    )
    found = quotes(body, entity(body, "Joel Varga", "PERSON"))
    assert indirect(found) == [
        ("the footage did not show the driver's hands", "Joel Varga"),
        ("two witnesses saw a phone in the cab", "Joel Varga"),
    ]


def test_a_coordinated_cue_without_a_subject_keeps_the_clause_speaker() -> None:
    body = (
        "Mayor Ines Korda said the depot would close by March "
        "and suggested that the staff would move to Perrin Road."
    )
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [
        ("the depot would close by March", "Ines Korda"),
        ("the staff would move to Perrin Road", "Ines Korda"),
    ]


def test_a_second_attribution_with_its_own_subject_credits_that_subject() -> None:
    body = (
        "Ines Korda said the reforms were not finished, though Tarn Union "
        "warned that the council was giving up its leverage."
    )
    found = quotes(body, entity(body, "Ines Korda", "PERSON"), entity(body, "Tarn Union", "ORG"))
    assert indirect(found) == [
        ("the reforms were not finished", "Ines Korda"),
        ("the council was giving up its leverage", "Tarn Union"),
    ]


def test_a_conjunction_then_that_continues_the_reported_clause() -> None:
    body = "Ines Korda said residents heard a bang and that a wall fell soon after."
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [
        ("residents heard a bang and that a wall fell soon after", "Ines Korda")
    ]


def test_a_naming_cue_inside_a_clause_does_not_split_it() -> None:
    body = "Ines Korda said she had caught flu twice and called it a hazard of the job."
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [
        ("she had caught flu twice and called it a hazard of the job", "Ines Korda")
    ]


def test_a_participle_after_a_quote_and_its_cue_reports_a_clause() -> None:
    body = (
        '"We were never told about the cracks in the ceiling of the north stand," '
        "she said, adding that the club had known for a year."
    )
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [("the club had known for a year", None)]
    assert direct(found) == [
        ("We were never told about the cracks in the ceiling of the north stand", None)
    ]


def test_a_reported_clause_may_open_with_a_phrase_after_that() -> None:
    body = "Ines Korda said that in 2019, the clinic had lost its licence for a month."
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [
        ("in 2019, the clinic had lost its licence for a month", "Ines Korda")
    ]


def test_a_concession_after_a_reported_clause_is_the_writers() -> None:
    body = "Tomas Rand said the levy was fair, although he again refused to publish his accounts."
    found = quotes(body, entity(body, "Tomas Rand", "PERSON"))
    assert indirect(found) == [("the levy was fair", "Tomas Rand")]


def test_a_reported_question_after_asked_is_an_indirect_quote() -> None:
    body = "Councillor Ines Korda asked the treasurer whether the depot sale had been approved."
    found = quotes(body, entity(body, "Ines Korda", "PERSON"))
    assert indirect(found) == [("whether the depot sale had been approved", "Ines Korda")]


def test_asked_without_a_question_word_reports_nothing() -> None:
    body = "Ines Korda asked the treasurer for the accounts of the depot sale."
    assert indirect(quotes(body, entity(body, "Ines Korda", "PERSON"))) == []


def test_a_refusal_to_say_inside_a_clause_is_no_second_attribution() -> None:
    body = (
        "Emil Sandqvist said the route would stay open, but he refused to say "
        "how much money was set aside."
    )
    found = quotes(body, entity(body, "Emil Sandqvist", "PERSON"))
    assert indirect(found) == [
        (
            "the route would stay open, but he refused to say how much money was set aside",
            "Emil Sandqvist",
        )
    ]


def test_participle_forms_of_speech_verbs_are_cues() -> None:
    body = (
        "Tomas Rand spoke for an hour, suggesting the levy had failed. "
        'He ended by admitting that the scheme was "a costly mistake".'
    )
    found = quotes(body, entity(body, "Tomas Rand", "PERSON"))
    assert indirect(found) == [
        ("the levy had failed", "Tomas Rand"),
        ('the scheme was "a costly mistake"', "Tomas Rand"),
    ]
    assert direct(found) == [("a costly mistake", "Tomas Rand")]


def test_a_participle_cue_inside_a_reported_clause_reports_its_own_clause() -> None:
    body = "Marit Dahle said the results were weak, suggesting the firm might cut its dividend."
    found = quotes(body, entity(body, "Marit Dahle", "PERSON"))
    assert indirect(found) == [
        ("the results were weak", "Marit Dahle"),
        ("the firm might cut its dividend", "Marit Dahle"),
    ]


def test_she_is_the_person_named_in_the_sentence_before_even_after_with() -> None:
    body = (
        "The gains come late, said Noor Sadiq, an economist.\n\n"
        "It is the fight of the session, with Alma Ferreira leading the attack.\n\n"
        '"The sums do not add up," she said.'
    )
    found = quotes(
        body, entity(body, "Noor Sadiq", "PERSON"), entity(body, "Alma Ferreira", "PERSON")
    )
    assert direct(found) == [("The sums do not add up", "Alma Ferreira")]


def test_he_is_the_main_clause_subject_not_the_one_of_a_while_clause_before_it() -> None:
    body = (
        "While Anders Tobin had chefs writing letters, nothing of the kind helped the rival "
        "plan, which worries Paul Ekwueme, chair of the parents' forum.\n\n"
        '"Parents never hear the sums," he said.'
    )
    found = quotes(
        body, entity(body, "Anders Tobin", "PERSON"), entity(body, "Paul Ekwueme", "PERSON")
    )
    assert direct(found) == [("Parents never hear the sums", "Paul Ekwueme")]


def test_a_dashed_aside_with_a_comma_inside_is_not_the_subject() -> None:
    body = (
        "Emil Sand spoke first.\n\n"
        "Sand -- co-author of Council Hours, a book on Verona Council debates -- said the "
        "mayor tended to make announcements there."
    )
    found = quotes(
        body, entity(body, "Emil Sand", "PERSON", "Sand"), entity(body, "Verona Council", "ORG")
    )
    assert indirect(found) == [("the mayor tended to make announcements there", "Emil Sand")]


def test_who_said_credits_the_name_the_relative_clause_hangs_from() -> None:
    body = (
        "Ana Ruiz met the petition's author, engineering student Omar Vik, who said he had "
        "seen friends revising in a stairwell."
    )
    found = quotes(body, entity(body, "Ana Ruiz", "PERSON"), entity(body, "Omar Vik", "PERSON"))
    assert indirect(found) == [("he had seen friends revising in a stairwell", "Omar Vik")]


def test_a_cue_after_before_or_after_credits_the_clause_subject_not_its_object() -> None:
    body = 'Lena Marsh sang to Tomas Brody before asking him, "Where do we go from here?"'
    found = quotes(
        body, entity(body, "Lena Marsh", "PERSON"), entity(body, "Tomas Brody", "PERSON")
    )
    assert direct(found) == [("Where do we go from here?", "Lena Marsh")]


def test_a_cue_coordinated_in_a_subordinate_clause_is_that_clauses_subjects() -> None:
    body = (
        'Lena Marsh hit back at the festival after Owen Tralee dropped her and blamed "a '
        'scheduling matter" for it.'
    )
    found = quotes(
        body, entity(body, "Lena Marsh", "PERSON"), entity(body, "Owen Tralee", "PERSON")
    )
    assert direct(found) == [("a scheduling matter", "Owen Tralee")]


def test_she_is_never_a_name_that_modifies_a_noun() -> None:
    # "Vose" is the copy's misspelling of Voss, a name no entity holds
    body = (
        "Ms. Ana Ruiz spoke at the rally.\n\n"
        '"The campaign is in panic mode," said Ms. Rhea Voss, a county organiser.\n\n'
        "Vose believes the Ana Ruiz campaign took the county for granted.\n\n"
        '"They thought one rally would do it," she said.'
    )
    found = quotes(
        body,
        entity(body, "Rhea Voss", "PERSON", "Voss"),
        entity(body, "Ana Ruiz", "PERSON"),
    )
    assert direct(found)[-1] == ("They thought one rally would do it", "Rhea Voss")


def test_a_quote_in_an_opening_participle_clause_is_the_main_clause_subjects() -> None:
    body = (
        "Ana Ruiz spent a week in hospital in 2003.\n\n"
        'After saying her foot was "so swollen I could barely stand," she was sent home.'
    )
    found = quotes(body, entity(body, "Ana Ruiz", "PERSON"))
    assert direct(found) == [("so swollen I could barely stand", "Ana Ruiz")]
    assert indirect(found) == [('her foot was "so swollen I could barely stand,"', "Ana Ruiz")]


def test_a_fragment_casting_someone_as_a_something_is_the_subjects_words() -> None:
    body = 'Ana Ruiz openly admires Tomas Brody as a "strong leader," comparing him to a general.'
    found = quotes(body, entity(body, "Ana Ruiz", "PERSON"), entity(body, "Tomas Brody", "PERSON"))
    assert direct(found) == [("strong leader", "Ana Ruiz")]


def test_a_fragment_after_as_a_with_no_one_cast_is_not_speech() -> None:
    body = 'The old mill has served as a "pressure valve" for the town in a poor season.'
    assert direct(quotes(body)) == []


def test_an_auxiliary_and_adverb_after_the_appositive_leave_the_subject_before_it() -> None:
    body = (
        'His former manager, Callum Reid, has long praised him as a "proper number nine" '
        "and said the move would make him a better player."
    )
    found = quotes(body, entity(body, "Callum Reid", "PERSON"))
    assert direct(found) == [("proper number nine", "Callum Reid")]
    assert indirect(found) == [("the move would make him a better player", "Callum Reid")]
