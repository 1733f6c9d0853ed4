"""The cue lexicon is data: every form listed matches, and the flags reach the patterns."""

from __future__ import annotations

from streams.nlp.cues import compile_lexicon, lexicon


def test_the_shipped_lexicon_matches_common_and_uncommon_cues() -> None:
    cues = lexicon()
    for text in ("she said", "he quipped", "they tweeted", "according to the report"):
        assert cues.cue.search(text), text
    assert cues.cue.search("the saidness") is None
    assert "told" in cues.addressee and "said" in cues.reporting
    assert "according to" in cues.speaker_after


def test_a_table_compiles_into_patterns() -> None:
    table = {
        "speech": {"grumble": {"forms": ["grumbled"], "reports": True, "inverts": True}},
        "speaker_after": {"phrases": ["according to"]},
        "roles": {"nouns": ["harbour master"]},
        "organisations": {"nouns": ["guild"], "generic": ["guild"]},
    }
    cues = compile_lexicon(table)
    assert cues.cue.search("Ines grumbled")
    assert cues.reporting == {"grumbled", "according to"}
    assert cues.role.search("the harbour master said")
    assert cues.description.search("The Weavers Guild said")
    assert cues.inverted_lead.search("the levy was unfair, grumbled ")
    assert cues.speech_noun.search("Ines's claim") is None  # no speech nouns in this table


def test_speech_nouns_and_inverting_verbs_come_from_the_table() -> None:
    cues = lexicon()
    owner = cues.speech_noun.search("Ada Quist's earlier claim that")
    assert owner is not None and owner.group("noun") == "claim"
    assert cues.inverted_lead.search("the vote was close, noted Radio Vell's ")
    assert cues.inverted_lead.search("the vote was close, praised ") is None
