"""Cleaning splits page furniture off an article's text and keeps its paragraphs intact."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from schemas.articles import CleanArticle, RawArticle
from streams.nlp.blocks import split_blocks
from streams.nlp.cleaning import EmptyArticleError, clean_article, clean_text
from streams.nlp.furniture import (
    is_boilerplate_line,
    parse_byline,
    split_caption,
    split_trailing_agency,
    strip_dateline,
)
from streams.nlp.headline import find_headline
from streams.nlp.htmltext import continue_cut_off_text, drop_list_markers

STORY = "\n\n".join(
    [
        "Harbour town votes to rebuild its flooded sea wall",
        "A fisherman walks past the broken sea wall in Port Ellery on May 2, 2024. - Reuters",
        "By Jane Doe",
        "PORT ELLERY: Residents of the harbour town voted on Tuesday to rebuild the sea wall "
        "that failed during last winter's storms, ending a year of argument over the cost.",
        "Advertisement",
        "The council said the work would start in the spring and take two years to finish.",
        "Read more: Storm season arrives early on the coast",
        '"We cannot wait for the next flood to decide," the mayor told a packed town hall meeting.',
        "The town will borrow most of the money from the regional development bank. - AFP",
        "Join our WhatsApp channel to get breaking news first!",
        "Most Popular",
        "Ferry services cut for the winter\nLocal bakery wins national prize\n",
    ]
)


def clean(text: str, title: str | None = None) -> CleanArticle:
    return clean_article(RawArticle(id="a1", text=text, title=title))


def test_first_short_line_without_end_punctuation_is_the_headline() -> None:
    article = clean(STORY)
    assert article.headline == "Harbour town votes to rebuild its flooded sea wall"


def test_given_title_is_the_headline_and_its_repeat_leaves_the_body() -> None:
    article = clean(STORY, title="Town to rebuild sea wall")
    assert article.headline == "Town to rebuild sea wall"
    assert "Harbour town votes" not in article.body


def test_dateline_is_split_off_the_first_paragraph() -> None:
    article = clean(STORY)
    assert article.dateline == "PORT ELLERY"
    assert article.body.startswith("Residents of the harbour town voted on Tuesday")


def test_photo_caption_signed_by_an_agency_moves_to_captions() -> None:
    article = clean(STORY)
    assert "fisherman walks past" not in article.body
    assert article.captions == [
        "A fisherman walks past the broken sea wall in Port Ellery on May 2, 2024."
    ]
    assert "Reuters" in article.credits


def test_byline_moves_to_byline() -> None:
    article = clean(STORY)
    assert article.byline == "Jane Doe"
    assert "By Jane Doe" not in article.body


def test_boilerplate_lines_are_removed_and_recorded() -> None:
    article = clean(STORY)
    removed = article.removed
    for line in (
        "Advertisement",
        "Read more: Storm season arrives early on the coast",
        "Join our WhatsApp channel to get breaking news first!",
    ):
        assert line not in article.body
        assert line in removed


def test_other_stories_after_a_marker_line_are_cut_with_the_marker() -> None:
    article = clean(STORY)
    assert "Most Popular" not in article.body
    assert "Ferry services" not in article.body
    assert "Local bakery wins national prize" in article.removed


def test_trailing_agency_credit_leaves_the_last_paragraph() -> None:
    article = clean(STORY)
    assert article.body.endswith("from the regional development bank.")
    assert "AFP" in article.credits


def test_kept_paragraphs_are_byte_identical_and_joined_by_blank_lines() -> None:
    article = clean(STORY)
    assert article.body.split("\n\n") == [
        "Residents of the harbour town voted on Tuesday to rebuild the sea wall that failed "
        "during last winter's storms, ending a year of argument over the cost.",
        "The council said the work would start in the spring and take two years to finish.",
        '"We cannot wait for the next flood to decide," the mayor told a packed town hall meeting.',
        "The town will borrow most of the money from the regional development bank.",
    ]


def test_content_hash_is_the_sha256_of_the_body() -> None:
    article = clean(STORY)
    assert article.content_hash == hashlib.sha256(article.body.encode()).hexdigest()


def test_metadata_is_copied_through() -> None:
    when = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
    article = clean_article(
        RawArticle(
            id="a7",
            text=STORY,
            url="https://example.org/a7",
            source="example",
            published_at=when,
            language="en",
        ),
        published_ms=1_714_642_200_000,
    )
    assert (article.id, article.url, article.source, article.language) == (
        "a7",
        "https://example.org/a7",
        "example",
        "en",
    )
    assert article.published_at == when
    assert article.published_ms == 1_714_642_200_000


def test_nul_characters_and_surrounding_space_are_dropped() -> None:
    article = clean("  The river rose\x00 two metres overnight in the valley towns.  \r\n")
    assert article.body == "The river rose two metres overnight in the valley towns."


def test_article_with_nothing_left_raises_a_one_line_error() -> None:
    with pytest.raises(
        EmptyArticleError, match=r"^article a1 has no body text left after cleaning$"
    ):
        clean("Advertisement\n\nSubscribe\n\nShare")


def test_empty_article_error_is_a_value_error() -> None:
    assert issubclass(EmptyArticleError, ValueError)


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("BEIJING: China said on Monday it would cut tariffs.", "BEIJING", "China said"),
        (
            "NAIROBI, March 3 (Reuters) - Kenya's central bank held rates steady.",
            "NAIROBI, March 3 (Reuters)",
            "Kenya's central bank",
        ),
        ("LONDON — Shares fell sharply in early trade.", "LONDON", "Shares fell"),
        ("WASHINGTON (AP) — The Senate passed the bill late on Friday.", "WASHINGTON (AP)", "The"),
        ("HALDEN, N.Y. ― The council met at noon.", "HALDEN, N.Y.", "The council"),
    ],
)
def test_datelines_of_the_common_wire_styles(paragraph: str, dateline: str, rest: str) -> None:
    found, remainder = strip_dateline(paragraph)
    assert found == dateline
    assert remainder.startswith(rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "US-China trade talks resumed on Monday in Geneva.",
        "BREAKING: The minister has resigned after the vote.",
        "Officials said the road would reopen soon.",
    ],
)
def test_text_that_only_looks_like_a_dateline_stays(paragraph: str) -> None:
    assert strip_dateline(paragraph) == (None, paragraph)


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Read more: Five things to know about the budget",
        "RELATED: Council approves new parking rules",
        "Sign up for our morning newsletter",
        "Follow us on Twitter",
        "Follow our WhatsApp channel for the latest headlines and alerts!",
        "© 2024 Example Media Ltd. All rights reserved.",
        "Reporting by Jane Doe; Editing by John Roe",
        "Share this article",
        "Image 3 of 12",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "The council said the work would start in the spring.",
        "Read the full report, she said, before judging the plan.",
        "Following the vote, the mayor thanked the volunteers.",
    ],
)
def test_article_sentences_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


def test_caption_with_photo_credit_splits_into_caption_and_credit() -> None:
    assert split_caption("Crowds gather outside the court. Photo: Jane Doe") == (
        "Crowds gather outside the court.",
        "Photo: Jane Doe",
    )


def test_a_sentence_ending_in_credit_talk_is_not_a_caption() -> None:
    assert split_caption("Banks tightened their lending terms for credit: it fell 5%.") is None


def test_trailing_agency_sign_offs() -> None:
    assert split_trailing_agency("The talks end on Friday. - AFP") == (
        "The talks end on Friday.",
        "AFP",
    )
    assert split_trailing_agency("The talks end on Friday. (Reuters)") == (
        "The talks end on Friday.",
        "Reuters",
    )
    assert split_trailing_agency("The talks end on Friday.") is None


def test_bylines() -> None:
    assert parse_byline("By Jane Doe") == "Jane Doe"
    assert parse_byline("By Jane Doe On 11/13/19 at 4:00 PM EST") == "Jane Doe"
    assert parse_byline("By Friday the river had fallen back below the bridge.") is None


def test_dump_lines_are_blocks_and_hard_wrapped_lines_are_one() -> None:
    dump = "Home\nNews\nThe first paragraph ends here.\nThe second one ends here."
    assert split_blocks(dump) == [
        "Home",
        "News",
        "The first paragraph ends here.",
        "The second one ends here.",
    ]
    wrapped = (
        "The committee met for six hours on Thursday and agreed\n"
        "to publish its findings before the end of the month\n"
        "once the lawyers have read them."
    )
    assert split_blocks(wrapped) == [wrapped]


def test_headline_is_the_longest_headline_like_line_before_the_body() -> None:
    lead = ["Home", "World News", "Rivers burst their banks across the northern plains", "Share"]
    assert find_headline(lead) == "Rivers burst their banks across the northern plains"


def test_page_furniture_before_the_first_paragraph_is_removed() -> None:
    parts = clean_text(
        "Home\nBusiness\nMarkets\nStocks slide as oil jumps\nNovember 18, 2019\nShare\n\n"
        "Stocks fell on Monday as oil prices jumped after the pipeline closed.\n\n"
        "Analysts expect more volatility this week as traders wait for the rate decision."
    )
    assert parts.headline == "Stocks slide as oil jumps"
    assert parts.paragraphs[0].startswith("Stocks fell on Monday")
    assert {"Home", "Business", "Markets", "Share"} <= set(parts.removed)


def test_inline_related_box_is_removed_but_the_article_goes_on() -> None:
    parts = clean_text(
        "The first paragraph of the story explains what happened on the bridge this morning.\n\n"
        "Related Stories\n"
        "Bridge closed for repairs\n"
        "Traffic chaos in the city centre\n\n"
        "The second paragraph of the story gives the reaction of the commuters who were stuck.\n\n"
        "The third paragraph says when the bridge is expected to reopen to cars and buses."
    )
    assert len(parts.paragraphs) == 3
    assert "Bridge closed for repairs" in parts.removed


def test_html_wins_over_text_and_script_and_style_never_reach_the_body() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n} of the report describes the new harbour wall and who will pay "
        f"for the work over the coming years.</p>"
        for n in range(1, 6)
    )
    html = (
        "<html><head><title>Harbour wall report</title><style>p { color: red }</style>"
        "<script>var tracking = 'do not keep';</script></head><body>"
        f"<article><h1>Harbour wall report</h1>{paragraphs}</article>"
        "<script>console.log('late script');</script></body></html>"
    )
    article = clean_article(RawArticle(id="h1", html=html, text="ignored plain text body"))
    assert "Paragraph 1 of the report" in article.body
    assert "Paragraph 5 of the report" in article.body
    assert "ignored plain text" not in article.body
    assert "tracking" not in article.body and "color" not in article.body
    assert article.headline == "Harbour wall report"


def test_wire_dateline_with_place_and_country_is_split_off() -> None:
    parts = clean_text(
        "Title line here now\n\nKARVINA, Czech Republic, Jan 20 (Reuters) - "
        "Rescuers reached the men on Tuesday after two days."
    )
    assert parts.dateline == "KARVINA, Czech Republic, Jan 20 (Reuters)"
    assert parts.paragraphs == ["Rescuers reached the men on Tuesday after two days."]


def test_south_asian_dateline_is_split_off() -> None:
    parts = clean_text(
        "Title line here now\n\n"
        "Ahmedabad: Around 4,000 dock workers began a strike on Thursday over pay."
    )
    assert parts.dateline == "Ahmedabad"
    assert parts.paragraphs[0].startswith("Around 4,000")


@pytest.mark.parametrize(
    "line",
    [
        "Associated Press writer Kim Tran in Sacramento contributed to this report.",
        "The Associated Press contributed to this report.",
        "Our Standards: The Thomson Reuters Trust Principles.",
        "(This story has not been edited by our staff and is auto-generated from a feed.)",
        "Published 09:14, 3 Nov 2026 | Updated 11:02, 3 Nov 2026",
    ],
)
def test_trailers_and_dated_lines_are_boilerplate(line: str) -> None:
    assert is_boilerplate_line(line)


def test_caption_signed_reuters_slash_photographer_is_a_caption() -> None:
    assert split_caption("Candidates before the debate in the capital. REUTERS/Ana Petric") == (
        "Candidates before the debate in the capital.",
        "REUTERS/Ana Petric",
    )


def test_a_list_after_a_lead_line_is_kept() -> None:
    first = "The telescope was repaired after weeks of careful work by the whole team."
    second = "Engineers tried eleven sequences of motor pulses before one of them worked."
    last = "Astronomers expect the observatory to resume its science work within a month."
    items = ["- Launched in 2025 on a rocket", "- Orbits far from Earth", "- Built by a consortium",
             "- Carries twelve mirror segments"]  # fmt: skip
    text = "\n".join(["Telescope repaired", first, second, "Key facts about it:", *items, last])
    assert clean_text(text).paragraphs == [first, second, "Key facts about it:", *items, last]


def test_a_question_headline_is_the_headline() -> None:
    first = "Officials counted the seized drugs at the border crossing on Monday morning."
    second = "The haul was the largest at the crossing in a decade, they said afterwards."
    parts = clean_text(f"What is the value of drugs at the border?\n{first}\n{second}")
    assert parts.headline == "What is the value of drugs at the border?"
    assert parts.paragraphs == [first, second]


def test_a_cut_off_extraction_is_continued_from_the_page() -> None:
    paragraph = (
        "Engineers worked through the night to restore power to the district, officials said."
    )
    later = [
        f"Update number {n} came with more detail on the repairs, and on who pays. {paragraph}"
        for n in range(3)
    ]
    page = "\n\n".join(["Menu", paragraph, "Advertisement", *later, "Most Popular", "Other story"])
    assert continue_cut_off_text(paragraph, page) == "\n\n".join([paragraph, *later])


def test_a_short_teaser_after_the_extraction_is_not_taken() -> None:
    text = "\n".join(
        f"Paragraph {n} of the story tells what the council decided and why it matters."
        for n in range(6)
    )
    teaser = "A different story about the weather this weekend is worth reading today for all."
    page = "\n\n".join([*text.split("\n"), teaser])
    assert continue_cut_off_text(text, page) == text


def test_trafilatura_list_markers_are_dropped() -> None:
    assert drop_list_markers("Lead:\n- first item\n- second item\n-5 degrees") == (
        "Lead:\nfirst item\nsecond item\n-5 degrees"
    )


RESULTS_STORY = "\n".join(
    [
        "ATHLETICS - RUIZ WINS 800 METRES IN RECORD TIME",
        "HALDEN 2026-07-18",
        "Ana Ruiz of Chile won the women's 800 metres at the coastal games on Saturday.",
        "Leading results:",
        "1. Ana Ruiz (Chile) 1:57.12",
        "2. Mei Tanaka (Japan) 1:58.40",
        "3. Joy Achieng (Kenya) 1:58.91",
        "Medal table:",
        "Kenya 4 2 1",
        "Japan 2 3 0",
        "Chile 1 1 3",
        "Norway 0 2 2",
    ]
)


def test_results_tables_and_lists_stay_in_the_body() -> None:
    parts = clean_text(RESULTS_STORY)
    assert parts.headline == "ATHLETICS - RUIZ WINS 800 METRES IN RECORD TIME"
    assert parts.paragraphs[0].startswith("Ana Ruiz of Chile")
    assert parts.paragraphs[-1] == "Norway 0 2 2"
    assert "2. Mei Tanaka (Japan) 1:58.40" in parts.paragraphs
    assert parts.removed == ["HALDEN 2026-07-18"]


def test_a_headline_ending_in_a_full_stop_before_the_byline_is_the_headline() -> None:
    text = "\n".join(
        [
            "Ferry captain says crews need more storm training.",
            "By Hanna Velde",
            "14 March 2026, 09:12",
            "Share",
            "The captain who brought the ferry into harbour through a gale has called for "
            "more training for crews.",
        ]
    )
    parts = clean_text(text)
    assert parts.headline == "Ferry captain says crews need more storm training."
    assert parts.byline == "Hanna Velde"
    assert parts.paragraphs == [text.split("\n")[-1]]


def test_a_section_label_before_a_capitals_headline_is_not_a_dateline() -> None:
    assert strip_dateline("SOCCER - LEEDS SIGN STRIKER FROM HULL ON LOAN") == (
        None,
        "SOCCER - LEEDS SIGN STRIKER FROM HULL ON LOAN",
    )
    assert strip_dateline("LEEDS - The club signed a striker.")[0] == "LEEDS"


def test_a_title_case_first_line_ending_in_a_full_stop_is_the_headline() -> None:
    parts = clean_text(
        "Harbour Workers Rip Mayor Ana Ruiz Over ‘Broken Promise.’\n\n"
        "PORT ELLERY ― Dockworkers marched on the town hall on Tuesday to protest the closure."
    )
    assert parts.headline == "Harbour Workers Rip Mayor Ana Ruiz Over ‘Broken Promise.’"
    assert parts.dateline == "PORT ELLERY"
    assert parts.paragraphs == [
        "Dockworkers marched on the town hall on Tuesday to protest the closure."
    ]


def test_a_short_first_sentence_before_a_longer_paragraph_is_the_headline() -> None:
    text = (
        "Council rejects plan for harbour car park.\n\nLETTERS.\n\n"
        "Why would anyone pave over the only green space left on the harbour front? "
        "Do you know what it costs?"
    )
    parts = clean_text(text)
    assert parts.headline == "Council rejects plan for harbour car park."
    assert parts.paragraphs[-1].startswith("Why would anyone pave over")


def test_a_text_that_comes_with_its_title_keeps_a_short_first_paragraph() -> None:
    text = (
        "The council has said no to the harbour car park.\n\n"
        "Councillors voted eight to three against the plan on Monday night."
    )
    parts = clean_text(text, title="Council rejects harbour car park")
    assert parts.headline == "Council rejects harbour car park"
    assert parts.paragraphs[0] == "The council has said no to the harbour car park."


def test_a_two_paragraph_text_keeps_its_short_first_paragraph() -> None:
    text = (
        'Mallory Payload said on Friday: "the release is only a test."\n\n'
        "The Acme Corporation in Paris added that nothing had been shipped yet."
    )
    parts = clean_text(text)
    assert parts.headline is None
    assert parts.paragraphs == text.split("\n\n")


def test_a_first_sentence_with_said_is_copy_not_a_headline() -> None:
    text = (
        "The mayor said the road will close.\n\n"
        "Works begin on Monday and will last until the spring, the council's notice said.\n\n"
        "Buses will divert through Mill Lane."
    )
    assert clean_text(text).paragraphs[0] == "The mayor said the road will close."
