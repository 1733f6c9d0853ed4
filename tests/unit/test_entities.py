"""Entity extraction names each referent once, with every place the body mentions it.

Docs are built by hand on a blank English pipeline, as spaCy's own tests do: no model.
"""

from __future__ import annotations

import re

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from schemas.articles import CleanArticle
from streams.nlp.entities import (
    RawMention,
    add_repeated_names,
    annotate,
    extract_entities,
    is_misspelling,
    merge_mentions,
    name_key,
    normalise_name,
    sentence_spans,
    without_overlaps,
)


@pytest.fixture(scope="module")
def blank() -> Language:
    return spacy.blank("en")


def make_doc(nlp: Language, text: str, ents: list[tuple[str, str]]) -> Doc:
    """Tokenise text and mark each (surface, label) at its next occurrence as an entity."""
    doc = nlp.make_doc(text)
    spans = []
    position = 0
    for surface, label in ents:
        start = text.index(surface, position)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, f"{surface!r} does not align with tokens"
        spans.append(span)
        position = start + len(surface)
    doc.ents = spans
    return doc


def mention(text: str, surface: str, label: str, occurrence: int = 0) -> RawMention:
    starts = [m.start() for m in re.finditer(re.escape(surface), text)]
    start = starts[occurrence]
    return RawMention(start, start + len(surface), surface, label)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("the United States", "United States"),
        ("The Hague", "Hague"),
        ("North Korea's", "North Korea"),
        ("Wang’s", "Wang"),
        ('"Acme Corp,', "Acme Corp"),
        ("Choe  Son\nHui", "Choe Son Hui"),
        ("Mr Wang", "Wang"),
        ("(KCNA)", "KCNA"),
    ],
)
def test_normalise_name(raw: str, name: str) -> None:
    assert normalise_name(raw) == name


def test_spellings_of_one_name_share_a_key() -> None:
    assert name_key("Choe Son-hui") == name_key("Choe Son Hui") == name_key("CHOE SON HUI")
    assert name_key("U.S.") == name_key("US")
    assert name_key("James O’Neill") == name_key("James O'Neill")


@pytest.mark.parametrize(
    ("word", "surname", "misspelt"),
    [
        ("pettite", "pettitte", True),
        ("levrentyeva", "lavrentyeva", True),
        ("szczepanksi", "szczepanski", True),
        ("clintons", "clinton", False),
        ("bolesy", "boles", False),
        ("jerry", "berry", False),
        ("hall", "hill", False),
    ],
)
def test_a_misspelling_is_one_slip_inside_a_long_surname(
    word: str, surname: str, misspelt: bool
) -> None:
    assert is_misspelling(word, surname) is misspelt


def test_a_surname_the_copy_misspelt_joins_the_one_person_it_is_a_letter_from() -> None:
    text = (
        "Dr. Harold Bornstein wrote the letter. Bornsten said it was true. "
        "Ana Clinton and the Clintons came. Sean Berry met Jerry."
    )
    entities = merge_mentions(
        [
            mention(text, "Harold Bornstein", "PERSON"),
            mention(text, "Bornsten", "ORG"),
            mention(text, "Ana Clinton", "PERSON"),
            mention(text, "Clintons", "ORG"),
            mention(text, "Sean Berry", "PERSON"),
            mention(text, "Jerry", "PERSON"),
        ],
        text,
    )
    assert [(e.name, e.label, len(e.mentions)) for e in entities] == [
        ("Harold Bornstein", "PERSON", 2),
        ("Ana Clinton", "PERSON", 1),
        ("Clintons", "ORG", 1),
        ("Sean Berry", "PERSON", 1),
        ("Jerry", "PERSON", 1),
    ]


def test_surname_mentions_join_the_full_name(blank: Language) -> None:
    text = "Foreign Minister Wang Yi met his counterpart. Wang said talks went well."
    doc = make_doc(blank, text, [("Wang Yi", "PERSON"), ("Wang", "PERSON")])
    [entity] = extract_entities(doc)
    assert entity.name == "Wang Yi"
    assert entity.label == "PERSON"
    assert [m.text for m in entity.mentions] == ["Wang Yi", "Wang"]
    assert entity.aliases == ["Wang"]


def test_mention_offsets_point_into_the_body(blank: Language) -> None:
    text = "Officials in the United States and North Korea's envoy spoke."
    doc = make_doc(blank, text, [("the United States", "GPE"), ("North Korea's", "GPE")])
    entities = extract_entities(doc)
    assert [e.name for e in entities] == ["United States", "North Korea"]
    for entity in entities:
        for m in entity.mentions:
            assert text[m.start : m.end] == m.text


def test_hyphen_and_space_spellings_are_one_person() -> None:
    text = "Choe Son-hui arrived. Later CHOE SON HUI and Choe Son Hui left."
    entities = merge_mentions(
        [
            mention(text, "Choe Son-hui", "PERSON"),
            mention(text, "CHOE SON HUI", "PERSON"),
            mention(text, "Choe Son Hui", "PERSON"),
        ]
    )
    assert len(entities) == 1
    assert entities[0].name == "Choe Son-hui"
    assert entities[0].aliases == ["CHOE SON HUI", "Choe Son Hui"]


def test_canonical_name_is_the_longest_form() -> None:
    text = "Smith spoke first. Then Anna Smith spoke again."
    [entity] = merge_mentions(
        [mention(text, "Smith", "PERSON"), mention(text, "Anna Smith", "PERSON")]
    )
    assert entity.name == "Anna Smith"
    assert [m.start for m in entity.mentions] == sorted(m.start for m in entity.mentions)


def test_label_is_the_majority_vote() -> None:
    text = "Acme rose. Acme fell. Acme closed."
    [entity] = merge_mentions(
        [
            mention(text, "Acme", "ORG", 0),
            mention(text, "Acme", "PERSON", 1),
            mention(text, "Acme", "ORG", 2),
        ]
    )
    assert entity.label == "ORG"


def test_a_surname_the_model_labelled_org_still_joins_the_person() -> None:
    text = "Kim Jong-un visited. Later Kim told reporters, and Kim left."
    entities = merge_mentions(
        [
            mention(text, "Kim Jong-un", "PERSON"),
            mention(text, "Kim", "ORG", 1),
            mention(text, "Kim", "PERSON", 2),
        ]
    )
    assert [(e.name, e.label, len(e.mentions)) for e in entities] == [("Kim Jong-un", "PERSON", 3)]


def test_a_shared_surname_stays_with_the_person_introduced_first() -> None:
    text = "Sen. Rafael Okoro spoke. Okoro left. A photo showed Lidia Okoro. Okoro sat down."
    entities = merge_mentions(
        [
            mention(text, "Rafael Okoro", "PERSON"),
            mention(text, "Okoro", "PERSON", 1),
            mention(text, "Lidia Okoro", "PERSON"),
            mention(text, "Okoro", "PERSON", 3),
        ],
        text,
    )
    by_name = {e.name: [m.start for m in e.mentions] for e in entities}
    assert by_name == {
        "Rafael Okoro": [text.index("Rafael"), text.index("Okoro left"), text.index("Okoro sat")],
        "Lidia Okoro": [text.index("Lidia Okoro")],
    }


def test_a_shared_surname_after_an_honorific_goes_to_the_person_named_just_before() -> None:
    text = "Gemma Pryce said Kevin Pryce hid it. Mr Pryce denied it."
    entities = merge_mentions(
        [
            mention(text, "Gemma Pryce", "PERSON"),
            mention(text, "Kevin Pryce", "PERSON"),
            mention(text, "Pryce", "PERSON", 2),
        ],
        text,
    )
    by_name = {e.name: [m.text for m in e.mentions] for e in entities}
    assert by_name == {"Gemma Pryce": ["Gemma Pryce"], "Kevin Pryce": ["Kevin Pryce", "Pryce"]}


def test_in_a_live_blog_a_shared_surname_names_who_its_own_entry_introduced() -> None:
    text = (
        "9:05 a.m.\n\nGovernor Ana Brandt opened the session. Brandt spoke.\n\n___\n\n"
        "10:30 a.m.\n\nJudge Elin Brandt ruled on the case. Brandt said it was closed."
    )
    entities = merge_mentions(
        [
            mention(text, "Ana Brandt", "PERSON"),
            mention(text, "Brandt", "PERSON", 1),
            mention(text, "Elin Brandt", "PERSON"),
            mention(text, "Brandt", "PERSON", 3),
        ],
        text,
    )
    by_name = {e.name: [m.start for m in e.mentions] for e in entities}
    assert by_name == {
        "Ana Brandt": [text.index("Ana Brandt"), text.index("Brandt spoke")],
        "Elin Brandt": [text.index("Elin Brandt"), text.index("Brandt said")],
    }


def test_a_name_with_a_middle_initial_is_the_same_person_without_it() -> None:
    text = "Loretta E. Lynch spoke. Loretta Lynch left. George W. Bush met George H. W. Bush."
    entities = merge_mentions(
        [
            mention(text, "Loretta E. Lynch", "PERSON"),
            mention(text, "Loretta Lynch", "PERSON"),
            mention(text, "George W. Bush", "PERSON"),
            mention(text, "George H. W. Bush", "PERSON"),
        ],
        text,
    )
    assert [(e.name, len(e.mentions)) for e in entities] == [
        ("Loretta E. Lynch", 2),
        ("George W. Bush", 1),
        ("George H. W. Bush", 1),
    ]


def test_places_are_not_merged_into_people() -> None:
    text = "George Washington was born here. Washington is the capital."
    entities = merge_mentions(
        [mention(text, "George Washington", "PERSON"), mention(text, "Washington", "GPE", 1)]
    )
    assert [e.name for e in entities] == ["George Washington", "Washington"]


def test_only_referent_labels_are_kept(blank: Language) -> None:
    text = "Acme hired 200 people in Paris on Monday."
    doc = make_doc(
        blank, text, [("Acme", "ORG"), ("200", "CARDINAL"), ("Paris", "GPE"), ("Monday", "DATE")]
    )
    assert [(e.name, e.label) for e in extract_entities(doc)] == [("Acme", "ORG"), ("Paris", "GPE")]


def test_hyphenated_given_name_cut_by_the_model_is_restored(blank: Language) -> None:
    text = "Choe Son-hui met Wang on Sunday."
    doc = blank.make_doc(text)
    span = doc.char_span(0, len("Choe Son"), label="PERSON")
    assert span is not None
    doc.ents = [span]
    [entity] = extract_entities(doc)
    assert entity.name == "Choe Son-hui"


def test_sentences_are_trimmed_and_never_cross_a_paragraph(blank: Language) -> None:
    text = "First one here. Second one\n\nruns on. Third."
    doc = blank.make_doc(text)
    for token in doc:
        token.is_sent_start = token.i == 0 or token.text in ("Second", "Third")
    spans = [text[s.start : s.end] for s in sentence_spans(doc)]
    assert spans == ["First one here.", "Second one", "runs on.", "Third."]


def test_annotate_runs_the_pipeline_once_over_all_bodies() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "PERSON", "pattern": "Wang Yi"},
            {"label": "PERSON", "pattern": "Wang"},
            {"label": "GPE", "pattern": "Beijing"},
        ]
    )
    articles = [
        CleanArticle(id="1", body="Wang Yi flew to Beijing. Wang spoke.", content_hash="x"),
        CleanArticle(id="2", body="Nothing to see here.", content_hash="y", headline="Quiet"),
    ]
    first, second = annotate(articles, nlp, batch_size=1)
    assert [(e.name, len(e.mentions)) for e in first.entities] == [("Wang Yi", 2), ("Beijing", 1)]
    assert len(first.sentences) == 2
    assert second.entities == [] and second.headline == "Quiet"
    assert (first.id, first.body, first.content_hash) == ("1", articles[0].body, "x")


def test_names_the_model_missed_are_found_again_and_lone_surnames_completed() -> None:
    text = "Hydrologist Marisol Peña spoke. Peña said more. Diego Salas agreed and Salas left."
    mentions = add_repeated_names(
        text, [mention(text, "Peña", "PERSON", 1), mention(text, "Diego Salas", "PERSON")]
    )
    by_name = {e.name: [m.text for m in e.mentions] for e in merge_mentions(mentions, text)}
    assert by_name == {
        "Marisol Peña": ["Marisol Peña", "Peña"],
        "Diego Salas": ["Diego Salas", "Salas"],
    }


def test_a_players_position_before_the_name_is_a_title(blank: Language) -> None:
    doc = make_doc(blank, "Defender Jonas Holm returns.", [("Defender Jonas Holm", "PERSON")])
    assert [e.name for e in extract_entities(doc)] == ["Jonas Holm"]


def test_a_quoted_nickname_inside_a_name_joins_its_pieces(blank: Language) -> None:
    text = 'State Del. Marcia "Cia" Price spoke.'
    doc = make_doc(blank, text, [("Marcia", "PERSON"), ('Cia" Price', "WORK_OF_ART")])
    [entity] = extract_entities(doc)
    assert (entity.name, entity.label) == ("Marcia Price", "PERSON")
    assert [m.text for m in entity.mentions] == ['Marcia "Cia" Price']


def test_a_word_opening_the_sentence_is_never_a_given_name() -> None:
    text = "When Salas arrived, the crowd cheered. Salas said little."
    mentions = add_repeated_names(text, [mention(text, "Salas", "PERSON", 1)])
    assert [e.name for e in merge_mentions(mentions, text)] == ["Salas"]


def test_a_nickname_inside_a_quotation_is_not_the_canonical_name() -> None:
    text = (
        "Marisol Peña spoke first. Marisol Peña spoke again.\n\n"
        "The senator wrote: “I beat Iron Marisol Peña before.”"
    )
    entities = merge_mentions(
        [
            mention(text, "Marisol Peña", "PERSON"),
            mention(text, "Marisol Peña", "PERSON", 1),
            mention(text, "Iron Marisol Peña", "PERSON"),
        ],
        text,
    )
    assert [(e.name, e.aliases) for e in entities] == [("Marisol Peña", ["Iron Marisol Peña"])]


def test_a_full_name_in_prose_stays_canonical_when_its_short_form_is_commoner() -> None:
    text = (
        "Ildefonso Guajardo Villarreal is the minister. Mr. Guajardo Villarreal spoke. "
        "Guajardo Villarreal left."
    )
    entities = merge_mentions(
        [
            mention(text, "Ildefonso Guajardo Villarreal", "PERSON"),
            mention(text, "Guajardo Villarreal", "PERSON", 1),
            mention(text, "Guajardo Villarreal", "PERSON", 2),
        ],
        text,
    )
    assert [e.name for e in entities] == ["Ildefonso Guajardo Villarreal"]


def test_a_name_after_a_work_noun_and_a_comma_is_the_works_title() -> None:
    text = "In her 2009 memoir, Salt Roads, Ana Ruiz wrote about the mine."
    entities = merge_mentions(
        [mention(text, "Salt Roads", "PERSON"), mention(text, "Ana Ruiz", "PERSON")], text
    )
    assert [(e.name, e.label) for e in entities] == [
        ("Salt Roads", "WORK_OF_ART"),
        ("Ana Ruiz", "PERSON"),
    ]


def test_a_place_is_no_leading_part_of_an_organisation_named_after_it() -> None:
    text = "A Port Ellery judge ruled. The Port Ellery Courier appealed."
    entities = merge_mentions(
        [mention(text, "Port Ellery", "GPE"), mention(text, "Port Ellery Courier", "ORG")], text
    )
    assert [(e.name, e.label) for e in entities] == [
        ("Port Ellery", "GPE"),
        ("Port Ellery Courier", "ORG"),
    ]


def test_a_mislabelled_surname_merges_unless_it_reads_as_a_place() -> None:
    text = "Eric Halden was sacked. Halden spoke. George Washington moved to Washington."
    entities = merge_mentions(
        [
            mention(text, "Eric Halden", "PERSON"),
            mention(text, "Halden", "GPE", 1),
            mention(text, "George Washington", "PERSON"),
            mention(text, "Washington", "GPE", 1),
        ],
        text,
    )
    assert [e.name for e in entities] == ["Eric Halden", "George Washington", "Washington"]


def test_organisation_acronyms_and_leading_parts_merge_into_the_full_name() -> None:
    text = (
        "The European Space Agency (ESA) and the Asan Institute for Policy Studies. Asan Institute"
    )
    entities = merge_mentions(
        [
            mention(text, "European Space Agency", "ORG"),
            mention(text, "ESA", "ORG"),
            mention(text, "Asan Institute for Policy Studies", "ORG"),
            mention(text, "Asan Institute", "ORG", 1),
        ]
    )
    assert [(e.name, e.aliases) for e in entities] == [
        ("European Space Agency", ["ESA"]),
        ("Asan Institute for Policy Studies", ["Asan Institute"]),
    ]


def test_field_first_and_kind_first_ministry_names_are_one_key() -> None:
    assert name_key("health ministry") == name_key("Ministry of Health")


def test_a_completed_name_replaces_the_surname_tagged_inside_it() -> None:
    text = "Kim Do Hyun finished second. Hyun said the ice was slow."
    inner = RawMention(4, 11, "Do Hyun", "PERSON")
    surname = RawMention(7, 11, "Hyun", "PERSON")
    assert without_overlaps([surname, inner]) == [inner]
    assert text[inner.start : inner.end] == "Do Hyun"


def test_an_article_not_in_english_is_not_parsed(blank: Language) -> None:
    from schemas import CleanArticle

    article = CleanArticle(id="de-1", body="Angela Merkel sprach in Berlin.", language="de",
                           content_hash="0" * 64)  # fmt: skip
    (annotated,) = annotate([article], blank)
    assert (annotated.entities, annotated.sentences) == ([], [])


def test_a_giant_token_tagged_as_an_entity_is_not_one(blank: Language) -> None:
    token = "x" * 100_000
    doc = make_doc(
        blank, f"Ada Lovelace wrote {token} today.", [("Ada Lovelace", "PERSON"), (token, "ORG")]
    )
    assert [(e.name, e.label) for e in extract_entities(doc)] == [("Ada Lovelace", "PERSON")]


def entity_labels(blank: Language, text: str, ents: list[tuple[str, str]]) -> dict[str, str]:
    doc = make_doc(blank, text, ents)
    return {e.name: e.label for e in extract_entities(doc, text)}


def test_a_person_the_model_also_tags_org_and_gpe_is_one_person(blank: Language) -> None:
    text = (
        "Amara Okonkwo, 41, runs the co-operative. Okonkwo said prices had doubled, and "
        "Okonkwo's members agreed."
    )
    ents = [("Amara Okonkwo", "ORG"), ("Okonkwo", "PERSON"), ("Okonkwo", "GPE")]
    assert entity_labels(blank, text, ents) == {"Amara Okonkwo": "PERSON"}


def test_a_right_person_is_not_outvoted_by_wrong_labels(blank: Language) -> None:
    text = "Wanjiru Kamau chairs the board. Kamau told members. Kamau's plan. Kamau's team."
    ents = [("Wanjiru Kamau", "PERSON"), ("Kamau", "ORG"), ("Kamau", "ORG"), ("Kamau", "ORG")]
    assert entity_labels(blank, text, ents) == {"Wanjiru Kamau": "PERSON"}


def test_a_full_name_with_person_evidence_is_a_person_and_a_country_a_place(
    blank: Language,
) -> None:
    text = "Wanjiru Kamau said the talks in Cameroon would resume."
    ents = [("Wanjiru Kamau", "ORG"), ("Cameroon", "ORG")]
    assert entity_labels(blank, text, ents) == {"Wanjiru Kamau": "PERSON", "Cameroon": "GPE"}


def test_an_organisation_subject_of_said_stays_an_organisation(blank: Language) -> None:
    text = "Harbour Bank said profits rose."
    assert entity_labels(blank, text, [("Harbour Bank", "ORG")]) == {"Harbour Bank": "ORG"}


def test_an_acronym_defined_in_parentheses_is_one_entity_with_its_expansion(
    blank: Language,
) -> None:
    text = (
        "The Coastal Water Board (CWB) raised tariffs. CWB officials met on Monday, and the "
        "CWB said more rises would follow."
    )
    doc = make_doc(blank, text, [("Coastal Water Board", "ORG"), ("CWB", "ORG")])
    entities = extract_entities(doc, text)
    assert [(e.name, len(e.mentions)) for e in entities] == [("Coastal Water Board", 4)]


def test_a_short_form_of_an_organisation_joins_its_full_name(blank: Language) -> None:
    text = "The European Commission fined the firm. The Commission said it would appeal."
    ents = [("European Commission", "ORG"), ("Commission", "ORG")]
    doc = make_doc(blank, text, ents)
    assert [e.name for e in extract_entities(doc, text)] == ["European Commission"]


def test_table_rows_give_names_without_numbers_lines_or_missed_competitors(
    blank: Language,
) -> None:
    text = "Results:\n\n1. Lucia Ferro (Italy) 6.69\n\nHarbourside 41\n\nQuarry 29\n\nEastfield 3"
    doc = make_doc(blank, text, [("Harbourside 41", "ORG"), ("Quarry 29\n\nEastfield", "ORG")])
    names = {e.name: e.label for e in extract_entities(doc, text)}
    assert names == {"Lucia Ferro": "PERSON", "Harbourside": "ORG", "Quarry": "ORG",
                     "Eastfield": "ORG"}  # fmt: skip


def test_line_ups_scorers_and_unclosed_brackets_give_person_names(blank: Language) -> None:
    text = (
        "Harbourside - 9 - Ana Ruiz, 10 - Mei Tanaka; 11 - Joy Achieng.\n\n"
        "Scorers: Lena Berg (65th), Tomas Brandt (21st minute)\n\n"
        "1. Ingrid Haugen (Norway) 6.84"
    )
    doc = make_doc(blank, text, [("Ingrid Haugen (Norway", "ORG")])
    names = {e.name: e.label for e in extract_entities(doc, text)}
    assert names == {"Ana Ruiz": "PERSON", "Mei Tanaka": "PERSON", "Joy Achieng": "PERSON",
                     "Lena Berg": "PERSON", "Tomas Brandt": "PERSON",
                     "Ingrid Haugen": "PERSON"}  # fmt: skip


def test_a_lone_word_tagged_person_in_a_place_position_is_a_place(blank: Language) -> None:
    text = "The ministry will install sensors upstream of Niamey and in Dosso, Kamau said."
    ents = [("Niamey", "PERSON"), ("Dosso", "PERSON"), ("Kamau", "PERSON")]
    assert entity_labels(blank, text, ents) == {"Niamey": "GPE", "Dosso": "GPE", "Kamau": "PERSON"}


def test_a_street_the_model_tags_as_a_person_is_a_place(blank: Language) -> None:
    text = "The council will close Ferngate Road to lorries. Shops on Ferngate Road objected."
    ents = [("Ferngate Road", "PERSON"), ("Ferngate Road", "PERSON")]
    assert entity_labels(blank, text, ents) == {"Ferngate Road": "FAC"}


def test_a_name_always_after_the_is_not_a_person(blank: Language) -> None:
    text = "Otto Brenn told the Clarion that the pool would reopen in May."
    ents = [("Otto Brenn", "PERSON"), ("Clarion", "PERSON")]
    assert entity_labels(blank, text, ents) == {"Otto Brenn": "PERSON", "Clarion": "ORG"}


def test_a_capitalised_common_noun_opening_a_line_is_no_entity(blank: Language) -> None:
    text = "Women's 1,500m final:\n\nTessa Moor won. The women ran in heavy rain."
    ents = [("Women", "ORG"), ("Tessa Moor", "PERSON")]
    assert entity_labels(blank, text, ents) == {"Tessa Moor": "PERSON"}


def test_a_word_capitalised_only_at_sentence_starts_and_used_in_lower_case_is_dropped(
    blank: Language,
) -> None:
    text = "Nurses took samples from every ward. Samples showed no trace of the bug in the samples."
    ents = [("Samples", "NORP")]
    assert entity_labels(blank, text, ents) == {}


def test_a_country_code_in_brackets_is_not_a_persons_acronym(blank: Language) -> None:
    text = "1. Ilka Varga (HUN) 38.10\n\n2. Mara Sauer (GER) 38.40\n\nVarga won again."
    ents = [("Ilka Varga", "PERSON"), ("Mara Sauer", "PERSON")]
    doc = make_doc(blank, text, ents)
    aliases = {e.name: e.aliases for e in extract_entities(doc, text)}
    assert "HUN" not in aliases["Ilka Varga"]


def test_a_title_and_a_title_case_verb_are_not_part_of_the_name(blank: Language) -> None:
    text = "Minister Halvar Dunn Says Ferries Will Run\n\nRepresentative Joan Pell voted no."
    ents = [("Halvar Dunn Says", "PERSON"), ("Representative Joan Pell", "PERSON")]
    assert entity_labels(blank, text, ents) == {"Halvar Dunn": "PERSON", "Joan Pell": "PERSON"}


def test_sign_off_bar_is_not_part_of_the_name(blank: Language) -> None:
    text = "“We want the bridge back.” ―\u00a0Lina Okoro\n“It is too late.” ― Rafe Mund"
    doc = make_doc(blank, text, [("―\u00a0Lina Okoro", "PERSON"), ("― Rafe Mund", "PERSON")])
    assert [e.name for e in extract_entities(doc)] == ["Lina Okoro", "Rafe Mund"]


def test_surname_tagged_person_joins_a_full_name_tagged_as_a_place(blank: Language) -> None:
    text = "Its chair, Lina Okoro, spoke first. Okoro said the count was wrong, Okoro added."
    doc = make_doc(
        blank,
        text,
        [("Lina Okoro", "GPE"), ("Okoro", "PERSON"), ("Okoro", "PERSON")],
    )
    [entity] = extract_entities(doc)
    assert (entity.name, entity.label) == ("Lina Okoro", "PERSON")
    assert [m.text for m in entity.mentions] == ["Lina Okoro", "Okoro", "Okoro"]
