"""Quote extraction finds what the article reports being said, and who said it.

Entities are written by hand (what the entities stage would hand over); sentences come from
the fallback splitter, so no model runs here.
"""

from __future__ import annotations

import re

import pytest

from schemas.articles import EntitiesArticle, Entity, Mention, Quote, Span
from streams.nlp.quotes import add_quotes, extract_quotes, fallback_sentences


def entity(body: str, name: str, label: str, *surfaces: str) -> Entity:
    """Return an entity mentioned at every whole-word occurrence of name and surfaces."""
    mentions = [
        Mention(start=m.start(), end=m.end(), text=m.group())
        for surface in (name, *surfaces)
        for m in re.finditer(rf"\b{re.escape(surface)}\b", body)
    ]
    return Entity(name=name, label=label, mentions=sorted(mentions, key=lambda m: m.start))


def quotes(body: str, *entities: Entity, sentences: list[Span] | None = None) -> list[Quote]:
    found = extract_quotes(body, entities, sentences or [])
    for quote in found:
        assert body[quote.start : quote.end] == quote.text
    return found


def direct(found: list[Quote]) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in found if q.kind == "direct"]


def indirect(found: list[Quote]) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in found if q.kind == "indirect"]


def test_quote_then_name_and_cue() -> None:
    body = 'Ana Lima opened the plant. "We will hire two hundred people," Lima said.'
    found = quotes(body, entity(body, "Ana Lima", "PERSON", "Lima"))
    assert direct(found) == [("We will hire two hundred people", "Ana Lima")]
    assert found[0].cue == "said"


def test_quote_then_cue_and_name() -> None:
    body = '"The river is higher than last year," said Tom Berg, a local farmer.'
    found = quotes(body, entity(body, "Tom Berg", "PERSON"))
    assert direct(found) == [("The river is higher than last year", "Tom Berg")]


def test_name_and_cue_before_the_quote() -> None:
    body = 'Tom Berg said: "The river is higher than last year."'
    assert direct(quotes(body, entity(body, "Tom Berg", "PERSON"))) == [
        ("The river is higher than last year.", "Tom Berg")
    ]


def test_curly_quote_marks() -> None:
    body = "“The talks went well and we will meet again,” Acme said."
    assert direct(quotes(body, entity(body, "Acme", "ORG"))) == [
        ("The talks went well and we will meet again", "Acme")
    ]


def test_organisation_named_after_the_quote() -> None:
    body = 'The ministers "exchanged views on regional issues in depth," KCNA said, citing aides.'
    assert direct(quotes(body, entity(body, "KCNA", "ORG"))) == [
        ("exchanged views on regional issues in depth", "KCNA")
    ]


def test_he_is_the_nearest_person_who_is_not_an_object() -> None:
    body = (
        "Wang Yi met Choe Son Hui on Sunday. Wang told Choe the ties were strong.\n\n"
        '"China is willing to deepen cooperation with its neighbour," he said.'
    )
    found = quotes(
        body,
        entity(body, "Wang Yi", "PERSON", "Wang"),
        entity(body, "Choe Son Hui", "PERSON", "Choe"),
    )
    assert direct(found) == [
        ("China is willing to deepen cooperation with its neighbour", "Wang Yi")
    ]


def test_she_skips_names_inside_quoted_speech() -> None:
    body = (
        'Mara Quist ran the shop. "Going to see Paul Dunn was a mistake," she said.\n\n'
        '"I will not go back there again," she added.'
    )
    found = quotes(body, entity(body, "Mara Quist", "PERSON"), entity(body, "Paul Dunn", "PERSON"))
    assert [speaker for _, speaker in direct(found)] == ["Mara Quist", "Mara Quist"]


def test_they_is_the_nearest_organisation() -> None:
    body = 'Acme Motors cut its forecast. "Demand has fallen in every market," they said.'
    assert direct(quotes(body, entity(body, "Acme Motors", "ORG"))) == [
        ("Demand has fallen in every market", "Acme Motors")
    ]


def test_the_ministry_is_the_organisation_whose_name_holds_the_noun() -> None:
    body = (
        "The Ministry of Health issued new rules. "
        '"Hospitals must report every case within a day," the ministry said.'
    )
    found = quotes(body, entity(body, "Ministry of Health", "ORG"))
    assert direct(found) == [
        ("Hospitals must report every case within a day", "Ministry of Health")
    ]


def test_the_company_without_a_matching_organisation_is_unknown() -> None:
    body = '"Sales will recover next year," the company said.'
    assert direct(quotes(body)) == [("Sales will recover next year", None)]


def test_quote_without_attribution_has_no_speaker() -> None:
    body = 'The sign on the door read "closed until further notice" for a week.'
    found = quotes(body)
    assert direct(found) == [("closed until further notice", None)]
    assert found[0].cue is None


def test_a_quote_no_cue_introduces_is_the_sentence_subjects() -> None:
    body = (
        "In a speech on Monday, Ana Lima attacked “the greed of the port bosses and their friends”."
        "\n\n"
        "Lima has gone after Vik Oduya as a “man who sells the harbour by the metre”."
    )
    found = quotes(
        body, entity(body, "Ana Lima", "PERSON", "Lima"), entity(body, "Vik Oduya", "PERSON")
    )
    assert direct(found) == [
        ("the greed of the port bosses and their friends", "Ana Lima"),
        ("man who sells the harbour by the metre", "Ana Lima"),
    ]
    assert [q.cue for q in found] == ["attacked", "has"]


@pytest.mark.parametrize(
    "body",
    [
        "Voters agreed that Ana Lima is in “good enough shape to lead the council”.",
        "A page on the Ana Lima campaign's website carries “the plan for the whole harbour”.",
        "Ana Lima met Vik Oduya, who once called the port “a machine for losing money slowly”.",
        "A photo of Ana Lima carried the words “the harbour is not for sale” in red.",
    ],
)
def test_a_name_that_is_not_the_sentences_subject_does_not_speak(body: str) -> None:
    found = quotes(body, entity(body, "Ana Lima", "PERSON"), entity(body, "Vik Oduya", "PERSON"))
    assert [speaker for _, speaker in direct(found)] == [None]


def test_scare_quotes_and_titles_are_not_quotes() -> None:
    body = 'Critics called the plan a "disaster" and the film "Jaws" a classic.'
    assert quotes(body) == []


def test_a_quote_split_by_its_attribution_is_two_quotes_of_one_speaker() -> None:
    body = 'Ana Lima spoke. "We will open in May," she said. "The staff are ready for it."'
    found = quotes(body, entity(body, "Ana Lima", "PERSON"))
    assert direct(found) == [
        ("We will open in May", "Ana Lima"),
        ("The staff are ready for it.", "Ana Lima"),
    ]


def test_a_quote_running_over_paragraphs_keeps_its_speaker() -> None:
    body = (
        'Tom Berg said: "The first part of my answer is about the river.\n\n'
        '"The second part is about the bridge and the road," he added.'
    )
    found = quotes(body, entity(body, "Tom Berg", "PERSON"))
    assert direct(found) == [
        ("The first part of my answer is about the river.", "Tom Berg"),
        ("The second part is about the bridge and the road", "Tom Berg"),
    ]


def test_attribution_at_the_end_of_a_multi_paragraph_quote_covers_its_start() -> None:
    body = (
        "Tom Berg spoke at length.\n\n"
        '"The first part of my answer is about the river.\n\n'
        '"The second part is about the bridge," Berg said.'
    )
    found = quotes(body, entity(body, "Tom Berg", "PERSON", "Berg"))
    assert [speaker for _, speaker in direct(found)] == ["Tom Berg", "Tom Berg"]


@pytest.mark.parametrize(
    ("body", "text", "speaker"),
    [
        (
            "Acme said that profits would double next year.",
            "profits would double next year",
            "Acme",
        ),
        ("Acme said profits would double next year.", "profits would double next year", "Acme"),
        (
            "Acme said on Monday that profits would double next year.",
            "profits would double next year",
            "Acme",
        ),
        (
            "Acme told investors that profits would double next year.",
            "profits would double next year",
            "Acme",
        ),
        ("Profits will double next year, Acme said.", "Profits will double next year", "Acme"),
        (
            "According to Acme, profits will double next year.",
            "profits will double next year",
            "Acme",
        ),
        (
            "Profits will double next year, according to Acme.",
            "Profits will double next year",
            "Acme",
        ),
    ],
)
def test_indirect_quotes(body: str, text: str, speaker: str) -> None:
    found = quotes(body, entity(body, "Acme", "ORG"))
    assert indirect(found) == [(text, speaker)]
    assert found[0].cue is not None


def test_indirect_clause_stops_before_a_trailing_source() -> None:
    body = "KCNA said Monday the ministers had agreed on many issues, according to Yonhap."
    found = quotes(body, entity(body, "KCNA", "ORG"), entity(body, "Yonhap", "ORG"))
    assert indirect(found) == [("the ministers had agreed on many issues", "KCNA")]


@pytest.mark.parametrize(
    "body",
    [
        "The two neighbours have maintained close ties for decades.",
        "He was told to leave the building at once.",
        "It cites threats it claims to face from its rivals.",
    ],
)
def test_sentences_that_report_no_speech(body: str) -> None:
    assert quotes(body) == []


def test_a_partial_quote_sits_inside_the_reported_clause() -> None:
    body = 'Acme said the plan was "a disaster for everyone involved in it".'
    found = quotes(body, entity(body, "Acme", "ORG"))
    assert [(q.kind, q.speaker) for q in found] == [("indirect", "Acme"), ("direct", "Acme")]
    assert found[0].text.startswith("the plan was")


@pytest.mark.parametrize(
    "body",
    [
        "It is worth noting that the ferry has never once left on time.",
        "It goes without saying that the harbour needs a second crane.",
        "The mayor spoke to reporters on Tuesday, as the crowd drifted away from the square.",
        "Crews cleared the road by noon, not waiting for the council to decide on the funds.",
    ],
)
def test_asides_and_adverbial_phrases_are_not_reported_speech(body: str) -> None:
    assert indirect(quotes(body)) == []


def test_after_a_quote_and_a_bare_cue_comes_the_source_not_a_clause() -> None:
    body = (
        "''The figures are simply wrong,'' said Ana Ruiz, an analyst who worked at the bank"
        " and is now at the Halden Institute."
    )
    found = quotes(body, entity(body, "Ana Ruiz", "PERSON"))
    assert all(not q.text.startswith("Ana Ruiz") for q in found)
    assert not any(q.text.startswith("an analyst") for q in found)


def test_a_quote_that_opens_the_clause_is_not_also_indirect() -> None:
    body = 'Acme said "the plan is a disaster for everyone involved in it".'
    found = quotes(body, entity(body, "Acme", "ORG"))
    assert [(q.kind, q.speaker) for q in found] == [("direct", "Acme")]


def test_quotes_come_in_body_order_with_given_sentences() -> None:
    body = 'Acme said sales rose sharply. "We are very pleased with that," Acme said.'
    found = quotes(body, entity(body, "Acme", "ORG"), sentences=fallback_sentences(body))
    assert [q.kind for q in found] == ["indirect", "direct"]


@pytest.mark.parametrize(
    "body",
    [
        'He said "this never closes and goes on',
        '"" " "“ ” ” “',
        "She said ”backwards quotes here“ today.",
        '"\n\n"\n\n"',
        "",
    ],
)
def test_unbalanced_quote_marks_never_crash(body: str) -> None:
    quotes(body)


def test_many_unpaired_quote_marks_end_without_a_quote() -> None:
    # Its cost is measured by bench/quote_cost.py; a quadratic pairing would not end here.
    body = ('word "' * 10_000) + "\n\n" + ("“ said he " * 10_000)
    assert len(extract_quotes(body, [], [])) <= 2  # a paragraph's marks pair once, at most


def test_add_quotes_keeps_the_article_and_adds_its_quotes() -> None:
    body = '"We will hire two hundred people," Acme said.'
    article = EntitiesArticle(
        id="q1",
        body=body,
        content_hash="h",
        headline="Hiring",
        entities=[entity(body, "Acme", "ORG")],
        sentences=[Span(start=0, end=len(body))],
    )
    enriched = add_quotes(article)
    assert (enriched.id, enriched.headline, enriched.entities) == ("q1", "Hiring", article.entities)
    assert [(q.text, q.speaker) for q in enriched.quotes] == [
        ("We will hire two hundred people", "Acme")
    ]


def test_a_surname_the_model_missed_next_to_a_cue_names_the_speaker() -> None:
    body = 'Minister Esteban Corral visited. "Nobody will lose any water here," Corral said.'
    found = quotes(body, Entity(name="Esteban Corral", label="PERSON", mentions=[
        Mention(start=9, end=23, text="Esteban Corral")]))  # fmt: skip
    assert direct(found) == [("Nobody will lose any water here", "Esteban Corral")]


def test_the_company_and_it_are_the_articles_main_organisation() -> None:
    body = (
        "Veltra Motors is recalling cars, regulators and Veltra Motors said. "
        "The company said it knew of three crashes in the spring."
    )
    found = quotes(body, entity(body, "Veltra Motors", "ORG"), sentences=fallback_sentences(body))
    assert ("it knew of three crashes in the spring", "Veltra Motors") in indirect(found)


def test_the_minister_is_the_nearest_person_named_as_subject() -> None:
    body = "Fraser Doig welcomed the data. The minister said the backlog had fallen sharply."
    found = quotes(body, entity(body, "Fraser Doig", "PERSON"), sentences=fallback_sentences(body))
    assert indirect(found) == [("the backlog had fallen sharply", "Fraser Doig")]


def test_an_appositive_subject_speaks_and_a_possessor_does_not() -> None:
    body = "Rinaldi's lawyer, Chiara Fontana, said her client would appeal the ban."
    found = quotes(
        body,
        entity(body, "Matteo Rinaldi", "PERSON", "Rinaldi"),
        entity(body, "Chiara Fontana", "PERSON"),
    )
    assert indirect(found) == [("her client would appeal the ban", "Chiara Fontana")]


def test_told_y_then_a_clause_without_that() -> None:
    body = "Esteban Corral told local radio the government would test the wells."
    found = quotes(body, entity(body, "Esteban Corral", "PERSON"))
    assert indirect(found) == [("the government would test the wells", "Esteban Corral")]


def test_quoted_titles_are_not_speech() -> None:
    body = (
        'Darya Farahani said her film "The Salt Road Home" won, and "Shelves Without Walls" sold.'
    )
    assert direct(quotes(body, entity(body, "Darya Farahani", "PERSON"))) == []


def test_an_unattributed_quote_paragraph_continues_the_previous_speaker() -> None:
    body = (
        '"For fifty years we shipped diesel," Giulia Ferraro said.\n\n'
        '"We will not do it by pretending. The batteries must hold.\n\n'
        '"If they fail, we will have learned something."'
    )
    found = quotes(body, entity(body, "Giulia Ferraro", "PERSON"))
    assert [speaker for _, speaker in direct(found)] == ["Giulia Ferraro"] * 3


def test_a_trailing_attribution_with_an_appositive_names_the_speaker() -> None:
    body = "A third of the homes will be cheaper, the developer, Greenway Homes, said."
    found = quotes(body, entity(body, "Greenway Homes", "ORG"))
    assert indirect(found) == [("A third of the homes will be cheaper", "Greenway Homes")]


def test_curly_quote_nested_in_a_straight_transcript_quote() -> None:
    body = (
        'The exchange ran as follows.\n\n"OKAFOR: My rival thinks this is an episode of '
        "“Dragon's Den.” It is not.\n\n\"HALE: Let me answer that."
    )
    found = direct(quotes(body, entity(body, "Joy Okafor", "PERSON", "OKAFOR")))
    assert ("OKAFOR: My rival thinks this is an episode of", "Joy Okafor") in found
    assert ("Dragon's Den.", "Joy Okafor") in found


def test_curly_quote_nested_in_a_curly_quote() -> None:
    body = "“I would rather live in what he calls “chaos” than in his order.” ― Mina Sol"
    found = direct(quotes(body, entity(body, "Mina Sol", "PERSON")))
    assert found == [
        ("I would rather live in what he calls", "Mina Sol"),
        ("chaos", "Mina Sol"),
    ]


def test_nested_quote_takes_the_cue_that_names_its_speaker() -> None:
    body = (
        'Ruth Abel wrote: "The crowd grew quiet. Then Tom Vance walked in, chanting '
        '“No more delays!” and the hall rose."'
    )
    found = direct(
        quotes(body, entity(body, "Ruth Abel", "PERSON"), entity(body, "Tom Vance", "PERSON"))
    )
    assert ("No more delays!", "Tom Vance") in found
    assert found[0] == ("The crowd grew quiet. Then Tom Vance walked in, chanting", "Ruth Abel")


def test_opening_curly_mark_typed_as_the_close() -> None:
    body = "Ines Mora said the rate was “far higher than anyone admits, at 40 percent.“"
    assert direct(quotes(body, entity(body, "Ines Mora", "PERSON"))) == [
        ("far higher than anyone admits, at 40 percent.", "Ines Mora")
    ]


def test_short_question_then_cue_after_a_sentence_split() -> None:
    body = "Lena Park met her brother at the gate.\n\n“You waiting?” Park asked, smiling."
    sentences = [Span(start=0, end=38), Span(start=40, end=54), Span(start=55, end=len(body))]
    found = quotes(body, entity(body, "Lena Park", "PERSON", "Park"), sentences=sentences)
    assert direct(found) == [("You waiting?", "Lena Park")]


def test_cue_of_a_later_clause_does_not_credit_a_fragment() -> None:
    body = (
        'The senator said it was "a blunder" to sign the deal, but Omar Diaz denied '
        "that the deal was signed."
    )
    found = quotes(body, entity(body, "Omar Diaz", "PERSON"))
    assert ("a blunder", None) in direct(found)


def test_participle_cue_credits_the_clause_subject_not_the_outlet_it_spoke_on() -> None:
    body = (
        "The Halden Council spoke on Radio Halden on Monday, saying that the mayor must "
        'publish the audit "without any delay."'
    )
    found = quotes(body, entity(body, "Halden Council", "ORG"), entity(body, "Radio Halden", "ORG"))
    assert ("without any delay.", "Halden Council") in direct(found)
    assert indirect(found)[0][1] == "Halden Council"


def test_quote_with_its_own_cue_inside_a_reported_clause_keeps_its_speaker() -> None:
    body = (
        "When Nadia Holt noted that Piet Vos has paid no tax in years, Vos replied, "
        "“That just makes me careful.”"
    )
    found = quotes(
        body, entity(body, "Nadia Holt", "PERSON"), entity(body, "Piet Vos", "PERSON", "Vos")
    )
    assert direct(found) == [("That just makes me careful.", "Piet Vos")]


def test_subject_after_an_opening_phrase_and_before_its_appositive() -> None:
    body = (
        "With a week until the vote, Mara Lind, a senior aide to the Osei campaign, called "
        'the ruling "a gift to our rivals" on Friday.'
    )
    found = quotes(body, entity(body, "Mara Lind", "PERSON"), entity(body, "Osei", "PERSON"))
    assert direct(found) == [("a gift to our rivals", "Mara Lind")]


def test_quote_after_an_attributed_sentence_of_its_paragraph() -> None:
    body = (
        "The port may stay shut until spring, Ada Quist said. "
        '"Nobody wants that, but the repairs take time."'
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"))
    assert ("Nobody wants that, but the repairs take time.", "Ada Quist") in direct(found)


def test_name_after_an_inverted_cue_is_the_antecedent_of_he() -> None:
    body = (
        "Pol Marsh, the party chair, called the result a warning. The turnout was low, noted "
        "Radio Vell's Ivo Brant.\n\n"
        '"Most voters had made up their minds by June," he wrote.'
    )
    found = quotes(
        body,
        entity(body, "Pol Marsh", "PERSON"),
        entity(body, "Ivo Brant", "PERSON"),
        entity(body, "Radio Vell", "ORG"),
    )
    assert direct(found) == [("Most voters had made up their minds by June", "Ivo Brant")]


def test_he_follows_a_chain_of_he_back_to_the_name() -> None:
    body = (
        "Tomas Reyes, a former governor, joined the rally. He waved while Omar Diaz "
        "spoke.\n\n"
        '"Voters will see who is ready," he said.'
    )
    found = quotes(body, entity(body, "Tomas Reyes", "PERSON"), entity(body, "Omar Diaz", "PERSON"))
    assert ("Voters will see who is ready", "Tomas Reyes") in direct(found)


def test_fragments_listed_with_an_article_share_the_first_ones_speaker() -> None:
    body = (
        'Ada Quist went after her rival as a "bully who never learns"\u00a0and a '
        '"spoiled brat." on Monday.'
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"))
    assert [text for text, _ in direct(found)] == ["bully who never learns", "spoiled brat."]


def test_fragment_in_a_that_clause_of_an_unnamed_source() -> None:
    body = 'The former minister conceded that there were still "some doubts" about the deal.'
    assert direct(quotes(body)) == [("some doubts", None)]


def test_short_exclamation_right_after_a_cue_is_speech() -> None:
    body = 'Marchers outside the hall chanted "Not again!" until dawn.'
    assert direct(quotes(body)) == [("Not again!", None)]


def test_nickname_given_by_the_speaker_is_speech() -> None:
    body = 'Ada Quist says the striker nicknamed "The Hammer" is a friend of the club.'
    found = quotes(body, entity(body, "Ada Quist", "PERSON"))
    assert direct(found) == [("The Hammer", "Ada Quist")]


def test_cue_word_used_as_a_noun_reports_nothing() -> None:
    body = "The Halden Council is defending its late-night tweets about the harbour fees."
    found = quotes(body, entity(body, "Halden Council", "ORG"))
    assert indirect(found) == []


def test_cue_inside_a_free_relative_reports_nothing() -> None:
    body = "The gap between what Ada Quist says her plan would cost and its real cost is wide."
    assert indirect(quotes(body, entity(body, "Ada Quist", "PERSON"))) == []


def test_contracted_subject_before_a_cue_still_reports() -> None:
    body = "Omar Diaz spoke last. He's claiming that the vote was rigged from the start."
    found = quotes(body, entity(body, "Omar Diaz", "PERSON"))
    assert indirect(found) == [("the vote was rigged from the start", "Omar Diaz")]


def test_possessor_of_a_speech_noun_said_the_quote() -> None:
    body = (
        "The fact-checkers examined Ada Quist's claim that there were "
        '"hundreds of empty homes" in Vell.'
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"))
    assert direct(found) == [("hundreds of empty homes", "Ada Quist")]


def test_speech_noun_as_a_subject_introduces_nothing() -> None:
    body = 'The board said the plan was "a mistake", and Omar Diaz said his remarks were "fair".'
    found = quotes(body, entity(body, "Omar Diaz", "PERSON"))
    assert ("fair", "Omar Diaz") in direct(found)


def test_participle_cue_after_by_credits_the_clause_subject() -> None:
    body = (
        "Ada Quist, a surgeon, went on Radio Vell and began by saying she would "
        '"never" operate on a friend.'
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"), entity(body, "Radio Vell", "ORG"))
    assert direct(found) == [("never", "Ada Quist")]


def test_possessive_in_a_relative_clause_gives_no_gender_to_the_name_before() -> None:
    body = (
        "Lena Park spoke to the candidate, who began his speech late. Park waited.\n\n"
        '"We came for answers," she said.'
    )
    found = quotes(body, entity(body, "Lena Park", "PERSON", "Park"))
    assert direct(found) == [("We came for answers", "Lena Park")]


def test_noted_and_suggested_report_a_clause() -> None:
    body = (
        "Ines Mora toured the harbour. The quay walls are crumbling, she noted. "
        "Omar Diaz suggested the council would pay for the repairs."
    )
    found = quotes(body, entity(body, "Ines Mora", "PERSON"), entity(body, "Omar Diaz", "PERSON"))
    assert indirect(found) == [
        ("The quay walls are crumbling", "Ines Mora"),
        ("the council would pay for the repairs", "Omar Diaz"),
    ]


def test_dash_clause_after_a_quote_is_no_sign_off() -> None:
    body = (
        'Ada Quist dismissed the port as "a museum of cranes" — a jibe at the '
        "harbour board of Omar Diaz."
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"), entity(body, "Omar Diaz", "PERSON"))
    assert direct(found) == [("a museum of cranes", "Ada Quist")]


def test_coordinated_cue_with_an_auxiliary_credits_the_sentence_subject() -> None:
    body = (
        "Ines Mora, like her deputy, has backed the levy but has said the harbour "
        "fees will not rise this year."
    )
    found = quotes(body, entity(body, "Ines Mora", "PERSON"))
    assert indirect(found) == [("the harbour fees will not rise this year", "Ines Mora")]


def test_introducing_paragraph_without_a_cue_credits_its_subject() -> None:
    body = (
        "On 6 May, Ada Quist made the following comment:\n\n"
        "“Nobody in this city should wait two hours for a night bus.”"
    )
    found = quotes(body, entity(body, "Ada Quist", "PERSON"))
    assert direct(found) == [
        ("Nobody in this city should wait two hours for a night bus.", "Ada Quist")
    ]


def test_that_after_a_comma_or_a_place_phrase_opens_the_reported_clause() -> None:
    body = (
        "Omar Diaz said that, if elected, he would scrap the levy. "
        "Ines Mora says at a rally in Halden, Serra, that the levy pays for the ferries."
    )
    found = quotes(body, entity(body, "Omar Diaz", "PERSON"), entity(body, "Ines Mora", "PERSON"))
    assert indirect(found) == [
        ("if elected, he would scrap the levy", "Omar Diaz"),
        ("the levy pays for the ferries", "Ines Mora"),
    ]


def test_participle_right_after_a_cue_noun_introduces_the_clause() -> None:
    body = "Omar Diaz sent a series of tweets early Friday saying that the vote was rigged."
    found = quotes(body, entity(body, "Omar Diaz", "PERSON"))
    assert indirect(found) == [("the vote was rigged", "Omar Diaz")]


def test_name_right_before_a_cue_after_a_long_opening_phrase() -> None:
    body = (
        "In a March meeting with the editorial board of the Halden Courier at its old "
        "offices Ines Mora said the ferry subsidy may need to be cut in the coming years."
    )
    found = quotes(body, entity(body, "Ines Mora", "PERSON"), entity(body, "Halden Courier", "ORG"))
    assert indirect(found) == [
        ("the ferry subsidy may need to be cut in the coming years", "Ines Mora")
    ]


def test_reporting_cue_before_a_noun_phrase_reports_nothing() -> None:
    body = "Ines Mora noted the rule in the interview last week. She added a word of praise."
    assert indirect(quotes(body, entity(body, "Ines Mora", "PERSON"))) == []


def test_reporting_cue_before_a_clause_without_that_still_reports() -> None:
    body = "Ines Mora noted they weren't given the figures. The levy failed, she added."
    found = quotes(body, entity(body, "Ines Mora", "PERSON"))
    assert indirect(found) == [
        ("they weren't given the figures", "Ines Mora"),
        ("The levy failed", "Ines Mora"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "Nadia Holt cited it as proof of a wider failure in the port authority.",
        "Piet Vos said it again and again, to anyone at the depot who would listen.",
        "The ferry operator noted the inspector's findings in its annual report.",
        "Police announced on Friday the arrest of a driver after a crash on the ring road.",
        "In her 2003 memoir, Harbour Lights, Nadia Holt noted the storm of that winter.",
        "At the harbour in Halden overnight, long after the last ferry, according to local radio.",
    ],
)
def test_a_cue_before_a_noun_phrase_or_after_a_verbless_phrase_reports_nothing(
    body: str,
) -> None:
    found = quotes(body, entity(body, "Nadia Holt", "PERSON"), entity(body, "Piet Vos", "PERSON"))
    assert indirect(found) == []


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            "Nadia Holt said it was too late to save the old pier.",
            "it was too late to save the old pier",
        ),
        (
            "Nadia Holt noted the ferry's engines had failed twice.",
            "the ferry's engines had failed twice",
        ),
        (
            "There's no money left for the pier, Nadia Holt said.",
            "There's no money left for the pier",
        ),
    ],
)
def test_a_clause_with_a_verb_is_still_reported(body: str, text: str) -> None:
    found = quotes(body, entity(body, "Nadia Holt", "PERSON"))
    assert indirect(found) == [(text, "Nadia Holt")]


def test_a_name_and_its_appositive_before_a_cue_are_the_subject_not_a_clause() -> None:
    body = (
        "Nadia Holt, the harbour master's deputy since the spring, noted the new rule in "
        "the harbour bulletin."
    )
    assert indirect(quotes(body, entity(body, "Nadia Holt", "PERSON"))) == []


def test_the_clause_after_a_subject_with_a_long_appositive_is_reported() -> None:
    body = (
        "Nadia Holt, who ran the harbour office for a decade before the merger of the two "
        "port authorities, said that the new cranes had never worked."
    )
    found = quotes(body, entity(body, "Nadia Holt", "PERSON"))
    assert indirect(found) == [("the new cranes had never worked", "Nadia Holt")]


@pytest.mark.parametrize(
    "body",
    [
        "But when the council cut the ferry grant last winter, Nadia Holt said enough.",
        "Nadia Holt is calling for that harbour plan to be dropped by the council.",
    ],
)
def test_a_subordinate_clause_or_a_determiner_that_is_not_what_was_said(body: str) -> None:
    assert indirect(quotes(body, entity(body, "Nadia Holt", "PERSON"))) == []


def test_a_reported_clause_after_a_subordinate_one_is_still_found() -> None:
    body = "If the vote fails, Nadia Holt said, the ferry will stop running in May."
    found = quotes(body, entity(body, "Nadia Holt", "PERSON"))
    assert indirect(found) == [("the ferry will stop running in May", "Nadia Holt")]


def test_a_noun_phrase_before_the_one_comma_after_a_cue_is_not_a_clause() -> None:
    body = "Nadia Holt added a word of warning, should the ferry strike go ahead in May."
    assert indirect(quotes(body, entity(body, "Nadia Holt", "PERSON"))) == []


def test_a_subject_with_an_aside_between_commas_still_reports() -> None:
    body = "Nadia Holt said the ferry, run by the county since 1990, had lost money every year."
    found = quotes(body, entity(body, "Nadia Holt", "PERSON"))
    assert indirect(found) == [
        ("the ferry, run by the county since 1990, had lost money every year", "Nadia Holt")
    ]
