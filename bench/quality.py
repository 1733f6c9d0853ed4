"""Measure the NLP layer against the gold sets: `python -m bench.quality`.

Prints, per task and set, precision / recall / F1 beside its target, then one JSON line of
every figure. Sets: the project's own gold articles (tests/gold/, the `dev` split tuned on
and the `heldout` split not tuned on), and the shared cleaning sets
(../shared/data/cleaning/plaintext.jsonl and html/, read at run time, skipped with a note
when absent), and the external dev sets PolNeAR and CoNLL-2003 through their own scorer
(../shared/data/external/score.py; key figures only, `--no-external` skips them).
The gold file format and annotation rules are in tests/gold/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.external import format_external, score_external
from bench.quote_cost import format_cost, measure_cost
from schemas.articles import EnrichedArticle, RawArticle
from streams.nlp.cleaning import EmptyArticleError, clean_article, clean_text
from streams.nlp.entities import name_key

REPO = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO / "tests" / "gold"
SHARED_CLEANING = REPO.parent / "shared" / "data" / "cleaning"
SPLITS = ("dev", "heldout")

# Labels whose entities the gold set lists.
ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
     "LANGUAGE"}
)  # fmt: skip

QUOTE_MATCH_F1 = 0.5  # a predicted quote matches a gold one at this token F1 or more

TARGETS = {
    "cleaning_f1": 0.98,
    "plaintext_f1": 0.97,
    "html_f1": 0.96,
    "headline_exact": 0.95,
    "direct_f1": 0.95,
    "speaker_accuracy": 0.92,
    "indirect_f1": 0.75,
    "entity_f1": 0.88,
    "persons_twice": 0,
}

# "{{...}}" inside a gold content line: raw text the body leaves out (a dateline, a sign-off).
_REMOVED_INLINE = re.compile(r"\{\{(.*?)\}\}")

# Words, for quote token F1.
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class GoldQuote:
    """A quote the gold set expects: its text, kind and speaker's canonical name (or None)."""

    text: str
    kind: str
    speaker: str | None


@dataclass(frozen=True)
class GoldEntity:
    """An entity the gold set expects: accepted canonical names (first preferred) and label."""

    names: tuple[str, ...]
    label: str


@dataclass
class GoldArticle:
    """One gold article: raw text in, and the body, headline, quotes and entities expected."""

    id: str
    split: str
    raw: str
    body: str
    headline: str | None
    quotes: list[GoldQuote] = field(default_factory=list)
    entities: list[GoldEntity] = field(default_factory=list)


class GoldFormatError(ValueError):
    """A gold file does not follow tests/gold/README.md."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem} (see tests/gold/README.md)")


def parse_gold(text: str, article_id: str, split: str) -> GoldArticle:
    """Parse one gold file: a `= raw` section of labelled lines, `= quotes`, `= entities`."""
    section = ""
    raw_lines: list[str] = []
    body: list[str] = []
    headline: str | None = None
    quotes: list[GoldQuote] = []
    entities: list[GoldEntity] = []
    for number, line in enumerate(text.split("\n"), start=1):
        where = f"{article_id}:{number}"
        if line.startswith("= "):
            section = line[2:].strip()
            continue
        if section == "raw":
            label, content = line[:1], line[2:]
            if label == ".":
                raw_lines.append(content)
            elif label in ("H", "X", "C"):
                raw_lines.append(_REMOVED_INLINE.sub(r"\1", content))
                if label == "H":
                    headline = content.strip()
                elif label == "C":
                    body.append(_REMOVED_INLINE.sub("", content).strip())
            else:
                raise GoldFormatError(where, f"unknown line label {label!r}")
        elif not line.strip() or line.startswith("#"):
            continue
        elif section == "quotes":
            quotes.append(_parse_quote(line, where))
        elif section == "entities":
            label, _, names = line.partition(" ")
            if label not in ENTITY_LABELS:
                raise GoldFormatError(where, f"unknown entity label {label!r}")
            entities.append(GoldEntity(tuple(n.strip() for n in names.split("/")), label))
        else:
            raise GoldFormatError(where, f"line outside a known section: {section!r}")
    return GoldArticle(article_id, split, "\n".join(raw_lines), "\n\n".join(body), headline,
                       quotes, entities)  # fmt: skip


def _parse_quote(line: str, where: str) -> GoldQuote:
    kind_code, _, rest = line.partition(" ")
    kind = {"d": "direct", "i": "indirect"}.get(kind_code)
    speaker, separator, quote = rest.partition("|")
    if kind is None or not separator:
        raise GoldFormatError(where, "a quote line reads 'd|i SPEAKER | TEXT'")
    name = speaker.strip()
    return GoldQuote(quote.strip(), kind, None if name == "-" else name)


def load_gold(root: Path = GOLD_DIR, splits: Sequence[str] = SPLITS) -> list[GoldArticle]:
    """Read every gold article under root/<split>/*.txt, in file-name order."""
    return [
        parse_gold(path.read_text(encoding="utf-8"), path.stem, split)
        for split in splits
        for path in sorted((root / split).glob("*.txt"))
    ]


@dataclass
class Counts:
    """True positives, false positives and false negatives, summed over articles."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        """Add one article's counts."""
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def prf(self) -> tuple[float, float, float]:
        """Return (precision, recall, F1); an empty side scores 1.0 only if both are empty."""
        if not (self.tp or self.fp or self.fn):
            return 1.0, 1.0, 1.0
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return precision, recall, f1(precision, recall)


def f1(precision: float, recall: float) -> float:
    """Return the harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def token_prf(predicted: Iterable[str], gold: Iterable[str]) -> tuple[float, float, float]:
    """Return bag-of-tokens (precision, recall, F1) of predicted against gold tokens."""
    pred_bag, gold_bag = Counter(predicted), Counter(gold)
    common = sum((pred_bag & gold_bag).values())
    if not common:
        return (1.0, 1.0, 1.0) if not pred_bag and not gold_bag else (0.0, 0.0, 0.0)
    precision, recall = common / sum(pred_bag.values()), common / sum(gold_bag.values())
    return precision, recall, f1(precision, recall)


def body_prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """Score a cleaned body against gold by whitespace tokens (case and punctuation count)."""
    return token_prf(predicted.split(), gold.split())


def quote_f1(predicted: str, gold: str) -> float:
    """Score a quote's text against gold by lowercased word tokens."""
    return token_prf(_WORD.findall(predicted.lower()), _WORD.findall(gold.lower()))[2]


def mean_prf(scores: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Return the per-item mean of (precision, recall, F1) triples."""
    if not scores:
        return 0.0, 0.0, 0.0
    n = len(scores)
    return (sum(s[0] for s in scores) / n, sum(s[1] for s in scores) / n,
            sum(s[2] for s in scores) / n)  # fmt: skip


def match_quotes(predicted: Sequence[str], gold: Sequence[str]) -> list[tuple[int, int]]:
    """Pair predicted with gold quotes one to one, best token F1 first, at QUOTE_MATCH_F1 up."""
    scored = sorted(
        ((quote_f1(p, g), i, j) for i, p in enumerate(predicted) for j, g in enumerate(gold)),
        reverse=True,
    )
    used_pred: set[int] = set()
    used_gold: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for score, i, j in scored:
        if score < QUOTE_MATCH_F1:
            break
        if i not in used_pred and j not in used_gold:
            used_pred.add(i)
            used_gold.add(j)
            pairs.append((i, j))
    return pairs


def same_name(predicted: str | None, gold: str) -> bool:
    """Tell whether a predicted name spells the gold name (case, hyphens, spaces aside)."""
    return predicted is not None and name_key(predicted) == name_key(gold)


def is_variant_of(predicted: str, gold: GoldEntity) -> bool:
    """Tell whether predicted is the gold name or a part of it ("Wang" of "Wang Yi")."""
    words = set(name_key(predicted).split())
    return bool(words) and any(words <= set(name_key(n).split()) for n in gold.names)


@dataclass
class ArticleFigures:
    """Counts of one set of articles, to be turned into figures."""

    bodies: list[tuple[float, float, float]] = field(default_factory=list)
    headlines: list[bool] = field(default_factory=list)
    direct: Counts = field(default_factory=Counts)
    indirect: Counts = field(default_factory=Counts)
    speakers: list[bool] = field(default_factory=list)
    entities: Counts = field(default_factory=Counts)
    persons_twice: list[str] = field(default_factory=list)

    def add(self, gold: GoldArticle, predicted: EnrichedArticle | None) -> None:
        """Score one article; None means the pipeline dropped it (everything missed)."""
        body = predicted.body if predicted else ""
        self.bodies.append(body_prf(body, gold.body))
        if gold.headline is not None:
            self.headlines.append(predicted is not None and predicted.headline == gold.headline)
        quotes = predicted.quotes if predicted else []
        for kind, counts in (("direct", self.direct), ("indirect", self.indirect)):
            self._add_quotes(
                [q for q in quotes if q.kind == kind], [q for q in gold.quotes if q.kind == kind],
                counts,
            )  # fmt: skip
        self._add_entities(gold, predicted)

    def _add_quotes(self, predicted: Sequence, gold: Sequence[GoldQuote], counts: Counts) -> None:
        pairs = match_quotes([q.text for q in predicted], [q.text for q in gold])
        counts.add(len(pairs), len(predicted) - len(pairs), len(gold) - len(pairs))
        for i, j in pairs:
            speaker = gold[j].speaker
            if speaker is not None:
                self.speakers.append(same_name(predicted[i].speaker, speaker))

    def _add_entities(self, gold: GoldArticle, predicted: EnrichedArticle | None) -> None:
        names = [e.name for e in predicted.entities] if predicted else []
        matched: set[int] = set()
        tp = 0
        for name in names:
            hit = next(
                (j for j, g in enumerate(gold.entities)
                 if j not in matched and any(same_name(name, n) for n in g.names)),
                None,
            )  # fmt: skip
            if hit is not None:
                matched.add(hit)
                tp += 1
        self.entities.add(tp, len(names) - tp, len(gold.entities) - tp)
        for entity in gold.entities:
            if entity.label == "PERSON" and sum(is_variant_of(n, entity) for n in names) > 1:
                self.persons_twice.append(f"{gold.id}: {entity.names[0]}")

    def figures(self) -> dict[str, float | int]:
        """Return this set's figures by name."""
        body = mean_prf(self.bodies)
        direct, indirect, entities = self.direct.prf(), self.indirect.prf(), self.entities.prf()
        return {
            "articles": len(self.bodies),
            "cleaning_p": body[0], "cleaning_r": body[1], "cleaning_f1": body[2],
            "headline_exact": _share(self.headlines),
            "direct_p": direct[0], "direct_r": direct[1], "direct_f1": direct[2],
            "speaker_accuracy": _share(self.speakers), "speakers_judged": len(self.speakers),
            "indirect_p": indirect[0], "indirect_r": indirect[1], "indirect_f1": indirect[2],
            "entity_p": entities[0], "entity_r": entities[1], "entity_f1": entities[2],
            "persons_twice": len(self.persons_twice),
        }  # fmt: skip


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def score_gold(
    golds: Sequence[GoldArticle], predicted: Sequence[EnrichedArticle | None]
) -> ArticleFigures:
    """Score predictions (one per gold article, same order) against the gold articles."""
    figures = ArticleFigures()
    for gold, article in zip(golds, predicted, strict=True):
        figures.add(gold, article)
    return figures


def run_pipeline(golds: Sequence[GoldArticle], model: str) -> list[EnrichedArticle | None]:
    """Enrich each gold article's raw text with the real pipeline; None if cleaning empties it."""
    from streams.nlp.enrich import enrich
    from streams.nlp.model import load_model

    nlp = load_model(model)
    results: list[EnrichedArticle | None] = []
    for gold in golds:
        try:
            [article] = enrich([RawArticle(id=gold.id, text=gold.raw)], nlp)
        except EmptyArticleError:
            results.append(None)
            continue
        results.append(article)
    return results


def score_plaintext(path: Path) -> dict[str, float | int]:
    """Score the text cleaner on plaintext.jsonl: body token P/R/F1 and headline exact."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    bodies, headlines = [], []
    for row in rows:
        parts = clean_text(row["raw_text"])
        bodies.append(body_prf("\n\n".join(parts.paragraphs), row["gold_text"]))
        headlines.append(parts.headline == row["headline"].strip())
    p, r, f = mean_prf(bodies)
    return {"articles": len(rows), "cleaning_p": p, "cleaning_r": r, "cleaning_f1": f,
            "headline_exact": _share(headlines)}  # fmt: skip


def score_html(folder: Path) -> dict[str, float | int]:
    """Score the HTML cleaner on html/*.html against the gold .txt beside each page."""
    bodies = []
    for page in sorted(folder.glob("*.html")):
        gold = page.with_suffix(".txt").read_text(encoding="utf-8")
        html = page.read_text(encoding="utf-8")
        try:
            body = clean_article(RawArticle(id=page.stem, html=html)).body
        except EmptyArticleError:
            body = ""
        bodies.append(body_prf(body, gold))
    p, r, f = mean_prf(bodies)
    return {"articles": len(bodies), "cleaning_p": p, "cleaning_r": r, "cleaning_f1": f}


# Table rows: (task, figure names as P, R, F1 or a single value, target key).
_ROWS = (
    ("cleaning body token", ("cleaning_p", "cleaning_r", "cleaning_f1"), "cleaning_f1"),
    ("headline exact", ("headline_exact",), "headline_exact"),
    ("direct quotes", ("direct_p", "direct_r", "direct_f1"), "direct_f1"),
    ("speaker accuracy", ("speaker_accuracy",), "speaker_accuracy"),
    ("indirect quotes", ("indirect_p", "indirect_r", "indirect_f1"), "indirect_f1"),
    ("entities (canonical)", ("entity_p", "entity_r", "entity_f1"), "entity_f1"),
    ("persons listed twice", ("persons_twice",), "persons_twice"),
)


def format_table(results: dict[str, dict[str, float | int]]) -> str:
    """Render the figures of each set as a fixed-width table with targets."""
    lines = [f"{'set':<22}{'task':<24}{'P':>7}{'R':>7}{'F1/value':>10}{'target':>9}"]
    for set_name, figures in results.items():
        target_of = dict(TARGETS)
        if set_name in ("plaintext.jsonl", "html/"):
            target_of["cleaning_f1"] = TARGETS["plaintext_f1" if "plain" in set_name else "html_f1"]
        label = f"{set_name} (n={figures['articles']})"
        for task, keys, target_key in _ROWS:
            if keys[-1] not in figures:
                continue
            values = [figures[k] for k in keys]
            cells = ["", "", *values] if len(values) == 1 else values
            text = "".join(
                f"{v:>7.3f}" if isinstance(v, float) and i < 2 else
                f"{v:>10.3f}" if isinstance(v, float) else f"{v!s:>{7 if i < 2 else 10}}"
                for i, v in enumerate(cells)
            )  # fmt: skip
            target = target_of[target_key]
            lines.append(f"{label:<22}{task:<24}{text}{target!s:>9}")
            label = ""
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every evaluation and print the table, notes and a final JSON line."""
    from streams.config import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="gold folder")
    parser.add_argument("--shared", type=Path, default=SHARED_CLEANING, help="shared cleaning data")
    parser.add_argument("--no-html", action="store_true", help="skip the (slow) HTML set")
    parser.add_argument(
        "--no-external", action="store_true", help="skip the external dev sets (PolNeAR, CoNLL)"
    )
    parser.add_argument(
        "--cost", action="store_true", help="also time the quote rules against bare nlp.pipe"
    )
    parser.add_argument(
        "--errors", action="store_true", help="list what the dev split missed (never held-out)"
    )
    args = parser.parse_args(argv)

    results: dict[str, dict[str, float | int]] = {}
    notes: list[str] = []
    golds = load_gold(args.gold)
    predicted = run_pipeline(golds, Settings().spacy_model)
    for split in SPLITS:
        chosen = [(g, p) for g, p in zip(golds, predicted, strict=True) if g.split == split]
        if not chosen:
            notes.append(f"no gold articles in split {split!r}")
            continue
        figures = score_gold([g for g, _ in chosen], [p for _, p in chosen])
        results[f"gold {split}"] = figures.figures()
        notes.extend(f"person listed twice: {p}" for p in figures.persons_twice)
        if args.errors and split == "dev":
            print_errors([g for g, _ in chosen], [p for _, p in chosen])
    plaintext = args.shared / "plaintext.jsonl"
    if plaintext.is_file():
        results["plaintext.jsonl"] = score_plaintext(plaintext)
    else:
        notes.append(f"skipped plaintext.jsonl: {plaintext} is not there")
    html = args.shared / "html"
    if args.no_html:
        notes.append("skipped html/: --no-html")
    elif html.is_dir():
        results["html/"] = score_html(html)
    else:
        notes.append(f"skipped html/: {html} is not there")
    external: dict[str, dict[str, float]] = {}
    if args.no_external:
        notes.append("skipped external sets: --no-external")
    else:
        external, external_notes = score_external()
        notes.extend(external_notes)
    print(format_table(results))
    if external:
        print(format_external(external))
    if args.cost:
        print(format_cost(measure_cost(Settings().spacy_model)))
    for note in notes:
        print(f"note: {note}")
    every = {**results, **{f"{name} (external)": f for name, f in external.items()}}
    print(json.dumps({k: {n: round(v, 4) for n, v in f.items()} for k, f in every.items()}))
    return 0


def print_errors(golds: Sequence[GoldArticle], predicted: Sequence[EnrichedArticle | None]) -> None:
    """Print, per gold article, the body tokens, quotes, speakers and entities it got wrong."""
    for gold, article in zip(golds, predicted, strict=True):
        out = [f"== {gold.split}/{gold.id}"]
        body = article.body if article else ""
        if body != gold.body:
            extra = Counter(body.split()) - Counter(gold.body.split())
            missing = Counter(gold.body.split()) - Counter(body.split())
            out.append(f"  body extra {sorted(extra)[:20]} missing {sorted(missing)[:20]}")
        if gold.headline is not None and (article is None or article.headline != gold.headline):
            out.append(f"  headline {article.headline if article else None!r}")
        quotes = article.quotes if article else []
        for kind in ("direct", "indirect"):
            pred = [q for q in quotes if q.kind == kind]
            want = [q for q in gold.quotes if q.kind == kind]
            pairs = match_quotes([q.text for q in pred], [q.text for q in want])
            for i, j in pairs:
                wanted = want[j].speaker
                if wanted and not same_name(pred[i].speaker, wanted):
                    out.append(f"  {kind} speaker {pred[i].speaker!r} != {wanted!r}: "
                               f"{want[j].text[:50]!r}")  # fmt: skip
            for i in set(range(len(pred))) - {i for i, _ in pairs}:
                out.append(f"  {kind} extra {pred[i].speaker!r}: {pred[i].text[:70]!r}")
            for j in set(range(len(want))) - {j for _, j in pairs}:
                out.append(f"  {kind} missed {want[j].speaker!r}: {want[j].text[:70]!r}")
        names = [e.name for e in article.entities] if article else []
        gold_names = [n for e in gold.entities for n in e.names]
        extra_names = [n for n in names if not any(same_name(n, g) for g in gold_names)]
        missed = [e.names[0] for e in gold.entities if not any(
            same_name(n, g) for n in names for g in e.names)]  # fmt: skip
        if extra_names or missed:
            out.append(f"  entities extra {extra_names} missed {missed}")
        if len(out) > 1:
            print("\n".join(out), file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
