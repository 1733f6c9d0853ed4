"""Count the quote error classes of issue 11 in the external scorer's error file.

    python3 ../shared/data/external/score.py polnear-dev --cmd "newsflow enrich -" \\
        --save out.jsonl --errors-file errors.jsonl
    python -m bench.quote_errors errors.jsonl --output out.jsonl

Reads the gold (../shared/data/external/polnear-dev/gold.jsonl) at run time to see where a
quote's source sits, and the saved output to see the labels of predicted speakers. Prints one
count per class; a quote error can fall in more than one class. With --output it also sorts
the misses of the scorer's strict speaker figure (matched direct quotes, named gold) into
kinds, among them the ones strict cannot credit to any full name: a gold name that is a bare
surname two people in the article share, or one that runs on past the name.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from streams.nlp.cues import lexicon

GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "polnear-dev"

_PRONOUNS = frozenset({"he", "she", "they", "it", "i", "we", "you", "him", "her", "them"})
_WORD = re.compile(r"[\w’'-]+")

CLASSES = (
    "speaker: pronoun source",
    "speaker: nominal source (the minister / the company)",
    "speaker: source in another paragraph (continuation)",
    "speaker: label or sign-off (Name, role: / ― Name)",
    "speaker: cue not in the lexicon (uncommon verb)",
    "speaker: modifier or possessor chosen",
    "speaker: place chosen",
    "speaker: short or long form of the right name",
    "speaker: null (other)",
    "speaker: wrong name (other)",
    "direct missed: fragment of 1-3 words",
    "direct missed: 4+ words",
    "direct extra",
    "indirect extra: no speaker",
    "indirect extra: with a speaker",
    "indirect missed",
)


STRICT_KINDS = (
    "strict miss: gold a bare shared surname, ours a full name ending in it",
    'strict miss: gold runs on past the name ("X of New York", a title run), ours the name',
    "strict miss: gold an acronym, ours its long form",
    "strict miss: no speaker",
    "strict miss: another name",
)


def _words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower())


def _label_of(outputs: dict[str, Any], article: str, name: str | None) -> str | None:
    for entity in outputs.get(article, {}).get("entities", []):
        if entity["name"] == name:
            return str(entity["label"])
    return None


def _gold_quote(gold: dict[str, Any], error: dict[str, Any]) -> dict[str, Any] | None:
    for quote in gold.get(error["id"], {}).get("quotes", []):
        if quote["quote"] == error.get("quote"):
            return dict(quote)
    return None


def _source_paragraph_differs(row: dict[str, Any], quote: dict[str, Any]) -> bool:
    """Tell whether the quote's source mention is outside the quote's paragraph."""
    raw, source = row["raw_text"], quote.get("source_text") or ""
    para_start = raw.rfind("\n\n", 0, quote["start"]) + 2
    para_end = raw.find("\n\n", quote["end"])
    para_end = len(raw) if para_end < 0 else para_end
    return bool(source) and source not in raw[para_start:para_end]


def classify_speaker(
    error: dict[str, Any], gold: dict[str, Any], outputs: dict[str, Any]
) -> list[str]:
    """Return the classes of one wrong-speaker error."""
    classes: list[str] = []
    source_words = _words(error.get("source_text"))
    cue_words = _words(error.get("cue"))
    pred, want = error.get("pred"), error.get("gold")
    forms = {w.lower() for w in lexicon().cue.pattern.split("|")}
    if source_words and source_words[0] in _PRONOUNS and len(source_words) <= 2:
        classes.append(CLASSES[0])
    elif source_words and source_words[0] in ("the", "a", "an", "its", "his", "her"):
        classes.append(CLASSES[1])
    quote = _gold_quote(gold, error)
    if quote is not None and _source_paragraph_differs(gold[error["id"]], quote):
        classes.append(CLASSES[2])
    if not cue_words or set(error.get("cue", "")) <= set(":―—–- "):
        classes.append(CLASSES[3])
    elif not any(w in "|".join(forms) for w in cue_words):
        classes.append(CLASSES[4])
    if pred and any(w in source_words for w in _words(pred)) and pred != want:
        classes.append(CLASSES[5])
    if pred and _label_of(outputs, error["id"], pred) in ("GPE", "LOC", "FAC"):
        classes.append(CLASSES[6])
    pred_words, want_words = set(_words(pred)), set(_words(want))
    if pred and (pred_words < want_words or want_words < pred_words):
        classes.append(CLASSES[7])
    if not classes:
        classes.append(CLASSES[8] if pred is None else CLASSES[9])
    return classes


def classify(error: dict[str, Any], gold: dict[str, Any], outputs: dict[str, Any]) -> list[str]:
    """Return the classes of one scorer error."""
    kind = error["type"]
    if kind.startswith("speaker"):
        return classify_speaker(error, gold, outputs)
    if kind == "missed direct":
        return [CLASSES[10] if len(_words(error.get("gold"))) <= 3 else CLASSES[11]]
    if kind == "extra direct":
        return [CLASSES[12]]
    if kind == "extra indirect":
        return [CLASSES[13] if error.get("speaker") is None else CLASSES[14]]
    return [CLASSES[15]]


def count_classes(
    errors_file: Path, output_file: Path | None, gold_dir: Path = GOLD
) -> Counter[str]:
    """Count the error classes of a scorer's --errors-file output."""
    gold = {}
    with (gold_dir / "gold.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            gold[row["id"]] = row
    outputs: dict[str, Any] = {}
    if output_file is not None:
        with output_file.open(encoding="utf-8") as rows:
            for line in rows:
                record = json.loads(line)
                outputs[record["id"]] = record
    counts: Counter[str] = Counter()
    with errors_file.open(encoding="utf-8") as lines:
        for line in lines:
            counts.update(classify(json.loads(line), gold, outputs))
    return counts


def load_scorer(gold_dir: Path = GOLD) -> ModuleType:
    """Import the external sets' score.py (stdlib only) from ../shared, for its matching."""
    spec = importlib.util.spec_from_file_location("score", gold_dir.parent / "score.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(gold_dir.parent / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def strict_kind(scorer: ModuleType, pred: str | None, want: str) -> str:
    """Return the kind of one strict-speaker miss: pred is ours, want the scorer's gold."""
    ours, gold = scorer.name_key(pred), scorer.name_key(want)
    if pred is None:
        return STRICT_KINDS[3]
    if len(gold) == 1 and len(ours) > 1 and ours[-1] == gold[0]:
        return STRICT_KINDS[0]
    if ours and set(ours) < set(gold):
        return STRICT_KINDS[1]
    if want.isupper() and "".join(w[0] for w in ours if w not in ("of", "and", "for")) == gold[0]:
        return STRICT_KINDS[2]
    return STRICT_KINDS[4]


def count_strict_misses(output_file: Path, gold_dir: Path = GOLD) -> Counter[str]:
    """Count the kinds of the strict speaker figure's misses in a saved output."""
    scorer = load_scorer(gold_dir)
    outputs = {}
    with output_file.open(encoding="utf-8") as rows:
        for line in rows:
            record = json.loads(line)
            outputs[record["id"]] = record
    counts: Counter[str] = Counter()
    with (gold_dir / "gold.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            golds = [q for q in row["quotes"] if q["kind"] == "direct"]
            preds = [
                q for q in outputs.get(row["id"], {}).get("quotes", []) if q["kind"] == "direct"
            ]
            pairs = scorer.match([q["text"] for q in preds], [q["quote"] for q in golds])
            for i, j in pairs:
                gold, pred = golds[j], preds[i].get("speaker")
                if gold["speaker_status"] == "named" and not scorer.same_name(
                    pred, gold["speaker"]
                ):
                    counts[strict_kind(scorer, pred, gold["speaker"])] += 1
    return counts


def main() -> None:
    """Print the error class counts of one scorer run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("errors", type=Path, help="the scorer's --errors-file output")
    parser.add_argument("--output", type=Path, help="the scorer's --save output (for labels)")
    args = parser.parse_args()
    counts = count_classes(args.errors, args.output)
    for name in CLASSES:
        print(f"{counts[name]:5d}  {name}")
    if args.output is not None:
        strict = count_strict_misses(args.output)
        for name in STRICT_KINDS:
            print(f"{strict[name]:5d}  {name}")


if __name__ == "__main__":
    main()
