"""Indirect quotes: reported speech without quote marks ("X said (that) ...").

A reported clause needs a speech cue from the lexicon and a source next to it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from schemas.articles import Quote
from streams.nlp.cues import lexicon
from streams.nlp.quote_marks import count_words, trim
from streams.nlp.speakers import (
    MAIN_CLAUSE_START,
    MAX_SUBJECT_WORDS,
    OPENING_PARTICIPLE,
    Document,
    appositive_speaker,
    cue_subject,
    inverted_speaker,
    is_passive,
    subject_start_of,
)

# An infinitive or imperative before a cue: "plans to say", "let's say" (nothing said yet);
# "worth noting", "without saying": a gerund after them is the writer's aside, no one's speech.
_UNREALISED = re.compile(r"(?:\bto|\b[Ll]et['’]s|\b[Ll]et[ ]us|\b[Ww]orth|\b[Ww]ithout)[ ]+$")

# A determiner or possessive right before a cue: the cue word is a noun ("his tweets",
# "Friday's reports", "the charges"), not a verb; "he's claiming" is a verb.
_NOUN_USE = re.compile(
    r"(?:\b(?:his|her|their|its|our|my|your|the|a|an|these|those|this|that|early-morning"
    r"|late-night|new|recent|latest|criminal|several|many|such)"
    r"|(?<!\b[Hh]e)(?<!\b[Ss]he)(?<!\b[Ii]t)(?<!\b[Tt]hat)(?<!\b[Tt]here)(?<!\b[Ww]ho)['’]s)[ ]+$",
    re.IGNORECASE,
)

# A free relative before the cue's subject: "what Trump says his plan would do", "everything
# she says": the cue is inside a noun phrase, and reports nothing.
_FREE_RELATIVE = re.compile(
    r"\b(?:what|whatever|everything|anything|nothing)[ ]+(?:[\w'’.-]+[ ]+){1,3}$", re.IGNORECASE
)

# A subject pronoun followed by a word: opening a clause right after a cue ("acknowledged
# it was unlikely"), or anywhere in a span.
_SUBJECT_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Ww]e|I|[Tt]here)\b[ ]+\w")

# A preposition opening a span: "In her memoir, ...", "at a rally".
_PREPOSITION = re.compile(
    r"(?:[Ii]n|[Oo]n|[Aa]t|[Dd]uring|[Aa]fter|[Bb]efore|[Ww]ith|[Bb]y|[Ff]rom|[Ff]or|[Uu]nder"
    r"|[Ss]ince|[Aa]mong)\b"
)

# "it" as the object of a cue: "cited it as an example", "said it over and over".
_OBJECT_IT = re.compile(
    r"it(?:[ ]+(?:as|to|in|on|at|over|again|up|out|off|down|back|for|with|from|and|or|but)\b"
    r"|[ ]*[,.;:]|[ ]*$)"
)

# A phrase of time or place between a cue and its "that": "said during a rally in X that".
_CIRCUMSTANCE = re.compile(
    r"[ ]*(?:at|in|on|during|after|before|while|from|to|with|on|last|this|earlier|later"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)

_MAX_CUES_TRIED = 12  # cues of one sentence read for a reported clause
_LEAD_CHARS = 60  # chars before a cue read for a determiner or free relative
_VERB_WINDOW = 100  # chars after a cue in which its clause's verb is looked for
_MAX_WORDS_BEFORE_THAT = 8  # longest "at a rally in Halden, Serra," between a cue and "that"
_MAX_ADDRESSEE_WORDS = 8  # longest "Y" in "C, X told Y."
_MAX_ADDRESSEE_WORDS_BEFORE_CLAUSE = 3  # longest "Y" in "X told Y the plan was ..."

# Time phrases between a cue and its clause: "said Monday", "said on Tuesday that".
_TIME_PHRASE = re.compile(
    r"[ ]*(?:(?:on|late|early|earlier|last|this)[ ]+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight"
    r"|earlier|later|previously|recently|week|month|year|night|morning|afternoon|evening"
    r"|in[ ]a[ ]statement|in[ ]an[ ]interview|in[ ]a[ ]post|on[ ]twitter|on[ ]x"
    r"|on[ ]social[ ]media)\b"
    r"(?:[ ]+(?:night|morning|afternoon|evening))?,?",
    re.IGNORECASE,
)

# A word that can be a clause's verb: an auxiliary or modal, or a form ending in -ed / -s
# ("the walls are crumbling", "the plan failed", "she wants"); a noun phrase alone has none.
# A form ending in -s right after a possessive or a preposition is a noun ("Ana Ruiz's
# comments", "between protesters"), and so is a possessive 's ("the clot's existence").
_VERB_LIKE = re.compile(
    r"\b(?:is|was|are|were|has|had|have|will|would|could|should|can|may|might|must|did|does"
    r"|do|cannot|\w+n['’]t|'re|’re|'ll|’ll|'d|’d|[a-z]{2,}ed"
    r"|(?<!\bof[ ])(?<!\bin[ ])(?<!\bon[ ])(?<!\bfor[ ])(?<!\bwith[ ])(?<!\bbetween[ ])"
    r"(?<!['’]s[ ])[a-z]{2,}s)\b"
    r"|\b(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hat|[Tt]here|[Ww]ho|[Ww]hat)['’]s\b"
)

# Words that open a phrase, not a reported clause: "said in documents", "said, and".
_NOT_A_CLAUSE = re.compile(r"(?:and|but|or|in|on|at|during|after|before|with|by|to|from|for)\b")

# A short opening phrase and its comma after "that": "said that in 1998, the clinic ..."
# ("said in documents" is no clause; after "that" the phrase opens the reported clause).
_PHRASE_THEN_COMMA = re.compile(
    r"(?:in|on|at|during|after|before|with|by|from|for)\b[^,.;:]{1,40},[ ]+\w"
)

# Words that open the writer's own adverbial clause after a cue and a comma, not a reported
# clause: "said on Friday, as they left", "said, not needing to" ("said that because ..."
# is reported: the "that" opens it).
_ADVERBIAL = re.compile(r"(?:as|while|although|though|whereas|not)\b")

# Words a clause after "told Y" opens with: "told local radio the government would".
_CLAUSE_OPENER = re.compile(
    r"\b(?:the|a|an|he|she|it|they|we|his|her|its|their|there|this|these|those)\b"
)

# "that" opening a reported clause, after optional words: "told reporters that".
_THAT = re.compile(r"\bthat\b")

# A preposition right before "that": "that" is a determiner or pronoun ("for that plan");
# a conjunction: "said witnesses saw it and that ..." opens the clause's second half.
_THAT_OPENS_NO_CLAUSE_AFTER = re.compile(r"\b(?:for|of|about|on|with|to|from|by|like|and|or)[ ]+$")

# A subordinate clause and nothing else, before "X said": "But when the plan failed, X
# said enough": the sentence's adverbial, not what was said.
_SUBORDINATE_ONLY = re.compile(
    r"(?:(?:[Bb]ut|[Aa]nd|[Ss]o|[Yy]et)[ ]+)?(?:[Ww]hen|[Ii]f|[Bb]ecause|[Aa]lthough|[Tt]hough"
    r"|[Ww]hile|[Ss]ince|[Uu]nless|[Oo]nce|[Aa]fter|[Bb]efore|[Uu]ntil)\b[^,;]*"
)

# A finite verb before "that": the clause has begun and "that" is a relative pronoun ("said
# the plan was a fantasy that would ...").
_FINITE_VERB = re.compile(
    r"\b(?:is|was|are|were|has|had|have|will|would|could|should|can|may|might|must|did|does)\b"
)

# A name and what it is, and nothing else: the source after an inverted cue ("said Ana
# Ruiz, an economist at the Halden Institute"), not a clause.
_NAMED_SOURCE = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov)\.?[ ])?[A-Z][\w'’.-]*(?:[ ][A-Z][\w'’.-]*){0,3}"
    r"(?:[ ]*[.,;]?[ ]*['’\"”]*$|,[ ]+(?:an?|the|who|one|its|his|her)\b"
    r"(?![^,.]*\b(?:is|was|are|were|has|had|have|will|would|could|should|can|may|might|must"
    r"|did|does)\b))"
)

# What a source is, after its name: "an economist at X", with no verb of its own before the
# sentence or clause ends.
_APPOSITIVE = re.compile(
    r"(?:an?|the|who|one|its|his|her)\b(?![^,.]*\b(?:is|was|are|were|has|had|have|will|would"
    r"|could|should|can|may|might|must|did|does)\b)"
)

# A name, a comma and what the name is, and nothing after: "Ana Ruiz, the mayor's chief of
# staff", "Dr. Ana Ruiz, who ran the clinic for a decade" (the subject of a cue after it).
_NAME_AND_APPOSITIVE = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov)\.?[ ])?[A-Z][\w'’.-]*(?:[ ][A-Z][\w'’.-]*){0,3}"
    r",[ ]+(?:an?|the|who|whose|one|its|his|her|their)\b[^,]*"
)

# A closing quote mark, and the comma of the quote, right before a cue.
_CLOSING_MARK = re.compile(r"(?:[”\"’]|'')[ ]*,?[ ]*$")

# A second attribution inside a reported clause: a conjunction, then a short subject (or
# none: "and suggested that ..."), then a cue ("said A, but he said B", "A, though she
# noted B"). The clause ends before the conjunction; the second cue reports a clause of its
# own.
_SECOND_ATTRIBUTION = re.compile(
    r"(?:[ ]*[,;])?[ ]+(?P<conjunction>but|though|although|and|yet)[ ]+"
    r"(?P<subject>(?:[\w'’.-]+[ ]+){0,4}?)"
    r"(?:(?:also|again|later|then|has|had|have|would|once|repeatedly|\w+ly)[ ]+){0,2}$"
)

# A participle cue after a comma, right before its clause: '"...," she said, adding (that)'.
_AFTER_PARTICIPLE = re.compile(r",[ ]+(?:\w+[ ]+)?\w+ing[ ]+(?:that[ ]+)?$")

# A comma and a participle right after a cue: "said, adding that ..." (the participle
# introduces the clause, not the cue before it).
_PARTICIPLE_NEXT = re.compile(
    r"[ ]*,[ ]+(?!(?:during|according|notwithstanding|\w*thing)\b)\w+ing\b"
)

# A cue coordinated after a quote, before its clause: '" and said (that) '.
_COORDINATED_CUE = re.compile(r"[”\"’']?[ ]+(?:and|but)[ ]+(?:\w+[ ]+)?\w+[ ]+(?:that[ ]+)?")

# A concession after a reported clause: "claimed A was smart, although he again refused
# ...", mostly the writer's comment on what was said.
_CONCESSION = re.compile(r",[ ]+(?:although|though|even[ ]though)\b")

# A span that is one direct quote, its closing mark maybe cut off ('"We will win').
_WHOLE_QUOTE = re.compile(r"[\"“][^\"“”]*[\"”]?[ ,]*")

# What opens a reported question after "asked" and up to three words of addressee:
# "asked whether", "asked the minister how".
_QUESTION_OPENER = re.compile(
    r"[ ]+(?:(?!whether|if|how|why|what|when)[\w'’.-]+[ ]+){0,3}?"
    r"(?P<opener>whether|if|how|why|what|when)\b[ ]+\w"
)

# A comma (and an adverb) before a participle cue inside a reported clause: "said A,
# adding that B", "said A, later suggesting B". It has no subject: the clause's speaker.
_PARTICIPLE_LEAD = re.compile(r"[ ]*,[ ]+(?P<subject>)(?:(?:also|again|later|then|\w+ly)[ ]+)?$")

# ", according to ..." closing a reported clause.
_TRAILING_ACCORDING = re.compile(r",[ ]+(?:according[ ]to|citing)\b")


def reported_clause(body: str, cue: re.Match[str], end: int) -> tuple[int, int] | None:
    """Return the span of the clause a cue introduces ("said (on Monday) (that) CLAUSE")."""
    position = cue.end()
    if _PARTICIPLE_NEXT.match(body, position, end):
        return None  # "said, adding that ...": the participle's clause
    window = body[position : min(end, position + 80)]
    comma = window.find(",")
    that = _THAT.search(window)
    nearer = that and lexicon().cue.search(window, 0, that.start())
    if nearer and nearer.group().endswith("ing") and count_words(window[: nearer.start()]) <= 3:
        return None  # "tweets early Friday saying that ...": the participle introduces it
    opened_by_that = bool(that and _that_opens_clause(window, that, comma))
    question = _QUESTION_OPENER.match(body, position, end)
    if cue.group() in lexicon().questions and question:
        # "asked (the panel) whether ...": the question is what was reported
        position = question.start("opener")
    elif that and opened_by_that:
        # "said that ...", "said on Monday at a rally in Halden, Serra, that ..."
        position += that.end()
        while position < end and body[position] in " ,":
            position += 1  # "said that, if elected, he would ..."
    elif cue.group() in lexicon().addressee and cue.group() in lexicon().reporting:
        opener = addressee_end(body, position, end)
        if opener is None:
            return None  # "told his counterpart, ...": no clause follows the addressee
        position = opener
    else:
        time = _TIME_PHRASE.match(body, position, end)
        if time:
            position = time.end()
        opening = _skip_spaces(body, position, end)
        if cue.group() not in lexicon().reporting and (
            not _SUBJECT_PRONOUN.match(body, opening, end) or _OBJECT_IT.match(body, opening, end)
        ):
            return None  # "claimed victory": only a clause with a subject is reported speech
        opening = _skip_spaces(body, position, end)
        verb_end = min(end, position + _VERB_WINDOW)
        chunk_end = body.find(", ", opening, verb_end)
        if (
            chunk_end > 0
            and count_words(body[opening:chunk_end]) >= 2
            and body.find(", ", chunk_end + 2, end) < 0
        ):
            # "added a note of caution, should ...": the verb is before the one comma (after
            # two, "the plan, run by X, has" can be a subject and an aside).
            verb_end = chunk_end
        if not (
            _SUBJECT_PRONOUN.match(body, opening, end)
            or _VERB_LIKE.search(body, position, verb_end)
        ):
            return None  # "noted the rule in an interview": a noun phrase, not a clause
    start, stop = trim(body, position, end)
    opening_phrase = opened_by_that and _PHRASE_THEN_COMMA.match(body, start, stop)
    if (_NOT_A_CLAUSE.match(body, start, stop) and not opening_phrase) or _OBJECT_IT.match(
        body, start, stop
    ):
        return None  # "said in documents", "said it over and over": no clause
    lead = body[cue.end() : start]
    if "," in lead and not _THAT.search(lead) and _ADVERBIAL.match(body, start, stop):
        return None
    accordingly = _TRAILING_ACCORDING.search(body, start, stop)
    if accordingly:
        stop = accordingly.start()
    stop = _strip_end_punctuation(body, start, stop)
    if body[start : start + 1] in (",", ":", ";") or count_words(body[start:stop]) < 3:
        return None
    if _NAMED_SOURCE.match(body, start, stop):
        return None  # '," said Ana Ruiz, an economist at X.': the source, not a clause
    return start, stop


def _that_opens_clause(window: str, that: re.Match[str], comma: int) -> bool:
    """Tell whether a "that" after a cue opens its clause: a few words after the cue and
    before any comma, or after a phrase of time or place; no finite verb before it, and no
    preposition right before it ("calling for that plan": "that" is a determiner)."""
    if _THAT_OPENS_NO_CLAUSE_AFTER.search(window, 0, that.start()):
        return False
    words = count_words(window[: that.start()])
    near = (comma < 0 or that.start() < comma) and words <= 5
    circumstance = words <= _MAX_WORDS_BEFORE_THAT and _CIRCUMSTANCE.match(window) is not None
    return (near or circumstance) and not _FINITE_VERB.search(window, 0, that.start())


def addressee_end(body: str, position: int, end: int) -> int | None:
    """Return where the clause after "told Y" starts: at a determiner or pronoun after Y."""
    window_end = min(end, position + 60)
    comma = body.find(",", position, window_end)
    window_end = comma if comma >= 0 else window_end
    for match in _CLAUSE_OPENER.finditer(body, position, window_end):
        words_before = count_words(body[position : match.start()])
        if 1 <= words_before <= _MAX_ADDRESSEE_WORDS_BEFORE_CLAUSE:
            return match.start()
    return None


def _is_phrase(body: str, start: int, stop: int) -> bool:
    """Tell whether a span is a prepositional phrase with no word that can be a verb ("In
    her 2003 memoir, Second Wind", "at a rally in Halden"): not a reported clause."""
    return bool(
        _PREPOSITION.match(body, start, stop)
        and not _VERB_LIKE.search(body, start, stop)
        and not _SUBJECT_PRONOUN.search(body, start, stop)
    )


def _skip_spaces(body: str, position: int, end: int) -> int:
    while position < end and body[position] == " ":
        position += 1
    return position


def _strip_end_punctuation(body: str, start: int, stop: int) -> int:
    while stop > start and body[stop - 1] in ".!? ":
        stop -= 1
    return stop


def indirect_quote(doc: Document, sentence: tuple[int, int]) -> Quote | None:
    """Return the reported speech of one sentence without quote marks, if it has any.

    Handles "X said (that) C", "X told Y (that) C", "C, X said", "According to X, C",
    "C, according to X", "X, who ..., said C" and "X did this and said C". A cue that
    introduces no clause passes the turn to the next cue of the sentence, up to
    _MAX_CUES_TRIED of them (each reads the sentence before it: a run-on "sentence" of
    thousands of cues would cost quadratic time).
    """
    body = doc.body
    start, end = sentence
    cues = itertools.islice(lexicon().cue.finditer(body, start, end), _MAX_CUES_TRIED)
    for cue in cues:
        left = body[start : cue.start()]
        if (
            is_passive(left, cue)
            or _UNREALISED.search(left)
            or _NOUN_USE.search(left[-_LEAD_CHARS:])
            or _FREE_RELATIVE.search(left[-_LEAD_CHARS:])
        ):
            continue
        text = cue.group()
        if text.lower() == "according to":
            return _according_to(doc, start, end, cue)
        if text.lower() in lexicon().speaker_after:
            continue
        comma = left.rfind(",")
        bare_cue = not left[comma + 1 :].strip(" '’\"”")  # "C, said X": nothing before the cue
        subject_start = subject_start_of(body, start, cue.start())
        if subject_start is None:
            subject_start = bare_subject_start(doc, start, cue.start())
        if subject_start is None and _AFTER_PARTICIPLE.search(body, start, cue.end() + 1):
            subject_start = start  # "..., saying C": the clause before it has the subject
        # "''C,'' said Ana Ruiz, who ...": after a quote and its bare cue comes the source.
        after_quote = bare_cue and _CLOSING_MARK.search(left) is not None
        clause = (
            None if after_quote else reported_clause(body, cue, clause_end(body, cue, sentence))
        )
        if clause is not None and subject_start is not None:
            # A name inside a quote before the cue is not the cue's subject.
            speaker = cue_subject(doc, after_quotes(body, start, cue.start()), subject_start, cue)
            return _indirect(body, clause, speaker, text)
        if not left[comma + 1 :].strip():
            comma = appositive_opening(left, comma)
        if comma > 0 and _NAME_AND_APPOSITIVE.fullmatch(left, 0, len(left[:comma].rstrip())):
            # "Ana Ruiz, an economist who ..., said (that) C": the part before the comma is
            # the cue's subject with what it is, not a clause.
            if clause is not None:
                return _indirect(body, clause, cue_subject(doc, start, start, cue), text)
            continue
        if (
            comma > 0
            and text in lexicon().reporting
            and count_words(left[comma:]) <= MAX_SUBJECT_WORDS
            and ends_attribution(body, cue.end(), end)
        ):
            # "C, X said." / "C, X told Y, ...": the clause comes first.
            clause = (start, _strip_end_punctuation(body, start, start + comma))
            if _WHOLE_QUOTE.fullmatch(body, *clause):
                continue  # '"Q," she said, adding that C': a later cue may report C
            if not after_quote:
                clause = _longer_part_around(body, clause, cue.end(), end)
            if clause[0] == start and _SUBORDINATE_ONLY.fullmatch(body, *clause):
                continue  # "But when the plan failed, X said enough."
            if count_words(body[clause[0] : clause[1]]) >= 3 and not _is_phrase(body, *clause):
                speaker = appositive_speaker(doc, start + comma + 1, cue.start())
                if speaker is None and bare_cue:
                    speaker = inverted_speaker(doc, cue.end(), end)  # "C, said Ana Ruiz."
                return _indirect(body, clause, speaker, text)
    return None


def clause_end(body: str, cue: re.Match[str], sentence: tuple[int, int]) -> int:
    """Return where a cue's reported clause must end: the sentence's end, or, after an
    opening participle ("After saying her foot was "swollen," she ..."), the main clause."""
    start, end = sentence
    if cue.group().endswith("ing") and OPENING_PARTICIPLE.fullmatch(body, start, cue.start()):
        main = MAIN_CLAUSE_START.search(body, cue.end(), end)
        if main is not None:
            return len(body[: main.end()].rstrip())  # after '," ': the quote stays whole
    return end


def after_quotes(body: str, start: int, cue_start: int) -> int:
    """Return where the text after the last closed quote before a cue starts, or start."""
    left = body[start:cue_start]
    closing = left.rfind("”")
    if left.count('"') % 2 == 0:
        closing = max(closing, left.rfind('"'))
    return start + closing + 1 if closing >= 0 else start


def bare_subject_start(doc: Document, start: int, cue_start: int) -> int | None:
    """Return where a name right before a cue starts, after a long opening phrase with no
    comma ("In a March meeting with the board of the Halden Post Ana Ruiz said")."""
    for mention in reversed(doc.mentions.within(start, cue_start)):
        if mention.label in ("PERSON", "ORG") and not doc.body[mention.end : cue_start].strip():
            return mention.start
        break
    return None


def _longer_part_around(
    body: str, before: tuple[int, int], cue_end: int, end: int
) -> tuple[int, int]:
    """Return the clause of "A, X said, B.": B when it is longer than A, else A."""
    comma = body.find(",", cue_end, end)
    if comma < 0:
        return before
    after = trim(body, comma + 1, end)
    after = (after[0], _strip_end_punctuation(body, after[0], after[1]))
    longer = count_words(body[after[0] : after[1]]) > count_words(body[before[0] : before[1]])
    if _APPOSITIVE.match(body, after[0], after[1]):
        return before  # "A, said Ana Ruiz, an economist at X.": B says who she is
    opens_phrase = _NOT_A_CLAUSE.match(body, after[0], after[1]) or _ADVERBIAL.match(
        body, after[0], after[1]
    )
    return after if longer and not opens_phrase else before


def appositive_opening(left: str, comma: int) -> int:
    """Return the comma that opens a trailing attribution with an appositive, given the one
    right before the cue: "C, the developer, Greenway Homes, said" -> the comma after C."""
    second = left.rfind(",", 0, comma)
    first = left.rfind(",", 0, second) if second > 0 else -1
    if first > 0 and count_words(left[first:comma]) <= MAX_SUBJECT_WORDS:
        return first
    return comma


def ends_attribution(body: str, position: int, end: int) -> bool:
    """Tell whether the words after a cue close the sentence's attribution ("told Choe, ...")."""
    comma = body.find(",", position, end)
    return count_words(body[position : comma if comma >= 0 else end]) <= _MAX_ADDRESSEE_WORDS


def _according_to(doc: Document, start: int, end: int, cue: re.Match[str]) -> Quote | None:
    body = doc.body
    left = body[start : cue.start()]
    speaker = inverted_speaker(doc, cue.end(), end)
    if not left.strip():
        comma = body.find(",", cue.end(), end)
        if comma < 0:
            return None
        clause_start, clause_end = trim(body, comma + 1, end)
        clause_end = _strip_end_punctuation(body, clause_start, clause_end)
    else:
        clause_start = start
        clause_end = _strip_end_punctuation(body, start, len(left.rstrip(" ,")) + start)
    if count_words(body[clause_start:clause_end]) < 3 or _is_phrase(body, clause_start, clause_end):
        return None  # "cheered at a rally in Halden, according to X": no clause
    return _indirect(body, (clause_start, clause_end), speaker, cue.group())


def _indirect(body: str, clause: tuple[int, int], speaker: str | None, cue: str | None) -> Quote:
    start, end = clause
    return Quote(
        text=body[start:end], kind="indirect", speaker=speaker, cue=cue, start=start, end=end
    )


def indirect_quotes(doc: Document, taken: Sequence[Quote]) -> list[Quote]:
    """Return the indirect quotes of the sentences, but none that cuts through a direct quote."""
    quotes: list[Quote] = []
    direct = sorted((q.start, q.end) for q in taken)
    for start, end in doc.sentences.spans:
        inside = [(s, e) for s, e in direct if s < end and start < e]
        quote = indirect_quote(doc, (start, end))
        if quote is None or not all(
            (count_words(doc.body[quote.start : s]) and e <= quote.end)
            or (e <= quote.start and _AFTER_PARTICIPLE.search(doc.body, e, quote.start))
            or (e <= quote.start and _COORDINATED_CUE.fullmatch(doc.body, e, quote.start))
            or ((quote.end <= s or e <= quote.start) and OPENING_PARTICIPLE.match(doc.body, start))
            for s, e in inside
        ):
            # Direct quotes in it are partial quotes of its clause; one before it is the
            # quote its clause goes on from ('"...," she said, adding that C', 'dismissed X
            # as a "Y" and said C'); after an opening participle the main clause and the
            # participle's phrase each have their own ('After saying C, she was "whisked
            # off"', 'After calling it "a Band-Aid," Harmon said C').
            continue
        quotes.extend(
            part
            for part in split_attributions(doc, quote, end)
            if all(part.start < s and e <= part.end for s, e in inside if _cuts(part, s, e))
        )
    return quotes


def _cuts(quote: Quote, start: int, end: int) -> bool:
    return start < quote.end and quote.start < end


def split_attributions(doc: Document, quote: Quote, end: int) -> list[Quote]:
    """Return a reported clause cut at a second attribution inside it, and the clause that
    attribution reports: "X said A, but he said B" is A from X and B from "he"; "X said A
    and suggested that B" is B from X too. Each part is split again, up to _MAX_CUES_TRIED
    cues read."""
    body = doc.body
    cues = itertools.islice(lexicon().cue.finditer(body, quote.start, quote.end), _MAX_CUES_TRIED)
    for cue in cues:
        left = body[quote.start : cue.start()]
        lead = _SECOND_ATTRIBUTION.search(left)
        if lead is None and cue.group().endswith("ing"):
            lead = _PARTICIPLE_LEAD.search(left)  # "said A, adding that B"
        if (
            lead is None
            or is_passive(left, cue)
            or _UNREALISED.search(left)
            or cue.group().lower() in lexicon().speaker_after
            or cue.group() in lexicon().naming
            or _NOUN_USE.search(left[-_LEAD_CHARS:])
            or _FREE_RELATIVE.search(left[-_LEAD_CHARS:])
            or _FINITE_VERB.search(lead.group("subject"))
        ):
            continue
        clause = reported_clause(body, cue, end)
        first_stop = _strip_end_punctuation(body, quote.start, quote.start + lead.start())
        if clause is None or count_words(body[quote.start : first_stop]) < 3:
            continue
        speaker = quote.speaker
        if lead.group("subject").strip():
            subject_start = quote.start + lead.start("subject")
            speaker = appositive_speaker(doc, subject_start, cue.start())
        first = _indirect(body, (quote.start, first_stop), quote.speaker, quote.cue)
        second = _indirect(body, clause, speaker, cue.group())
        return [first, *split_attributions(doc, second, end)]
    concession = _CONCESSION.search(body, quote.start, quote.end)
    if concession and count_words(body[quote.start : concession.start()]) >= 3:
        # "claimed A, although he refused to B": B is the writer's
        return [_indirect(body, (quote.start, concession.start()), quote.speaker, quote.cue)]
    return [quote]
